import DVCGCore
import Foundation
import Hummingbird
import NIOCore

extension ControlServer {
    /// Reads a JSON request body of at most ``maximumBodySize`` bytes into `T`, refusing fields outside `fields`.
    ///
    /// - Throws: ``ControlError``: 413 for a body over 1 MiB; 400 naming the field for malformed JSON, a body
    ///   that is not an object, an unknown field, a missing field, a null or a wrongly typed value.
    /// - Parameter nested: The fields allowed in nested objects, by the field holding them.
    static func decode<T: Decodable>(
        _ type: T.Type, from request: Request, fields: Set<String>, nested: [String: Set<String>] = [:]
    ) async throws(ControlError) -> T {
        var request = request
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: maximumBodySize) } catch {
            throw ControlError(.contentTooLarge, "too_large", "body: over the limit of \(maximumBodySize) bytes")
        }
        let data = Data(buffer.readableBytesView)
        guard !data.isEmpty else { throw .badRequest("body: expected a JSON object, found an empty body") }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            throw .badRequest("body: malformed JSON (\(shortReason(error)))")
        }
        guard let dictionary = object as? [String: Any] else { throw .badRequest("body: expected a JSON object") }
        try refuseUnknownFields(of: dictionary, allowed: fields, at: "")
        for (field, allowed) in nested {
            if let inner = dictionary[field] as? [String: Any] {
                try refuseUnknownFields(of: inner, allowed: allowed, at: field + ".")
            }
        }
        // Codable reads null as an absent optional; the API has no nullable fields.
        if let path = nullPath(in: dictionary, at: "") { throw .badRequest("\(path): expected a value, found null") }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw .badRequest(describe(error))
        } catch {
            throw .badRequest("body: \(error)")
        }
    }

    private static func refuseUnknownFields(of object: [String: Any], allowed: Set<String>, at prefix: String)
        throws(ControlError)
    {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .badRequest(
                "\(prefix)\(unknown): unknown field; expected \(allowed.sorted().map { "'\($0)'" }.joined(separator: ", "))"
            )
        }
    }

    /// The path of the first null in a decoded JSON value, if any.
    private static func nullPath(in value: Any, at path: String) -> String? {
        if value is NSNull { return path.isEmpty ? "body" : path }
        if let object = value as? [String: Any] {
            for key in object.keys.sorted() {
                if let found = nullPath(in: object[key]!, at: path.isEmpty ? key : path + "." + key) { return found }
            }
        }
        if let array = value as? [Any] {
            for (index, element) in array.enumerated() {
                if let found = nullPath(in: element, at: "\(path)[\(index)]") { return found }
            }
        }
        return nil
    }

    /// A decoding error as `field: what was wrong`.
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "\(codingPathDescription(context.codingPath + [key])): missing field"
        case .typeMismatch(let type, let context):
            return "\(codingPathDescription(context.codingPath)): expected \(expected(type))"
        case .valueNotFound(let type, let context):
            return "\(codingPathDescription(context.codingPath)): expected \(expected(type)), found null"
        case .dataCorrupted(let context):
            let field = codingPathDescription(context.codingPath)
            return "\(field.isEmpty ? "body" : field): \(context.debugDescription)"
        @unknown default:
            return "body: \(error)"
        }
    }

    private static func expected(_ type: Any.Type) -> String {
        switch type {
        case is Double.Type: return "a number"
        case is UInt64.Type, is Int.Type: return "a non-negative integer"
        case is String.Type: return "a string"
        case is [Double].Type, is [Any].Type: return "an array"
        default: return "a value of type \(type)"
        }
    }

    private static func shortReason(_ error: any Error) -> String {
        let nsError = error as NSError
        return (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? nsError.localizedDescription
    }
}
