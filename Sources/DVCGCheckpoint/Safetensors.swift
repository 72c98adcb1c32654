/// One tensor of a safetensors file: its raw little-endian bytes plus dtype and shape.
public struct SafetensorsTensor: Sendable, Equatable {
    /// The tensor's name (the header key).
    public var name: String
    /// The element type.
    public var dtype: SafetensorsDType
    /// The shape, row-major; [] is a scalar (one element).
    public var shape: [Int]
    /// The raw data, element count x `dtype.byteSize` bytes, little-endian.
    public var bytes: [UInt8]

    /// Number of elements: the product of `shape` (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }

    /// A tensor over raw bytes; the byte count must match shape and dtype (precondition).
    public init(name: String, dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) {
        precondition(
            shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) * dtype.byteSize == bytes.count,
            "SafetensorsTensor: byte count mismatch")
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// An F32 tensor over `values` (row-major).
    ///
    /// - Precondition: `values.count` equals the product of `shape`.
    public init(name: String, shape: [Int], values: [Float]) {
        var bytes = [UInt8](repeating: 0, count: values.count * 4)
        for (i, v) in values.enumerated() {
            let bits = v.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { raw in for b in 0..<4 { bytes[4 * i + b] = raw[b] } }
        }
        self.init(name: name, dtype: .f32, shape: shape, bytes: bytes)
    }

    /// The elements converted to Float32: F32 as is, F16 and BF16 widened exactly, F64 rounded to
    /// nearest (values beyond Float32's range become infinite).
    ///
    /// - Throws: ``SafetensorsError/unsupportedDType(tensor:dtype:)`` for integer, boolean and F8 types.
    public func floatValues() throws(SafetensorsError) -> [Float] {
        let count = elementCount
        var out = [Float](repeating: 0, count: count)
        switch dtype {
        case .f32:
            for i in 0..<count { out[i] = Float(bitPattern: loadUInt32(4 * i)) }
        case .f64:
            for i in 0..<count { out[i] = Float(Double(bitPattern: loadUInt64(8 * i))) }
        case .f16:
            for i in 0..<count { out[i] = Float(Float16(bitPattern: loadUInt16(2 * i))) }
        case .bf16:
            for i in 0..<count { out[i] = Float(bitPattern: UInt32(loadUInt16(2 * i)) << 16) }
        default:
            throw .unsupportedDType(tensor: name, dtype: dtype)
        }
        return out
    }

    /// The elements converted to Float64 (exact for every floating-point dtype we read).
    ///
    /// - Throws: ``SafetensorsError/unsupportedDType(tensor:dtype:)`` for integer, boolean and F8 types.
    public func doubleValues() throws(SafetensorsError) -> [Double] {
        if dtype == .f64 { return (0..<elementCount).map { Double(bitPattern: loadUInt64(8 * $0)) } }
        return try floatValues().map(Double.init)
    }

    private func loadUInt16(_ offset: Int) -> UInt16 { UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8 }
    private func loadUInt32(_ offset: Int) -> UInt32 {
        var v: UInt32 = 0
        for b in 0..<4 { v |= UInt32(bytes[offset + b]) << (8 * b) }
        return v
    }
    private func loadUInt64(_ offset: Int) -> UInt64 {
        var v: UInt64 = 0
        for b in 0..<8 { v |= UInt64(bytes[offset + b]) << (8 * b) }
        return v
    }
}

/// A safetensors file in memory: the `__metadata__` string map and the tensors by name.
///
/// Format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N,
/// N bytes of UTF-8 JSON mapping each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}`
/// (offsets relative to the data section that follows the header), then the data section.
public struct SafetensorsArchive: Sendable, Equatable {
    /// The largest header accepted by default (the reference implementation's limit).
    public static let defaultHeaderLimit = 100_000_000

    /// The free-form `__metadata__` map (string values only, by the format's rule).
    public var metadata: [String: String]
    /// The tensors, keyed by name.
    public var tensors: [String: SafetensorsTensor]

    /// An archive with the given contents.
    public init(metadata: [String: String] = [:], tensors: [SafetensorsTensor] = []) {
        self.metadata = metadata
        self.tensors = Dictionary(tensors.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Tensor names in lexicographic order.
    public var names: [String] { tensors.keys.sorted() }

    /// The tensor named `name`.
    ///
    /// - Throws: ``SafetensorsError/missingTensor(_:)`` when it is absent.
    public func tensor(named name: String) throws(SafetensorsError) -> SafetensorsTensor {
        guard let tensor = tensors[name] else { throw .missingTensor(name) }
        return tensor
    }

    /// Reads and validates a safetensors file.
    ///
    /// The header length is checked against `headerLimit` and the real file size, and every tensor's
    /// extent against the real data size, before anything of that size is allocated; a truncated,
    /// oversized or garbage file therefore throws without large allocations.
    ///
    /// - Parameters:
    ///   - path: The file.
    ///   - headerLimit: The largest header length accepted, in bytes.
    /// - Throws: ``SafetensorsError``, naming the tensor and the rule broken.
    public static func read(from path: String, headerLimit: Int = defaultHeaderLimit) throws(SafetensorsError)
        -> SafetensorsArchive
    {
        let file: ReadOnlyFile
        do { file = try ReadOnlyFile(path: path) } catch { throw .io(error) }
        return try decode(size: file.size, headerLimit: headerLimit) { count, offset throws(SafetensorsError) in
            do throws(FileIOError) { return try file.read(count: count, at: offset) } catch { throw .io(error) }
        }
    }

    /// Parses a whole safetensors file already in memory, with the checks of ``read(from:headerLimit:)``.
    ///
    /// - Parameters:
    ///   - bytes: The file's bytes.
    ///   - headerLimit: The largest header length accepted, in bytes.
    /// - Throws: ``SafetensorsError``, naming the tensor and the rule broken.
    public static func parse(_ bytes: [UInt8], headerLimit: Int = defaultHeaderLimit) throws(SafetensorsError)
        -> SafetensorsArchive
    {
        try decode(size: bytes.count, headerLimit: headerLimit) { count, offset in
            Array(bytes[offset..<offset + count])
        }
    }

    /// The archive of a file of `size` bytes whose ranges `read(count, offset)` returns: the header length is
    /// checked against `headerLimit` and the size before the header or the data is read.
    private static func decode(
        size: Int, headerLimit: Int, read: (_ count: Int, _ offset: Int) throws(SafetensorsError) -> [UInt8]
    ) throws(SafetensorsError) -> SafetensorsArchive {
        guard size >= 8 else { throw .fileTooSmall(size: size) }
        let prefix = try read(8, 0)
        let length = prefix.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(headerLimit) else { throw .headerTooLarge(length: length, limit: headerLimit) }
        guard length <= UInt64(size - 8) else { throw .headerPastEndOfFile(length: length, fileSize: size) }
        let headerBytes = try read(Int(length), 8)
        let dataSize = size - 8 - Int(length)
        let entries = try parseHeader(headerBytes, dataSize: dataSize)
        let data = try read(dataSize, 8 + Int(length))
        var tensors: [SafetensorsTensor] = []
        tensors.reserveCapacity(entries.tensors.count)
        for entry in entries.tensors {
            tensors.append(
                SafetensorsTensor(
                    name: entry.name, dtype: entry.dtype, shape: entry.shape,
                    bytes: Array(data[Int(entry.begin)..<Int(entry.end)])))
        }
        return SafetensorsArchive(metadata: entries.metadata, tensors: tensors)
    }

    /// The file's bytes: header padded with spaces to a multiple of 8 bytes, tensors in name order.
    ///
    /// - Throws: ``SafetensorsError/invalidTensorToWrite(tensor:reason:)`` for an inconsistent tensor.
    public func serialized() throws(SafetensorsError) -> [UInt8] {
        var members: [(key: String, value: JSONValue)] = []
        if !metadata.isEmpty {
            members.append(
                ("__metadata__", .object(metadata.keys.sorted().map { ($0, JSONValue.string(metadata[$0]!)) })))
        }
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            guard name != "__metadata__" else { throw .invalidTensorToWrite(tensor: name, reason: "reserved name") }
            guard tensor.shape.allSatisfy({ $0 >= 0 }),
                tensor.elementCount * tensor.dtype.byteSize == tensor.bytes.count
            else {
                throw .invalidTensorToWrite(
                    tensor: name, reason: "shape \(tensor.shape) does not match \(tensor.bytes.count) bytes")
            }
            members.append(
                (
                    name,
                    .object([
                        ("dtype", .string(tensor.dtype.rawValue)),
                        ("shape", .array(tensor.shape.map { .number(String($0)) })),
                        (
                            "data_offsets",
                            .array([.number(String(offset)), .number(String(offset + tensor.bytes.count))])
                        ),
                    ])
                ))
            offset += tensor.bytes.count
        }
        var header = Array(JSONValue.object(members).serialized.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        let length = UInt64(header.count)
        for b in 0..<8 { out.append(UInt8(truncatingIfNeeded: length >> (8 * UInt64(b)))) }
        out += header
        for name in names { out += tensors[name]!.bytes }
        return out
    }

    /// Writes the archive atomically (temporary file, fsync, rename, fsync of the folder).
    ///
    /// - Throws: ``SafetensorsError/io(_:)`` on a file-system error; `path` is then unchanged.
    public func write(to path: String) throws(SafetensorsError) {
        let bytes = try serialized()
        do { try writeAtomically(bytes, to: path) } catch { throw .io(error) }
    }
}

private struct HeaderEntry {
    var name: String
    var dtype: SafetensorsDType
    var shape: [Int]
    var begin: UInt64
    var end: UInt64
}

/// Parses and validates the JSON header against the data section size.
private func parseHeader(_ bytes: [UInt8], dataSize: Int) throws(SafetensorsError) -> (
    metadata: [String: String], tensors: [HeaderEntry]
) {
    guard String(validating: bytes, as: UTF8.self) != nil else { throw .invalidHeader(reason: "not valid UTF-8") }
    guard bytes.first == UInt8(ascii: "{") else { throw .invalidHeader(reason: "does not start with '{'") }
    let root: JSONValue
    do { root = try JSONValue.parse(bytes) } catch { throw .invalidHeader(reason: "JSON \(error)") }
    guard case .object(let members) = root else { throw .invalidHeader(reason: "not a JSON object") }
    var seen = Set<String>()
    var metadata: [String: String] = [:]
    var entries: [HeaderEntry] = []
    for (name, value) in members {
        guard seen.insert(name).inserted else { throw .duplicateName(name) }
        if name == "__metadata__" {
            guard case .object(let pairs) = value else { throw .invalidMetadata(reason: "not an object") }
            for (key, item) in pairs {
                guard metadata[key] == nil else {
                    throw .invalidMetadata(reason: "key '\(key)' appears more than once")
                }
                guard let text = item.string else {
                    throw .invalidMetadata(reason: "value of '\(key)' is not a string")
                }
                metadata[key] = text
            }
            continue
        }
        guard case .object(let fields) = value else {
            throw .invalidTensorEntry(tensor: name, reason: "entry is not an object")
        }
        var dtypeText: String?
        var shapeValue: JSONValue?
        var offsetsValue: JSONValue?
        var fieldNames = Set<String>()
        for (field, item) in fields {
            guard fieldNames.insert(field).inserted else {
                throw .invalidTensorEntry(tensor: name, reason: "field '\(field)' appears more than once")
            }
            switch field {
            case "dtype":
                guard let text = item.string else {
                    throw .invalidTensorEntry(tensor: name, reason: "dtype is not a string")
                }
                dtypeText = text
            case "shape": shapeValue = item
            case "data_offsets": offsetsValue = item
            default: break
            }
        }
        guard let dtypeText else { throw .invalidTensorEntry(tensor: name, reason: "missing dtype") }
        guard let dtype = SafetensorsDType(rawValue: dtypeText) else {
            throw .unknownDType(tensor: name, dtype: dtypeText)
        }
        guard case .array(let dimensions)? = shapeValue else {
            throw .invalidTensorEntry(tensor: name, reason: "missing or non-array shape")
        }
        var shape64: [UInt64] = []
        for d in dimensions {
            guard let n = d.unsignedInteger else {
                throw .invalidTensorEntry(
                    tensor: name, reason: "shape entry \(d.serialized) is not a non-negative integer")
            }
            shape64.append(n)
        }
        guard case .array(let offsets)? = offsetsValue, offsets.count == 2,
            let begin = offsets[0].unsignedInteger, let end = offsets[1].unsignedInteger
        else { throw .invalidTensorEntry(tensor: name, reason: "data_offsets is not a pair of non-negative integers") }
        var count: UInt64 = 1
        for n in shape64 {
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else { throw .shapeOverflow(tensor: name, shape: shape64) }
            count = product
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: UInt64(dtype.byteSize))
        guard !overflow, byteCount <= UInt64(Int.max), shape64.allSatisfy({ $0 <= UInt64(Int.max) }) else {
            throw .shapeOverflow(tensor: name, shape: shape64)
        }
        guard begin <= end else { throw .invalidOffsets(tensor: name, begin: begin, end: end) }
        let shape = shape64.map { Int($0) }
        guard end - begin == byteCount else {
            throw .byteCountMismatch(
                tensor: name, shape: shape, dtype: dtype, expected: Int(byteCount), declared: end - begin)
        }
        entries.append(HeaderEntry(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
    }
    entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
    var expected: UInt64 = 0
    var previous: String?
    for entry in entries {
        if entry.begin < expected {
            throw .overlappingTensors(
                tensor: entry.name, previous: previous ?? "", begin: entry.begin, previousEnd: expected)
        }
        if entry.begin > expected { throw .hole(tensor: entry.name, begin: entry.begin, expected: expected) }
        expected = entry.end
        previous = entry.name
    }
    guard expected == UInt64(dataSize) else { throw .dataSizeMismatch(declaredEnd: expected, actual: dataSize) }
    return (metadata, entries)
}
