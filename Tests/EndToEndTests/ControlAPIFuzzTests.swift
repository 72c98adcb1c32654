import Foundation
import GRDB
import Testing

/// schemathesis against docs/openapi.yaml on a live dvcgd: no 5xx, no answer outside the document,
/// the daemon still running and its ledger intact afterwards.
@Suite(.serialized) struct ControlAPIFuzzTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var schemathesisAvailable: Bool {
        (try? Tool.run("/usr/bin/env", ["python3", "-c", "import schemathesis"]).status) == 0
    }

    @Test(.enabled(if: schemathesisAvailable, "needs schemathesis (scripts/install-deps installs it)"))
    func theAPIHoldsToItsOpenAPIDocumentUnderFuzzing() throws {
        let fixture = try DaemonFixture(vsps: 3, period: "100ms")
        try fixture.start()
        #expect(fixture.waitForRound(1), "\(fixture.stderr)")
        let script = Self.repository.appendingPathComponent("scripts/fuzz-control-api").path
        let run = try Tool.run(
            "/usr/bin/env", ["DVCG_FUZZ_EXAMPLES=25", "DVCG_FUZZ_SEED=1", script, fixture.socketPath, "3"])
        #expect(run.status == 0, "\(run.stdout.suffix(6000))\(run.stderr.suffix(2000))")
        let health = UnixHTTP.request("GET", "/v1/health", socket: fixture.socketPath)
        #expect(health?.status == 200, "the daemon still answers after the fuzzing")
        let resumed = UnixHTTP.request("POST", "/v1/resume", socket: fixture.socketPath)
        #expect(resumed?.status == 200)
        let after = fixture.lastRound()
        #expect(fixture.waitForRound(after + 2), "rounds still run: \(fixture.stderr.suffix(2000))")
        let (integrity, count, first, last) = try fixture.query { db in
            (
                try String.fetchOne(db, sql: "PRAGMA integrity_check"),
                try Int64.fetchOne(db, sql: "SELECT count(*) FROM rounds") ?? 0,
                try Int64.fetchOne(db, sql: "SELECT min(number) FROM rounds") ?? 0,
                try Int64.fetchOne(db, sql: "SELECT max(number) FROM rounds") ?? 0
            )
        }
        #expect(integrity == "ok")
        #expect(first == 1 && count == last, "rounds 1...\(last) each committed once")
        let orphans = try fixture.query {
            try Int.fetchOne(
                $0, sql: "SELECT count(*) FROM round_entries WHERE round NOT IN (SELECT number FROM rounds)") ?? -1
        }
        #expect(orphans == 0, "no entry outside a committed round")
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0, "\(fixture.stderr.suffix(2000))")
    }
}
