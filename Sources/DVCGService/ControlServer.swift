import DVCGCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The control API over the Unix socket (HTTP/1.1 + JSON), as a Hummingbird application.
///
/// Routes: `GET /v1/health`, `GET /v1/status`, `POST /v1/reload`, `POST /v1/pause`, `POST /v1/resume`,
/// `POST /v1/vsps` (body: one roster entry in YAML or JSON, the schema of a `vsps:` item) and
/// `DELETE /v1/vsps/{id}`; issue 6 adds bids, reports, ledger reads and peer-credential checks to
/// ``routes(auctioneer:)``'s router. Errors are `{"error": {"code": ..., "message": ...}}`.
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
        router.post("/v1/pause") { _, _ in
            await auctioneer.pause()
            return json(.ok, await auctioneer.status())
        }
        router.post("/v1/resume") { _, _ in
            await auctioneer.resume()
            return json(.ok, await auctioneer.status())
        }
        router.post("/v1/vsps") { request, _ in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            let definition: VSPDefinition
            do {
                definition = try ConfigurationLoader.parseVSP(
                    String(buffer: body), resourceCount: await auctioneer.resourceCount)
            } catch {
                return failure(.badRequest, "invalid_vsp", "\(error)")
            }
            do {
                let boundary = try await auctioneer.add(definition)
                return json(.created, ["vsp": definition.id.rawValue, "boundary": boundary.description])
            } catch let rejection as RosterRejection {
                return failure(.conflict, "already_registered", rejection.description)
            } catch {
                return failure(.internalServerError, "ledger", "\(error)")
            }
        }
        router.delete("/v1/vsps/:id") { _, context in
            guard let id = try? VSPID(try context.parameters.require("id")) else {
                return failure(.badRequest, "invalid_vsp_id", "not a valid VSP id")
            }
            do {
                let boundary = try await auctioneer.remove(id)
                return json(.ok, ["vsp": id.rawValue, "boundary": boundary.description])
            } catch let rejection as RosterRejection {
                return failure(.notFound, "not_registered", rejection.description)
            } catch {
                return failure(.internalServerError, "ledger", "\(error)")
            }
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
                do throws(ControlSocketError) {
                    try ControlSocket.setPermissions(path: path, mode: configuration.mode, group: configuration.group)
                    logger.info("control socket listening", metadata: ["socket": "\(path)"])
                    readiness.raise()
                } catch {
                    logger.critical("control socket unusable", metadata: ["socket": "\(path)", "error": "\(error)"])
                    readiness.raise(.failure(error))
                }
            },
            logger: logger)
    }

    /// An error response `{"error": {"code": ..., "message": ...}}`.
    static func failure(_ status: HTTPResponse.Status, _ code: String, _ message: String) -> Response {
        json(status, ["error": ["code": code, "message": message]])
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
