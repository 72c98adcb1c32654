import DVCGCore
import DVCGLearning
import Foundation

/// What the daemon needs from the mechanism: per-VSP networks, estimators, shares and the bill.
///
/// The learning side (issue 4) owns the implementation; the daemon owns scheduling, the ledger and the
/// control surface. An engine is driven by one actor (``Auctioneer``), one call at a time.
public protocol AuctionEngine {
    /// The registered VSPs, sorted.
    var registeredVSPs: [VSPID] { get }

    /// Admits a VSP: its networks come from the policy, or the policy's template when it has none.
    /// - Throws: When the VSP is already registered.
    mutating func register(_ vsp: VSPID) throws

    /// Removes a VSP and its state; unknown VSPs are ignored.
    mutating func deregister(_ vsp: VSPID)

    /// Runs round `round` of Algorithm 1 (DESIGN.md "one round") for the VSPs that bid.
    ///
    /// - Parameters:
    ///   - round: The round's number.
    ///   - bids: Sealed bids in VC (finite, >= 0) of the registered VSPs taking part; a registered VSP
    ///     without a bid takes no part (share 0, no loan, no tax).
    /// - Returns: The round's outcome; no entries when nobody bid.
    /// - Throws: When a bid is invalid or the mechanism fails; the engine is then unchanged.
    mutating func runRound(round: RoundNumber, bids: [VSPID: Double]) throws -> RoundOutcome

    /// Records a VSP's financial report (U, G) for a past round (feeds alpha-hat of (34) and the VoI nets).
    mutating func record(report: FinancialReport) throws

    /// One online learning step (34-38) on a batch from the bill.
    mutating func learn() throws

    /// The current networks as a checkpoint.
    func checkpoint() -> PolicyCheckpoint

    /// Swaps in a validated policy; VSPs missing from it get its template networks.
    /// - Throws: When the policy does not fit (K, action levels); the engine is then unchanged.
    mutating func replacePolicy(_ policy: PolicyCheckpoint) throws

    /// The engine's state (shares, estimators, bill) for crash recovery, as JSON.
    func stateSnapshot() throws -> Data

    /// Restores a state written by ``stateSnapshot()``.
    mutating func restoreState(_ data: Data) throws
}

/// The outcome of one round, as the ledger stores it.
public struct RoundOutcome: Sendable, Equatable, Codable {
    /// The round.
    public var round: RoundNumber
    /// The VC pool F_P(t) of (12).
    public var pool: Double
    /// The noise scale sigma of (16).
    public var sigma: Double
    /// SW* = sum_i U*_i at the proposed slice.
    public var proposedWelfare: Double
    /// The estimated welfare at the realised slice, sum_i f_i(s~_i).
    public var welfareEstimate: Double
    /// One entry per participating VSP, sorted by id.
    public var entries: [VSPRoundEntry]

    /// An outcome.
    public init(
        round: RoundNumber, pool: Double, sigma: Double, proposedWelfare: Double, welfareEstimate: Double,
        entries: [VSPRoundEntry]
    ) {
        self.round = round
        self.pool = pool
        self.sigma = sigma
        self.proposedWelfare = proposedWelfare
        self.welfareEstimate = welfareEstimate
        self.entries = entries
    }

    /// A round nobody took part in.
    public static func empty(_ round: RoundNumber) -> RoundOutcome {
        RoundOutcome(round: round, pool: 0, sigma: 0, proposedWelfare: 0, welfareEstimate: 0, entries: [])
    }
}

/// One VSP's line of a round (eqs. 12-18).
public struct VSPRoundEntry: Sendable, Equatable, Codable {
    /// The VSP.
    public var vsp: VSPID
    /// Its sealed bid x_i in VC.
    public var bid: Double
    /// Its loan K_i of (13) in VC.
    public var loan: Double
    /// Its VoI estimate f_i(s~_{i,t-1}) in VC.
    public var voi: Double
    /// Proposed shares s*_i, one per resource.
    public var proposedShares: [Double]
    /// Realised shares s~_i after noise (15), one per resource.
    public var realisedShares: [Double]
    /// U*_i = f_i(s*_i) in VC.
    public var proposedUtility: Double
    /// SW_-i of (30-31) in VC.
    public var welfareWithout: Double
    /// The externality I_i of (17) in VC.
    public var externality: Double
    /// The interest |K_i - U*_i| in VC (0 when interest is off).
    public var interest: Double
    /// alpha-hat_i of (34).
    public var alphaHat: Double
    /// The tax Z_i of (18) in VC.
    public var tax: Double

    /// An entry.
    public init(
        vsp: VSPID, bid: Double, loan: Double, voi: Double, proposedShares: [Double], realisedShares: [Double],
        proposedUtility: Double, welfareWithout: Double, externality: Double, interest: Double, alphaHat: Double,
        tax: Double
    ) {
        self.vsp = vsp
        self.bid = bid
        self.loan = loan
        self.voi = voi
        self.proposedShares = proposedShares
        self.realisedShares = realisedShares
        self.proposedUtility = proposedUtility
        self.welfareWithout = welfareWithout
        self.externality = externality
        self.interest = interest
        self.alphaHat = alphaHat
        self.tax = tax
    }
}

/// A VSP's financial report for a round: its realised utility U and gross profit G (5).
public struct FinancialReport: Sendable, Equatable, Codable {
    /// The VSP.
    public var vsp: VSPID
    /// The round reported on.
    public var round: RoundNumber
    /// Realised utility U in VC.
    public var utility: Double
    /// Gross profit G.
    public var grossProfit: Double

    /// A report.
    public init(vsp: VSPID, round: RoundNumber, utility: Double, grossProfit: Double) {
        self.vsp = vsp
        self.round = round
        self.utility = utility
        self.grossProfit = grossProfit
    }
}
