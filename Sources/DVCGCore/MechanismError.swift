/// Errors of the mechanism's math: invalid inputs are reported, never trapped on.
///
/// Each case carries enough context to name the offending value; ``description`` is the
/// one-line message shown to operators.
public enum MechanismError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A bid that is negative or not finite (`vsp` is its index in the roster order).
    case invalidBid(vsp: Int, amount: Double)
    /// A share outside [0, 1] or not finite.
    case invalidShare(vsp: Int, resource: Int, value: Double)
    /// A vector whose length does not match the number of resource types K.
    case resourceCountMismatch(expected: Int, found: Int)
    /// A vector whose length does not match the number of VSPs N.
    case vspCountMismatch(expected: Int, found: Int)
    /// An operation that needs at least one VSP was given none.
    case emptyRoster
    /// A capacity that is negative or not finite.
    case invalidCapacity(resource: Int, value: Double)
    /// A utility parameter (beta or xi) that is negative or not finite.
    case invalidUtilityParameter(name: String, value: Double)
    /// Any other value that must be finite (and, where stated, non-negative) but is not.
    case invalidValue(name: String, value: Double)
    /// An action level index outside the action space.
    case invalidActionLevel(vsp: Int, resource: Int, level: Int)
    /// A VSP identifier outside `[A-Za-z0-9._-]{1,64}`.
    case invalidVSPID(String)

    /// A one-line, human-readable message naming the offending value.
    public var description: String {
        switch self {
        case .invalidBid(let vsp, let amount):
            return "bid of VSP #\(vsp) must be finite and >= 0, got \(amount)"
        case .invalidShare(let vsp, let resource, let value):
            return "share of VSP #\(vsp) in resource \(resource) must be in [0, 1], got \(value)"
        case .resourceCountMismatch(let expected, let found):
            return "expected \(expected) resource types, found \(found)"
        case .vspCountMismatch(let expected, let found):
            return "expected \(expected) VSPs, found \(found)"
        case .emptyRoster:
            return "the roster is empty: at least one VSP is needed"
        case .invalidCapacity(let resource, let value):
            return "capacity of resource \(resource) must be finite and >= 0, got \(value)"
        case .invalidUtilityParameter(let name, let value):
            return "utility parameter \(name) must be finite and >= 0, got \(value)"
        case .invalidValue(let name, let value):
            return "\(name) must be finite, got \(value)"
        case .invalidActionLevel(let vsp, let resource, let level):
            return "action level \(level) of VSP #\(vsp) for resource \(resource) is outside the action space"
        case .invalidVSPID(let id):
            return "VSP id '\(id)' must be \(VSPID.rule)"
        }
    }
}
