/// Why a policy checkpoint was refused; ``description`` names the tensor or metadata key and the rule.
public enum PolicyCheckpointError: Error, Equatable, CustomStringConvertible {
    /// The safetensors container itself is invalid or unreadable.
    case file(SafetensorsError)
    /// A required `__metadata__` key is absent.
    case missingMetadata(key: String)
    /// A `__metadata__` value is malformed or inconsistent.
    case invalidMetadata(key: String, reason: String)
    /// `format_version` is not one we read.
    case unsupportedFormatVersion(String)
    /// A tensor name fits no part of the naming scheme.
    case unexpectedTensor(name: String, reason: String)
    /// A VSP id does not match [A-Za-z0-9._-]{1,64}.
    case invalidVSPIdentifier(tensor: String, identifier: String)
    /// A tensor's dtype is not F32, F64, F16 or BF16.
    case unsupportedDType(tensor: String, dtype: SafetensorsDType)
    /// A tensor's shape differs from the declared architecture.
    case shapeMismatch(tensor: String, found: [Int], expected: [Int])
    /// A tensor holds NaN or an infinity (after conversion to Float32); `value` is "nan", "inf" or "-inf".
    case nonFiniteValue(tensor: String, index: Int, value: String)
    /// A layer's weight or bias is missing from a net that is otherwise present.
    case missingTensor(String)
    /// A required net (actor, critic, voi) is missing for the template or a VSP.
    case missingNetwork(owner: String, role: NetworkRole)

    /// One readable line: what is wrong and where.
    public var description: String {
        switch self {
        case .file(let error): return error.description
        case .missingMetadata(let key): return "__metadata__: missing required key '\(key)'"
        case .invalidMetadata(let key, let reason): return "__metadata__ '\(key)': \(reason)"
        case .unsupportedFormatVersion(let v):
            return "__metadata__ 'format_version': unsupported version '\(v)' (this build reads 1)"
        case .unexpectedTensor(let name, let reason): return "tensor '\(name)': \(reason)"
        case .invalidVSPIdentifier(let name, let id):
            return "tensor '\(name)': VSP id '\(id)' does not match [A-Za-z0-9._-]{1,64}"
        case .unsupportedDType(let name, let dtype):
            return "tensor '\(name)': dtype \(dtype.rawValue) is not F32, F64, F16 or BF16"
        case .shapeMismatch(let name, let found, let expected):
            return "tensor '\(name)': shape \(found) does not match the declared architecture \(expected)"
        case .nonFiniteValue(let name, let index, let value):
            return "tensor '\(name)': element \(index) is \(value), weights must be finite"
        case .missingTensor(let name): return "tensor '\(name)': missing (the rest of its network is present)"
        case .missingNetwork(let owner, let role): return "\(owner): required network '\(role.rawValue)' is missing"
        }
    }
}
