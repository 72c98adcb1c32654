import DVCGControl
import DVCGCore
import Foundation
import GRDB
import Testing

@testable import DVCGService

/// Ledgers written by an older dvcgd: migration v2 renames columns in place and loses nothing.
@Suite struct LedgerMigrationTests {
    /// A copy of the committed v1 ledger (Fixtures/README.md says how it was made) in a temporary folder.
    static func copyOfVersion1Ledger() throws -> String {
        let fixture = try #require(Bundle.module.url(forResource: "Fixtures/ledger-v1", withExtension: "sqlite"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dvcg-ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("ledger.sqlite").path
        try FileManager.default.copyItem(atPath: fixture.path, toPath: path)
        return path
    }

    /// Every row of `sql`, as database values.
    static func values(_ path: String, _ sql: String) throws -> [[DatabaseValue]] {
        let queue = try DatabaseQueue(path: path)
        return try queue.read { db in try Row.fetchAll(db, sql: sql).map { Array($0.databaseValues) } }
    }

    @Test func aVersion1LedgerUpgradesInPlaceAndReadsBackEqual() async throws {
        let path = try Self.copyOfVersion1Ledger()
        defer {
            try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        }
        let rounds = "number, started, committed, pool, %@, proposed_welfare, welfare_estimate, policy_checksum, empty"
        let entries = """
            round, vsp, bid, loan, voi, proposed_shares, realised_shares, %@, welfare_without, externality, interest,
            alpha_hat, tax
            """
        func read(_ noiseScale: String, _ utilityEstimate: String) throws -> [[[DatabaseValue]]] {
            try [
                Self.values(path, "SELECT \(String(format: rounds, noiseScale)) FROM rounds ORDER BY number"),
                Self.values(
                    path, "SELECT \(String(format: entries, utilityEstimate)) FROM round_entries ORDER BY round, vsp"),
                Self.values(path, "SELECT * FROM reports ORDER BY vsp, round"),
                Self.values(path, "SELECT * FROM roster_events ORDER BY seq"),
                Self.values(path, "SELECT * FROM policy_events ORDER BY seq"),
                Self.values(path, "SELECT * FROM engine_state"),
            ]
        }
        let before = try read("sigma", "proposed_utility")
        #expect(before[0].count == 5 && before[1].count == 15 && before[3].count == 5, "the fixture's shape")
        #expect(try Self.values(path, "SELECT identifier FROM grdb_migrations") == [["v1".databaseValue]])

        let ledger = try Ledger(path: path)
        #expect(try read("noise_scale", "utility_estimate") == before, "every value reads back under its new name")
        #expect(
            try Self.values(path, "SELECT identifier FROM grdb_migrations ORDER BY identifier")
                == [
                    ["v1".databaseValue], ["v2".databaseValue], ["v3-efficiency".databaseValue],
                    ["v4-archive".databaseValue], ["v5-durable-requests".databaseValue],
                ])

        let recovery = try ledger.recover()
        #expect(recovery.lastRound == RoundNumber(5))
        #expect(recovery.rosterEvents.map(\.kind) == [.add, .add, .add, .add, .remove])
        #expect(recovery.rosterEvents.map(\.definition.id.rawValue) == ["vsp-0", "vsp-1", "vsp-2", "ext-1", "vsp-0"])
        #expect(Set(recovery.lastShares.keys.map(\.rawValue)) == ["vsp-1", "vsp-2"], "round 5's participants")
        #expect(recovery.engineState != nil)

        let rows = try await ledger.rows(Ledger.RowFilter(from: 0, to: 5, vsp: nil), after: nil, limit: 100)
        #expect(rows.count == 15)
        for (row, old) in zip(rows, before[1]) {
            #expect(row.round == UInt64(Int64.fromDatabaseValue(old[0]) ?? -1))
            #expect(row.vsp.rawValue == String.fromDatabaseValue(old[1]))
            #expect(row.utilityEstimate == Double.fromDatabaseValue(old[7]))
            #expect(row.tax == Double.fromDatabaseValue(old[12]))
        }
    }

    @Test func aRosterEventOfAnUnknownKindIsCorruptNotAnAddition() throws {
        let path = try Self.copyOfVersion1Ledger()
        defer {
            try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path)
        }
        let ledger = try Ledger(path: path)
        try ledger.pool.write { db in
            // The CHECK constraint of v1 allows only add and remove; a ledger edited by hand need not have it.
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE roster_events SET kind = 'suspend' WHERE seq = 5")
        }
        #expect(throws: LedgerError.corrupt(path: path, reason: "roster_events seq 5: unknown kind 'suspend'")) {
            try ledger.recover()
        }
    }
}

@Suite struct LedgerCorruptionTests {
    @Test func anEngineSnapshotThatDoesNotDecodeIsACorruptLedger() async throws {
        let fixture = try AuctionFixture(vsps: 1)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let ledger = try Ledger(path: fixture.configuration.ledgerPath)
        await (try fixture.auctioneer(ledger: ledger)).runRound()
        try await ledger.pool.write { db in try db.execute(sql: "UPDATE engine_state SET snapshot = x'00'") }
        #expect {
            try fixture.auctioneer(ledger: ledger)
        } throws: { error in
            guard case .corrupt(_, let reason) = error as? LedgerError else { return false }
            return reason.hasPrefix("engine_state: ")
        }
    }
}
