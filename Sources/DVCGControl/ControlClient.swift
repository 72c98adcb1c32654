import AsyncHTTPClient
import DVCGCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Why a control request did not succeed.
public enum ControlClientError: Error, Sendable, CustomStringConvertible {
    /// Nothing answers on the socket (no file, connection refused, permission denied, timeout).
    case unreachable(socketPath: String, reason: String)
    /// The daemon answered with an error status and body `{"error": {"code", "message"}}`.
    case refused(status: Int, code: String, message: String)
    /// The daemon answered something that is not what the API promises.
    case malformedResponse(String)

    /// One line for people.
    public var description: String {
        switch self {
        case .unreachable(let path, let reason): return "cannot reach dvcgd at \(path): \(reason)"
        case .refused(_, _, let message): return message
        case .malformedResponse(let detail): return "unexpected answer from dvcgd: \(detail)"
        }
    }
}

/// A client of dvcgd's control API: HTTP/1.1 + JSON over its Unix socket.
public struct ControlClient: Sendable {
    /// The daemon's control socket.
    public let socketPath: String
    /// How long one request may take.
    public var timeout: TimeAmount

    /// The socket dvcgd listens on by default.
    public static let defaultSocketPath = "/run/dvcg/dvcgd.sock"

    /// Creates a client for the socket at `socketPath`.
    public init(socketPath: String, timeout: TimeAmount = .seconds(10)) {
        self.socketPath = socketPath
        self.timeout = timeout
    }

    /// Sends `request` to `endpoint` and decodes its JSON answer.
    ///
    /// - Throws: ``ControlClientError``.
    public func send<E: Endpoint>(_ endpoint: E.Type, _ request: E.Request) async throws(ControlClientError)
        -> E.Response where E.Response: Decodable
    {
        let body: Data?
        do { body = try request.body() } catch {
            throw .malformedResponse("cannot encode request: \(error)")
        }
        return try decode(try await send(E.method, request.uri(template: E.path), body: body))
    }

    /// Calls `endpoint`, which takes no request, and decodes its JSON answer.
    ///
    /// - Throws: ``ControlClientError``.
    public func send<E: Endpoint>(_ endpoint: E.Type) async throws(ControlClientError) -> E.Response
    where E.Request == NoRequest, E.Response: Decodable {
        try await send(endpoint, NoRequest())
    }

    /// Sends `request` to `endpoint` and hands each chunk of the answer's body to `consume` as it arrives, so
    /// a large answer (the ledger) never sits in memory.
    ///
    /// - Throws: ``ControlClientError``; whatever `consume` throws is reported as malformed.
    public func stream<E: Endpoint>(
        _ endpoint: E.Type, _ request: E.Request, _ consume: (ByteBuffer) throws -> Void
    ) async throws(ControlClientError) {
        let response = try await execute(E.method, request.uri(template: E.path), body: nil)
        guard response.status == .ok else {
            let body = await collect(response, limit: 1 << 20)
            throw refusal(status: response.status, body: body)
        }
        do {
            for try await chunk in response.body { try consume(chunk) }
        } catch {
            throw .malformedResponse("\(error)")
        }
    }

    private func send(_ method: EndpointMethod, _ path: String, body: Data?) async throws(ControlClientError) -> Data {
        let response = try await execute(method, path, body: body)
        let data = await collect(response, limit: 64 << 20)
        guard (200..<300).contains(response.status.code) else { throw refusal(status: response.status, body: data) }
        return data
    }

    private func execute(_ method: EndpointMethod, _ path: String, body: Data?) async throws(ControlClientError)
        -> HTTPClientResponse
    {
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: path) else {
            throw .unreachable(socketPath: socketPath, reason: "not a usable socket path")
        }
        // stat, not fileExists: a folder the caller may not search says EACCES, which is not "no such socket".
        var info = stat()
        guard stat(socketPath, &info) == 0 else {
            let code = errno
            throw .unreachable(
                socketPath: socketPath, reason: Self.reason(errno: code) ?? String(cString: strerror(code)))
        }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            let kind = info.st_mode & S_IFMT == S_IFDIR ? "a folder" : "a file"
            throw .unreachable(
                socketPath: socketPath, reason: "not a socket (\(kind); see --socket, and control.socket in dvcgd.yaml)"
            )
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: method.rawValue)
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            return try await HTTPClient.shared.execute(request, timeout: timeout)
        } catch {
            throw .unreachable(socketPath: socketPath, reason: Self.reason(for: error))
        }
    }

    private func collect(_ response: HTTPClientResponse, limit: Int) async -> Data {
        var buffer = (try? await response.body.collect(upTo: limit)) ?? ByteBuffer()
        return Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    private func refusal(status: HTTPResponseStatus, body: Data) -> ControlClientError {
        if let error = try? JSONDecoder().decode(ErrorBody.self, from: body) {
            return .refused(status: Int(status.code), code: error.error.code, message: error.error.message)
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return .refused(
            status: Int(status.code), code: "http_\(status.code)",
            message: "\(status.code) \(status.reasonPhrase) \(text)")
    }

    private func decode<Response: Decodable>(_ data: Data) throws(ControlClientError) -> Response {
        do {
            return try JSONDecoder().decode(Response.self, from: data)
        } catch {
            throw .malformedResponse("\(error)")
        }
    }

    /// What an errno of `stat` or `connect` on the socket means for the caller; `nil` for another errno.
    static func reason(errno code: Int32) -> String? {
        switch code {
        case ECONNREFUSED: return "connection refused (stale socket: is dvcgd running?)"
        case EACCES, EPERM: return "permission denied (need membership in the socket's group)"
        case ENOENT: return "no such socket (is dvcgd running? see --socket)"
        default: return nil
        }
    }

    /// Why a connection failed, from the error's type and errno; the error itself for anything else.
    static func reason(for error: any Error) -> String {
        switch error {
        case let error as IOError:
            return reason(errno: error.errnoCode) ?? "\(error)"
        case let error as NIOConnectionError:
            return error.connectionErrors.first.map { reason(for: $0.error) } ?? "\(error)"
        case let error as HTTPClientError
        where error == .deadlineExceeded || error == .connectTimeout || error == .readTimeout:
            return "timed out"
        case ChannelError.connectTimeout:
            return "timed out"
        default:
            return "\(error)"
        }
    }
}
