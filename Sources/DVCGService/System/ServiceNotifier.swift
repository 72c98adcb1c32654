import CSystemd
import Foundation

/// Tells the service manager about the daemon's state (sd_notify(3)).
public protocol ServiceNotifier: Sendable {
    /// Sends newline-separated `KEY=VALUE` assignments, e.g. `READY=1\nSTATUS=round 7`.
    func notify(_ state: String)
    /// Half of the watchdog timeout the manager asked for (WATCHDOG_USEC), or `nil` when there is none.
    var watchdogInterval: Duration? { get }
}

/// sd_notify through libsystemd; a no-op without `NOTIFY_SOCKET`.
public struct SystemdNotifier: ServiceNotifier {
    /// Half of WATCHDOG_USEC, read once at start.
    public let watchdogInterval: Duration?

    /// Reads the watchdog setting of this process (sd_watchdog_enabled).
    public init() {
        var usec: UInt64 = 0
        if sd_watchdog_enabled(0, &usec) > 0, usec > 0 {
            watchdogInterval = .microseconds(Int64(usec / 2))
        } else {
            watchdogInterval = nil
        }
    }

    /// sd_notify(0, state); errors are ignored, as the manager may not be listening.
    public func notify(_ state: String) {
        _ = sd_notify(0, state)
    }

    /// `RELOADING=1` with the current CLOCK_MONOTONIC in microseconds, as Type=notify-reload requires.
    public static func reloadingMessage() -> String {
        "RELOADING=1\nMONOTONIC_USEC=\(dvcg_monotonic_usec())"
    }
}
