import DVCGCore
import DVCGMechanism

/// The paper's environment around a ``MechanismEngine``: simulated VSPs that bid by their
/// strategies, realise their true utilities (39) at the slices the mechanism grants, and report
/// utility and gross profit (5) to the bank.
public struct SimulatedMarket: Sendable {
    /// The instance: capacities and the VSPs' true utilities.
    public let instance: ProblemInstance
    /// The bidders, in the order of ``ids``.
    public var population: BiddingPopulation
    /// The VSP ids, "vsp-0" ... "vsp-(N-1)".
    public let ids: [VSPID]
    /// Each VSP's physical slice realised last round, nil before its first round.
    public var lastSlices: [[Double]?]
    /// The indices of VSPs not registered yet (they neither bid nor report; a mid-run joiner).
    public var absent: Set<Int> = []
    /// The indices of VSPs that bid but never file a financial report (an external VSP that keeps its utility
    /// to itself: the bank never fits its VoI net).
    public var silent: Set<Int> = []
    var generator: SeededGenerator

    /// A market of the instance's VSPs with `population`'s strategies.
    ///
    /// - Parameters:
    ///   - instance: The instance.
    ///   - population: One bidder per VSP of the instance.
    ///   - seed: Seeds the profit noise.
    public init(instance: ProblemInstance, population: BiddingPopulation, seed: UInt64) {
        self.instance = instance
        self.population = population
        self.ids = Self.identifiers(count: instance.vspCount)
        self.lastSlices = [[Double]?](repeating: nil, count: instance.vspCount)
        self.generator = SeededGenerator(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The ids "vsp-0" ... "vsp-(count-1)" of the default testbed.
    public static func identifiers(count: Int) -> [VSPID] {
        (0..<count).map { try! VSPID("vsp-\($0)") }
    }

    /// Forgets the last slices (a new episode starts from the equal split).
    public mutating func resetSlices() {
        lastSlices = [[Double]?](repeating: nil, count: instance.vspCount)
    }

    /// The sealed bids of this round, in VC, by VSP.
    public func bids() throws(MechanismError) -> [VSPID: Double] {
        let slices = lastSlices.enumerated().map { i, slice in
            slice ?? instance.capacities.map { $0 / Double(instance.vspCount) }
        }
        let amounts = try population.bids(lastSlices: slices, capacities: instance.capacities)
        return Dictionary(
            uniqueKeysWithValues: zip(ids, amounts).enumerated().filter { !absent.contains($0.offset) }.map {
                $0.element
            })
    }

    /// Runs one round: bids, the engine's round, the VSPs' realised utilities and profits, and
    /// their financial reports to the engine.
    ///
    /// - Parameters:
    ///   - engine: The mechanism; every VSP of the market registered.
    ///   - round: The round number.
    /// - Returns: The round with true welfare and per-VSP profits.
    /// - Throws: ``EngineError`` from the engine.
    public mutating func step(engine: inout MechanismEngine, round: RoundNumber) throws -> MarketRound {
        let bids = try bids()
        let outcome = try engine.runRound(round: round, bids: bids)
        var utilities = [Double](repeating: 0, count: ids.count)
        var profits = [Double](repeating: 0, count: ids.count)
        var taxes = [Double](repeating: 0, count: ids.count)
        var bidList = [Double](repeating: 0, count: ids.count)
        let index = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        for entry in outcome.entries {
            let i = index[entry.vsp]!
            let slice = zip(entry.realisedShares, instance.capacities).map { $0 * $1 }
            let utility = try population.vsps[i].utility.value(at: slice)
            let gross = population.vsps[i].profit.grossProfit(utility: utility, using: &generator)
            if !silent.contains(i) {
                try engine.record(
                    report: FinancialReport(vsp: entry.vsp, round: round, utility: utility, grossProfit: gross))
            }
            lastSlices[i] = slice
            utilities[i] = utility
            profits[i] = gross - entry.tax
            taxes[i] = entry.tax
            bidList[i] = entry.bid
        }
        return MarketRound(
            outcome: outcome, welfare: utilities.reduce(0, +), utilities: utilities, bids: bidList, taxes: taxes,
            profits: profits)
    }
}

/// One simulated round: the mechanism's outcome and the market's truth.
public struct MarketRound: Sendable {
    /// The engine's outcome.
    public var outcome: RoundOutcome
    /// The true social welfare sum_i u_i(s~_i) in VC.
    public var welfare: Double
    /// Each VSP's true utility at its realised slice, in VC (market order).
    public var utilities: [Double]
    /// Each VSP's bid in VC.
    public var bids: [Double]
    /// Each VSP's tax in VC.
    public var taxes: [Double]
    /// Each VSP's net profit G - Z in VC (eq. 6).
    public var profits: [Double]
}
