import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// dvcgd's native journald entries, read back from a real systemd-journald started for the test in a
/// private mount namespace (so the host's journal, if any, is untouched).
@Suite struct JournalTests {
    static let journald = "/lib/systemd/systemd-journald"

    /// Why the test cannot run here, or `nil` when it can.
    static var unavailable: String? {
        if getuid() != 0 { return "needs root to create a mount namespace for a private journald" }
        if !FileManager.default.isExecutableFile(atPath: journald) {
            return "\(journald) is missing (apt package systemd)"
        }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") {
            return "unshare is missing (apt package util-linux)"
        }
        return nil
    }

    @Test func roundEntriesReachJournaldWithTheirFields() throws {
        if let reason = Self.unavailable {
            print("skipping journald test: \(reason)")
            return
        }
        let fixture = try DaemonFixture(vsps: 3, period: "100ms", logTarget: "auto")
        let script = """
            set -eu
            mount -t tmpfs tmpfs /run/systemd
            mkdir -p /run/log && mount -t tmpfs tmpfs /run/log
            \(Self.journald) >/dev/null 2>&1 &
            journald=$!
            trap 'kill -TERM $journald 2>/dev/null || true' EXIT
            for i in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.05; done
            '\(Tool.binaries.appendingPathComponent("dvcgd").path)' --config '\(fixture.configPath)' 2>'\(fixture.stderrPath)' &
            daemon=$!
            sleep 1.2
            kill -TERM $daemon
            status=0
            wait $daemon || status=$?
            echo "dvcgd exit $status" >&2
            journalctl -D /run/log/journal --sync >/dev/null 2>&1 || true
            kill -TERM $journald
            wait $journald || true
            journalctl -D /run/log/journal --no-pager -o json SYSLOG_IDENTIFIER=dvcgd
            """
        let process = Process()
        // timeout(1) bounds the test even if the daemon or journald misbehave.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        process.arguments = ["60", "/usr/bin/unshare", "-m", "--propagation", "private", "bash", "-c", script]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stderr)")
        #expect(stderr.contains("dvcgd exit 0"), "\(stderr)")
        #expect(fixture.stderr.isEmpty, "with a journal present, auto logs to it, not to stderr: \(fixture.stderr)")
        let entries = String(decoding: stdout, as: UTF8.self).split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let rounds = entries.filter { $0["MESSAGE"] as? String == "round committed" }
        #expect(rounds.count >= 5, "\(entries.count) entries")
        let first = try #require(rounds.first)
        #expect(first["DVCG_ROUND"] as? String == "1")
        #expect(first["DVCG_VSPS"] as? String == "3")
        #expect(first["PRIORITY"] as? String == "6")
        #expect(first["SYSLOG_IDENTIFIER"] as? String == "dvcgd")
        #expect((first["CODE_FILE"] as? String)?.hasSuffix("Auctioneer.swift") == true)
        #expect(first["CODE_LINE"] != nil && first["CODE_FUNC"] != nil)
        #expect(first["DVCG_DURATION_MS"] != nil, "metadata key duration_ms becomes DVCG_DURATION_MS")
        let numbers = rounds.compactMap { ($0["DVCG_ROUND"] as? String).flatMap(Int.init) }
        #expect(numbers == Array(1...numbers.count))
        #expect(entries.contains { $0["MESSAGE"] as? String == "dvcgd stopping" && $0["PRIORITY"] as? String == "5" })
    }
}
