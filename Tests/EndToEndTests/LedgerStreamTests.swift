import Foundation
import GRDB
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `GET /v1/ledger` streams: a ledger far larger than the daemon's memory growth while serving it.
@Suite struct LedgerStreamTests {
    /// The peak resident set of a process (VmHWM), in bytes.
    static func peakResidentBytes(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kilobytes * 1024
    }

    /// Rows added to the ledger: `DVCG_LEDGER_TEST_ROWS` (1000000 for the issue's million-row check), else 200,000.
    static var bulkRows: Int { Int(ProcessInfo.processInfo.environment["DVCG_LEDGER_TEST_ROWS"] ?? "") ?? 200_000 }

    @Test func aLargeLedgerStreamsWithoutSittingInMemory() throws {
        let fixture = try DaemonFixture(vsps: 4, period: "50ms")
        try fixture.start()
        #expect(fixture.waitForRound(3), "\(fixture.stderr)")
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0, "\(fixture.stderr)")

        // Copies of a real row under bulk ids, in rounds 1 and 2, written while the daemon is stopped.
        let rows = Self.bulkRows
        let expected = try fixture.addBulkRows(rows)
        #expect(expected == rows + 8, "4 VSPs in each of rounds 1 and 2, and the bulk rows")

        try fixture.start()
        #expect(fixture.waitForRound(4), "\(fixture.stderr)")
        let pid = try #require(fixture.process?.processIdentifier)
        let before = try #require(Self.peakResidentBytes(of: pid))
        let output = fixture.folder + "/ledger.jsonl"
        let started = Date()
        let curl = try Tool.run(
            "/usr/bin/curl",
            [
                "-sS", "--unix-socket", fixture.socketPath, "-o", output, "-w", "%{http_code}",
                "http://dvcgd/v1/ledger?to=2",
            ])
        let seconds = Date().timeIntervalSince(started)
        let after = try #require(Self.peakResidentBytes(of: pid))
        #expect(curl.status == 0 && curl.stdout == "200", "\(curl.stderr)")

        let body = try Data(contentsOf: URL(fileURLWithPath: output), options: .alwaysMapped)
        let lines = body.reduce(into: 0) { count, byte in if byte == UInt8(ascii: "\n") { count += 1 } }
        #expect(lines == expected, "one JSON line per row of rounds 1-2")
        // (round, vsp) order: round 1 opens with the lowest bulk id, round 2 closes with the last real VSP.
        let split = body.split(separator: UInt8(ascii: "\n"))
        let first = try #require(try JSONSerialization.jsonObject(with: Data(split.first ?? Data())) as? [String: Any])
        let last = try #require(try JSONSerialization.jsonObject(with: Data(split.last ?? Data())) as? [String: Any])
        #expect(first["round"] as? Int == 1 && first["vsp"] as? String == "bulk-0000002", "\(first)")
        #expect(last["round"] as? Int == 2 && last["vsp"] as? String == "vsp-3", "\(last)")
        for key in ["bid", "loan", "realised_shares", "tax"] { #expect(first[key] != nil, "\(key) in \(first)") }
        // Paged and streamed: the daemon's peak memory grows by less than a quarter of what it sent.
        let growth = after - before
        #expect(growth * 4 < body.count, "peak RSS grew \(growth) bytes while sending \(body.count)")
        print(
            "ledger stream: \(lines) rows, \(body.count) bytes in \(String(format: "%.2f", seconds)) s;",
            "peak RSS \(before) -> \(after) bytes")

        #expect(UnixHTTP.request("GET", "/v1/health", socket: fixture.socketPath)?.status == 200, "still serving")
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0, "\(fixture.stderr)")
    }
}
