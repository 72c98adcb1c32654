import DVCGCore
import DVCGNeural

/// One VSP's networks (or the template's): actor, critic and VoI net with the two target nets.
public struct NetworkSet: Sendable, Equatable {
    /// The actor mu_i.
    public var actor: MLP
    /// The target actor mu'_i.
    public var actorTarget: MLP
    /// The critic Q_i.
    public var critic: MLP
    /// The target critic Q'_i.
    public var criticTarget: MLP
    /// The VoI net f_i.
    public var voi: MLP

    /// A set with explicit networks; targets default to copies of the online nets.
    public init(actor: MLP, critic: MLP, voi: MLP, actorTarget: MLP? = nil, criticTarget: MLP? = nil) {
        self.actor = actor
        self.critic = critic
        self.voi = voi
        self.actorTarget = actorTarget ?? actor
        self.criticTarget = criticTarget ?? critic
    }

    /// A freshly initialised set (PyTorch default initialisation), targets equal to the online nets.
    ///
    /// Draw order from `generator`: actor, critic, VoI net.
    ///
    /// - Parameters:
    ///   - architecture: The sizes and activation; assumed valid (``PolicyArchitecture/validate()``).
    ///   - generator: The seeded generator.
    public init(architecture: PolicyArchitecture, using generator: inout SeededGenerator) {
        let a = architecture
        let actor = MLP(layerSizes: a.actor, activation: a.activation, using: &generator)
        let critic = MLP(layerSizes: a.critic, activation: a.activation, using: &generator)
        let voi = MLP(layerSizes: a.voi, activation: a.activation, using: &generator)
        self.init(actor: actor, critic: critic, voi: voi)
    }

    /// The network in `role`.
    public subscript(role: NetworkRole) -> MLP {
        get {
            switch role {
            case .actor: actor
            case .actorTarget: actorTarget
            case .critic: critic
            case .criticTarget: criticTarget
            case .voi: voi
            }
        }
        set {
            switch role {
            case .actor: actor = newValue
            case .actorTarget: actorTarget = newValue
            case .critic: critic = newValue
            case .criticTarget: criticTarget = newValue
            case .voi: voi = newValue
            }
        }
    }

    /// Total parameters of the five networks.
    public var parameterCount: Int { NetworkRole.allCases.reduce(0) { $0 + self[$1].parameterCount } }
}
