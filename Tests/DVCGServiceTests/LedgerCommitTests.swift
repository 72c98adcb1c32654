import DVCGCore
import Foundation
import GRDB
import Testing

@testable import DVCGMechanism
@testable import DVCGService

/// `Ledger.commit` binds the round's bulk rows with SQLite's own calls: what it writes must read back exactly,
/// and a row SQLite refuses must leave nothing of the round behind.
@Suite struct LedgerCommitTests {
    private static func entry(_ vsp: String, _ x: Double) throws -> RoundEntry {
        RoundEntry(
            vsp: try VSPID(vsp), bid: x, financedBid: x, loan: x / 3, voi: -x, proposedShares: [0.1, 1.0 / 3, x],
            realisedShares: [1e-300, 0.25, .leastNonzeroMagnitude], actions: [0, 3, 6], utilityEstimate: 12.5,
            welfareWithout: 1e15,
            externality: 0, interest: .pi, alphaHat: 0.95, tax: 7.25, voiFitted: vsp.hasSuffix("a"))
    }

    private static func record(round: UInt64, entries: [RoundEntry], reports: [FinancialReport]) -> RoundRecord {
        RoundRecord(
            outcome: RoundOutcome(
                round: RoundNumber(round), pool: 10, noiseScale: 0.01, proposedWelfare: 9, welfareEstimate: 8,
                entries: entries),
            started: Date(timeIntervalSince1970: 1_795_000_000), policyChecksum: "0123456789abcdef",
            reports: reports, engineState: .delta(Data([1, 2, 3])))
    }

    @Test func rowsReadBackExactlyAndARefusedRowLeavesNothingOfTheRound() throws {
        let folder = NSTemporaryDirectory() + "dvcg-ledger-commit-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        let report = FinancialReport(vsp: try VSPID("v-a"), round: RoundNumber(1), utility: -2.5, grossProfit: 1e-7)
        try ledger.commit(
            Self.record(
                round: 1, entries: [try Self.entry("v-a", 120.125), try Self.entry("v.b_9", 0)], reports: [report]))

        func rows(_ sql: String) throws -> [[DatabaseValue]] {
            try ledger.pool.read { db in try Row.fetchAll(db, sql: sql).map { Array($0.databaseValues) } }
        }
        let entries = try rows(
            """
            SELECT round, vsp, bid, loan, voi, proposed_shares, realised_shares, utility_estimate, welfare_without,
                externality, interest, alpha_hat, tax, voi_fitted FROM round_entries ORDER BY vsp
            """)
        #expect(entries.count == 2)
        let expected: [any DatabaseValueConvertible] = [
            Int64(1), "v-a", 120.125, 120.125 / 3, -120.125, "[0.1,0.3333333333333333,120.125]",
            "[1e-300,0.25,5e-324]", 12.5, 1e15, 0.0, Double.pi, 0.95, 7.25, Int64(1),
        ]
        #expect(entries[0] == expected.map(\.databaseValue))
        #expect(entries[1][1] == "v.b_9".databaseValue && entries[1][13] == Int64(0).databaseValue)
        #expect(
            try rows("SELECT vsp, round, utility, gross_profit FROM reports")
                == [["v-a".databaseValue, Int64(1).databaseValue, (-2.5).databaseValue, (1e-7).databaseValue]])

        // Round 2 names a VSP twice: SQLite refuses the second row, and the round is not in the ledger.
        #expect(throws: LedgerError.self) {
            try ledger.commit(
                Self.record(
                    round: 2, entries: [try Self.entry("v-a", 1), try Self.entry("v-a", 2)],
                    reports: [FinancialReport(vsp: try VSPID("v-a"), round: RoundNumber(2), utility: 1, grossProfit: 1)]
                ))
        }
        #expect(try rows("SELECT number FROM rounds") == [[Int64(1).databaseValue]])
        #expect(try rows("SELECT count(*) FROM round_entries") == [[Int64(2).databaseValue]])
        #expect(try rows("SELECT count(*) FROM reports") == [[Int64(1).databaseValue]])
        #expect(try rows("SELECT round FROM engine_state_deltas") == [[Int64(1).databaseValue]])
        // The statements are usable again: round 2 as it should have been commits.
        try ledger.commit(Self.record(round: 2, entries: [try Self.entry("v-a", 1)], reports: []))
        #expect(try rows("SELECT count(*) FROM round_entries WHERE round = 2") == [[Int64(1).databaseValue]])
    }

    /// A restart knows each roster VSP's last row: the last round's participants, and a VSP that sat out since,
    /// but not a row from before the VSP's last addition; after an archive deleted that row, too.
    @Test func recoveryFindsEachRosterVSPsLastRowSinceItWasAdded() async throws {
        let folder = NSTemporaryDirectory() + "dvcg-ledger-recover-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        func event(_ kind: RosterEvent.Kind, _ vsp: String, at boundary: UInt64) throws -> RosterEvent {
            RosterEvent(
                kind: kind, boundary: RoundNumber(boundary),
                definition: VSPDefinition(id: try VSPID(vsp), kind: .external))
        }
        try ledger.append([
            try event(.add, "a", at: 1), try event(.add, "b", at: 1), try event(.add, "c", at: 1),
            try event(.remove, "c", at: 3), try event(.add, "c", at: 4),
        ])
        let rounds: [(UInt64, [String])] = [
            (1, ["a", "b", "c"]), (2, ["a", "b", "c"]), (3, ["a", "b"]), (4, ["a"]), (5, ["a"]),
        ]
        for (round, vsps) in rounds {
            try ledger.commit(
                Self.record(
                    round: round, entries: try vsps.map { try Self.entry($0, Double(round) * 10) }, reports: []))
        }
        let recovery = try ledger.recover()
        let standings = recovery.standings
        #expect(Set(standings.keys.map(\.rawValue)) == ["a", "b"], "c's rows are from before it was added again")
        // The last round's row, as status shows it after a restart.
        let row = try #require(recovery.lastRoundRow)
        #expect(row.pool == 10 && row.noiseScale == 0.01 && row.welfareEstimate == 8 && row.seconds >= 0)
        #expect(ledger.firstRound == 1)
        let a = standings[try VSPID("a")]
        #expect(a?.round == RoundNumber(5) && a?.bid == 50)
        let b = standings[try VSPID("b")]
        #expect(b?.round == RoundNumber(3) && b?.bid == 30 && b?.tax == 7.25 && b?.alphaHat == 0.95)
        #expect(b?.shares == [1e-300, 0.25, .leastNonzeroMagnitude] && b?.voiFitted == false)

        // Archiving rounds 1...4 deletes b's last row (round 3): the restart still knows it, and still not c's.
        let archive = try await ledger.writeArchive(first: 1, last: 4, to: folder + "/a.jsonl.gz")
        _ = try ledger.deleteArchived(
            archive.plan, crc32: archive.crc32, bytes: archive.bytes, file: folder + "/a.jsonl.gz", chunkEntries: 1)
        let afterArchive = try ledger.recover().standings
        #expect(afterArchive == standings)
        #expect(ledger.firstRound == 5, "status counts the rounds from the oldest left")
    }

    /// The overlapped commit (entries on the commit's thread while the round's rest is made) writes what
    /// `commit` writes; an abandoned one, or one whose entries SQLite refuses, leaves nothing of the round and
    /// the ledger writable.
    @Test func anOverlappedCommitWritesWhatCommitWritesAndAnAbandonedOneNothing() throws {
        let folder = NSTemporaryDirectory() + "dvcg-ledger-overlap-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let plain = try Ledger(path: folder + "/plain.sqlite")
        let overlapped = try Ledger(path: folder + "/overlapped.sqlite")
        let report = FinancialReport(vsp: try VSPID("v-a"), round: RoundNumber(1), utility: -2.5, grossProfit: 1e-7)
        let first = Self.record(
            round: 1, entries: [try Self.entry("v-a", 120.125), try Self.entry("v.b_9", 0)], reports: [report])
        try plain.commit(first)
        let commit = overlapped.beginCommit(round: first.outcome.round, entries: first.outcome.entries)
        commit.insert(reports: first.reports)
        try commit.finish(first)
        commit.abandon()  // after finish: nothing

        func rows(_ ledger: Ledger, _ sql: String) throws -> [[DatabaseValue]] {
            try ledger.pool.read { db in try Row.fetchAll(db, sql: sql).map { Array($0.databaseValues) } }
        }
        let tables = [
            """
            SELECT round, vsp, bid, loan, voi, proposed_shares, realised_shares, utility_estimate, welfare_without,
                externality, interest, alpha_hat, tax, voi_fitted FROM round_entries ORDER BY vsp
            """,
            "SELECT vsp, round, utility, gross_profit FROM reports",
            "SELECT number, started, pool, noise_scale, proposed_welfare, welfare_estimate, policy_checksum, empty FROM rounds",
            "SELECT round, delta FROM engine_state_deltas",
        ]
        for sql in tables { #expect(try rows(overlapped, sql) == rows(plain, sql), "\(sql)") }
        #expect(try rows(overlapped, "SELECT count(*) FROM round_entries") == [[Int64(2).databaseValue]])

        // Abandoned after its entries and reports went in: nothing of round 2.
        let second = Self.record(round: 2, entries: [try Self.entry("v-a", 1)], reports: [])
        let abandoned = overlapped.beginCommit(round: second.outcome.round, entries: second.outcome.entries)
        abandoned.insert(reports: [
            FinancialReport(vsp: try VSPID("v-a"), round: RoundNumber(2), utility: 1, grossProfit: 1)
        ])
        abandoned.abandon()
        abandoned.abandon()
        #expect(try rows(overlapped, "SELECT max(number) FROM rounds") == [[Int64(1).databaseValue]])
        #expect(
            try rows(overlapped, "SELECT count(*) FROM round_entries WHERE round = 2") == [[Int64(0).databaseValue]])
        #expect(try rows(overlapped, "SELECT count(*) FROM reports WHERE round = 2") == [[Int64(0).databaseValue]])

        // Entries SQLite refuses (a VSP twice): finish throws, nothing of the round is there, and round 2 commits next.
        let refused = Self.record(round: 2, entries: [try Self.entry("v-a", 1), try Self.entry("v-a", 2)], reports: [])
        let failing = overlapped.beginCommit(round: refused.outcome.round, entries: refused.outcome.entries)
        #expect(throws: LedgerError.self) { try failing.finish(refused) }
        #expect(
            try rows(overlapped, "SELECT count(*) FROM round_entries WHERE round = 2") == [[Int64(0).databaseValue]])
        let retry = overlapped.beginCommit(round: second.outcome.round, entries: second.outcome.entries)
        try retry.finish(second)
        #expect(try rows(overlapped, "SELECT max(number) FROM rounds") == [[Int64(2).databaseValue]])
        #expect(try overlapped.recover().lastRound == RoundNumber(2))
    }
}
