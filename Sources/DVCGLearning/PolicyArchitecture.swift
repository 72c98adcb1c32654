/// The five networks each VSP holds in a policy (DESIGN.md, Algorithm 1).
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

/// The shape of a policy: K, the action levels, the hidden activation and each net's layer sizes.
///
/// Sizes are data (from a checkpoint's metadata), but must agree with K and L = number of levels:
/// actor [2K, ..., K L], critic [K + 2 K L + K, ..., 1], VoI net [K, ..., 1].
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

    /// An architecture with explicit sizes; check it with ``validate()``.
    public init(
        resourceCount: Int, actionLevels: [Double], activation: Activation, actor: [Int], critic: [Int], voi: [Int]
    ) {
        self.resourceCount = resourceCount
        self.actionLevels = actionLevels
        self.activation = activation
        self.actor = actor
        self.critic = critic
        self.voi = voi
    }

    /// The architecture of LEARNING-NOTES.md: ReLU, the given hidden widths for all three nets.
    ///
    /// - Parameters:
    ///   - resourceCount: K (3 in the paper).
    ///   - actionLevels: The levels (7 levels -0.3 ... 0.3 by default).
    ///   - hidden: Hidden layer widths ([64, 64] by default).
    public static func standard(
        resourceCount: Int = 3, actionLevels: [Double] = [-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3], hidden: [Int] = [64, 64]
    ) -> PolicyArchitecture {
        let k = resourceCount
        let l = actionLevels.count
        return PolicyArchitecture(
            resourceCount: k, actionLevels: actionLevels, activation: .relu,
            actor: [2 * k] + hidden + [k * l], critic: [k + 2 * k * l + k] + hidden + [1], voi: [k] + hidden + [1])
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
        let expected: [(String, [Int], Int, Int)] = [
            ("actor", actor, 2 * k, k * l), ("critic", critic, k + 2 * k * l + k, 1), ("voi", voi, k, 1),
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
                    reason: "\(net): input size \(sizes[0]) does not match K = \(k), L = \(l) (expected \(input))")
            }
            guard sizes.last == output else {
                throw .invalidMetadata(
                    key: "layers",
                    reason: "\(net): output size \(sizes.last!) does not match K = \(k), L = \(l) (expected \(output))")
            }
        }
    }
}
