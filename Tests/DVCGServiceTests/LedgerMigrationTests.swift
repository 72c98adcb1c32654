import DVCGControl
import DVCGCore
import DVCGMechanism
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
        let applied: [String] = [
            "v1", "v2", "v3-efficiency", "v4-archive", "v5-durable-requests", "v6-state-deltas", "v7-reports-by-round",
            "v8-archived-standings", "v9-financed-bid",
        ]
        #expect(
            try Self.values(path, "SELECT identifier FROM grdb_migrations ORDER BY identifier")
                == applied.map { [$0.databaseValue] })

        let recovery = try ledger.recover()
        #expect(recovery.lastRound == RoundNumber(5))
        #expect(recovery.rosterEvents.map(\.kind) == [.add, .add, .add, .add, .remove])
        #expect(recovery.rosterEvents.map(\.definition.id.rawValue) == ["vsp-0", "vsp-1", "vsp-2", "ext-1", "vsp-0"])
        // Round 5's participants, and ext-1, on the roster, from an earlier round it took part in.
        #expect(Set(recovery.standings.keys.map(\.rawValue)) == ["vsp-1", "vsp-2", "ext-1"])
        #expect(recovery.standings[try VSPID("ext-1")].map { $0.round < RoundNumber(5) } == true)
        #expect(recovery.engineState != nil)

        let rows = try await ledger.rows(Ledger.RowFilter(from: 0, to: 5, vsp: nil), after: nil, limit: 100)
        #expect(rows.count == 15)
        for (row, old) in zip(rows, before[1]) {
            #expect(row.round == UInt64(Int64.fromDatabaseValue(old[0]) ?? -1))
            #expect(row.vsp.rawValue == String.fromDatabaseValue(old[1]))
            #expect(row.utilityEstimate == Double.fromDatabaseValue(old[7]))
            #expect(row.tax == Double.fromDatabaseValue(old[12]))
            #expect(row.financedBid == nil, "an older row's financed bid is not known")
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

    @Test func anEngineStateDeltaThatDoesNotApplyIsACorruptLedgerNamingItsRound() async throws {
        let fixture = try AuctionFixture(vsps: 2)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let ledger = try Ledger(path: fixture.configuration.ledgerPath)
        let auctioneer = try fixture.auctioneer(ledger: ledger)
        for _ in 0..<3 { await auctioneer.runRound() }
        #expect(try ledger.recover().engineStateDeltas.map(\.round) == [RoundNumber(2), RoundNumber(3)])
        try await ledger.pool.write { db in
            try db.execute(sql: "UPDATE engine_state_deltas SET delta = substr(delta, 1, 20) WHERE round = 3")
        }
        #expect {
            try fixture.auctioneer(ledger: ledger)
        } throws: { error in
            guard case .corrupt(_, let reason) = error as? LedgerError else { return false }
            return reason.hasPrefix("engine_state_deltas round 3: ")
        }
    }
}

/// A ledger of schema v5 (Fixtures/README.md): migration v6 adds `engine_state_deltas`, and its one full snapshot
/// (codec version 2) is the base that the deltas of later rounds apply to.
@Suite struct LedgerVersion5MigrationTests {
    @Test func aVersion5LedgerUpgradesInPlaceAndReadsBackEqual() async throws {
        let fixture = try AuctionFixture(vsps: 1)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let source = try #require(Bundle.module.url(forResource: "Fixtures/ledger-v5", withExtension: "sqlite"))
        let path = fixture.configuration.ledgerPath
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: source.path, toPath: path)
        let tables = [
            "rounds ORDER BY number", "round_entries ORDER BY round, vsp", "reports ORDER BY vsp, round",
            "roster_events ORDER BY seq", "policy_events ORDER BY seq", "engine_state",
            "pending_bids ORDER BY round, vsp", "pending_reports ORDER BY vsp, round", "operator_state",
        ]
        func read() throws -> [[[DatabaseValue]]] {
            try tables.map { try LedgerMigrationTests.values(path, "SELECT * FROM \($0)") }
        }
        func migrations() throws -> [[DatabaseValue]] {
            try LedgerMigrationTests.values(path, "SELECT identifier FROM grdb_migrations ORDER BY identifier")
        }
        let before = try read()
        #expect(try migrations().last == ["v5-durable-requests".databaseValue])
        #expect(before[0].count == 4 && before[6].count == 1 && before[7].count == 1, "the fixture's shape")
        let snapshot = try #require(Data.fromDatabaseValue(before[5][0][2]))
        #expect(snapshot[4] == 2, "a version 2 snapshot")

        let ledger = try Ledger(path: path)
        // Every row reads back equal; v9 adds round_entries.financed_bid, NULL in older rows.
        var after = try read()
        #expect(after[1].allSatisfy { $0.last == .null })
        after[1] = after[1].map { Array($0.dropLast()) }
        #expect(after == before, "every row reads back equal")
        #expect(try migrations().last == ["v9-financed-bid".databaseValue])
        let recovery = try ledger.recover()
        #expect(recovery.lastRound == RoundNumber(4) && recovery.engineStateDeltas.isEmpty)
        let saved = try EngineStateCodec.decode(snapshot)
        #expect(saved.lastRound == RoundNumber(4) && saved.vsps.count == 4)

        // The daemon restores the version 2 snapshot as it is, then writes each round's delta after it.
        let first = try fixture.auctioneer(ledger: ledger)
        #expect(await first.persistedState == saved)
        for round in 5...6 { #expect(await first.runRound(evenIfPaused: true)?.round == RoundNumber(UInt64(round))) }
        #expect(try ledger.recover().engineStateDeltas.map(\.round) == [RoundNumber(5), RoundNumber(6)])
        #expect(try LedgerMigrationTests.values(path, "SELECT count(*) FROM pending_reports") == [[0.databaseValue]])
        let restarted = try fixture.auctioneer(ledger: ledger)
        #expect(await restarted.engine.state == first.engine.state)
    }
}

@Suite struct LedgerDurabilityTests {
    @Test func everyCommitIsSyncedAsAcknowledgedMeansDurable() throws {
        let fixture = try AuctionFixture(vsps: 1)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let ledger = try Ledger(path: fixture.configuration.ledgerPath)
        // 2 = FULL: GRDB's WAL default is NORMAL, which a power loss can cost the last commits.
        #expect(try ledger.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2)
        #expect(try ledger.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
    }
}
