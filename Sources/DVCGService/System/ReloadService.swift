import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads on SIGHUP: configuration and policy, validated completely and swapped between rounds.
public struct ReloadService: Service {
    private let auctioneer: Auctioneer

    /// Reloads `auctioneer` on each SIGHUP.
    public init(auctioneer: Auctioneer) { self.auctioneer = auctioneer }

    /// Waits for SIGHUP until graceful shutdown.
    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            _ = await auctioneer.reload(trigger: "SIGHUP")
        }
    }
}
