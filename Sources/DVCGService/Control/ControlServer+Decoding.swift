import DVCGControl
import DVCGCore
import Foundation
import Hummingbird
import NIOCore

extension ControlServer {
    /// Reads the JSON body of `endpoint`'s request, at most ``maximumBodySize`` bytes, in one pass: the request
    /// types refuse unknown fields and nulls themselves (``WireFieldError``).
    ///
    /// - Throws: ``ControlError``: 413 for a body over 1 MiB; 400 naming the field for malformed JSON, a body
    ///   that is not an object, an unknown field, a missing field, a null or a wrongly typed value; 422 for a
    ///   VSP id outside the rule (`invalid_vsp_id`) or a value outside its field's domain (the endpoint's
    ///   ``Endpoint/invalidCode``).
    static func decode<E: Endpoint>(_ endpoint: E.Type, from request: Request) async throws(ControlError)
        -> E.Request where E.Request: Decodable
    {
        var request = request
        let buffer: ByteBuffer
        do { buffer = try await request.collectBody(upTo: maximumBodySize) } catch {
            throw ControlError(.contentTooLarge, "too_large", "body: over the limit of \(maximumBodySize) bytes")
        }
        let data = Data(buffer.readableBytesView)
        guard !data.isEmpty else { throw .badRequest("body: expected a JSON object, found an empty body") }
        do {
            return try JSONDecoder().decode(E.Request.self, from: data)
        } catch let error as WireFieldError {
            throw refusal(error, invalidCode: E.invalidCode, in: .unprocessableContent)
        } catch let error as DecodingError {
            throw .badRequest(describe(error))
        } catch {
            throw .badRequest("body: \(error)")
        }
    }

    /// The refusal of a field the wire types rejected: 400 for the shape of the request, `idStatus` for a VSP
    /// id (422 in a body, 400 in a path or query), 422 with `invalidCode` for a value outside its domain.
    static func refusal(_ error: WireFieldError, invalidCode: String, in idStatus: HTTPResponse.Status)
        -> ControlError
    {
        switch error {
        case .unknownField, .null, .malformed: return .badRequest(error.description)
        case .invalidVSPID: return ControlError(idStatus, "invalid_vsp_id", error.description)
        case .invalidValue: return .invalid(invalidCode, error.description)
        }
    }

    /// A decoding error as `field: what was wrong` (`body: ...` for the whole body).
    static func describe(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey]) -> String {
            let text = codingPathDescription(path)
            return text.isEmpty ? "body" : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(field(context.codingPath + [key])): missing field"
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            return "body: expected a JSON object"
        case .typeMismatch(let type, let context):
            return "\(field(context.codingPath)): expected \(expected(type))"
        case .valueNotFound(let type, let context):
            return "\(field(context.codingPath)): expected \(expected(type)), found null"
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            let reason = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return "body: malformed JSON (\(reason ?? context.debugDescription))"
        case .dataCorrupted(let context):
            return "\(field(context.codingPath)): \(context.debugDescription)"
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
}
