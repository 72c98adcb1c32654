import DVCGCore
import Foundation
import GRDB

extension Ledger {
    /// The newest `window` financial reports of each VSP in `vsps`, oldest first, each with the share
    /// realised in its round: what the bank refits a shared policy's VoI nets on after a restart (the
    /// nets themselves are not in the ledger).
    ///
    /// - Throws: ``LedgerError/transactionFailed(path:operation:reason:)`` when SQLite cannot read;
    ///   ``LedgerError/corrupt(path:reason:)`` for a share vector that does not decode.
    public func recentReports(window: Int, vsps: Set<VSPID>) throws(LedgerError) -> [VSPID: [(
        share: [Double], utility: Double
    )]] {
        let rows: [Row]
        do {
            rows = try pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT vsp, round, realised_shares, utility FROM (
                            SELECT r.vsp, r.round, e.realised_shares, r.utility,
                                row_number() OVER (PARTITION BY r.vsp ORDER BY r.round DESC) AS newest
                            FROM reports r JOIN round_entries e ON e.round = r.round AND e.vsp = r.vsp)
                        WHERE newest <= ? ORDER BY vsp, round
                        """, arguments: [window])
            }
        } catch {
            throw .transactionFailed(path: path, operation: "reading recent reports", reason: Self.reason(error))
        }
        var reports: [VSPID: [(share: [Double], utility: Double)]] = [:]
        let decoder = JSONDecoder()
        for row in rows {
            let name: String = row["vsp"]
            guard let id = try? VSPID(name), vsps.contains(id) else { continue }
            let json: String = row["realised_shares"]
            guard let share = try? decoder.decode([Double].self, from: Data(json.utf8)) else {
                let round: Int64 = row["round"]
                throw .corrupt(path: path, reason: "round_entries round \(round), vsp '\(name)': realised_shares")
            }
            reports[id, default: []].append((share, row["utility"]))
        }
        return reports
    }
}
