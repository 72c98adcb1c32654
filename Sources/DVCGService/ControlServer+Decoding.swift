import Foundation
import Hummingbird
import NIOCore

extension ControlServer {
    /// Reads a JSON request body of at most ``maximumBodySize`` bytes into `T`, refusing fields outside `fields`.
    ///
    /// - Throws: ``ControlError``: 413 for a body over 1 MiB; 400 naming the field for malformed JSON, a body
    ///   that is not an object, an unknown field, a missing field, a null or a wrongly typed value.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, fields: Set<String>) async throws(
        ControlError
    ) -> T {
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
        if let unknown = dictionary.keys.sorted().first(where: { !fields.contains($0) }) {
            throw .badRequest(
                "\(unknown): unknown field; expected \(fields.sorted().map { "'\($0)'" }.joined(separator: ", "))")
        }
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw .badRequest(describe(error))
        } catch {
            throw .badRequest("body: \(error)")
        }
    }

    /// A decoding error as `field: what was wrong`.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var text = ""
            for key in keys {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing field"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(expected(type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(expected(type)), found null"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath).isEmpty ? "body" : path(context.codingPath)): \(context.debugDescription)"
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
