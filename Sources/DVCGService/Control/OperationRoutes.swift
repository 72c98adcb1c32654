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
            switch result.refusal {
            case nil: return ActionResponse(outcome: "reloaded", message: result.message)
            case .invalid: throw ControlError.invalid("reload_failed", result.message)
            case .inProgress: throw ControlError(.conflict, "reload_in_progress", "reload: \(result.message)")
            case .ledgerUnavailable: throw ControlError(.serviceUnavailable, "ledger_unavailable", result.message)
            }
        }
        routes.register(ControlAPI.Pause.self, environment) {
            // Idempotent, as systemctl start of a started unit: a second pause says so and succeeds.
            let changed: Bool
            do throws(LedgerError) { changed = try await auctioneer.pause() } catch { throw Self.unrecorded(error) }
            let next = await auctioneer.snapshot().openRound
            return ActionResponse(
                outcome: changed ? "paused" : "already_paused",
                message: "\(changed ? "" : "already ")paused before round \(next)", round: next.value
            )
        }
        routes.register(ControlAPI.Resume.self, environment) {
            let changed: Bool
            do throws(LedgerError) { changed = try await auctioneer.resume() } catch { throw Self.unrecorded(error) }
            let next = await auctioneer.snapshot().openRound
            return ActionResponse(
                outcome: changed ? "resumed" : "already_running",
                message: "\(changed ? "" : "already running: ")round \(next) runs at the next tick",
                round: next.value)
        }
        routes.register(ControlAPI.RunRound.self, environment) {
            guard let outcome = await auctioneer.runRound(started: Date(), evenIfPaused: true) else {
                if let refusal = await auctioneer.refusalWhileDegraded() {
                    throw ControlError(
                        .serviceUnavailable, "ledger_unavailable",
                        "the round was abandoned: \(refusal.description)")
                }
                throw ControlError(
                    .serviceUnavailable, "round_abandoned",
                    "the round was abandoned (see the daemon's log); nothing was committed")
            }
            // The round's figures as status has them, without the rest of a status (file sizes, countdown).
            let lastRound = StatusResponse.lastRound(of: await auctioneer.snapshot().state)
            return ActionResponse(
                outcome: "committed",
                message:
                    "round \(outcome.round): \(counted(outcome.entries.count, "VSP")), welfare estimate \(String(format: "%.2f", outcome.welfareEstimate)) VC",
                round: outcome.round.value,
                lastRound: lastRound?.round == outcome.round.value ? lastRound : nil)
        }
        return routes
    }

    /// 503 `ledger_unavailable`: a switch the ledger cannot record is not thrown.
    static func unrecorded(_ error: LedgerError) -> ControlError {
        ControlError(.serviceUnavailable, "ledger_unavailable", error.description)
    }
}
