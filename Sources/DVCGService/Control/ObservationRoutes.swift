import DVCGControl
import Foundation
import Hummingbird
import NIOCore

/// Health, status and metrics: what readers may see.
struct ObservationRoutes {
    let environment: ControlServer.Environment

    /// `GET /v1/health`, `GET /v1/status` and `GET /metrics`.
    var collection: RouteCollection<ControlRequestContext> {
        let routes = RouteCollection(context: ControlRequestContext.self)
        let auctioneer = environment.auctioneer
        routes.register(ControlAPI.Health.self, environment) { HealthResponse(live: true, ready: true) }
        // The published status is read without waiting for the auctioneer, which may be in a round.
        routes.register(ControlAPI.Status.self, environment) { _, _, _ in
            if let body = auctioneer.statusBoard.currentBody() {
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: body)))
            }
            return ControlServer.json(.ok, StatusResponse(await auctioneer.snapshot(), now: Date()))
        }
        routes.register(ControlAPI.Metrics.self, environment) { _, _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: auctioneer.metrics.exposition())))
        }
        return routes
    }
}
