import DVCGCheckpoint
import DVCGCore
import DVCGNeural
import Foundation

extension MechanismEngine {
    /// Runs round t for the VSPs that bid (docs/learning.md, "One round", and, when learning, the bill).
    ///
    /// A registered VSP without a bid takes no part: share 0 this round, no loan, no tax; its
    /// state is kept for its next round. The participants' current shares are normalised per
    /// resource, then: 1. VoI_i = f_i(s~_{i,t-1}), pool F_P (12, 29); 2. loans (13); 3. actor
    /// actions (greedy, or exploring when learning), proposal s*, U*_i, SW*; 4. noise (15-16);
    /// 5. SW_-i from the counterfactual rollout of the target actors over the VoI nets (31-33),
    /// clamped to the bill's maxima (30), externality (17), interest and tax (18).
    ///
    /// - Parameters:
    ///   - round: t, after the last round run.
    ///   - bids: Sealed bids in VC by VSP; every key registered, every amount finite and >= 0.
    /// - Returns: The outcome, entries sorted by VSP id; no entries when nobody bid.
    /// - Throws: ``EngineError/roundNotAfterLast(round:last:)``, ``EngineError/unknownVSP(_:)``,
    ///   ``EngineError/invalidBid(_:_:)``, ``EngineError/mechanism(_:)``; the engine is then unchanged.
    public mutating func runRound(round: RoundNumber, bids: [VSPID: Double]) throws(EngineError) -> RoundOutcome {
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
            return RoundOutcome(
                round: round, pool: 0, noiseScale: 0, proposedWelfare: 0, welfareEstimate: 0, entries: [])
        }
        let bidList = ids.map { bids[$0]! }
        // One dictionary lookup per participant; later passes use these positions.
        let slots = ids.map { agents.index(forKey: $0)! }
        let nets = slots.map { agents.values[$0].networks }
        do {
            // The participants' state s~_{t-1}, renormalised over those taking part.
            var raw: [Double] = []
            raw.reserveCapacity(n * k)
            for slot in slots { raw.append(contentsOf: agents.values[slot].state.share) }
            let previous = try Allocation.normalizing(raw, vspCount: n, resourceCount: k)

            // 1-2. Pool and loans (bank).
            let voi = (0..<n).map { Double(nets[$0].voi.evaluate(floats(previous.shares(of: $0)))[0]) }
            let pool = try Bank.pool(voi: voi)
            let loans = try Bank.loans(bids: bidList, pool: pool)

            // 3. Actions and proposal (NSP).
            let observations = Self.observations(previous, meanField: configuration.learning.meanField)
            let actions = chooseActions(nets: nets, ages: slots.map { agents.values[$0].state.age }, observations: observations)
            let proposal = try actionSpace.apply(actions, to: previous)
            let utilityEstimates = (0..<n).map { Double(nets[$0].voi.evaluate(floats(proposal.shares(of: $0)))[0]) }
            let proposedWelfare = utilityEstimates.reduce(0, +)

            // 4. Noise (NSP).
            let scale =
                configuration.addsNoise ? try NSP.noiseScale(bids: bidList, proposedWelfare: proposedWelfare) : 0
            var noiseGenerator = generator
            let realised = try NSP.perturbedAllocation(proposal, scale: scale, using: &noiseGenerator)

            // 5. Counterfactual welfare without each VSP, externality, interest, tax (bank).
            let realisedUtility =
                realised == proposal
                ? utilityEstimates : (0..<n).map { Double(nets[$0].voi.evaluate(floats(realised.shares(of: $0)))[0]) }
            let welfareEstimate = realisedUtility.reduce(0, +)
            let estimates = counterfactualWelfare(nets: nets, previous: previous)
            var entries: [RoundEntry] = []
            entries.reserveCapacity(n)
            for i in 0..<n {
                let agent = agents.values[slots[i]]
                let others = welfareEstimate - realisedUtility[i]
                let without = try Bank.clampedWelfareWithout(
                    estimate: estimates[i], maximumPool: maximumPool,
                    maximumPoolWithout: agent.state.maximumPoolWithout)
                let externality = try Bank.externality(welfareWithout: without, othersWelfare: others)
                let interest = try Bank.interest(loan: loans[i], utilityEstimate: utilityEstimates[i])
                let alphaHat = agent.state.alphaEstimator.estimate(configuration.alphaMethod)
                let tax = try Bank.tax(
                    alphaHat: alphaHat, externality: externality, interest: interest,
                    chargesInterest: configuration.chargesInterest)
                entries.append(
                    RoundEntry(
                        vsp: ids[i], bid: bidList[i], loan: loans[i], voi: voi[i],
                        proposedShares: Array(proposal.shares(of: i)), realisedShares: Array(realised.shares(of: i)),
                        actions: Array(actions[(i * k)..<((i + 1) * k)]), utilityEstimate: utilityEstimates[i],
                        welfareWithout: without, externality: externality, interest: interest, alphaHat: alphaHat,
                        tax: tax))
            }

            // Commit: nothing above threw.
            var rewards: [Double]? = nil
            if configuration.learns {
                rewards = differenceRewards(nets: nets, previous: previous, actions: actions, bids: bidList)
            }
            generator = noiseGenerator
            for i in 0..<n {
                // Mutated in place through the dictionary's storage, so nothing is copied.
                let share = Array(realised.shares(of: i))
                agents.values[slots[i]].state.share = share
                agents.values[slots[i]].state.recentShares.append(RecordedShare(round: round, share: share))
                if agents.values[slots[i]].state.recentShares.count > Self.reportWindow {
                    agents.values[slots[i]].state.recentShares.removeFirst()
                }
                agents.values[slots[i]].state.maximumPoolWithout = max(
                    agents.values[slots[i]].state.maximumPoolWithout, welfareEstimate - realisedUtility[i])
            }
            maximumPool = max(maximumPool, welfareEstimate)
            if let rewards {
                appendTransitions(ids: ids, observations: observations, actions: actions, rewards: rewards)
            }
            lastRound = round
            return RoundOutcome(
                round: round, pool: pool, noiseScale: scale, proposedWelfare: proposedWelfare,
                welfareEstimate: welfareEstimate, entries: entries)
        } catch {
            throw .mechanism(error)
        }
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

    /// Level indices, row-major N x K: greedy (argmax per resource) when frozen; when learning, per
    /// VSP and resource a uniform level with probability epsilon(age), else a draw from the actor.
    mutating func chooseActions(nets: [NetworkSet], ages: [Int], observations: [[Float]]) -> [Int] {
        let k = resourceCount
        let l = levelCount
        var actions = [Int](repeating: 0, count: nets.count * k)
        for i in nets.indices {
            let logits = nets[i].actor.evaluate(observations[i])
            let epsilon = configuration.learning.explorationRate(age: ages[i])
            for c in 0..<k {
                let group = logits[(c * l)..<((c + 1) * l)]
                if !configuration.learns {
                    actions[i * k + c] = argmax(group)
                } else if generator.nextUniform() < epsilon {
                    actions[i * k + c] = generator.nextInt(below: l)
                } else {
                    let maximum = group.max()!
                    let weights = group.map { Double(Foundation.exp($0 - maximum)) }
                    var u = generator.nextUniform() * weights.reduce(0, +)
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

/// The index of the largest value (the first on ties), relative to the collection's start.
func argmax(_ values: ArraySlice<Float>) -> Int {
    var best = values.startIndex
    for index in values.indices where values[index] > values[best] { best = index }
    return best - values.startIndex
}

/// Doubles to Float32 network inputs.
func floats(_ values: some Collection<Double>) -> [Float] { values.map(Float.init) }
