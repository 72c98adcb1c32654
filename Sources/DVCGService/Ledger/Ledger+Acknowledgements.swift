import DVCGCore
import DVCGMechanism
import Foundation
import GRDB

/// What the control API acknowledged and the next round's commit has not taken in yet: bids for the open round,
/// external reports the engine snapshot does not include, and whether the auction is paused. Each is written
/// (WAL, synchronous) before its 2xx answer, so it survives kill -9.
extension Ledger {
    /// Migration `v5-durable-requests`: the tables behind ``AcknowledgedWrites``.
    ///
    /// `pending_bids` holds the bids of rounds not yet committed (a round's commit deletes its own), keyed by
    /// round and VSP (a later bid replaces an earlier one); `pending_reports` names the reports filed since the
    /// last engine snapshot (a commit empties it: its snapshot includes them); `operator_state` is one row with
    /// the pause switch.
    static func migrateAcknowledgedWrites(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE pending_bids (
                    round INTEGER NOT NULL,
                    vsp TEXT NOT NULL,
                    amount REAL NOT NULL,
                    received REAL NOT NULL,
                    PRIMARY KEY (round, vsp)
                );
                CREATE TABLE pending_reports (
                    vsp TEXT NOT NULL,
                    round INTEGER NOT NULL,
                    PRIMARY KEY (vsp, round)
                );
                CREATE TABLE operator_state (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    paused INTEGER NOT NULL,
                    changed REAL NOT NULL
                );
                """)
    }

    /// What a restart restores on top of the last committed round.
    public struct AcknowledgedWrites: Sendable, Equatable {
        /// Bids for `round`, by VSP.
        public var bids: [VSPID: Double]
        /// Reports filed after the last engine snapshot, in the order they were filed.
        public var reports: [FinancialReport]
        /// Whether the auction was paused.
        public var paused: Bool
    }

    /// The acknowledged writes a restart must restore: the bids for `openRound`, the reports after the snapshot,
    /// the pause switch.
    ///
    /// - Throws: ``LedgerError/corrupt(path:reason:)`` for a VSP id that does not decode;
    ///   ``LedgerError/transactionFailed(path:operation:reason:)`` when SQLite cannot read.
    public func acknowledgedWrites(openRound: RoundNumber) throws(LedgerError) -> AcknowledgedWrites {
        let rows: (bids: [Row], reports: [Row], paused: Bool?)
        do {
            rows = try pool.read { db in
                (
                    try Row.fetchAll(
                        db, sql: "SELECT vsp, amount FROM pending_bids WHERE round = ?",
                        arguments: [Int64(openRound.value)]),
                    try Row.fetchAll(
                        db,
                        sql: """
                            SELECT r.vsp, r.round, r.utility, r.gross_profit FROM reports r
                            JOIN pending_reports p ON p.vsp = r.vsp AND p.round = r.round ORDER BY r.rowid
                            """),
                    try Bool.fetchOne(db, sql: "SELECT paused FROM operator_state WHERE id = 1")
                )
            }
        } catch {
            throw .transactionFailed(
                path: path, operation: "reading acknowledged bids and reports", reason: Self.reason(error))
        }
        var bids: [VSPID: Double] = [:]
        for row in rows.bids {
            let name: String = row["vsp"]
            guard let id = try? VSPID(name) else {
                throw .corrupt(path: path, reason: "pending_bids: VSP id '\(name)'")
            }
            bids[id] = row["amount"]
        }
        var reports: [FinancialReport] = []
        for row in rows.reports {
            let name: String = row["vsp"]
            guard let id = try? VSPID(name) else { throw .corrupt(path: path, reason: "reports: VSP id '\(name)'") }
            reports.append(
                FinancialReport(
                    vsp: id, round: RoundNumber(UInt64(row["round"] as Int64)), utility: row["utility"],
                    grossProfit: row["gross_profit"]))
        }
        return AcknowledgedWrites(bids: bids, reports: reports, paused: rows.paused ?? false)
    }

    /// Records a bid for a round not yet committed (replacing the VSP's earlier bid for it).
    /// - Throws: ``LedgerError``; nothing is recorded then.
    public func recordBid(_ amount: Double, from vsp: VSPID, for round: RoundNumber) throws(LedgerError) {
        do {
            try pool.write { db in
                try db.execute(
                    sql: "INSERT OR REPLACE INTO pending_bids (round, vsp, amount, received) VALUES (?, ?, ?, ?)",
                    arguments: [Int64(round.value), vsp.rawValue, amount, Date().timeIntervalSince1970])
            }
        } catch {
            throw .transactionFailed(path: path, operation: "recording a bid", reason: Self.reason(error))
        }
    }

    /// Records whether the auction is paused.
    /// - Throws: ``LedgerError``; nothing is recorded then.
    public func recordPause(_ paused: Bool) throws(LedgerError) {
        do {
            try pool.write { db in
                try db.execute(
                    sql: "INSERT OR REPLACE INTO operator_state (id, paused, changed) VALUES (1, ?, ?)",
                    arguments: [paused, Date().timeIntervalSince1970])
            }
        } catch {
            throw .transactionFailed(
                path: path, operation: paused ? "recording a pause" : "recording a resume", reason: Self.reason(error))
        }
    }

    /// In a round's transaction: its bids and every pending report are taken in by its commit.
    static func clearAcknowledged(upTo round: RoundNumber, in db: Database) throws {
        try db.execute(sql: "DELETE FROM pending_bids WHERE round <= ?", arguments: [Int64(round.value)])
        try db.execute(sql: "DELETE FROM pending_reports")
    }
}
