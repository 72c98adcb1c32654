/// The identifier of a vehicle service provider (VSP): 1 to 64 characters from `[A-Za-z0-9._-]`.
///
/// The character set keeps ids safe in file names, tensor names (`vsp.<id>.actor...`), URLs and
/// journald fields.
public struct VSPID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The identifier text.
    public let rawValue: String

    /// Validates and wraps an identifier.
    ///
    /// - Throws: ``MechanismError/invalidVSPID(_:)`` when `rawValue` is empty, longer than 64
    ///   characters or contains a character outside `[A-Za-z0-9._-]`.
    public init(_ rawValue: String) throws(MechanismError) {
        guard Self.isValid(rawValue) else { throw .invalidVSPID(rawValue) }
        self.rawValue = rawValue
    }

    /// The id rule as messages state it.
    public static let rule = "1 to 64 characters from [A-Za-z0-9._-]"

    /// Whether `text` is a valid VSP identifier: ``rule``.
    public static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    /// Decodes and validates an identifier from a string.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(text)
    }

    /// Encodes the identifier as a string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The identifier text.
    public var description: String { rawValue }

    /// Orders identifiers by their text.
    public static func < (lhs: VSPID, rhs: VSPID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The number of an auction round t; rounds start at 1 and advance by one every period T_s.
public struct RoundNumber: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The round number.
    public let value: UInt64

    /// Wraps a round number.
    public init(_ value: UInt64) { self.value = value }

    /// The round after this one.
    public var next: RoundNumber { RoundNumber(value + 1) }

    /// The number in decimal.
    public var description: String { String(value) }

    /// Orders rounds in time.
    public static func < (lhs: RoundNumber, rhs: RoundNumber) -> Bool { lhs.value < rhs.value }

    /// Decodes a round number from an unsigned integer.
    public init(from decoder: any Decoder) throws {
        value = try decoder.singleValueContainer().decode(UInt64.self)
    }

    /// Encodes the round number as an unsigned integer.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

/// Lets a `[VSPID: T]` dictionary encode as a JSON object keyed by the id text (instead of an
/// array of alternating keys and values), e.g. the per-VSP part of a persisted engine state.
extension VSPID: CodingKeyRepresentable {
    /// The id text as a coding key.
    public var codingKey: any CodingKey { IdentifierKey(stringValue: rawValue) }

    /// The id from a coding key; nil when its text is not a valid id.
    public init?<T: CodingKey>(codingKey: T) {
        guard let id = try? VSPID(codingKey.stringValue) else { return nil }
        self = id
    }

    private struct IdentifierKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
