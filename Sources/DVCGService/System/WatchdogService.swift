import Logging
import ServiceLifecycle

/// WATCHDOG=1 at half of WATCHDOG_USEC, from READY=1 until STOPPING=1, until graceful shutdown.
///
/// Each ping is sent on the ``Auctioneer`` actor (``Auctioneer/pingWatchdog()``), so a round that hangs holds
/// the pings back and the service manager restarts the daemon; without a watchdog the service returns at once.
public struct WatchdogService<C: Clock>: Service where C.Duration == Duration {
    private let auctioneer: Auctioneer
    private let interval: Duration?
    private let clock: C

    /// Pings for `auctioneer` every `interval` (`nil`: no watchdog) on `clock`.
    public init(auctioneer: Auctioneer, interval: Duration?, clock: C) {
        self.auctioneer = auctioneer
        self.interval = interval
        self.clock = clock
    }

    /// Pings until graceful shutdown.
    public func run() async throws {
        guard let interval else { return }
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            await auctioneer.pingWatchdog()
            do {
                try await cancelWhenGracefulShutdown { try await clock.sleep(for: interval, tolerance: nil) }
            } catch {
                return
            }
        }
    }
}
