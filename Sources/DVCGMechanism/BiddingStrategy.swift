import DVCGCore

/// How a simulated VSP bids each round, in VC.
public enum BiddingStrategy: Hashable, Sendable {
    /// Bid the true utility at the slice realised last round (README, "Design notes"); before the first
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
