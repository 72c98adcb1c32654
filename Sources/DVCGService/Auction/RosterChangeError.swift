import DVCGCore
import DVCGMechanism

/// Why a VSP cannot be added to or removed from the roster; nothing has changed when one is thrown.
public enum RosterChangeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The roster refuses: the VSP is already on it, or not on it.
    case rejected(RosterRejection)
    /// The policy is a DVCG-MADDPG one whose joint critic has no slot for the VSP.
    case outsideJointRoster(VSPID)
    /// A simulated VSP's parameters are out of range.
    case invalidDefinition(VSPID, MechanismError)
    /// The ledger could not record the change.
    case ledger(LedgerError)

    /// One line naming the VSP.
    public var description: String {
        switch self {
        case .rejected(let rejection): return rejection.description
        case .outsideJointRoster(let id): return EngineError.outsideJointRoster(id).description
        case .invalidDefinition(let id, let error): return "VSP '\(id)': \(error)"
        case .ledger(let error): return error.description
        }
    }
}
