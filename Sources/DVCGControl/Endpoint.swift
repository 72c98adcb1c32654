import DVCGCore
import Foundation

/// An HTTP method the control API uses.
public enum EndpointMethod: String, Sendable, Equatable, CaseIterable {
    /// Reads.
    case get = "GET"
    /// Acts.
    case post = "POST"
    /// Removes.
    case delete = "DELETE"
}

/// Who may call an endpoint; the server checks it from the peer's credentials before it reads the body.
public enum EndpointAccess: Sendable, Equatable {
    /// Any caller with a role: an admin, a reader or a VSP principal.
    case anyRole
    /// Admins and readers.
    case reader
    /// Admins and VSP principals; a VSP principal only for its own VSP, checked once the request names it.
    case vspPrincipal
    /// Admins only.
    case admin
}

/// One endpoint of the control API: its method, path, access and the types it sends and answers.
///
/// The client (``ControlClient/send(_:_:)``) and the server's registration both use these values, and a
/// test keeps them in step with docs/openapi.yaml, the contract.
///
/// ```swift
/// let receipt = try await client.send(ControlAPI.SubmitBid.self, BidRequest(vsp: id, round: nil, amount: 120))
/// ```
public protocol Endpoint: Sendable {
    /// What the client sends: ``NoRequest``, a JSON body (``JSONRequest``) or path or query parameters.
    associatedtype Request: EndpointRequest
    /// What the server answers on success.
    associatedtype Response: Sendable

    /// The HTTP method.
    static var method: EndpointMethod { get }
    /// The path as docs/openapi.yaml writes it, parameters in braces (`/v1/vsps/{id}`).
    static var path: String { get }
    /// Who may call it.
    static var access: EndpointAccess { get }
    /// What a caller without access may not do, completing "reader may not ...", e.g. `add VSPs`.
    static var activity: String { get }
    /// The HTTP status of a success (200, or 202 for a change scheduled at the next round boundary).
    static var successStatus: Int { get }
    /// The error code of a request whose values are outside their domain (422), e.g. `invalid_bid`.
    static var invalidCode: String { get }
}

extension Endpoint {
    /// 200.
    public static var successStatus: Int { 200 }
    /// `invalid_request`.
    public static var invalidCode: String { "invalid_request" }

    /// Whether a concrete request path (no query) is this endpoint's path, a parameter matching one
    /// non-empty segment.
    public static func matches(_ requestPath: String) -> Bool {
        let template = path.split(separator: "/", omittingEmptySubsequences: false)
        let actual = requestPath.split(separator: "/", omittingEmptySubsequences: false)
        guard template.count == actual.count else { return false }
        return zip(template, actual).allSatisfy { pattern, segment in
            pattern.hasPrefix("{") ? !segment.isEmpty : pattern == segment
        }
    }
}

/// How a request goes on the wire: the URI (path with parameters, query) and the body.
public protocol EndpointRequest: Sendable {
    /// The request's path and query for an endpoint whose path is `template`.
    func uri(template: String) -> String
    /// The JSON body, or `nil` for none.
    ///
    /// - Throws: `EncodingError` when the value cannot be encoded.
    func body() throws -> Data?
}

/// The request of an endpoint that takes nothing.
public struct NoRequest: EndpointRequest, Equatable {
    /// Nothing.
    public init() {}

    /// The template itself.
    public func uri(template: String) -> String { template }

    /// No body.
    public func body() throws -> Data? { nil }
}

/// A request sent as a JSON object body.
public protocol JSONRequest: EndpointRequest, Codable {}

extension JSONRequest {
    /// The template itself.
    public func uri(template: String) -> String { template }

    /// The request as JSON with sorted keys.
    public func body() throws -> Data? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(self)
    }
}

/// A VSP named in the path (`/v1/vsps/{id}`).
extension VSPID: EndpointRequest {
    /// The template with `{id}` replaced by the id (its characters need no escaping).
    public func uri(template: String) -> String { template.replacingOccurrences(of: "{id}", with: rawValue) }

    /// No body.
    public func body() throws -> Data? { nil }
}
