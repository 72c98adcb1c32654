import DVCGCore

/// Everything a ``MechanismEngine`` holds besides its networks, optimiser moments and replay
/// rows: what a daemon persists to restore the mechanism after a crash.
///
/// The bills' transitions are not part of it: after a restore they refill from the next rounds.
public struct EngineState: Sendable, Equatable, Codable {
    /// The last round run, nil before the first.
    public var lastRound: RoundNumber?
    /// F_Pmax of eq. (30): the largest VoI welfare sum_j f_j(s~_j) of a past round, in VC.
    public var maximumPool: Double
    /// Per-VSP state, keyed by id.
    public var vsps: [VSPID: VSPState]

    /// Creates a state.
    public init(lastRound: RoundNumber?, maximumPool: Double, vsps: [VSPID: VSPState]) {
        self.lastRound = lastRound
        self.maximumPool = maximumPool
        self.vsps = vsps
    }
}

/// One VSP's persisted state.
public struct VSPState: Sendable, Equatable, Codable {
    /// Its current share of each resource (the state o_i = s~_{i,t-1}), K values.
    public var share: [Double]
    /// The bank's alpha-hat estimator.
    public var alphaEstimator: AlphaEstimator
    /// F^-i_Pmax of eq. (30): the largest welfare of the others in a past round, in VC.
    public var maximumPoolWithout: Double
    /// Rounds this VSP took part in while learning (drives its exploration schedule).
    public var age: Int
    /// Whether its VoI net's output level has been set from its first reports.
    public var voiCalibrated: Bool
    /// Its realised shares of recent rounds, for matching late financial reports (oldest first).
    public var recentShares: [RecordedShare]

    /// Creates a VSP state.
    public init(
        share: [Double], alphaEstimator: AlphaEstimator = AlphaEstimator(), maximumPoolWithout: Double = 0,
        age: Int = 0, voiCalibrated: Bool = false, recentShares: [RecordedShare] = []
    ) {
        self.share = share
        self.alphaEstimator = alphaEstimator
        self.maximumPoolWithout = maximumPoolWithout
        self.age = age
        self.voiCalibrated = voiCalibrated
        self.recentShares = recentShares
    }
}

/// A realised share remembered for a late financial report.
public struct RecordedShare: Sendable, Equatable, Codable {
    /// The round.
    public var round: RoundNumber
    /// The realised shares s~_i of that round, K values.
    public var share: [Double]

    /// Creates a record.
    public init(round: RoundNumber, share: [Double]) {
        self.round = round
        self.share = share
    }
}
