import DVCGCheckpoint
import DVCGCore
import DVCGNeural
import Foundation

extension MechanismEngine {
    /// Runs round t for the VSPs that bid (docs/learning.md, "One round", and, when learning, the bill).
    ///
    /// A registered VSP without a bid takes no part: share 0 this round, no loan, no tax; its
    /// state is kept for its next round. The participants' current shares are normalised per
    /// resource, then: 1. VoI_i = f_i(s~_{i,t-1}), pool F_P (12, 29); 2. bids financed up to the pool
    /// (``Bank/financedBids(bids:pool:unreported:)``) and loans (13); 3. actor
    /// actions (greedy, or exploring when learning), proposal s*, U*_i, SW*; 4. noise (15-16);
    /// 5. SW_-i from the counterfactual rollout of the target actors over the VoI nets (31-33),
    /// clamped to the bill's maxima (30), externality (17), interest and tax (18).
    ///
    /// - Parameters:
    ///   - round: t, after the last round run.
    ///   - bids: Sealed bids in VC by VSP; every key registered, every amount finite and >= 0.
    ///   - entriesReady: Called once with the round's entries as soon as they are final, before the engine's own
    ///     bookkeeping of the round (a daemon starts writing them to its ledger meanwhile); not called when nobody
    ///     bid or when the round throws before its entries are made. Nothing after the call throws.
    /// - Returns: The outcome, entries sorted by VSP id; no entries when nobody bid.
    /// - Throws: ``EngineError/roundNotAfterLast(round:last:)``, ``EngineError/unknownVSP(_:)``,
    ///   ``EngineError/invalidBid(_:_:)``, ``EngineError/mechanism(_:)``; the engine is then unchanged.
    public mutating func runRound(
        round: RoundNumber, bids: [VSPID: Double], entriesReady: (([RoundEntry]) -> Void)? = nil
    ) throws(EngineError) -> RoundOutcome {
        if let lastRound, round <= lastRound { throw .roundNotAfterLast(round: round, last: lastRound) }
        for (id, amount) in bids {
            guard agents[id] != nil else { throw .unknownVSP(id) }
            guard amount.isFinite, amount >= 0 else { throw .invalidBid(id, amount) }
        }
        let ids = roster.filter { bids[$0] != nil }
        let n = ids.count
        let k = resourceCount
        guard n > 0 else {
            lastRound = round
            voiFittedSinceRound = false
            return RoundOutcome(
                round: round, pool: 0, noiseScale: 0, proposedWelfare: 0, welfareEstimate: 0, entries: [])
        }
        let bidList = ids.map { bids[$0]! }
        // The bank fits the VoI nets of a shared policy to the reports received since the last fit
        // (kept only if the round commits), unless the host has already called fitVoINets() since the
        // last round.
        // Only a fit here changes the agents before the commit below, so only then is the roster kept for
        // an abandoned round (holding a copy would make the commit's in-place writes copy all N agents).
        var agentsBefore: [VSPID: VSPAgent]? = nil
        let generatorBefore = generator
        let learningGeneratorBefore = learningGenerator
        let fittedBefore = voiFittedSinceRound
        var probedSlots: [Dictionary<VSPID, VSPAgent>.Index] = []
        if isShared, !voiFittedSinceRound {
            agentsBefore = agents
            fitVoINets()
        }
        // One dictionary lookup per participant; later passes use these positions.
        let slots = ids.map { agents.index(forKey: $0)! }
        // Each participant's networks and state, read once in place (Dictionary.Values' getter would copy the
        // whole agent, its networks', optimisers' and buffers' references, at every read).
        var nets: [NetworkSet] = []
        var states: [VSPState] = []
        nets.reserveCapacity(n)
        states.reserveCapacity(n)
        for slot in slots {
            Self.lend(&agents.values[slot]) { agent in
                nets.append(agent.networks)
                states.append(agent.state)
            }
        }
        do {
            // The participants' state s~_{t-1}, renormalised over those taking part.
            var raw: [Double] = []
            raw.reserveCapacity(n * k)
            for state in states { raw.append(contentsOf: state.share) }
            let previous = try Allocation.normalizing(raw, vspCount: n, resourceCount: k)
            let fittedFlags = states.map { $0.voiFit.isFitted(configuration.voiFit) }

            // 1-2. Pool and loans (bank); a shared policy's marginal values come with the VoI.
            let marginalValues = isShared ? MarginalValues.of(previous, nets: nets) : nil
            let voi = marginalValues?.values ?? Self.voiValues(nets, previous)
            let pool = try Bank.pool(voi: voi)
            let unreported =
                configuration.limitsUnreportedCredit
                ? states.map { $0.voiFit.lastReport == nil } : nil
            let financed = try Bank.financedBids(bids: bidList, pool: pool, unreported: unreported)
            let loans = try Bank.loans(bids: financed, pool: pool)

            // 3. Actions and proposal (NSP). A shared actor sees shares and the bank's value ratios.
            let observations =
                marginalValues.map {
                    Self.sharedObservations(previous, marginals: $0.marginals, prices: $0.prices)
                } ?? Self.observations(previous, meanField: configuration.learning.meanField)
            let logits = actorLogits(actors: shared.map { [$0.networks.actor] } ?? nets.map(\.actor), observations)
            var actions = chooseActions(logits: logits, ages: states.map(\.age))
            var proposal = try actionSpace.apply(actions, to: previous)
            // Online learning with a safeguard: the bank values the learner's greedy proposal, the loaded
            // policy's and the equal split; the better of the baselines serves while the learner is worse.
            var guardState = safeguard
            var decision: OnlineSafeguard.Decision? = nil
            if configuration.learns, let settings = configuration.learning.safeguard {
                let baselineActors =
                    isShared
                    ? [baseline.template.actor]
                    : ids.map { baseline.vsps[$0.rawValue]?.actor ?? baseline.template.actor }
                let baselineActions = Self.greedyLevels(
                    actorLogits(actors: baselineActors, observations), k: k, l: levelCount)
                let learnerProposal = try actionSpace.apply(
                    Self.greedyLevels(logits, k: k, l: levelCount), to: previous)
                let baselineProposal = try actionSpace.apply(baselineActions, to: previous)
                let equal = try Allocation.equalSplit(vspCount: n, resourceCount: k)
                // Judged only while more than half of the VoI nets are fitted: an unfitted net's estimate once made the
                // equal split look better than the loaded policy in a run's first rounds (docs/learning.md).
                let made = guardState.decide(
                    learner: Self.voiWelfare(nets, learnerProposal), baseline: Self.voiWelfare(nets, baselineProposal),
                    equalSplit: Self.voiWelfare(nets, equal), configuration: settings,
                    judging: 2 * fittedFlags.count(where: { $0 }) > n)
                switch made.serving {
                case .learner: break
                case .baseline:
                    actions = baselineActions
                    proposal = baselineProposal
                case .equalSplit:
                    actions = [Int](repeating: actionSpace.neutralLevel!, count: n * k)
                    proposal = equal
                }
                decision = made
            }
            // A shared policy's VSP whose VoI net is not fitted yet probes: for its first rounds each of
            // its resources moves by the largest step up or down at random, so that its reports span the
            // directions its marginal values are estimated from (the bank tells the NSP only that the net
            // is unfitted). Every round a few fitted VSPs probe once more (refresh), so that a net whose
            // marginal values are wrong where the rule has settled still sees reports elsewhere. A VSP's first
            // round is not a probe: its first report sets its net's output level (fitVoINets), and one from a
            // probe's extreme set it badly (a fresh N = 50 market: 0.94 of the optimum, 0.97 without; docs/learning.md,
            // "Probing").
            let settings = configuration.voiFit
            if isShared, settings.probeRounds > 0 || settings.refreshProbability > 0, decision?.serving != .equalSplit {
                var probing = generator
                var probed = false
                for i in 0..<n where !states[i].recentShares.isEmpty {
                    let state = states[i]
                    let young = state.probes < settings.probeRounds && !fittedFlags[i]
                    guard
                        young
                            || (settings.refreshProbability > 0 && probing.nextUniform() < settings.refreshProbability)
                    else { continue }
                    for c in 0..<k {
                        actions[i * k + c] =
                            probing.nextUniform() < 0.5 ? actionSpace.lowestLevel : actionSpace.highestLevel
                    }
                    if young { probedSlots.append(slots[i]) }
                    probed = true
                }
                if probed {
                    proposal = try actionSpace.apply(actions, to: previous)
                    generator = probing
                }
            }
            // A shared policy's counterfactual acts by its target actor's greedy levels; when they are the round's own
            // actions (a frozen policy, nobody probing), its shares are the proposal, whose VoI values and gradients
            // are then computed once for both.
            let counterfactualLevels =
                isShared && n > max(1, configuration.exactCounterfactualLimit)
                ? sharedTargetLevels(observations, actorLogits: logits) : nil
            let atProposal: (values: [Double], gradients: [Double])? =
                counterfactualLevels == actions ? Self.voiValuesAndGradients(nets, proposal) : nil
            let utilityEstimates = atProposal?.values ?? Self.voiValues(nets, proposal)
            let proposedWelfare = utilityEstimates.reduce(0, +)

            // 4. Noise (NSP).
            let scale =
                configuration.addsNoise ? try NSP.noiseScale(bids: financed, proposedWelfare: proposedWelfare) : 0
            var noiseGenerator = generator
            let realised = try NSP.perturbedAllocation(proposal, scale: scale, using: &noiseGenerator)

            // 5. Counterfactual welfare without each VSP, externality, interest, tax (bank).
            let realisedUtility = realised == proposal ? utilityEstimates : Self.voiValues(nets, realised)
            let welfareEstimate = realisedUtility.reduce(0, +)
            let estimates =
                marginalValues.map {
                    sharedCounterfactualWelfare(
                        nets: nets, previous: previous, marginals: $0.marginals, levels: counterfactualLevels,
                        atProposal: atProposal)
                } ?? counterfactualWelfare(nets: nets, previous: previous)
            var entries: [RoundEntry] = []
            entries.reserveCapacity(n)
            // The bill holds no round of this roster yet (the first round, or the first after a roster change,
            // ``resetBillMaxima()``): its maxima are this round's own welfare levels, so the round charges the
            // externality of (17) within [0, U~_i] rather than none (docs/learning.md, "Roster changes reset the
            // bill's maxima").
            let billIsEmpty = maximumPool == 0
            let reportedValues =
                configuration.protectsUnfittedVSPs ? Self.valuesAtLastReports(nets, states, fitted: fittedFlags) : nil
            for i in 0..<n {
                let state = states[i]
                let others = welfareEstimate - realisedUtility[i]
                let without = try Bank.clampedWelfareWithout(
                    estimate: estimates[i], maximumPool: billIsEmpty ? welfareEstimate : maximumPool,
                    maximumPoolWithout: billIsEmpty ? others : state.maximumPoolWithout)
                var externality = try Bank.externality(welfareWithout: without, othersWelfare: others)
                if configuration.capsExternality { externality = min(externality, max(0, realisedUtility[i])) }
                let fitted = fittedFlags[i]
                let protected = configuration.protectsUnfittedVSPs && !fitted
                let interest = try Bank.interest(
                    loan: loans[i],
                    utilityEstimate: protected
                        ? Self.unfittedUtilityEstimate(
                            state, valueAtLastReport: reportedValues?[i], fallback: loans[i],
                            estimate: utilityEstimates[i])
                        : utilityEstimates[i])
                let alphaHat = state.alphaEstimator.estimate(configuration.alphaMethod)
                var tax = try Bank.tax(
                    alphaHat: alphaHat, externality: externality, interest: interest,
                    chargesInterest: configuration.chargesInterest)
                if protected {
                    tax = min(tax, financed[i])
                } else if configuration.capsExternality, let last = state.voiFit.lastReport {
                    // Fitted: never more than the VSP's own last report says its slice was worth (a
                    // truthful bid), except for the interest, which its bid controls (docs/learning.md).
                    tax = min(tax, max(alphaHat * interest, last.utility))
                }
                entries.append(
                    RoundEntry(
                        vsp: ids[i], bid: bidList[i], financedBid: financed[i], loan: loans[i], voi: voi[i],
                        proposedShares: Array(proposal.shares(of: i)), realisedShares: Array(realised.shares(of: i)),
                        actions: Array(actions[(i * k)..<((i + 1) * k)]), utilityEstimate: utilityEstimates[i],
                        welfareWithout: without, externality: externality, interest: interest, alphaHat: alphaHat,
                        tax: tax, voiFitted: fitted))
            }

            // Commit: nothing above threw, and nothing below throws.
            entriesReady?(entries)
            agentsBefore = nil
            var rewards: [Double]? = nil
            if configuration.learns, decision?.serving != .equalSplit {
                rewards = differenceRewards(nets: nets, previous: previous, actions: actions, bids: financed)
            }
            generator = noiseGenerator
            safeguard = guardState
            let keep = configuration.billHalfLife > 0 ? pow(0.5, 1 / Double(configuration.billHalfLife)) : 1
            for slot in probedSlots { agents.values[slot].state.probes += 1 }
            for i in 0..<n {
                // Mutated in place through the dictionary's storage, so nothing is copied.
                let share = Array(realised.shares(of: i))
                agents.values[slots[i]].state.share = share
                agents.values[slots[i]].state.recentShares.append(RecordedShare(round: round, share: share))
                if agents.values[slots[i]].state.recentShares.count > Self.reportWindow {
                    agents.values[slots[i]].state.recentShares.removeFirst()
                }
                agents.values[slots[i]].state.maximumPoolWithout = Self.billMaximum(
                    states[i].maximumPoolWithout, welfareEstimate - realisedUtility[i], keep: keep)
                agents.values[slots[i]].realisedUtilityEstimate = (round, realisedUtility[i])
            }
            voiNetsChangedSinceRound = false
            maximumPool = Self.billMaximum(maximumPool, welfareEstimate, keep: keep)
            if let rewards {
                appendTransitions(ids: ids, observations: observations, actions: actions, rewards: rewards)
            }
            lastRound = round
            voiFittedSinceRound = false
            let optimum = trackOptimum(
                ids: ids, nets: nets, realised: realised, welfareEstimate: welfareEstimate)
            return RoundOutcome(
                round: round, pool: pool, noiseScale: scale, proposedWelfare: proposedWelfare,
                welfareEstimate: welfareEstimate, entries: entries, optimumEstimate: optimum,
                serving: decision?.serving, servingSwitched: decision?.switched ?? false)
        } catch {
            if let agentsBefore { agents = agentsBefore }
            generator = generatorBefore
            learningGenerator = learningGeneratorBefore
            voiFittedSinceRound = fittedBefore
            throw .mechanism(error)
        }
    }

    /// A bill maximum of (30) after a round whose value is `value`: the larger of the value and the old maximum's
    /// excess over it kept by the fraction `keep` (2^(-1/half-life); 1 keeps the all-time maximum).
    static func billMaximum(_ maximum: Double, _ value: Double, keep: Double) -> Double {
        max(value, value + keep * (maximum - value))
    }

    /// U*_i for the VC interest of a VSP whose VoI net is not fitted: its newest report moved by the
    /// net's change from that report's share to the proposed one, U_last + f_i(s*_i) - f_i(s_last), so
    /// the interest measures the bid against what the VSP reported rather than the bank's unfitted
    /// model; before any report, `fallback` (the loan for the interest, which is then 0; the bid for the
    /// noise scale).
    ///
    /// - Parameter valueAtLastReport: f_i(s_last) (``valuesAtLastReports(_:_:fitted:)``), nil without a report.
    static func unfittedUtilityEstimate(
        _ state: VSPState, valueAtLastReport: Double?, fallback: Double, estimate: Double
    ) -> Double {
        guard let last = state.voiFit.lastReport, let before = valueAtLastReport else { return fallback }
        return last.utility + estimate - before
    }

    /// f_i(s_last) of every unfitted participant with a report, by its VoI net at the share of its newest report
    /// (nil for the others), in one pass.
    static func valuesAtLastReports(_ nets: [NetworkSet], _ states: [VSPState], fitted: [Bool]) -> [Double?] {
        let reported = states.indices.filter { !fitted[$0] && states[$0].voiFit.lastReport != nil }
        var values = [Double?](repeating: nil, count: states.count)
        guard let first = reported.first else { return values }
        let k = states[first].voiFit.lastReport!.share.count
        var inputs: [Double] = []
        inputs.reserveCapacity(reported.count * k)
        for i in reported { inputs.append(contentsOf: states[i].voiFit.lastReport!.share) }
        let evaluated = VoIEvaluation.evaluate(nets, inputs: inputs, k: k, participants: reported, gradients: false)
        for (r, i) in reported.enumerated() { values[i] = evaluated.values[r] }
        return values
    }

    /// Actor inputs [o_i, o-bar_i] (2K values each) of every VSP of `allocation`; o-bar_i is the
    /// leave-one-out mean share of the others (0 without the mean field).
    static func observations(_ allocation: Allocation, meanField: Bool = true) -> [[Float]] {
        let n = allocation.vspCount
        let k = allocation.resourceCount
        let sums = allocation.columnSums
        return (0..<n).map { i in
            var o = [Float](repeating: 0, count: 2 * k)
            for c in 0..<k {
                let s = allocation[i, c]
                o[c] = Float(s)
                o[k + c] = n > 1 && meanField ? Float((sums[c] - s) / Double(n - 1)) : 0
            }
            return o
        }
    }

    /// Each participant's actor logits (K L values): one batched forward pass of a shared actor
    /// (`actors` holds one net), else each participant's own actor.
    func actorLogits(actors: [MLP], _ observations: [[Float]]) -> [ArraySlice<Float>] {
        let n = observations.count
        guard isShared else { return (0..<n).map { actors[$0].evaluate(observations[$0])[...] } }
        let width = resourceCount * levelCount
        let batch = actors[0].forward(Matrix(rows: n, columns: 2 * resourceCount, values: observations.flatMap { $0 }))
        return (0..<n).map { batch.values[($0 * width)..<(($0 + 1) * width)] }
    }

    /// The greedy level (argmax per resource) of every participant, row-major N x K.
    static func greedyLevels(_ logits: [ArraySlice<Float>], k: Int, l: Int) -> [Int] {
        var levels: [Int] = []
        levels.reserveCapacity(logits.count * k)
        for row in logits {
            let start = row.startIndex
            for c in 0..<k { levels.append(argmax(row[(start + c * l)..<(start + (c + 1) * l)])) }
        }
        return levels
    }

    /// sum_i f_i(s_i) of an allocation by the participants' VoI nets, in VC.
    static func voiWelfare(_ nets: [NetworkSet], _ allocation: Allocation) -> Double {
        voiValues(nets, allocation).reduce(0, +)
    }

    /// f_i(s_i) of every participant of an allocation by its VoI net, in VC.
    static func voiValues(_ nets: [NetworkSet], _ allocation: Allocation) -> [Double] {
        VoIEvaluation.evaluate(nets, inputs: allocation.shares, k: allocation.resourceCount, gradients: false).values
    }

    /// f_i(s_i) of every participant of an allocation and its input gradient df_i/ds_i (row-major N x K), in VC
    /// and VC per unit of share.
    static func voiValuesAndGradients(_ nets: [NetworkSet], _ allocation: Allocation) -> (
        values: [Double], gradients: [Double]
    ) {
        voiValuesAndGradients(nets, shares: allocation.shares, resourceCount: allocation.resourceCount)
    }

    /// ``voiValuesAndGradients(_:_:)`` of shares row-major N x K.
    static func voiValuesAndGradients(_ nets: [NetworkSet], shares: [Double], resourceCount k: Int) -> (
        values: [Double], gradients: [Double]
    ) {
        VoIEvaluation.evaluate(nets, inputs: shares, k: k, gradients: true)
    }

    /// Level indices, row-major N x K, from each participant's actor logits (K L values): greedy
    /// (argmax per resource) when frozen; when learning, per VSP and resource a uniform level with
    /// probability epsilon(age), else a draw from the actor.
    mutating func chooseActions(logits rows: [ArraySlice<Float>], ages: [Int]) -> [Int] {
        let k = resourceCount
        let l = levelCount
        var actions = [Int](repeating: 0, count: rows.count * k)
        // Within the exploration budget only the youngest participants explore; the others act greedily.
        var explores = [Bool](repeating: configuration.learns, count: rows.count)
        let budget = configuration.learning.explorationBudget
        if configuration.learns, budget < 1 {
            let allowed = Int((budget * Double(rows.count)).rounded(.up))
            let youngest = rows.indices.sorted { (ages[$0], $0) < (ages[$1], $1) }
            explores = [Bool](repeating: false, count: rows.count)
            for i in youngest.prefix(allowed) { explores[i] = true }
        }
        for i in rows.indices {
            let logits = rows[i]
            let start = logits.startIndex
            let epsilon = configuration.learning.explorationRate(age: ages[i])
            for c in 0..<k {
                let group = logits[(start + c * l)..<(start + (c + 1) * l)]
                if !explores[i] {
                    actions[i * k + c] = argmax(group)
                } else if learningGenerator.nextUniform() < epsilon {
                    actions[i * k + c] = learningGenerator.nextInt(below: l)
                } else {
                    let maximum = group.max()!
                    let weights = group.map { Double(Foundation.exp($0 - maximum)) }
                    var u = learningGenerator.nextUniform() * weights.reduce(0, +)
                    var chosen = l - 1
                    for (index, w) in weights.enumerated() {
                        u -= w
                        if u < 0 {
                            chosen = index
                            break
                        }
                    }
                    actions[i * k + c] = chosen
                }
            }
        }
        return actions
    }
}

extension MechanismEngine {
    /// Lends the agent in place to `body`: through Dictionary.Values' `_modify` accessor, `lend(&agents.values[i])`
    /// reads what `body` needs without the copy of the whole agent that the getter makes.
    @inline(__always)
    static func lend(_ agent: inout VSPAgent, _ body: (inout VSPAgent) -> Void) { body(&agent) }
}

/// The index of the largest value (the first on ties), relative to the collection's start.
func argmax(_ values: ArraySlice<Float>) -> Int {
    var best = values.startIndex
    for index in values.indices where values[index] > values[best] { best = index }
    return best - values.startIndex
}

/// Doubles to Float32 network inputs.
func floats(_ values: some Collection<Double>) -> [Float] { values.map(Float.init) }
