import DVCGCore
import Foundation
import Testing

@testable import DVCGCheckpoint

@Suite struct SafetensorsTests {
    /// One corrupted file and the error it must produce.
    struct Corruption: Sendable, CustomTestStringConvertible {
        var label: String
        var bytes: [UInt8]
        var expected: SafetensorsError
        var testDescription: String { label }
    }

    static let f32x2 = [UInt8](repeating: 0, count: 8)

    static let corruptions: [Corruption] = [
        Corruption(label: "empty file", bytes: [], expected: .fileTooSmall(size: 0)),
        Corruption(label: "truncated length prefix", bytes: [8, 0, 0], expected: .fileTooSmall(size: 3)),
        Corruption(
            label: "huge header length", bytes: rawSafetensors(header: "{}", data: [], declaredLength: UInt64.max),
            expected: .headerTooLarge(length: UInt64.max, limit: 100_000_000)),
        Corruption(
            label: "header over 100 MB", bytes: rawSafetensors(header: "{}", data: [], declaredLength: 100_000_001),
            expected: .headerTooLarge(length: 100_000_001, limit: 100_000_000)),
        Corruption(
            label: "header past end of file", bytes: rawSafetensors(header: "{}", data: [], declaredLength: 50),
            expected: .headerPastEndOfFile(length: 50, fileSize: 10)),
        Corruption(
            label: "truncated data",
            bytes: rawSafetensors(
                header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0, 0]),
            expected: .dataSizeMismatch(declaredEnd: 8, actual: 5)),
        Corruption(
            label: "trailing bytes",
            bytes: rawSafetensors(
                header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: f32x2 + [1]),
            expected: .dataSizeMismatch(declaredEnd: 8, actual: 9)),
        Corruption(
            label: "garbage header", bytes: rawSafetensors(header: "\u{1}\u{2}garbage", data: []),
            expected: .invalidHeader(reason: "does not start with '{'")),
        Corruption(
            label: "invalid UTF-8", bytes: [3, 0, 0, 0, 0, 0, 0, 0, 0x7B, 0xFF, 0x7D],
            expected: .invalidHeader(reason: "not valid UTF-8")),
        Corruption(
            label: "unterminated JSON", bytes: rawSafetensors(header: #"{"a":"#, data: []),
            expected: .invalidHeader(reason: "JSON byte 5: unexpected end of JSON")),
        Corruption(
            label: "JSON array header", bytes: rawSafetensors(header: "[1]", data: []),
            expected: .invalidHeader(reason: "does not start with '{'")),
        Corruption(
            label: "duplicate name",
            bytes: rawSafetensors(
                header:
                    #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                data: f32x2),
            expected: .duplicateName("a")),
        Corruption(
            label: "bad dtype",
            bytes: rawSafetensors(header: #"{"a":{"dtype":"F33","shape":[2],"data_offsets":[0,8]}}"#, data: f32x2),
            expected: .unknownDType(tensor: "a", dtype: "F33")),
        Corruption(
            label: "dtype size mismatch",
            bytes: rawSafetensors(header: #"{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}"#, data: f32x2),
            expected: .byteCountMismatch(tensor: "a", shape: [2], dtype: .f64, expected: 16, declared: 8)),
        Corruption(
            label: "offsets reversed",
            bytes: rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}"#, data: f32x2),
            expected: .invalidOffsets(tensor: "a", begin: 8, end: 0)),
        Corruption(
            label: "overlapping tensors",
            bytes: rawSafetensors(
                header:
                    #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                data: f32x2),
            expected: .overlappingTensors(tensor: "b", previous: "a", begin: 4, previousEnd: 8)),
        Corruption(
            label: "hole between tensors",
            bytes: rawSafetensors(
                header:
                    #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
                data: f32x2 + [0, 0, 0, 0]),
            expected: .hole(tensor: "b", begin: 8, expected: 4)),
        Corruption(
            label: "wrong offsets beyond file",
            bytes: rawSafetensors(
                header:
                    #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1000000000],"data_offsets":[8,4000000008]}}"#,
                data: f32x2),
            expected: .dataSizeMismatch(declaredEnd: 4_000_000_008, actual: 8)),
        Corruption(
            label: "shape overflow",
            bytes: rawSafetensors(
                header: #"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, data: f32x2),
            expected: .shapeOverflow(tensor: "a", shape: [4_294_967_296, 4_294_967_296])),
        Corruption(
            label: "negative shape",
            bytes: rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: f32x2),
            expected: .invalidTensorEntry(tensor: "a", reason: "shape entry -2 is not a non-negative integer")),
        Corruption(
            label: "missing offsets",
            bytes: rawSafetensors(header: #"{"a":{"dtype":"F32","shape":[2]}}"#, data: f32x2),
            expected: .invalidTensorEntry(tensor: "a", reason: "data_offsets is not a pair of non-negative integers")),
        Corruption(
            label: "non-string metadata",
            bytes: rawSafetensors(header: #"{"__metadata__":{"k":3}}"#, data: []),
            expected: .invalidMetadata(reason: "value of 'k' is not a string")),
    ]

    @Test(arguments: corruptions)
    func corruptedFilesGiveTheRightTypedError(_ corruption: Corruption) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try writeTemporaryFile(corruption.bytes, in: folder)
        #expect(throws: corruption.expected) { try SafetensorsArchive.read(from: path) }
    }

    @Test func missingFileIsAnIOError() {
        #expect {
            try SafetensorsArchive.read(from: "/nonexistent/x.safetensors")
        } throws: { error in
            guard case .io(let io) = error as? SafetensorsError else { return false }
            return io.operation == "open" && io.description.contains("No such file")
        }
    }

    @Test func writtenFilesReadBackIdenticallyWithAlignedHeader() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let archive = SafetensorsArchive(
            metadata: ["note": "quote \" and \\ and\nnewline", "k": "3"],
            tensors: [
                SafetensorsTensor(
                    name: "b", shape: [2, 3], values: [1, -2, 3.5, .infinity, -0.0, Float(bitPattern: 1000)]),
                SafetensorsTensor(name: "a.0.weight", shape: [], values: [7]),
                SafetensorsTensor(name: "empty", shape: [0, 4], values: []),
            ])
        let path = folder + "/out.safetensors"
        try archive.write(to: path)
        let back = try SafetensorsArchive.read(from: path)
        #expect(back == archive)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect((8 + headerLength) % 8 == 0)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder) == ["out.safetensors"], "no temporary file left"
        )
    }

    @Test func headerPaddingWithSpacesAndUnknownFieldsAreAccepted() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let header = #"{"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4],"extra":[1]}}     "#
        let path = try writeTemporaryFile(rawSafetensors(header: header, data: [0x80, 0x3F, 0x00, 0xC0]), in: folder)
        #expect(try SafetensorsArchive.read(from: path).tensor(named: "a").floatValues() == [1, -2])
    }

    @Test func randomGarbageNeverCrashes() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let valid = try SafetensorsArchive(
            metadata: ["x": "y"], tensors: [SafetensorsTensor(name: "w", shape: [3], values: [1, 2, 3])]
        ).serialized()
        var generator = SeededGenerator(seed: 99)
        for trial in 0..<300 {
            var bytes = valid
            switch trial % 3 {
            case 0: bytes = Array(bytes.prefix(generator.nextInt(below: bytes.count)))
            case 1:
                for _ in 0..<3 { bytes[generator.nextInt(below: bytes.count)] = UInt8(generator.nextInt(below: 256)) }
            default: bytes = (0..<generator.nextInt(below: 64)).map { _ in UInt8(generator.nextInt(below: 256)) }
            }
            let path = try writeTemporaryFile(bytes, in: folder)
            _ = try? SafetensorsArchive.read(from: path)
        }
    }

    @Test func jsonParserRejectsMalformedInputAndKeepsOrder() throws {
        #expect(
            try JSONValue.parse(Array(#"{"b":1,"a":[true,null,"\u00e9\ud83d\ude00"]}"#.utf8))
                == .object([("b", .number("1")), ("a", .array([.bool(true), .null, .string("é😀")]))]))
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "01", "\"\\x\"", "1 2", "\"\\ud800\""] {
            #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(bad.utf8)) }
        }
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(deep.utf8)) }
    }
}
