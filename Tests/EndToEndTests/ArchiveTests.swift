import Foundation
import GRDB
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `dvcgctl archive` against the real dvcgd: old rounds into a file and out of the ledger, back with
/// `dvcgd --restore-archive`, and kill -9 of the daemon or of dvcgctl in the middle losing and
/// duplicating nothing.
@Suite(.serialized) struct ArchiveTests {
    private func ctl(_ fixture: DaemonFixture, _ arguments: [String]) throws -> Tool.Result {
        try Tool.run("dvcgctl", ["--socket", fixture.socketPath] + arguments)
    }

    /// The key of every archived-table row of rounds below `before` in the ledger (table, round, VSP).
    private func ledgerKeys(_ fixture: DaemonFixture, before: Int64) throws -> [String] {
        try fixture.query { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT 'rounds/' || number FROM rounds WHERE number < ?1
                    UNION ALL SELECT 'round_entries/' || round || '/' || vsp FROM round_entries WHERE round < ?1
                    UNION ALL SELECT 'reports/' || round || '/' || vsp FROM reports WHERE round < ?1
                    """, arguments: [before])
        }
    }

    /// The same keys, from an archive file (read with gzip(1) and Foundation's JSON reader).
    private func archiveKeys(_ path: String) throws -> [String] {
        let gunzip = Process()
        gunzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gunzip.arguments = ["-dc", path]
        let pipe = Pipe()
        gunzip.standardOutput = pipe
        try gunzip.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        gunzip.waitUntilExit()
        try #require(gunzip.terminationStatus == 0, "\(path) is a complete gzip file")
        return try data.split(separator: UInt8(ascii: "\n")).map { line in
            let row = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
            let table = try #require(row["table"] as? String)
            if table == "rounds" { return "rounds/\(row["number"]!)" }
            return "\(table)/\(row["round"]!)/\(row["vsp"]!)"
        }
    }

    private func waitUntilHealthy(_ fixture: DaemonFixture) -> Bool {
        fixture.wait(timeout: 20) {
            UnixHTTP.request("GET", "/v1/health", socket: fixture.socketPath)?.status == 200
        }
    }

    @Test func oldRoundsMoveIntoTheFileAndComeBackWithRestoreArchive() throws {
        let fixture = try DaemonFixture(vsps: 4, period: "20ms")
        try fixture.start()
        #expect(fixture.waitForRound(60), "\(fixture.stderr)")
        let before = try fixture.query { db in
            try String.fetchAll(
                db,
                sql:
                    "SELECT round || vsp || bid || loan || realised_shares || tax FROM round_entries WHERE round < 40 ORDER BY round, vsp"
            )
        }
        let file = fixture.folder + "/old.jsonl.gz"
        let archived = try ctl(fixture, ["archive", "--before", "40", "--out", file])
        #expect(archived.status == 0, "\(archived.stderr)")
        #expect(archived.stdout.hasPrefix("archived rounds 1...39 (39 rounds, 156 entries, "), "\(archived.stdout)")
        #expect(FileManager.default.fileExists(atPath: file) && !FileManager.default.fileExists(atPath: file + ".part"))
        #expect(try fixture.query { try Int64.fetchOne($0, sql: "SELECT min(number) FROM rounds") } == 40)
        #expect(try archiveKeys(file).count == 39 + 2 * 156)
        // dvcgctl killed after the daemon deleted the rows, before the rename: the next run finishes it.
        try FileManager.default.moveItem(atPath: file, toPath: file + ".part")
        let finished = try ctl(fixture, ["archive", "--before", "40", "--out", file])
        #expect(finished.status == 0 && finished.stdout.hasPrefix("finished an interrupted archive: rounds 1...39"))
        #expect(FileManager.default.fileExists(atPath: file) && !FileManager.default.fileExists(atPath: file + ".part"))
        let listed = try ctl(fixture, ["archive", "--list"])
        #expect(listed.stdout.contains("1...39") && listed.stdout.contains(file), "\(listed.stdout)")
        let again = try ctl(fixture, ["archive", "--before", "40", "--out", file])
        #expect(again.status == 1 && again.stderr.contains("never overwritten"), "\(again.stderr)")
        let none = try ctl(fixture, ["archive", "--before", "30", "--out", fixture.folder + "/none.gz"])
        #expect(none.status == 0 && none.stdout == "nothing to archive before round 30\n", "\(none.stdout)")

        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0)
        let restored = try Tool.run(
            "dvcgd", ["--config", fixture.configPath, "--restore-archive", file])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.hasPrefix("restored rounds 1...39 from \(file): 39 rounds, 156 entries, "))
        let after = try fixture.query { db in
            try String.fetchAll(
                db,
                sql:
                    "SELECT round || vsp || bid || loan || realised_shares || tax FROM round_entries WHERE round < 40 ORDER BY round, vsp"
            )
        }
        #expect(after == before)
        let twice = try Tool.run("dvcgd", ["--config", fixture.configPath, "--restore-archive", file])
        #expect(
            twice.status == 1
                && twice.stderr.contains("row is in the ledger already (was the archive restored before?)"),
            "\(twice.stderr)")
        // The archive's rounds are back: its record says so.
        try fixture.start()
        #expect(fixture.waitForRound(fixture.lastRound() + 1), "\(fixture.stderr)")
        let relisted = try ctl(fixture, ["archive", "--list"])
        #expect(relisted.stdout.contains("restored"), "\(relisted.stdout)")
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0)
    }

    @Test func killNineDuringAnArchiveLosesAndDuplicatesNothing() throws {
        let fixture = try DaemonFixture(vsps: 40, period: "10ms")
        try fixture.start()
        #expect(fixture.waitForRound(400, timeout: 120), "\(fixture.stderr)")
        let boundary: Int64 = 380
        let expected = try ledgerKeys(fixture, before: boundary).sorted()
        #expect(expected.count == 379 + 2 * 379 * 40)
        let file = fixture.folder + "/archive.jsonl.gz"
        var kept: [String] = []
        var outcomes: [String] = []
        // Kill the daemon (or, every third time, dvcgctl) at different moments of the archive: while it
        // streams, while it checks the file, while it deletes, after it has answered.
        for (attempt, delay) in [0.05, 0.15, 0.3, 0.5, 0.8, 1.2, 2.0, 3.0].enumerated() {
            let process = Process()
            process.executableURL = Tool.binaries.appendingPathComponent("dvcgctl")
            process.arguments = ["--socket", fixture.socketPath, "archive", "--before", "\(boundary)", "--out", file]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(useconds_t(delay * 1e6))
            if attempt % 3 == 2 {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            } else {
                fixture.signal(SIGKILL)
                process.waitUntilExit()
                _ = fixture.waitForExit()
                try fixture.start()
                #expect(waitUntilHealthy(fixture), "\(fixture.stderr)")
            }
            let part = FileManager.default.fileExists(atPath: file + ".part")
            outcomes.append("\(delay) s: dvcgctl \(process.terminationStatus)\(part ? ", .part left" : "")")
            // An archive that finished is the operator's: put it aside so that the next run may use the name.
            if FileManager.default.fileExists(atPath: file) {
                let aside = file + ".\(attempt)"
                try FileManager.default.moveItem(atPath: file, toPath: aside)
                kept.append(aside)
            }
        }
        // Last, kill the daemon the moment the ledger records the archive, that is, while it deletes.
        let process = Process()
        process.executableURL = Tool.binaries.appendingPathComponent("dvcgctl")
        process.arguments = ["--socket", fixture.socketPath, "archive", "--before", "\(boundary)", "--out", file]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var state = "none"
        _ = fixture.wait(timeout: 60) {
            state =
                (try? fixture.query {
                    try String.fetchOne($0, sql: "SELECT state FROM archives ORDER BY id DESC LIMIT 1")
                })
                .flatMap { $0 } ?? "none"
            return state != "none" || !process.isRunning
        }
        fixture.signal(SIGKILL)
        process.waitUntilExit()
        _ = fixture.waitForExit()
        outcomes.append("at archive state \(state): dvcgctl \(process.terminationStatus)")
        try fixture.start()
        #expect(waitUntilHealthy(fixture), "\(fixture.stderr)")
        // The same command once more settles whatever the last kill left (a .part file).
        let last = try ctl(fixture, ["archive", "--before", "\(boundary)", "--out", file])
        #expect(last.status == 0, "\(last.stderr)")
        if FileManager.default.fileExists(atPath: file) { kept.append(file) }
        #expect(!FileManager.default.fileExists(atPath: file + ".part"))
        var found = try ledgerKeys(fixture, before: boundary)
        for path in kept { found += try archiveKeys(path) }
        #expect(found.count == expected.count, "every row once: \(found.count) found, \(expected.count) expected")
        #expect(found.sorted() == expected)
        #expect(!kept.isEmpty, "some attempt archived")
        #expect(outcomes.contains { !$0.contains("dvcgctl 0") }, "some kill cut an archive short: \(outcomes)")
        print("kill -9 during archive: \(outcomes.joined(separator: "; ")); \(kept.count) archive files")
    }
}
