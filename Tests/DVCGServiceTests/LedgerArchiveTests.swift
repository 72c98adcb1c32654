import DVCGControl
import DVCGCore
import DVCGMechanism
import Foundation
import GRDB
import Logging
import Testing

@testable import DVCGService

/// Archives: old rounds out to gzip JSON Lines and back, deletion only of archived rows, retention.
@Suite struct LedgerArchiveTests {
    /// A ledger with `rounds` committed rounds of `vsps` simulated VSPs (entries and reports).
    private static func ledger(rounds: Int, vsps: Int = 3) async throws -> (AuctionFixture, Ledger) {
        let fixture = try AuctionFixture(vsps: vsps)
        let ledger = try Ledger(path: fixture.configuration.ledgerPath)
        let auctioneer = try Auctioneer(
            configuration: fixture.configuration, configurationPath: nil, policy: fixture.policy, ledger: ledger,
            notifier: SilentNotifier(), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        for _ in 0..<rounds { await auctioneer.runRound() }
        return (fixture, ledger)
    }

    /// Every row of the archived tables, as text, in primary-key order.
    private static func contents(_ ledger: Ledger, rounds: ClosedRange<Int64>) throws -> [String] {
        try ledger.pool.read { db in
            var lines: [String] = []
            for (table, round, order) in [
                ("rounds", "number", "number"), ("round_entries", "round", "round, vsp"),
                ("reports", "round", "vsp, round"),
            ] {
                let rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM \(table) WHERE \(round) BETWEEN ? AND ? ORDER BY \(order)",
                    arguments: [rounds.lowerBound, rounds.upperBound])
                lines += rows.map { row in table + ": " + row.map { "\($0.0)=\($0.1)" }.joined(separator: " ") }
            }
            return lines
        }
    }

    private static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int) ?? 0
    }

    @Test func anArchiveRoundTripRestoresExactlyTheRowsItRemoved() async throws {
        let (fixture, ledger) = try await Self.ledger(rounds: 120, vsps: 5)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let before = try Self.contents(ledger, rounds: 1...120)
        let kept = try Self.contents(ledger, rounds: 101...120)
        #expect(before.count == 1_320)
        let plan = try ledger.archivePlan(before: 101, firstKept: 120)
        #expect(plan == ArchivePlan(firstRound: 1, lastRound: 100, rounds: 100, entries: 500, reports: 500))
        let file = fixture.folder + "/rounds-1-100.jsonl.gz"
        let archive = try await ledger.writeArchive(first: 1, last: 100, to: file)
        #expect(archive.plan == plan)
        #expect(Int64(Self.fileSize(file)) == archive.bytes)
        let pages = try await ledger.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }

        let record = try ledger.deleteArchived(archive.plan, crc32: archive.crc32, bytes: archive.bytes, file: file)
        #expect(record.state == "deleted")
        #expect(try Self.contents(ledger, rounds: 1...100).isEmpty)
        #expect(try Self.contents(ledger, rounds: 101...120) == kept)
        let (pagesAfter, free) = try await ledger.pool.read { db in
            (
                try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0,
                try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            )
        }
        #expect(pagesAfter < pages, "incremental vacuum gives the pages back")
        #expect(free == 0)

        let restored = try ledger.restoreArchive(from: file)
        #expect(restored == plan)
        let after = try Self.contents(ledger, rounds: 1...120)
        #expect(after.count == before.count)
        for (one, two) in zip(before, after) where one != two {
            Issue.record("first difference:\n\(one)\n\(two)")
            break
        }
        // A second restore would duplicate rows: refused whole.
        #expect(throws: LedgerError.self) { try ledger.restoreArchive(from: file) }
        #expect(try Self.contents(ledger, rounds: 1...120).count == before.count)
    }

    /// Restoring an older archive while a newer one is out leaves a gap: status counts the rounds the ledger
    /// holds, not last - first + 1 (fifth tour: "ledger 4502 rounds" over 4,457 rows).
    @Test func aGapLeftByAnArchiveIsCountedAsMissing() async throws {
        let (fixture, ledger) = try await Self.ledger(rounds: 30)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        for (first, last) in [(UInt64(1), UInt64(9)), (10, 19)] {
            let file = fixture.folder + "/rounds-\(first).jsonl.gz"
            let archive = try await ledger.writeArchive(first: first, last: last, to: file)
            _ = try ledger.deleteArchived(archive.plan, crc32: archive.crc32, bytes: archive.bytes, file: file)
        }
        #expect(ledger.firstRound == 20 && ledger.missingRounds == 0)
        _ = try ledger.restoreArchive(from: fixture.folder + "/rounds-1.jsonl.gz")
        let reopened = try Ledger(path: fixture.configuration.ledgerPath)
        let count = try await reopened.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM rounds") }
        #expect(reopened.firstRound == 1 && reopened.missingRounds == 10 && count == 20)
    }

    @Test func theSameRoundsAlwaysSerialiseToTheSameBytes() async throws {
        let (fixture, ledger) = try await Self.ledger(rounds: 30)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let one = try await ledger.forEachArchivePiece(first: 1, last: 20) { _ in }
        let two = try await ledger.writeArchive(first: 1, last: 20, to: fixture.folder + "/a.gz")
        #expect(one.crc32 == two.crc32)
        #expect(one.bytes == two.bytes)
        let gunzip = Process()
        gunzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gunzip.arguments = ["-dc", fixture.folder + "/a.gz"]
        let pipe = Pipe()
        gunzip.standardOutput = pipe
        try gunzip.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        gunzip.waitUntilExit()
        #expect(gunzip.terminationStatus == 0, "gzip reads it")
        let lines = text.split(separator: "\n")
        #expect(lines.count == 140)
        #expect(lines.first?.hasPrefix(#"{"table":"rounds","number":1,"started":"#) == true)
        #expect(lines.last?.hasPrefix(#"{"table":"reports","vsp":"sim-2","round":20,"#) == true)
    }

    @Test func rowsThatChangedSinceTheArchiveAreNotDeleted() async throws {
        let (fixture, ledger) = try await Self.ledger(rounds: 20)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        // sim-0's report on round 5 arrives late, after the file was written.
        try await ledger.pool.write { db in try db.execute(sql: "DELETE FROM reports WHERE round = 5 AND vsp = 'sim-0'")
        }
        let archive = try await ledger.writeArchive(first: 1, last: 10, to: fixture.folder + "/a.gz")
        try ledger.record(FinancialReport(vsp: try VSPID("sim-0"), round: RoundNumber(5), utility: 1, grossProfit: 1))
        let error = #expect(throws: LedgerError.self) {
            _ = try ledger.deleteArchived(archive.plan, crc32: archive.crc32, bytes: archive.bytes, file: "a")
        }
        guard case .archiveRefused(_, let reason) = error else {
            Issue.record("expected archiveRefused, got \(String(describing: error))")
            return
        }
        #expect(reason.hasPrefix("rounds 1...10 changed since they were archived"))
        #expect(try ledger.lastCommittedRound() == 20)
        #expect(try Self.contents(ledger, rounds: 1...10).count == 70, "with the late report")
        #expect(try ledger.archives().isEmpty)
    }

    @Test func aDeletionACrashInterruptedIsFinishedAtTheNextStart() async throws {
        let (fixture, ledger) = try await Self.ledger(rounds: 40)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let archive = try await ledger.writeArchive(first: 1, last: 30, to: fixture.folder + "/a.gz")
        // What the first transaction of deleteArchived leaves when the process dies right after it.
        try await ledger.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO archives (first_round, last_round, rounds, entries, reports, crc32, bytes, file, created,
                        deleted_through, state) VALUES (1, 30, 30, 90, 90, ?, ?, 'a.gz', 0, 10, 'deleting')
                    """, arguments: [Int64(archive.crc32), archive.bytes])
            try db.execute(sql: "DELETE FROM reports WHERE round <= 10")
            try db.execute(sql: "DELETE FROM round_entries WHERE round <= 10")
            try db.execute(sql: "DELETE FROM rounds WHERE number <= 10")
        }
        let reopened = try Ledger(path: ledger.path)
        let finished = try reopened.resumeArchiveDeletions()
        #expect(finished.map(\.state) == ["deleted"])
        #expect(try Self.contents(reopened, rounds: 1...30).isEmpty)
        #expect(try Self.contents(reopened, rounds: 31...40).count == 70)
    }

    @Test(arguments: [
        (LedgerRetention(rounds: 10), UInt64(91)), (LedgerRetention(rounds: 1_000), UInt64(1)),
        (LedgerRetention(days: 1), UInt64(61)), (LedgerRetention(rounds: 10, days: 1), UInt64(61)),
        (LedgerRetention(rounds: 50, days: 0.000_01), UInt64(51)),
    ])
    func retentionKeepsTheLastRoundsTheLastDaysOrWhicheverKeepsMore(
        retention: LedgerRetention, firstKept: UInt64
    ) async throws {
        let (fixture, ledger) = try await Self.ledger(rounds: 100, vsps: 1)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        // Rounds 1-60 started two days ago, 61-100 just now.
        try await ledger.pool.write { db in
            try db.execute(
                sql: "UPDATE rounds SET started = started - 2 * 86400 WHERE number <= 60")
        }
        #expect(try ledger.firstKeptRound(retention, lastRound: 100) == firstKept)
        #expect(try ledger.firstKeptRound(nil, lastRound: 100) == 100, "the last round always stays")
        let plan = try ledger.archivePlan(before: 1_000, firstKept: firstKept)
        #expect(plan.lastRound == (firstKept > 1 ? firstKept - 1 : nil))
    }

    @Test func theArchiveServiceKeepsTheRetentionAndSettlesFilesACrashLeft() async throws {
        let (fixture, ledger) = try await Self.ledger(rounds: 60, vsps: 2)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let directory = fixture.folder + "/archive"
        let service = ArchiveService(
            ledger: ledger, retention: LedgerRetention(rounds: 10), directory: directory, maximumEntries: 40,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        try service.prepare()
        let stale = directory + "/ledger-1-5.jsonl.gz.part"
        _ = FileManager.default.createFile(atPath: stale, contents: Data([1, 2, 3]))
        try service.prepare()
        #expect(!FileManager.default.fileExists(atPath: stale), "a .part the ledger does not record goes")
        let files = try await service.archiveDue()
        #expect(
            files.map { ($0 as NSString).lastPathComponent } == [
                "ledger-1-20.jsonl.gz", "ledger-21-40.jsonl.gz", "ledger-41-50.jsonl.gz",
            ])
        #expect(try ledger.archivePlan(before: 1_000, firstKept: 1_000).firstRound == 51)
        #expect(try ledger.archives().map(\.file) == files)
        #expect(try await service.archiveDue().isEmpty)
        for file in files { _ = try ledger.restoreArchive(from: file) }
        #expect(try Self.contents(ledger, rounds: 1...60).count == 300)
    }

    @Test func ledgerRetentionIsReadFromTheConfiguration() throws {
        let text = """
            period: 1s
            resources: [{name: a, capacity: 1}]
            policy: p.safetensors
            state_directory: state
            control: {socket: s.sock}
            ledger:
              retention: {days: 7, rounds: 1000}
              archive_directory: old
            """
        let configuration = try ConfigurationLoader.parse(text, file: "t.yaml", folder: "/etc/dvcg")
        #expect(configuration.ledger.retention == LedgerRetention(rounds: 1_000, days: 7))
        #expect(configuration.ledger.archiveDirectory(stateDirectory: "/var/lib/dvcg") == "/etc/dvcg/old")
        let plain = try ConfigurationLoader.parse(
            text.replacingOccurrences(
                of: "ledger:\n  retention: {days: 7, rounds: 1000}\n  archive_directory: old", with: ""),
            file: "t.yaml", folder: "/etc/dvcg")
        #expect(plain.ledger.retention == nil, "the default keeps everything")
        #expect(plain.ledger.archiveDirectory(stateDirectory: "/var/lib/dvcg") == "/var/lib/dvcg/archive")
        #expect {
            _ = try ConfigurationLoader.parse(
                text.replacingOccurrences(of: "{days: 7, rounds: 1000}", with: "{rounds: 0}"), file: "t.yaml",
                folder: "/")
        } throws: { error in
            (error as? ConfigurationError)?.description
                == "t.yaml:7:23: ledger.retention.rounds: expected an integer >= 1, found 0"
        }
    }
}
