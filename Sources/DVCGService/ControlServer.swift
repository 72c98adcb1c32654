import DVCGCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The control API over the Unix socket (HTTP/1.1 + JSON), as a Hummingbird application.
///
/// This issue serves `GET /v1/health`, `GET /v1/status` and `POST /v1/reload`; issue 6 adds its
/// routes to ``routes(auctioneer:)``'s router. Errors are `{"error": {"code": ..., "message": ...}}`.
public enum ControlServer {
    /// The router with every route of the API.
    public static func routes(auctioneer: Auctioneer) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/v1/health") { _, _ in
            json(.ok, ["status": "ok"])
        }
        router.get("/v1/status") { _, _ in
            json(.ok, await auctioneer.status())
        }
        router.post("/v1/reload") { _, _ in
            let result = await auctioneer.reload(trigger: "control API")
            return json(result.succeeded ? .ok : .unprocessableContent, result)
        }
        return router
    }

    /// The application bound to the configured socket; raises `readiness` once it listens with its mode set.
    ///
    /// - Throws: ``ControlSocketError`` when a live daemon answers on the path or a stale file cannot go.
    public static func application(
        configuration: ControlConfiguration, auctioneer: Auctioneer, readiness: Readiness, logger: Logger
    ) throws(ControlSocketError) -> some Service {
        try ControlSocket.prepare(path: configuration.socketPath)
        let path = configuration.socketPath
        return Application(
            router: routes(auctioneer: auctioneer),
            configuration: .init(address: .unixDomainSocket(path: path), serverName: "dvcgd"),
            onServerRunning: { _ in
                do {
                    try ControlSocket.setPermissions(path: path, mode: configuration.mode, group: configuration.group)
                    logger.info("control socket listening", metadata: ["socket": "\(path)"])
                    await readiness.raise()
                } catch {
                    logger.critical("control socket unusable", metadata: ["socket": "\(path)", "error": "\(error)"])
                }
            },
            logger: logger)
    }

    /// A JSON response.
    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data + Data("\n".utf8))))
    }
}
