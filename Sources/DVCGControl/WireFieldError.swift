import DVCGCore

/// A request field the API refuses while decoding it; the server answers with the field's path first.
public enum WireFieldError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A field the request type does not have (400).
    case unknownField(path: String, expected: [String])
    /// A null, where the API has no nullable field (400).
    case null(path: String)
    /// A query or path parameter that is not of its type (400).
    case malformed(path: String, message: String)
    /// A VSP id outside the id rule (422 in a body, 400 in a path or query).
    case invalidVSPID(path: String, text: String)
    /// A value of the right type outside the field's domain, e.g. an unknown kind (422).
    case invalidValue(path: String, message: String)

    /// The field, e.g. `utility.xi` or `from`.
    public var path: String {
        switch self {
        case .unknownField(let path, _), .null(let path), .malformed(let path, _), .invalidVSPID(let path, _),
            .invalidValue(let path, _):
            return path
        }
    }

    /// `path: what is wrong`.
    public var description: String {
        switch self {
        case .unknownField(let path, let expected):
            return "\(path): unknown field; expected \(expected.map { "'\($0)'" }.joined(separator: ", "))"
        case .null(let path): return "\(path): expected a value, found null"
        case .malformed(let path, let message), .invalidValue(let path, let message): return "\(path): \(message)"
        case .invalidVSPID(let path, let text): return "\(path): '\(text)' is not a VSP id (\(VSPID.rule))"
        }
    }
}

/// A coding key for any field name: reads every key of a JSON object.
private struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension Decoder {
    /// The object's container, after refusing fields outside `Keys` and null values: the API's request
    /// bodies are strict, and Codable alone would drop an unknown field and read null as absent.
    ///
    /// - Throws: ``WireFieldError/unknownField(path:expected:)`` (the first unknown field in name order) or
    ///   ``WireFieldError/null(path:)``; `DecodingError` when the value is not an object.
    func strictContainer<Keys: CodingKey & CaseIterable>(keyedBy keys: Keys.Type) throws
        -> KeyedDecodingContainer<Keys>
    {
        let all = try container(keyedBy: AnyCodingKey.self)
        let allowed = Keys.allCases.map(\.stringValue)
        let prefix = codingPathDescription(codingPath)
        func path(_ key: AnyCodingKey) -> String { prefix.isEmpty ? key.stringValue : prefix + "." + key.stringValue }
        let present = all.allKeys.sorted { $0.stringValue < $1.stringValue }
        if let unknown = present.first(where: { !allowed.contains($0.stringValue) }) {
            throw WireFieldError.unknownField(path: path(unknown), expected: allowed.sorted())
        }
        for key in present where try all.decodeNil(forKey: key) { throw WireFieldError.null(path: path(key)) }
        return try container(keyedBy: Keys.self)
    }
}

extension KeyedDecodingContainer {
    /// A VSP id given as a string in `key`.
    ///
    /// - Throws: ``WireFieldError/invalidVSPID(path:text:)`` naming the field; `DecodingError` for a
    ///   missing or non-string value.
    func decodeVSPID(forKey key: Key) throws -> VSPID {
        let text = try decode(String.self, forKey: key)
        guard let id = try? VSPID(text) else {
            throw WireFieldError.invalidVSPID(path: codingPathDescription(codingPath + [key]), text: text)
        }
        return id
    }
}
