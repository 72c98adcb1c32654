import DVCGControl
import DVCGCore
import Foundation
import Hummingbird
import NIOCore

/// A refused control request: its status and the `{"error": {"code", "message"}}` body.
///
/// Thrown by route handlers; the error middleware of ``ControlServer`` turns it (and Hummingbird's own
/// errors) into the response, so every refusal has the same body shape.
public struct ControlError: HTTPResponseError, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status (4xx or 503).
    public var status: HTTPResponse.Status
    /// A stable, machine-readable code, e.g. `invalid_bid`.
    public var code: String
    /// One line naming the field or value at fault.
    public var message: String
    /// Whether the answer closes the connection (`Connection: close`): the request could not be read to its end.
    public var closesConnection = false
    /// The id a 404 `unknown_vsp` is about, for the nearest roster id the answer suggests (ErrorBodyMiddleware).
    public var unknownVSP: VSPID?

    /// Creates a refusal.
    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }

    /// The JSON error response.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = ControlServer.json(status, ErrorBody(code: code, message: message))
        if closesConnection { response.headers[.connection] = "close" }
        return response
    }

    /// 404 `unknown_vsp` for `id`, with `message` (which names it).
    static func unknownVSP(_ id: VSPID, _ message: String) -> ControlError {
        var error = ControlError(.notFound, "unknown_vsp", message)
        error.unknownVSP = id
        return error
    }

    /// 400 `bad_request`.
    static func badRequest(_ message: String) -> ControlError { ControlError(.badRequest, "bad_request", message) }

    /// 422 with `code`.
    static func invalid(_ code: String, _ message: String) -> ControlError {
        ControlError(.unprocessableContent, code, message)
    }
}
