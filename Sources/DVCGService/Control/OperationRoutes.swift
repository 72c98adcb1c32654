import DVCGControl
import DVCGCore
import DVCGMechanism
import Foundation
import Hummingbird

/// Reload, pause, resume and a round by hand: what only admins may do to the daemon.
struct OperationRoutes {
    let environment: ControlServer.Environment

    /// `POST /v1/reload`, `/v1/pause`, `/v1/resume` and `/v1/rounds`.
    var collection: RouteCollection<ControlRequestContext> {
        let routes = RouteCollection(context: ControlRequestContext.self)
        let auctioneer = environment.auctioneer
        routes.register(ControlAPI.Reload.self, environment) {
            let result = await auctioneer.reload(trigger: "control API")
            guard result.succeeded else { throw ControlError.invalid("reload_failed", result.message) }
            return ActionResponse(outcome: "reloaded", message: result.message)
        }
        routes.register(ControlAPI.Pause.self, environment) {
            await auctioneer.pause()
            let next = await auctioneer.snapshot().openRound
            return ActionResponse(outcome: "paused", message: "paused before round \(next)", round: next.value)
        }
        routes.register(ControlAPI.Resume.self, environment) {
            await auctioneer.resume()
            let next = await auctioneer.snapshot().openRound
            return ActionResponse(outcome: "resumed", message: "round \(next) runs at the next tick", round: next.value)
        }
        routes.register(ControlAPI.RunRound.self, environment) {
            guard let outcome = await auctioneer.runRound(started: Date(), evenIfPaused: true) else {
                throw ControlError(
                    .serviceUnavailable, "round_abandoned",
                    "the round was abandoned (see the daemon's log); nothing was committed")
            }
            return ActionResponse(
                outcome: "committed",
                message: "round \(outcome.round): \(outcome.entries.count) VSPs, welfare \(outcome.welfareEstimate) VC",
                round: outcome.round.value)
        }
        return routes
    }
}
