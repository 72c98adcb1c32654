import DVCGCore

/// Why a ``MechanismEngine`` refused an operation; the engine is unchanged when one is thrown.
public enum EngineError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A configuration value is out of range.
    case invalidConfiguration(String)
    /// The policy's K differs from the number of resources.
    case resourceCountMismatch(policy: Int, resources: Int)
    /// The policy's action levels differ from the engine's.
    case actionLevelsMismatch(policy: [Double], engine: [Double])
    /// `register` (or a restored state) names a VSP outside a DVCG-MADDPG policy's joint roster:
    /// its joint critic has no input slot for it (``PolicyArchitecture/jointRoster``).
    case outsideJointRoster(VSPID)
    /// A hot reload between a mean-field and a joint critic, or between joint critics over
    /// different rosters; the strings describe each side.
    case criticInputMismatch(policy: String, engine: String)
    /// `register` for a VSP already on the roster.
    case alreadyRegistered(VSPID)
    /// An operation named a VSP that is not on the roster.
    case unknownVSP(VSPID)
    /// A bid that is negative or not finite.
    case invalidBid(VSPID, Double)
    /// A round number not after the last round run.
    case roundNotAfterLast(round: RoundNumber, last: RoundNumber)
    /// A financial report for a round in which the VSP took no part or that is too old to match.
    case reportForUnknownRound(VSPID, RoundNumber)
    /// A financial report value that is not finite.
    case invalidReport(VSPID, String)
    /// A saved state that does not fit this engine (e.g. a share vector of the wrong length).
    case invalidState(String)
    /// The mechanism's math refused an input.
    case mechanism(MechanismError)

    /// One readable line naming the VSP, round or field.
    public var description: String {
        switch self {
        case .invalidConfiguration(let message): return "invalid engine configuration: \(message)"
        case .resourceCountMismatch(let policy, let resources):
            return "the policy is for K = \(policy) resources, the engine has \(resources)"
        case .actionLevelsMismatch(let policy, let engine):
            return "the policy's action levels \(policy) differ from the engine's \(engine)"
        case .outsideJointRoster(let id):
            return
                "VSP '\(id)' is not in the policy's joint-critic roster (a DVCG-MADDPG policy admits only the VSPs it was trained with)"
        case .criticInputMismatch(let policy, let engine):
            return "the policy's critic input (\(policy)) differs from the engine's (\(engine))"
        case .alreadyRegistered(let id): return "VSP '\(id)' is already registered"
        case .unknownVSP(let id): return "VSP '\(id)' is not registered"
        case .invalidBid(let id, let amount): return "bid of VSP '\(id)' must be finite and >= 0, got \(amount)"
        case .roundNotAfterLast(let round, let last): return "round \(round) is not after the last round \(last)"
        case .reportForUnknownRound(let id, let round):
            return "VSP '\(id)' has no recorded slice for round \(round) (it took no part, or the round is too old)"
        case .invalidReport(let id, let detail): return "financial report of VSP '\(id)': \(detail)"
        case .invalidState(let message): return "engine state does not fit: \(message)"
        case .mechanism(let error): return error.description
        }
    }
}
