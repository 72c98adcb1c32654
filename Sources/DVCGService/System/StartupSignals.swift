#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// SIGTERM or SIGINT while dvcgd starts (loading the policy, opening the ledger, refitting VoI nets: up to
/// a few seconds) ends it with one line on stderr, where systemd's journal takes it, instead of silently.
///
/// Until the service group installs its own handlers, the kernel's default would end the process with
/// no word. Stopping there is as safe as kill -9 (nothing is acknowledged before the first round), so the
/// handler writes its line and exits 0 at once; it calls only `write` and `_exit`, which are
/// async-signal-safe.
enum StartupSignals {
    /// Installs the handler for SIGTERM and SIGINT; the service group replaces it when it starts.
    static func install() {
        _ = signal(SIGTERM) { _ in
            let line: StaticString = "dvcgd: stopping: SIGTERM during start-up, before the first round\n"
            line.withUTF8Buffer { _ = write(2, $0.baseAddress, $0.count) }
            _exit(0)
        }
        _ = signal(SIGINT) { _ in
            let line: StaticString = "dvcgd: stopping: SIGINT during start-up, before the first round\n"
            line.withUTF8Buffer { _ = write(2, $0.baseAddress, $0.count) }
            _exit(0)
        }
    }
}
