import DVCGCore
import Foundation
import Logging
import ServiceLifecycle

/// The auction loop: a round at every tick of the monotonic clock, STATUS= after each round, READY=1 once the
/// control socket listens, STOPPING=1 on shutdown (watchdog pings are ``WatchdogService``'s).
///
/// A round that overruns its period makes the loop skip the ticks already past (logged, and counted in
/// `skipped_ticks` of the status), never queue them. Graceful shutdown waits for the round in flight, which
/// commits or is abandoned whole.
public struct AuctionService<C: Clock>: Service where C.Duration == Duration {
    private let auctioneer: Auctioneer
    private let clock: C
    private let notifier: any ServiceNotifier
    private let readiness: Readiness
    private let logger: Logger

    /// A loop over `auctioneer` on `clock`.
    public init(auctioneer: Auctioneer, clock: C, notifier: any ServiceNotifier, readiness: Readiness, logger: Logger) {
        self.auctioneer = auctioneer
        self.clock = clock
        self.notifier = notifier
        self.readiness = readiness
        self.logger = logger
    }

    /// Runs rounds until graceful shutdown.
    public func run() async throws {
        let ready = await cancelWhenGracefulShutdown { await readiness.wait() }
        guard let ready, !Task.isShuttingDownGracefully, !Task.isCancelled else { return await finish() }
        // Without its control socket the daemon must not report READY; the group stops with the error.
        if case .failure(let error) = ready { throw error }
        await auctioneer.announceReady()
        var period = await auctioneer.period
        logger.notice("dvcgd ready", metadata: ["period": "\(Self.text(period))"])
        var schedule = TickSchedule(origin: clock.now, period: period)
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let deadline = schedule.nextDeadline
            await auctioneer.noteNextRound(in: clock.now.duration(to: deadline))
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(until: deadline, tolerance: nil) }
            } catch {
                break
            }
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { break }
            let tickStart = clock.now
            await auctioneer.runRound(started: Date())
            let snapshot = await auctioneer.snapshot()
            notifier.notify("STATUS=\(snapshot.statusLine)")
            let skipped = schedule.advance(now: clock.now)
            if skipped > 0 {
                await auctioneer.recordSkippedTicks(skipped)
                // The tick's work is the bank's VoI fit and the round; status's round duration is the round's only.
                let tick = tickStart.duration(to: clock.now).inSeconds * 1e3
                let round = (snapshot.state.committed?.summary?.duration.inSeconds).map { $0 * 1e3 }
                logger.warning(
                    "the tick's work (VoI fit and round) overran its period; skipping ticks",
                    metadata: [
                        "skipped_ticks": "\(skipped)", "period": "\(Self.text(period))",
                        "tick_ms": "\(String(format: "%.1f", tick))",
                        "round_ms": "\(round.map { String(format: "%.1f", $0) } ?? "-")",
                    ])
            }
            let current = await auctioneer.period
            if current != period {
                period = current
                schedule.changePeriod(to: current)
            }
        }
        await finish()
        await auctioneer.shutdown()
    }

    /// A period as `dvcgctl status` shows it: seconds with three decimals (`1.000 s`).
    static func text(_ period: Duration) -> String { String(format: "%.3f s", period.inSeconds) }

    private func finish() async {
        await auctioneer.announceStopping()
        logger.notice("dvcgd stopping")
    }
}
