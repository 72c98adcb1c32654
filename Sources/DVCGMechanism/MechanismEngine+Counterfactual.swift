import DVCGCheckpoint
import DVCGCore
import DVCGNeural

extension MechanismEngine {
    /// SW'_-i of eqs. (31)-(33) for every participant, in VC: the welfare the others would reach
    /// in one step if VSP i held nothing, by the bank's models (the target actors move, the VoI
    /// nets value the result).
    ///
    /// Exact up to ``MechanismConfiguration/exactCounterfactualLimit``: for each i the others'
    /// shares are renormalised without i, their target actors act greedily on the counterfactual
    /// observations, the actions are applied (s_min floor, norm()), and the VoI nets sum the
    /// others' utilities: O(N^2) evaluations, batched per VSP. Above the limit, the others' target
    /// actions at the actual state are used and the renormalisation without i is expanded to
    /// first order with the VoI nets' input gradients: O(N).
    ///
    /// - Parameters:
    ///   - nets: The participants' networks.
    ///   - previous: The participants' allocation s~_{t-1}.
    /// - Returns: N estimates; 0 for a lone VSP (nobody else).
    func counterfactualWelfare(nets: [NetworkSet], previous: Allocation) -> [Double] {
        let n = previous.vspCount
        guard n > 1 else { return [0] }
        return n <= configuration.exactCounterfactualLimit
            ? exactCounterfactualWelfare(nets: nets, previous: previous)
            : approximateCounterfactualWelfare(nets: nets, previous: previous)
    }

    private func exactCounterfactualWelfare(nets: [NetworkSet], previous: Allocation) -> [Double] {
        let n = previous.vspCount
        let k = resourceCount
        let l = levelCount
        let levels = actionSpace.levels
        let floor = actionSpace.minimumShare
        // t[i][j * k + c]: VSP j's scaled share of resource c when i is absent (row i unused).
        var scaled = [[Double]](repeating: [Double](repeating: 0, count: n * k), count: n)
        for j in 0..<n {
            var rows: [Float] = []
            rows.reserveCapacity((n - 1) * 2 * k)
            var shares: [[Double]] = []
            for i in 0..<n where i != j {
                var s = [Double](repeating: 0, count: k)
                var o = [Float](repeating: 0, count: 2 * k)
                for c in 0..<k {
                    let rest = 1 - previous[i, c]
                    s[c] = rest > 1e-12 ? previous[j, c] / rest : 1 / Double(n - 1)
                    o[c] = Float(s[c])
                    o[k + c] = n > 2 && configuration.learning.meanField ? Float((1 - s[c]) / Double(n - 2)) : 0
                }
                shares.append(s)
                rows.append(contentsOf: o)
            }
            let logits = nets[j].actorTarget.forward(Matrix(rows: n - 1, columns: 2 * k, values: rows))
            var r = 0
            for i in 0..<n where i != j {
                for c in 0..<k {
                    let start = r * k * l + c * l
                    let level = argmax(logits.values[start..<(start + l)])
                    scaled[i][j * k + c] = max(shares[r][c] * (1 + levels[level]), floor)
                }
                r += 1
            }
        }
        return counterfactualSums(nets: nets, scaled: scaled)
    }

    /// sum_{j != i} f_j(s'_j) for every i, from the others' floored, scaled shares without i
    /// (`scaled[i][j * K + c]`, row i unused): each counterfactual column is normalised, then each
    /// VSP's VoI net values its N - 1 counterfactual shares in one batch.
    func counterfactualSums(nets: [NetworkSet], scaled: [[Double]]) -> [Double] {
        let n = scaled.count
        let k = resourceCount
        var totals = [[Double]](repeating: [Double](repeating: 0, count: k), count: n)
        for i in 0..<n {
            for j in 0..<n where j != i {
                for c in 0..<k { totals[i][c] += scaled[i][j * k + c] }
            }
        }
        var estimates = [Double](repeating: 0, count: n)
        for j in 0..<n {
            var rows: [Float] = []
            rows.reserveCapacity((n - 1) * k)
            for i in 0..<n where i != j {
                for c in 0..<k { rows.append(Float(scaled[i][j * k + c] / totals[i][c])) }
            }
            let values = nets[j].voi.forward(Matrix(rows: n - 1, columns: k, values: rows))
            var r = 0
            for i in 0..<n where i != j {
                estimates[i] += Double(values.values[r])
                r += 1
            }
        }
        return estimates
    }

    private func approximateCounterfactualWelfare(nets: [NetworkSet], previous: Allocation) -> [Double] {
        let n = previous.vspCount
        let k = resourceCount
        let l = levelCount
        let observations = Self.observations(previous, meanField: configuration.learning.meanField)
        let levels = Self.greedyLevels((0..<n).map { nets[$0].actorTarget.evaluate(observations[$0])[...] }, k: k, l: l)
        return approximateCounterfactualWelfare(nets: nets, previous: previous, levels: levels)
    }

    /// The first-order counterfactual of ``counterfactualWelfare(nets:previous:)`` above the exact
    /// limit, given each VSP's target-actor levels at the actual state (`levels[j * K + c]`): O(N).
    ///
    /// - Parameter known: The VoI values and input gradients (row-major N x K) at the allocation the levels give,
    ///   when the caller has them; else they are computed here.
    func approximateCounterfactualWelfare(
        nets: [NetworkSet], previous: Allocation, levels: [Int],
        at known: (values: [Double], gradients: [Double])? = nil
    ) -> [Double] {
        let n = previous.vspCount
        let k = resourceCount
        var scaled = [Double](repeating: 0, count: n * k)
        var totals = [Double](repeating: 0, count: k)
        for j in 0..<n {
            for c in 0..<k {
                let level = levels[j * k + c]
                let t = max(previous[j, c] * (1 + actionSpace.levels[level]), actionSpace.minimumShare)
                scaled[j * k + c] = t
                totals[c] += t
            }
        }
        let (values, elasticities, elasticity) = voiValuesAndElasticities(
            nets: nets, scaled: scaled, totals: totals, known: known)
        let total = values.reduce(0, +)
        return (0..<n).map { i in
            var estimate = total - values[i]
            for c in 0..<k {
                let rest = totals[c] - scaled[i * k + c]
                guard rest > 0 else { continue }
                // Without i, the others' shares of c grow by the factor totals / rest.
                estimate += (elasticity[c] - elasticities[i * k + c]) * (totals[c] / rest - 1)
            }
            return estimate
        }
    }

    /// At the shares s_jc = scaled_jc / totals_c: f_j(s_j) for every VSP j, (df_j/ds_jc) s_jc (row-major N x K)
    /// and its sum over j per resource, from the VoI nets, or from `known` values and input gradients at those shares.
    func voiValuesAndElasticities(
        nets: [NetworkSet], scaled: [Double], totals: [Double], known: (values: [Double], gradients: [Double])? = nil
    ) -> (values: [Double], elasticities: [Double], sums: [Double]) {
        let k = totals.count
        var shares = scaled
        for index in shares.indices { shares[index] /= totals[index % k] }
        let (values, gradients) = known ?? Self.voiValuesAndGradients(nets, shares: shares, resourceCount: k)
        var elasticities = gradients
        var sums = [Double](repeating: 0, count: k)
        for index in elasticities.indices {
            elasticities[index] *= shares[index]
            sums[index % k] += elasticities[index]
        }
        return (values, elasticities, sums)
    }

    /// The per-VSP difference reward of a round, in units of the mean bid: r_i = W(s*) - W(s*
    /// with VSP i's actions replaced by the no-change level), W the VoI nets' welfare.
    ///
    /// VSP i's own term is exact; the others' change (their shares rescale when i's share
    /// changes) is expanded to first order with the VoI nets' input gradients, so the rewards of
    /// a round cost O(N).
    func differenceRewards(nets: [NetworkSet], previous: Allocation, actions: [Int], bids: [Double]) -> [Double] {
        let n = previous.vspCount
        let k = resourceCount
        let neutral = actionSpace.neutralLevel!
        let levels = actionSpace.levels
        let floor = actionSpace.minimumShare
        var scaled = [Double](repeating: 0, count: n * k)
        var totals = [Double](repeating: 0, count: k)
        for j in 0..<n {
            for c in 0..<k {
                let t = max(previous[j, c] * (1 + levels[actions[j * k + c]]), floor)
                scaled[j * k + c] = t
                totals[c] += t
            }
        }
        let (values, elasticities, elasticity) = voiValuesAndElasticities(nets: nets, scaled: scaled, totals: totals)
        let meanBid = max(bids.reduce(0, +) / Double(n), 1e-9)
        _ = neutral
        var workspace = MLPWorkspace(layerSizes: nets[0].voi.layerSizes)
        return (0..<n).map { i in
            var counterfactualTotals = totals
            var own = [Double](repeating: 0, count: k)
            for c in 0..<k {
                let t0 = max(previous[i, c], floor)
                counterfactualTotals[c] += t0 - scaled[i * k + c]
                own[c] = t0 / counterfactualTotals[c]
            }
            let ownCounterfactual = workspace.value(nets[i].voi, at: own)
            var reward = values[i] - ownCounterfactual
            for c in 0..<k {
                reward -= (elasticity[c] - elasticities[i * k + c]) * (totals[c] / counterfactualTotals[c] - 1)
            }
            guard configuration.learning.shareScaledReward else { return reward / meanBid }
            var meanShare = 0.0
            for c in 0..<k { meanShare += max(previous[i, c], floor) / Double(k) }
            return reward / (meanBid * meanShare * Double(n))
        }
    }

    /// Appends each participant's transition (critic input and reward) to its bill and ages it:
    /// the mean-field encoding, or the joint one when the policy has a joint critic (DVCG-MADDPG).
    mutating func appendTransitions(ids: [VSPID], observations: [[Float]], actions: [Int], rewards: [Double]) {
        let k = resourceCount
        let l = levelCount
        // A shared policy's critic sees [relative shares, one-hot a_i, mean one-hot a_-i, value ratios],
        // the mean-field layout with the shared actor's inputs in place of (s_i, o-bar_i).
        let inputs =
            architecture.jointRoster.map {
                Self.jointCriticInputs(roster: $0, ids: ids, observations: observations, actions: actions, k: k, l: l)
            }
            ?? Self.meanFieldCriticInputs(
                observations: observations, actions: actions, k: k, l: l,
                meanField: isShared || configuration.learning.meanField)
        for (i, input) in inputs.enumerated() {
            if shared != nil {
                shared!.bill.append(input + [Float(rewards[i])])
            } else {
                agents[ids[i]]!.bill.append(input + [Float(rewards[i])])
            }
            agents[ids[i]]!.state.age += 1
        }
    }

    /// The mean-field critic inputs [s_i, one-hot a_i, leave-one-out mean one-hot action of the
    /// others, o-bar_i] (K + 2 K L + K values) of every participant; the mean-field parts are zero
    /// without the mean field (DVCG-MARL).
    ///
    /// - Parameters:
    ///   - observations: Actor inputs [o_i, o-bar_i] per participant.
    ///   - actions: Level indices, row-major N x K.
    static func meanFieldCriticInputs(observations: [[Float]], actions: [Int], k: Int, l: Int, meanField: Bool)
        -> [[Float]]
    {
        let n = observations.count
        var meanAction = [Float](repeating: 0, count: k * l)
        for i in 0..<n { for c in 0..<k { meanAction[c * l + actions[i * k + c]] += 1 } }
        return (0..<n).map { i in
            var row = [Float](repeating: 0, count: k + 2 * k * l + k)
            for c in 0..<k {
                row[c] = observations[i][c]
                row[k + 2 * k * l + c] = observations[i][k + c]
                row[k + c * l + actions[i * k + c]] = 1
            }
            for index in 0..<(k * l) {
                var others = meanAction[index]
                if index % l == actions[i * k + index / l] { others -= 1 }
                row[k + k * l + index] = n > 1 && meanField ? others / Float(n - 1) : 0
            }
            return row
        }
    }

    /// The joint critic inputs of DVCG-MADDPG (N (K + K L) + K values, N = the roster's size) of
    /// every participant i: its own slot [s_i, one-hot a_i] first, then one slot [s_j, one-hot
    /// a_j] for each other roster VSP in roster order (all zeros for one that takes no part in the
    /// round), then o-bar_i. The own slot comes first so that the actor update swaps the own
    /// action at the same columns as with the mean-field critic, and o-bar_i last as there.
    ///
    /// - Parameters:
    ///   - roster: The policy's joint roster (every participant is in it).
    ///   - ids: The participants, in the order of `observations`.
    ///   - observations: Actor inputs [o_i, o-bar_i] per participant.
    ///   - actions: Level indices, row-major N x K.
    static func jointCriticInputs(
        roster: [String], ids: [VSPID], observations: [[Float]], actions: [Int], k: Int, l: Int
    ) -> [[Float]] {
        let slot = k + k * l
        var position: [String: Int] = [:]
        for (i, id) in ids.enumerated() { position[id.rawValue] = i }
        return ids.indices.map { i in
            var row = [Float](repeating: 0, count: roster.count * slot + k)
            func fill(_ j: Int, at offset: Int) {
                for c in 0..<k {
                    row[offset + c] = observations[j][c]
                    row[offset + k + c * l + actions[j * k + c]] = 1
                }
            }
            fill(i, at: 0)
            var offset = slot
            for member in roster where member != ids[i].rawValue {
                if let j = position[member] { fill(j, at: offset) }
                offset += slot
            }
            for c in 0..<k { row[roster.count * slot + c] = observations[i][k + c] }
            return row
        }
    }
}
