import DVCGCore
import DVCGNeural

/// The five networks each VSP holds in a policy (docs/checkpoints.md; Algorithm 1).
public enum NetworkRole: String, Sendable, CaseIterable, Codable, Comparable {
    /// The actor mu_i(o_i, o-bar_i): logits of a categorical over the action levels per resource.
    case actor
    /// The target actor mu'_i, soft-updated by (38).
    case actorTarget = "actor_target"
    /// The critic Q_i(s_i, a_i, a-bar_i, o-bar_i).
    case critic
    /// The target critic Q'_i, soft-updated by (37); the bank's SW_-i estimate (31).
    case criticTarget = "critic_target"
    /// The VoI net f_i: the VSP's slice (K shares) to its utility in VC (35).
    case voi

    /// The online network whose architecture (and, when absent from a file, parameters) a target net
    /// takes; the role itself for online nets.
    public var online: NetworkRole {
        switch self {
        case .actorTarget: .actor
        case .criticTarget: .critic
        default: self
        }
    }

    /// Whether a checkpoint must contain this network for the template and every VSP.
    public var isRequired: Bool { online == self }

    /// Orders roles as declared: actor, actor_target, critic, critic_target, voi.
    public static func < (lhs: NetworkRole, rhs: NetworkRole) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Whether a policy holds networks per VSP or one set shared by every VSP (docs/checkpoints.md).
public enum PolicyKind: String, Sendable, Equatable, Codable, CaseIterable {
    /// The paper's per-VSP networks (DVCG-MFMARL, DVCG-MARL, DVCG-MADDPG): an actor, a critic and a VoI
    /// net per VSP id, and a template for VSPs the policy has never seen. The actor sees (o_i, o-bar_i).
    case perVSP = "per_vsp"
    /// One actor and one critic shared by every VSP over inputs that mean the same for every VSP and
    /// every N (the VSP's relative share and its marginal VoI value relative to the resource's price,
    /// docs/learning.md), plus a VoI prior that every VSP's own VoI net starts from.
    case shared
}

/// The shape of a policy: K, the action levels, the hidden activation, each net's layer sizes and
/// what the critic sees.
///
/// Sizes are data (from a checkpoint's metadata), but must agree with K and L = number of levels:
/// actor [2K, ..., K L], critic [``criticInputWidth``, ..., 1], VoI net [K, ..., 1]. The critic's
/// input is the mean-field encoding (K + 2 K L + K) unless ``jointRoster`` is set (DVCG-MADDPG:
/// N (K + K L) + K, docs/checkpoints.md).
public struct PolicyArchitecture: Sendable, Equatable, Codable {
    /// K, the number of resource types.
    public var resourceCount: Int
    /// The action levels a_{i,k} (multiplicative share changes), e.g. -0.3 ... 0.3.
    public var actionLevels: [Double]
    /// The hidden activation of every net (the output layer is linear).
    public var activation: Activation
    /// Actor layer sizes [2K, hidden..., K L].
    public var actor: [Int]
    /// Critic layer sizes [K + 2 K L + K, hidden..., 1].
    public var critic: [Int]
    /// VoI-net layer sizes [K, hidden..., 1].
    public var voi: [Int]
    /// nil for the mean-field critic of DVCG-MFMARL and DVCG-MARL; for DVCG-MADDPG, the VSP ids
    /// whose observations and actions the joint critic sees, in the order of its input slots. Such
    /// a policy admits only these VSPs (the engine refuses others with `EngineError.outsideJointRoster`).
    public var jointRoster: [String]?
    /// Per-VSP networks or one shared set (``PolicyKind``).
    public var kind: PolicyKind

    /// An architecture with explicit sizes; check it with ``validate()``.
    public init(
        resourceCount: Int, actionLevels: [Double], activation: Activation, actor: [Int], critic: [Int], voi: [Int],
        jointRoster: [String]? = nil, kind: PolicyKind = .perVSP
    ) {
        self.kind = kind
        self.resourceCount = resourceCount
        self.actionLevels = actionLevels
        self.activation = activation
        self.actor = actor
        self.critic = critic
        self.voi = voi
        self.jointRoster = jointRoster
    }

    /// The critic's input width for K resources, L levels and an optional joint roster of N VSPs:
    /// K + 2 K L + K (s_i, one-hot a_i, mean one-hot action of the others, o-bar_i), or
    /// N (K + K L) + K for the joint critic (s_i, one-hot a_i, then s_j and one-hot a_j of every
    /// other roster VSP in roster order, then o-bar_i).
    public static func criticInputWidth(resourceCount k: Int, levelCount l: Int, jointRoster: [String]?) -> Int {
        guard let jointRoster else { return k + 2 * k * l + k }
        return jointRoster.count * (k + k * l) + k
    }

    /// The critic's input width of this architecture (see ``criticInputWidth(resourceCount:levelCount:jointRoster:)``).
    public var criticInputWidth: Int {
        Self.criticInputWidth(resourceCount: resourceCount, levelCount: actionLevels.count, jointRoster: jointRoster)
    }

    /// The architecture of docs/learning.md: ReLU, the given hidden widths for all three nets.
    ///
    /// - Parameters:
    ///   - resourceCount: K (3 in the paper).
    ///   - actionLevels: The levels (7 levels -0.3 ... 0.3 by default).
    ///   - hidden: Hidden layer widths ([64, 64] by default).
    ///   - jointRoster: nil for the mean-field critic; the VSP ids of a DVCG-MADDPG joint critic.
    public static func standard(
        resourceCount: Int = 3, actionLevels: [Double] = [-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3],
        hidden: [Int] = [64, 64],
        jointRoster: [String]? = nil, kind: PolicyKind = .perVSP
    ) -> PolicyArchitecture {
        let k = resourceCount
        let l = actionLevels.count
        let critic = criticInputWidth(resourceCount: k, levelCount: l, jointRoster: jointRoster)
        return PolicyArchitecture(
            resourceCount: k, actionLevels: actionLevels, activation: .relu,
            actor: [2 * k] + hidden + [k * l], critic: [critic] + hidden + [1], voi: [k] + hidden + [1],
            jointRoster: jointRoster, kind: kind)
    }

    /// The layer sizes of `role` (target nets share their online net's sizes).
    public func layerSizes(of role: NetworkRole) -> [Int] {
        switch role.online {
        case .actor: actor
        case .critic: critic
        default: voi
        }
    }

    /// Checks K, the levels and every net's sizes.
    ///
    /// - Throws: ``PolicyCheckpointError/invalidMetadata(key:reason:)`` naming the offending key.
    public func validate() throws(PolicyCheckpointError) {
        let k = resourceCount
        let l = actionLevels.count
        guard k >= 1 && k <= 1024 else { throw .invalidMetadata(key: "k", reason: "K = \(k) is not in 1...1024") }
        guard l >= 1 && l <= 1024 else {
            throw .invalidMetadata(key: "action_levels", reason: "needs 1 to 1024 levels, found \(l)")
        }
        guard actionLevels.allSatisfy(\.isFinite) else {
            throw .invalidMetadata(key: "action_levels", reason: "levels must be finite")
        }
        if kind == .shared && jointRoster != nil {
            throw .invalidMetadata(key: "roster", reason: "a shared policy has no joint critic roster")
        }
        if let jointRoster {
            guard !jointRoster.isEmpty, jointRoster.count <= 1024 else {
                throw .invalidMetadata(key: "roster", reason: "needs 1 to 1024 VSP ids, found \(jointRoster.count)")
            }
            if let bad = jointRoster.first(where: { !VSPID.isValid($0) }) {
                throw .invalidMetadata(key: "roster", reason: "'\(bad)' is not a valid VSP id")
            }
            guard Set(jointRoster).count == jointRoster.count else {
                throw .invalidMetadata(key: "roster", reason: "a VSP id appears more than once")
            }
        }
        let expected: [(String, [Int], Int, Int)] = [
            ("actor", actor, 2 * k, k * l), ("critic", critic, criticInputWidth, 1), ("voi", voi, k, 1),
        ]
        for (net, sizes, input, output) in expected {
            guard sizes.count >= 2 && sizes.count <= 65 else {
                throw .invalidMetadata(
                    key: "layers", reason: "\(net): needs 2 to 65 sizes ([in, hidden..., out]), found \(sizes.count)")
            }
            guard sizes.allSatisfy({ $0 >= 1 && $0 <= 65_536 }) else {
                throw .invalidMetadata(key: "layers", reason: "\(net): sizes must be in 1...65536, found \(sizes)")
            }
            guard sizes.first == input else {
                throw .invalidMetadata(
                    key: "layers",
                    reason: "\(net): input size \(sizes[0]) does not match K = \(k), L = \(l)"
                        + (net == "critic" && jointRoster != nil ? ", N = \(jointRoster!.count) (joint critic)" : "")
                        + " (expected \(input))")
            }
            guard sizes.last == output else {
                throw .invalidMetadata(
                    key: "layers",
                    reason: "\(net): output size \(sizes.last!) does not match K = \(k), L = \(l) (expected \(output))")
            }
        }
    }
}
