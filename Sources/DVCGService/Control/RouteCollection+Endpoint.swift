import DVCGControl
import Foundation
import Hummingbird

extension RouteCollection where Context == ControlRequestContext {
    /// Registers `endpoint` at its method and path: the caller's access is checked before anything else, then
    /// `handle` reads the request and answers.
    ///
    /// - Parameter handle: The route's work, given the admitted caller's role.
    @discardableResult
    func register<E: Endpoint>(
        _ endpoint: E.Type, _ environment: ControlServer.Environment,
        handle: @escaping @Sendable (Request, ControlRequestContext, AccessRole) async throws -> Response
    ) -> Self {
        let method = HTTPRequest.Method(rawValue: E.method.rawValue) ?? .get
        // OpenAPI writes a parameter `{id}`, Hummingbird's router `:id`.
        let path = E.path.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: "")
        return on(RouterPath(path), method: method) { request, context in
            let role = try await environment.admit(E.self, request, context)
            return try await handle(request, context, role)
        }
    }

    /// Registers `endpoint`, whose request is a JSON body: access, then the body decoded once, then `handle`,
    /// whose answer is sent as JSON with the endpoint's success status.
    @discardableResult
    func register<E: Endpoint>(
        _ endpoint: E.Type, _ environment: ControlServer.Environment,
        handle: @escaping @Sendable (E.Request, AccessRole, ControlRequestContext, Request) async throws -> E.Response
    ) -> Self where E.Request: JSONRequest, E.Response: Encodable {
        register(E.self, environment) { request, context, role in
            let body = try await ControlServer.decode(E.self, from: request)
            let answer = try await handle(body, role, context, request)
            return ControlServer.json(HTTPResponse.Status(code: E.successStatus), answer)
        }
    }

    /// Registers `endpoint`, which takes no request: access, then `handle`, whose answer is sent as JSON with
    /// the endpoint's success status.
    @discardableResult
    func register<E: Endpoint>(
        _ endpoint: E.Type, _ environment: ControlServer.Environment,
        handle: @escaping @Sendable () async throws -> E.Response
    ) -> Self where E.Request == NoRequest, E.Response: Encodable {
        register(E.self, environment) { _, _, _ in
            ControlServer.json(HTTPResponse.Status(code: E.successStatus), try await handle())
        }
    }
}
