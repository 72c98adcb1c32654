/// Bulk ledger rows for large-ledger tests and `dvcg bench control`: copies of a real round entry under
/// generated VSP ids, so a ledger of any size is written in one statement.
public enum BulkLedgerRows {
    /// The SQL that inserts `?` copies of round 1's first `round_entries` row, half in round 1 and half
    /// in round 2, under the ids `bulk-0000001` ...; every other column is copied as it is.
    ///
    /// - Parameter columns: The columns `round_entries` has now (a later migration's included), so a
    ///   migration that adds one needs no edit here.
    /// - Returns: One statement taking the number of rows as its only argument.
    public static func insertSQL(columns: [String]) -> String {
        let values = columns.map { name in
            switch name {
            case "round": return "1 + i % 2"
            case "vsp": return "printf('bulk-%07d', i)"
            default: return "e.\(name)"
            }
        }
        return """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            INSERT INTO round_entries (\(columns.joined(separator: ", ")))
            SELECT \(values.joined(separator: ", "))
            FROM n, (SELECT * FROM round_entries WHERE round = 1 LIMIT 1) AS e
            """
    }
}
