import DVCGControl
import DVCGCore
import DVCGMechanism
import Foundation
import GRDB

extension Ledger {
    /// Whether a VSP took part in a round, as far as reports are concerned.
    public enum Participation: Sendable, Equatable {
        /// The VSP has no entry in any round.
        case unknownVSP
        /// The VSP has entries, but none in this round.
        case notInRound
        /// It took part, with this bid in VC, and has not reported yet.
        case took(bid: Double)
        /// It took part and has already reported.
        case reported
    }

    /// Which rows `GET /v1/ledger` returns: rounds `from...to`, optionally one VSP's.
    public struct RowFilter: Sendable, Equatable {
        /// The first round, inclusive.
        public var from: UInt64
        /// The last round, inclusive.
        public var to: UInt64
        /// Only this VSP's rows, when set.
        public var vsp: VSPID?

        /// Creates a filter.
        public init(from: UInt64, to: UInt64, vsp: VSPID?) {
            self.from = from
            self.to = to
            self.vsp = vsp
        }
    }

    /// Whether `vsp` took part in `round` and whether it has reported on it.
    /// - Throws: ``LedgerError``.
    public func participation(of vsp: VSPID, in round: RoundNumber) throws(LedgerError) -> Participation {
        do {
            return try pool.read { db in
                let bid = try Double.fetchOne(
                    db, sql: "SELECT bid FROM round_entries WHERE round = ? AND vsp = ?",
                    arguments: [Int64(round.value), vsp.rawValue])
                if let bid {
                    let reported =
                        try Bool.fetchOne(
                            db, sql: "SELECT 1 FROM reports WHERE round = ? AND vsp = ?",
                            arguments: [Int64(round.value), vsp.rawValue]) ?? false
                    return reported ? .reported : .took(bid: bid)
                }
                let known =
                    try Bool.fetchOne(
                        db, sql: "SELECT 1 FROM round_entries WHERE vsp = ? LIMIT 1", arguments: [vsp.rawValue])
                    ?? false
                return known ? .notInRound : .unknownVSP
            }
        } catch {
            throw .transactionFailed(path: path, operation: "looking up a round entry", reason: Self.reason(error))
        }
    }

    /// Records a VSP's financial report (table `reports`), and names it in `pending_reports` until the next
    /// round's engine snapshot includes it.
    /// - Throws: ``LedgerError``.
    public func record(_ report: FinancialReport) throws(LedgerError) {
        do {
            try pool.write { db in
                try db.execute(
                    sql: "INSERT INTO reports (vsp, round, utility, gross_profit, received) VALUES (?, ?, ?, ?, ?)",
                    arguments: [
                        report.vsp.rawValue, Int64(report.round.value), report.utility, report.grossProfit,
                        Date().timeIntervalSince1970,
                    ])
                // Until the next commit's engine snapshot includes it, a restart replays it (acknowledgedWrites).
                try db.execute(
                    sql: "INSERT INTO pending_reports (vsp, round) VALUES (?, ?)",
                    arguments: [report.vsp.rawValue, Int64(report.round.value)])
            }
        } catch {
            throw .transactionFailed(path: path, operation: "recording a report", reason: Self.reason(error))
        }
    }

    /// One page of ledger rows in (round, vsp) order, strictly after `after`, at most `limit` of them.
    ///
    /// Keyset pagination on the primary key, so each page is one indexed range read however deep it is.
    /// `GET /v1/ledger` reads its pages through ``streams`` instead, off the daemon's threads.
    /// - Throws: ``LedgerError``.
    public func rows(_ filter: RowFilter, after: (round: UInt64, vsp: VSPID)?, limit: Int) async throws(LedgerError)
        -> [LedgerRow]
    {
        let path = path
        do {
            return try await pool.read { db in try Self.rows(filter, after: after, limit: limit, in: db, path: path) }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw .transactionFailed(path: path, operation: "reading ledger rows", reason: Self.reason(error))
        }
    }

    /// The rows of one page, read in `db` (a transaction of the caller's).
    /// - Throws: ``LedgerError/corrupt(path:reason:)`` for a VSP id that does not decode; SQLite's error.
    static func rows(
        _ filter: RowFilter, after: (round: UInt64, vsp: VSPID)?, limit: Int, in db: Database, path: String
    ) throws -> [LedgerRow] {
        var sql = """
            SELECT round, vsp, bid, loan, realised_shares, tax, utility_estimate, externality, interest, alpha_hat,
                voi_fitted, financed_bid
            FROM round_entries WHERE round >= ? AND round <= ?
            """
        var arguments: StatementArguments = [Int64(clamping: filter.from), Int64(clamping: filter.to)]
        if let vsp = filter.vsp {
            sql += " AND vsp = ?"
            _ = arguments.append(contentsOf: [vsp.rawValue])
        }
        if let after {
            sql += " AND (round > ? OR (round = ? AND vsp > ?))"
            _ = arguments.append(contentsOf: [
                Int64(clamping: after.round), Int64(clamping: after.round), after.vsp.rawValue,
            ])
        }
        sql += " ORDER BY round, vsp LIMIT ?"
        _ = arguments.append(contentsOf: [limit])
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            let name: String = row[1]
            guard let vsp = try? VSPID(name) else {
                throw LedgerError.corrupt(
                    path: path, reason: "round_entries round \(row[0] as Int64): VSP id '\(name)'")
            }
            return LedgerRow(
                round: UInt64(row[0] as Int64), vsp: vsp, bid: row[2], loan: row[3],
                realisedShares: Self.shares(row[4]), tax: row[5], utilityEstimate: row[6], externality: row[7],
                interest: row[8], alphaHat: row[9], voiFitted: (row[10] as Int64?).map { $0 != 0 },
                financedBid: row[11])
        }
    }

    /// Parses a stored share vector `[a,b,c]`.
    private static func shares(_ text: String) -> [Double] {
        text.dropFirst().dropLast().split(separator: ",").compactMap { Double($0) }
    }
}
