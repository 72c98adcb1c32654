import DVCGCore

/// How a simulated VSP bids each round, in VC.
public enum BiddingStrategy: Hashable, Sendable {
    /// Bid the true utility at the slice realised last round (DESIGN.md); before the first
    /// round, the utility at an equal share of every resource.
    case truthful
    /// Bid `factor` times the truthful bid (DSIC experiments, Fig. 7: 0.5, 0.8, 1.25, 2).
    case scaled(Double)
    /// Bid a fixed amount every round, whatever the slice.
    case fixed(Double)

    /// Checks the strategy's parameter.
    ///
    /// - Throws: ``MechanismError/invalidValue(name:value:)`` for a negative or non-finite factor or amount.
    public func validate() throws(MechanismError) {
        switch self {
        case .truthful: return
        case .scaled(let factor):
            guard factor.isFinite, factor >= 0 else {
                throw .invalidValue(name: "bid scale factor (must be >= 0)", value: factor)
            }
        case .fixed(let amount):
            guard amount.isFinite, amount >= 0 else {
                throw .invalidValue(name: "fixed bid (must be >= 0)", value: amount)
            }
        }
    }

    /// The bid given the truthful bid.
    public func bid(truthful: Double) -> Double {
        switch self {
        case .truthful: return truthful
        case .scaled(let factor): return factor * truthful
        case .fixed(let amount): return amount
        }
    }
}

/// A colluding group of VSPs that bids jointly: every member bids the same multiple `factor` of
/// its truthful bid, the "unified depreciation" of the paper's collusion analysis, eq. (26).
/// The group's factor replaces its members' own strategies.
public struct CollusiveGroup: Hashable, Sendable {
    /// The members' indices in the roster, distinct.
    public let members: [Int]
    /// The common multiple of the truthful bid, finite and >= 0.
    public let factor: Double

    /// Creates a group.
    ///
    /// - Throws: ``MechanismError/invalidValue(name:value:)`` for fewer than two distinct members
    ///   or a negative or non-finite factor.
    public init(members: [Int], factor: Double) throws(MechanismError) {
        guard Set(members).count == members.count, members.count >= 2, members.allSatisfy({ $0 >= 0 }) else {
            throw .invalidValue(
                name: "colluding group size (needs two or more distinct VSPs)", value: Double(members.count))
        }
        guard factor.isFinite, factor >= 0 else {
            throw .invalidValue(name: "collusion factor (must be >= 0)", value: factor)
        }
        self.members = members
        self.factor = factor
    }
}

/// A simulated VSP of the paper's environment: its private utility and profit model, and how it bids.
public struct SimulatedVSP: Hashable, Sendable {
    /// The true utility u_i of eq. (39), never shown to the NSP or the bank.
    public let utility: ExponentialUtility
    /// The profit model of eqs. (5)-(6).
    public let profit: ProfitModel
    /// The bidding strategy.
    public var strategy: BiddingStrategy

    /// Creates a simulated VSP.
    public init(utility: ExponentialUtility, profit: ProfitModel, strategy: BiddingStrategy = .truthful) {
        self.utility = utility
        self.profit = profit
        self.strategy = strategy
    }

    /// The truthful bid: the utility at `lastSlice` (physical amounts), or at an equal share
    /// `capacities / vspCount` before the VSP's first round.
    ///
    /// - Throws: ``MechanismError`` for a slice of the wrong length or a bad value.
    public func truthfulBid(lastSlice: [Double]?, capacities: [Double], vspCount: Int) throws(MechanismError) -> Double
    {
        if let lastSlice { return try utility.value(at: lastSlice) }
        guard vspCount > 0 else { throw .emptyRoster }
        return try utility.value(at: capacities.map { $0 / Double(vspCount) })
    }
}

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
