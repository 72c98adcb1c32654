import DVCGCheckpoint

/// The learner that trains a policy: the paper's DVCG-MFMARL and its two baselines (Sec. VI,
/// docs/learning.md).
public enum LearningAlgorithm: String, Sendable, Equatable, Codable, CaseIterable {
    /// Mean-field actor (o_i, o-bar_i) and critic (s_i, a_i, mean action of the others, o-bar_i).
    case mfmarl
    /// DVCG-MARL: each agent sees only its own observation and action (mean-field inputs zero).
    case marl
    /// DVCG-MADDPG: the actor as in MFMARL, the critic over the joint observations and actions of
    /// the whole (fixed) roster.
    case maddpg

    /// The algorithm a checkpoint was trained with: a joint critic is MADDPG; otherwise the
    /// `algorithm` of its training metadata (`dvcg train` writes it), MFMARL when absent.
    public init(policy: PolicyCheckpoint) {
        if policy.architecture.jointRoster != nil {
            self = .maddpg
        } else if policy.training.contains("\"algorithm\": \"marl\"") {
            self = .marl
        } else {
            self = .mfmarl
        }
    }

    /// Whether the actor sees o-bar_i (false only for DVCG-MARL); serve a policy with the value
    /// it was trained with (``LearningConfiguration/meanField``).
    public var meanField: Bool { self != .marl }

    /// The name used in tables and figures, e.g. "DVCG-MADDPG".
    public var displayName: String { "DVCG-" + rawValue.uppercased() }
}
