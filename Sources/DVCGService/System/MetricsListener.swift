import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The optional Prometheus listener (`metrics.listen`): TCP, `GET /metrics` only, the same exposition as the
/// control socket's `GET /metrics`.
///
/// Prometheus does not scrape Unix sockets, so this is the one TCP port dvcgd may open. It answers 404 for any
/// other path and 405 (`Allow: GET`) for another method, reads no request body, and gives no access to
/// anything else of the API; who may connect is decided by the address (loopback unless the operator writes
/// another) and by the unit's `IPAddressAllow=` (docs/dvcgd.md, "Metrics").
public enum MetricsListener {
    /// Answers `GET /metrics` with `metrics`' exposition, and nothing else.
    struct Responder: HTTPResponder {
        /// The instruments exposed.
        let metrics: DaemonMetrics

        /// 200 with the exposition, 404 for another path, 405 for another method.
        @Sendable func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
            guard request.uri.path == "/metrics" else {
                return Response(
                    status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: "only GET /metrics is served here\n")))
            }
            guard request.method == .get || request.method == .head else {
                return Response(status: .methodNotAllowed, headers: [.allow: "GET"])
            }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: metrics.exposition())))
        }
    }

    /// The listener at `address`; it logs `metrics listening` once bound.
    public static func application(address: ListenAddress, metrics: DaemonMetrics, logger: Logger)
        -> some Service
    {
        Application(
            responder: Responder(metrics: metrics),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "dvcgd"),
            onServerRunning: { _ in
                logger.info("metrics listening", metadata: ["address": "\(address)"])
            },
            eventLoopGroupProvider: .shared(ControlServer.eventLoop),
            logger: logger)
    }
}
