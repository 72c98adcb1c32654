/// Why a safetensors file was refused. Each case names the tensor (when there is one) and the
/// format rule it breaks; ``description`` is one readable line.
public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or read.
    case io(FileIOError)
    /// The file is shorter than the 8-byte header length.
    case fileTooSmall(size: Int)
    /// The declared header length exceeds the limit (100,000,000 bytes by default).
    case headerTooLarge(length: UInt64, limit: Int)
    /// The declared header length runs past the end of the file.
    case headerPastEndOfFile(length: UInt64, fileSize: Int)
    /// The header is not valid UTF-8 JSON, or not a JSON object.
    case invalidHeader(reason: String)
    /// `__metadata__` is not an object of string values.
    case invalidMetadata(reason: String)
    /// Two entries of the header have the same name.
    case duplicateName(String)
    /// A tensor entry lacks a field or has a field of the wrong type.
    case invalidTensorEntry(tensor: String, reason: String)
    /// A tensor's `dtype` is not a safetensors type.
    case unknownDType(tensor: String, dtype: String)
    /// A tensor's `dtype` is valid but cannot be read as floating point.
    case unsupportedDType(tensor: String, dtype: SafetensorsDType)
    /// The element count (product of the shape) or its byte size overflows.
    case shapeOverflow(tensor: String, shape: [UInt64])
    /// `data_offsets` has begin > end.
    case invalidOffsets(tensor: String, begin: UInt64, end: UInt64)
    /// end - begin differs from element count x dtype size.
    case byteCountMismatch(tensor: String, shape: [Int], dtype: SafetensorsDType, expected: Int, declared: UInt64)
    /// A tensor starts before the previous one (in offset order) ends.
    case overlappingTensors(tensor: String, previous: String, begin: UInt64, previousEnd: UInt64)
    /// Unused bytes between the previous tensor (or the start of the data) and this one.
    case hole(tensor: String, begin: UInt64, expected: UInt64)
    /// The last tensor does not end exactly at the end of the file.
    case dataSizeMismatch(declaredEnd: UInt64, actual: Int)
    /// A tensor looked up by name is not in the file.
    case missingTensor(String)
    /// A tensor to be written has a shape that does not match its element count.
    case invalidTensorToWrite(tensor: String, reason: String)

    /// One readable line: what is wrong and where.
    public var description: String {
        switch self {
        case .io(let error): return error.description
        case .fileTooSmall(let size):
            return "not a safetensors file: \(size) bytes, shorter than the 8-byte header length it must start with"
        case .headerTooLarge(let length, let limit):
            return
                "not a safetensors file, or a damaged one: its first 8 bytes declare a header of \(length) bytes, over the limit of \(limit)"
        case .headerPastEndOfFile(let length, let size):
            return
                "not a safetensors file, or a truncated one: its first 8 bytes declare a header of \(length) bytes, past the end of the \(size)-byte file"
        case .invalidHeader(let reason): return "invalid header: \(reason)"
        case .invalidMetadata(let reason): return "invalid __metadata__: \(reason)"
        case .duplicateName(let name): return "tensor '\(name)': name appears more than once in the header"
        case .invalidTensorEntry(let name, let reason): return "tensor '\(name)': \(reason)"
        case .unknownDType(let name, let dtype): return "tensor '\(name)': unknown dtype '\(dtype)'"
        case .unsupportedDType(let name, let dtype):
            return
                "tensor '\(name)': dtype \(dtype.rawValue) is not a floating-point type we read (F32, F64, F16, BF16)"
        case .shapeOverflow(let name, let shape): return "tensor '\(name)': shape \(shape) overflows the element count"
        case .invalidOffsets(let name, let begin, let end):
            return "tensor '\(name)': data_offsets [\(begin), \(end)] end before they begin"
        case .byteCountMismatch(let name, let shape, let dtype, let expected, let declared):
            return
                "tensor '\(name)': shape \(shape) of \(dtype.rawValue) needs \(expected) bytes, data_offsets span \(declared)"
        case .overlappingTensors(let name, let previous, let begin, let previousEnd):
            return "tensor '\(name)': data begins at \(begin), inside tensor '\(previous)' which ends at \(previousEnd)"
        case .hole(let name, let begin, let expected):
            return "tensor '\(name)': data begins at \(begin), leaving a hole after offset \(expected)"
        case .dataSizeMismatch(let end, let actual):
            return "tensor data ends at offset \(end) but the data section has \(actual) bytes"
        case .missingTensor(let name): return "tensor '\(name)': not in the file"
        case .invalidTensorToWrite(let name, let reason): return "tensor '\(name)': cannot write: \(reason)"
        }
    }
}
