/// Which allocation rule the NSP serves in a round while it learns online.
public enum ServingPolicy: String, Sendable, Equatable, Codable, CaseIterable {
    /// The learner: the networks as online learning has changed them.
    case learner
    /// The baseline: the policy as it was loaded (the last good policy), frozen.
    case baseline
    /// Every resource split equally among the participants.
    case equalSplit = "equal_split"
}

/// When online learning hands the allocation to a safe baseline and back (docs/learning.md, "Safe online
/// learning"): the anchor is OnSlicing's proactive switch to a baseline.
public struct SafeguardConfiguration: Sendable, Equatable, Codable {
    /// The learner's relative shortfall tolerated before it counts as worse (0.005 = 0.5 %).
    public var tolerance: Double
    /// Consecutive worse rounds before the switch to the baseline.
    public var patience: Int
    /// Consecutive rounds at or above the baseline before the learner serves again.
    public var recovery: Int

    /// The defaults of docs/learning.md.
    public init(tolerance: Double = 0.005, patience: Int = 1, recovery: Int = 20) {
        self.tolerance = tolerance
        self.patience = patience
        self.recovery = recovery
    }

    /// Checks every value.
    ///
    /// - Throws: ``EngineError/invalidConfiguration(_:)`` naming the offending field.
    public func validate() throws(EngineError) {
        guard tolerance.isFinite, tolerance >= 0, tolerance < 1, patience >= 1, recovery >= 1 else {
            throw .invalidConfiguration(
                "safeguard needs 0 <= tolerance < 1, patience >= 1 and recovery >= 1, got \(tolerance), \(patience) and \(recovery)"
            )
        }
    }
}

/// The switch between the learner and its baselines: a value-type state machine fed, each round, the
/// bank's estimated VoI welfare of the learner's greedy proposal, the baseline policy's proposal and the
/// equal split (what the bank knows; no true utility). It serves the learner unless the learner has been
/// worse than the better baseline by more than the tolerance for `patience` rounds; then that baseline,
/// until the learner has been at least as good for `recovery` rounds. While the estimates are not a basis
/// for judging (the VoI nets of half or more of the round's VSPs not fitted yet), the baseline, the policy as
/// loaded, serves and neither count moves.
public struct OnlineSafeguard: Sendable, Equatable, Codable {
    /// What is served now.
    public private(set) var serving: ServingPolicy = .learner
    /// Switches so far.
    public private(set) var switches = 0
    private var worse = 0
    private var better = 0

    /// A safeguard serving the learner.
    public init() {}

    /// The decision for a round.
    public struct Decision: Sendable, Equatable {
        /// What to serve this round.
        public var serving: ServingPolicy
        /// Whether this round switched (from the previous round's choice).
        public var switched: Bool
    }

    /// Decides what this round serves from the three estimates (VC), or, when `judging` is false, serves the
    /// baseline without judging.
    public mutating func decide(
        learner: Double, baseline: Double, equalSplit: Double, configuration: SafeguardConfiguration,
        judging: Bool = true
    ) -> Decision {
        let alternative: ServingPolicy = baseline >= equalSplit ? .baseline : .equalSplit
        let best = max(baseline, equalSplit)
        let before = serving
        switch serving {
        case _ where !judging:
            serving = .baseline
        case .learner:
            if learner < best - configuration.tolerance * abs(best) { worse += 1 } else { worse = 0 }
            if worse >= configuration.patience {
                serving = alternative
                worse = 0
                better = 0
            }
        case .baseline, .equalSplit:
            if learner >= best { better += 1 } else { better = 0 }
            if better >= configuration.recovery {
                serving = .learner
                better = 0
            } else {
                serving = alternative
            }
        }
        if serving != before { switches += 1 }
        return Decision(serving: serving, switched: serving != before)
    }
}
