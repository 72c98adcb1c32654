import DVCGCore
import DVCGMechanism

/// The bidders of a simulated market: every VSP's strategy plus colluding groups.
public struct BiddingPopulation: Hashable, Sendable {
    /// The VSPs in roster order.
    public var vsps: [SimulatedVSP]
    /// Colluding groups; a VSP belongs to at most one.
    public let groups: [CollusiveGroup]

    /// Creates a population.
    ///
    /// - Throws: ``MechanismError`` for an invalid strategy, a group member outside the roster or
    ///   a VSP in two groups.
    public init(vsps: [SimulatedVSP], groups: [CollusiveGroup] = []) throws(MechanismError) {
        for vsp in vsps { try vsp.strategy.validate() }
        var seen = Set<Int>()
        for group in groups {
            for member in group.members {
                guard member < vsps.count else { throw .vspCountMismatch(expected: vsps.count, found: member + 1) }
                guard seen.insert(member).inserted else {
                    throw .invalidValue(name: "VSP #\(member) in two colluding groups", value: Double(member))
                }
            }
        }
        self.vsps = vsps
        self.groups = groups
    }

    /// The population of an instance, every VSP with `strategy`, profit noise N(mu, sigma^2).
    ///
    /// - Throws: ``MechanismError`` for invalid noise parameters or strategy.
    public init(
        instance: ProblemInstance, strategy: BiddingStrategy = .truthful,
        noiseMean: Double = 0, noiseStandardDeviation: Double = 1
    ) throws(MechanismError) {
        var vsps: [SimulatedVSP] = []
        for (utility, alpha) in zip(instance.utilities, instance.alphas) {
            let profit = try ProfitModel(
                alpha: alpha, noiseMean: noiseMean, noiseStandardDeviation: noiseStandardDeviation)
            vsps.append(SimulatedVSP(utility: utility, profit: profit, strategy: strategy))
        }
        try self.init(vsps: vsps)
    }

    /// Every VSP's sealed bid for this round, in VC.
    ///
    /// - Parameters:
    ///   - lastSlices: Each VSP's physical slice realised last round, or nil before the first round.
    ///   - capacities: K capacities.
    /// - Throws: ``MechanismError`` for mismatched shapes.
    public func bids(lastSlices: [[Double]]?, capacities: [Double]) throws(MechanismError) -> [Double] {
        if let lastSlices, lastSlices.count != vsps.count {
            throw .vspCountMismatch(expected: vsps.count, found: lastSlices.count)
        }
        var bids: [Double] = []
        bids.reserveCapacity(vsps.count)
        for (i, vsp) in vsps.enumerated() {
            let truthful = try vsp.truthfulBid(lastSlice: lastSlices?[i], capacities: capacities, vspCount: vsps.count)
            bids.append(vsp.strategy.bid(truthful: truthful))
        }
        for group in groups {
            for member in group.members {
                let truthful = try vsps[member].truthfulBid(
                    lastSlice: lastSlices?[member], capacities: capacities, vspCount: vsps.count)
                bids[member] = group.factor * truthful
            }
        }
        return bids
    }
}
