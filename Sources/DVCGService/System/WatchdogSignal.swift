#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The signal systemd's watchdog sends a hung daemon (WatchdogSignal=, SIGABRT by default) ends the
/// process at once, with a core dump.
///
/// The Swift runtime installs a crash handler for SIGABRT (and SIGSEGV, SIGILL, ...) that runs the
/// swift-backtrace helper. For a fault that is right: the handler returns and the faulting instruction
/// raises the signal again, now with the default action. For a SIGABRT sent by another process it is
/// not: nothing raises it again, so the process ran on (for TimeoutAbortSec=, until systemd's SIGKILL) beside
/// its own restart, and under the unit's MemoryDenyWriteExecute= the helper cannot even start. So dvcgd gives
/// SIGABRT back its default action; real faults (SIGSEGV, SIGILL from a Swift trap) keep the runtime's handler.
enum WatchdogSignal {
    /// Sets SIGABRT's action to SIG_DFL (terminate and dump core).
    static func restoreDefaultAction() {
        _ = signal(SIGABRT, SIG_DFL)
    }
}
