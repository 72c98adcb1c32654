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
    /// How well its VoI net explains its reports.
    public var voiFit: VoIFitState
    /// Rounds in which it probed (moved by the largest steps at random while its VoI net was unfitted).
    public var probes: Int

    /// Creates a VSP state.
    public init(
        share: [Double], alphaEstimator: AlphaEstimator = AlphaEstimator(), maximumPoolWithout: Double = 0,
        age: Int = 0, voiCalibrated: Bool = false, recentShares: [RecordedShare] = [],
        voiFit: VoIFitState = VoIFitState(), probes: Int = 0
    ) {
        self.probes = probes
        self.share = share
        self.alphaEstimator = alphaEstimator
        self.maximumPoolWithout = maximumPoolWithout
        self.age = age
        self.voiCalibrated = voiCalibrated
        self.recentShares = recentShares
        self.voiFit = voiFit
    }
}

/// The bank's record of how well a VSP's VoI net explains its financial reports (judged on each
/// report before the net trains on it), and the VSP's newest report (``VoIFitConfiguration``).
public struct VoIFitState: Sendable, Equatable, Codable {
    /// Reports recorded since the VSP registered.
    public var reports: Int
    /// Relative errors of its newest reports, oldest first (at most
    /// ``VoIFitConfiguration/minimumReports``).
    public var recentErrors: [Double]
    /// The largest |U| it has reported, in VC (sets the error's floor).
    public var largestUtility: Double
    /// Its newest report: the round, the realised share and the utility U in VC.
    public var lastReport: ReportedUtility?

    /// A VSP with no reports yet.
    public init(
        reports: Int = 0, recentErrors: [Double] = [], largestUtility: Double = 0, lastReport: ReportedUtility? = nil
    ) {
        self.reports = reports
        self.recentErrors = recentErrors
        self.largestUtility = largestUtility
        self.lastReport = lastReport
    }

    /// Whether the net counts as fitted: at least `configuration.minimumReports` reports and the median
    /// error of the newest `minimumReports` of them at most `configuration.tolerance`.
    public func isFitted(_ configuration: VoIFitConfiguration) -> Bool {
        let m = configuration.minimumReports
        guard reports >= m, recentErrors.count >= m, let median = medianError(of: m) else { return false }
        return median <= configuration.tolerance
    }

    /// The median relative error of the newest `count` reports, nil without reports.
    public func medianError(of count: Int) -> Double? {
        guard !recentErrors.isEmpty else { return nil }
        let newest = recentErrors.suffix(count).sorted()
        let m = newest.count
        return m % 2 == 1 ? newest[m / 2] : (newest[m / 2 - 1] + newest[m / 2]) / 2
    }

    /// Notes a report whose utility the net predicted as `prediction` (before training on it).
    mutating func note(round: RoundNumber, share: [Double], utility: Double, prediction: Double, keep: Int) {
        largestUtility = max(largestUtility, abs(utility))
        let floor = max(0.05 * largestUtility, 1e-9)
        recentErrors.append(abs(prediction - utility) / max(abs(utility), floor))
        if recentErrors.count > keep { recentErrors.removeFirst(recentErrors.count - keep) }
        reports += 1
        if lastReport == nil || lastReport!.round <= round {
            lastReport = ReportedUtility(round: round, share: share, utility: utility)
        }
    }
}

/// One financial report as the bank keeps it for the interest of an unfitted VSP.
public struct ReportedUtility: Sendable, Equatable, Codable {
    /// The round reported on.
    public var round: RoundNumber
    /// The share s~_i realised in that round, K values.
    public var share: [Double]
    /// The reported utility U in VC.
    public var utility: Double

    /// Creates a record.
    public init(round: RoundNumber, share: [Double], utility: Double) {
        self.round = round
        self.share = share
        self.utility = utility
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
