import DVCGControl
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// Archives: old rounds written out as gzip JSON Lines, then removed from the ledger.
///
/// An archive of rounds first...last holds every row of `rounds`, `round_entries` and `reports` of those
/// rounds, one JSON object per line with the table's name under `"table"` and each column under its SQL
/// name (docs/glossary.md), tables in that order and rows in primary-key order. The bytes are determined by
/// the rows, so the daemon can check a caller's file by serialising the rounds again.
///
/// Rows leave the ledger only after a complete archive of them exists (its CRC-32 and size checked), in
/// chunks of whole rounds; the `archives` table records each archive first, so a crash in the middle is
/// finished by the next start (``resumeArchiveDeletions()``) and every row ends up in exactly one place.
extension Ledger {
    /// The tables an archive holds, in archive order.
    static let archivedTables = ["rounds", "round_entries", "reports"]

    /// Rows of each archived table per read while archiving.
    static let archivePageSize = 2_000

    /// The ledger's migrations for archives, after the schema's own: the `archives` table.
    static func registerArchiveMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-archive") { db in
            try db.execute(
                sql: """
                    CREATE TABLE archives (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        first_round INTEGER NOT NULL,
                        last_round INTEGER NOT NULL,
                        rounds INTEGER NOT NULL,
                        entries INTEGER NOT NULL,
                        reports INTEGER NOT NULL,
                        crc32 INTEGER NOT NULL,
                        bytes INTEGER NOT NULL,
                        file TEXT NOT NULL,
                        created REAL NOT NULL,
                        deleted_through INTEGER NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('deleting', 'deleted'))
                    )
                    """)
        }
    }

    /// The migration after the schema's v7: `archived_standings`.
    static func registerArchivedStandingsMigration(in migrator: inout DatabaseMigrator) {
        // v8: each VSP's newest archived row, so that a restart after an archive still shows the last bid and tax
        // of a VSP that has not taken part since (``Ledger/recover()``).
        migrator.registerMigration("v8-archived-standings") { db in
            try db.execute(
                sql: """
                    CREATE TABLE archived_standings (
                        vsp TEXT PRIMARY KEY,
                        round INTEGER NOT NULL,
                        realised_shares TEXT NOT NULL,
                        bid REAL NOT NULL,
                        tax REAL NOT NULL,
                        alpha_hat REAL NOT NULL,
                        voi_fitted INTEGER
                    )
                    """)
        }
    }

    /// Keeps, in `archived_standings`, each VSP's newest row of rounds `range` before they are deleted.
    static func keepStandings(_ db: Database, of range: StatementArguments) throws {
        try db.execute(
            sql: """
                INSERT INTO archived_standings (vsp, round, realised_shares, bid, tax, alpha_hat, voi_fitted)
                    SELECT vsp, max(round), realised_shares, bid, tax, alpha_hat, voi_fitted FROM round_entries
                    WHERE round BETWEEN ? AND ? GROUP BY vsp
                ON CONFLICT (vsp) DO UPDATE SET round = excluded.round, realised_shares = excluded.realised_shares,
                    bid = excluded.bid, tax = excluded.tax, alpha_hat = excluded.alpha_hat,
                    voi_fitted = excluded.voi_fitted
                    WHERE excluded.round > archived_standings.round
                """, arguments: range)
    }

    /// Makes deleted rows give their pages back to the file system (`PRAGMA auto_vacuum = INCREMENTAL`).
    ///
    /// The mode takes effect with one VACUUM: instant for a new ledger, a few seconds per hundred MB for an
    /// older one (once, at its first start with this version), as SQLite can change it in no other way.
    static func enableIncrementalVacuum(_ pool: DatabasePool) throws {
        try pool.writeWithoutTransaction { db in
            guard try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") != 2 else { return }
            try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            // A file in WAL mode has its header written already: the mode takes effect with VACUUM.
            if try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") != 2 { try db.execute(sql: "VACUUM") }
        }
    }

    /// The last committed round, `nil` for a ledger without rounds.
    /// - Throws: ``LedgerError``.
    public func lastCommittedRound() throws(LedgerError) -> UInt64? {
        do {
            return try pool.read { db in try Int64.fetchOne(db, sql: "SELECT max(number) FROM rounds") }.map {
                UInt64($0)
            }
        } catch {
            throw .transactionFailed(path: path, operation: "reading the last round", reason: Self.reason(error))
        }
    }

    /// The first round that must stay in the ledger, given the last committed round: rounds before it may be
    /// archived.
    ///
    /// The last committed round always stays, as the next round number and the engine's state continue from
    /// it; `retention` keeps more (`nil`: only that round, for `dvcgctl archive`; the daemon archives on its
    /// own only with a retention).
    /// - Throws: ``LedgerError``.
    public func firstKeptRound(_ retention: LedgerRetention?, lastRound: UInt64, now: Date = Date())
        throws(LedgerError) -> UInt64
    {
        guard lastRound > 0 else { return 1 }
        guard let retention else { return lastRound }
        var first = lastRound
        if let rounds = retention.rounds { first = min(first, lastRound >= rounds ? lastRound - rounds + 1 : 1) }
        if let days = retention.days {
            let since = now.timeIntervalSince1970 - days * 86_400
            do {
                let young = try pool.read { db in
                    try Int64.fetchOne(db, sql: "SELECT min(number) FROM rounds WHERE started >= ?", arguments: [since])
                }
                first = min(first, young.map { UInt64($0) } ?? lastRound)
            } catch {
                throw .transactionFailed(path: path, operation: "reading round times", reason: Self.reason(error))
            }
        }
        return max(first, 1)
    }

    /// The rounds an archive would hold: the oldest round in the ledger to `before - 1`, and only rounds
    /// before `firstKept`; with `maximumEntries`, cut after the last whole round within that many entries
    /// (at least one round).
    /// - Throws: ``LedgerError``.
    public func archivePlan(before: UInt64, firstKept: UInt64, maximumEntries: Int? = nil) throws(LedgerError)
        -> ArchivePlan
    {
        let nothing = ArchivePlan(firstRound: nil, lastRound: nil, rounds: 0, entries: 0, reports: 0)
        do {
            return try pool.read { db in
                guard let oldest = try Int64.fetchOne(db, sql: "SELECT min(number) FROM rounds") else { return nothing }
                let first = UInt64(oldest)
                var last = min(before, firstKept)
                guard last > first else { return nothing }
                last -= 1
                if let maximumEntries {
                    let perRound = try Row.fetchAll(
                        db,
                        sql: """
                            SELECT round, count(*) FROM round_entries WHERE round BETWEEN ? AND ?
                            GROUP BY round ORDER BY round
                            """, arguments: [Int64(clamping: first), Int64(clamping: last)])
                    var total = 0
                    for row in perRound {
                        let round = UInt64(row[0] as Int64)
                        total += row[1] as Int
                        if total > maximumEntries {
                            if round > first { last = round - 1 }
                            break
                        }
                    }
                }
                return try Self.plan(db, first: first, last: last)
            }
        } catch {
            throw .transactionFailed(path: path, operation: "planning an archive", reason: Self.reason(error))
        }
    }

    /// The rows of each archived table in rounds first...last, as they are now.
    private static func plan(_ db: Database, first: UInt64, last: UInt64) throws -> ArchivePlan {
        let range: StatementArguments = [Int64(clamping: first), Int64(clamping: last)]
        let rounds = try Int.fetchOne(
            db, sql: "SELECT count(*) FROM rounds WHERE number BETWEEN ? AND ?", arguments: range)
        let entries = try Int.fetchOne(
            db, sql: "SELECT count(*) FROM round_entries WHERE round BETWEEN ? AND ?", arguments: range)
        let reports = try Int.fetchOne(
            db, sql: "SELECT count(*) FROM reports WHERE round BETWEEN ? AND ?", arguments: range)
        return ArchivePlan(
            firstRound: first, lastRound: last, rounds: rounds ?? 0, entries: entries ?? 0, reports: reports ?? 0)
    }

    /// Hands the archive of rounds first...last to `body`, gzip-compressed, piece by piece: one page of rows
    /// per read, so an archive of any size never sits in memory.
    ///
    /// - Returns: The plan the archive holds (its row counts), its CRC-32 and its size.
    /// - Throws: ``LedgerError``; whatever `body` throws.
    public func forEachArchivePiece(
        first: UInt64, last: UInt64, _ body: ([UInt8]) async throws -> Void
    ) async throws -> (plan: ArchivePlan, crc32: UInt32, bytes: Int64) {
        let compressor = GzipCompressor()
        var crc: UInt32 = 0
        var bytes: Int64 = 0
        var counts = [0, 0, 0]
        for (index, table) in Self.archivedTables.enumerated() {
            var after: [DatabaseValue]?
            while true {
                let page = try archivePage(table, first: first, last: last, after: after)
                counts[index] += page.rows
                let compressed = compressor.compress(page.lines)
                if !compressed.isEmpty {
                    crc = CRC32.checksum(compressed, continuing: crc)
                    bytes += Int64(compressed.count)
                    try await body(compressed)
                }
                guard page.rows == Self.archivePageSize, let key = page.lastKey else { break }
                after = key
            }
        }
        let tail = compressor.finish()
        crc = CRC32.checksum(tail, continuing: crc)
        bytes += Int64(tail.count)
        try await body(tail)
        let plan = ArchivePlan(
            firstRound: first, lastRound: last, rounds: counts[0], entries: counts[1], reports: counts[2])
        return (plan, crc, bytes)
    }

    /// The key columns of an archived table, in its archive order (its primary key).
    private static func keyColumns(of table: String) -> [String] {
        switch table {
        case "rounds": return ["number"]
        // `reports` is keyed (round, vsp) since migration v7-reports-by-round (archives written before it list
        // their reports by (vsp, round); an archive's order is its own and is checked by its CRC only).
        default: return ["round", "vsp"]
        }
    }

    /// One page of `table`'s rows of rounds first...last after the key `after`, as JSON Lines.
    private func archivePage(_ table: String, first: UInt64, last: UInt64, after: [DatabaseValue]?) throws(LedgerError)
        -> (lines: [UInt8], rows: Int, lastKey: [DatabaseValue]?)
    {
        let keys = Self.keyColumns(of: table)
        let roundColumn = table == "rounds" ? "number" : "round"
        var sql = "SELECT * FROM \(table) WHERE \(roundColumn) BETWEEN ? AND ?"
        var arguments: StatementArguments = [Int64(clamping: first), Int64(clamping: last)]
        if let after {
            sql += " AND (\(keys.joined(separator: ", "))) > (\(keys.map { _ in "?" }.joined(separator: ", ")))"
            _ = arguments.append(contentsOf: StatementArguments(after))
        }
        sql += " ORDER BY \(keys.joined(separator: ", ")) LIMIT \(Self.archivePageSize)"
        let query = sql
        let values = arguments
        do {
            return try pool.read { db in
                var lines: [UInt8] = []
                var count = 0
                var lastKey: [DatabaseValue]?
                let rows = try Row.fetchCursor(db, sql: query, arguments: values)
                while let row = try rows.next() {
                    try ArchiveLine.append(row, table: table, to: &lines)
                    count += 1
                    lastKey = keys.map { row[$0] as DatabaseValue }
                }
                return (lines, count, lastKey)
            }
        } catch let error as ArchiveLine.Failure {
            throw .corrupt(path: path, reason: error.description)
        } catch {
            throw .transactionFailed(path: path, operation: "reading rows to archive", reason: Self.reason(error))
        }
    }

    /// Writes the archive of rounds first...last to a new file at `path` and makes it durable (fsync of the
    /// file and of its folder).
    ///
    /// - Returns: What it holds, its CRC-32 and size.
    /// - Throws: ``LedgerError`` (a failed write names the file); `path` is removed on failure.
    public func writeArchive(first: UInt64, last: UInt64, to path: String) async throws(LedgerError)
        -> (plan: ArchivePlan, crc32: UInt32, bytes: Int64)
    {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw .transactionFailed(
                path: path, operation: "creating the archive", reason: String(cString: strerror(errno)))
        }
        do {
            defer { close(descriptor) }
            let result = try await forEachArchivePiece(first: first, last: last) { bytes in
                try Self.writeAll(bytes, to: descriptor, path: path)
            }
            guard fsync(descriptor) == 0 else {
                throw LedgerError.transactionFailed(
                    path: path, operation: "writing the archive", reason: String(cString: strerror(errno)))
            }
            Self.syncFolder(of: path)
            return result
        } catch {
            unlink(path)
            if let error = error as? LedgerError { throw error }
            throw .transactionFailed(path: path, operation: "writing the archive", reason: Self.reason(error))
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws(LedgerError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw .transactionFailed(
                    path: path, operation: "writing the archive", reason: String(cString: strerror(errno)))
            }
            offset += written
        }
    }

    /// fsync of the folder holding `path`, so that a new name in it survives a crash.
    static func syncFolder(of path: String) {
        let folder = (path as NSString).deletingLastPathComponent
        let descriptor = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    /// Records the archive of rounds first...last held in `file` and removes those rounds from the ledger,
    /// then gives the freed pages back (incremental vacuum and a WAL checkpoint).
    ///
    /// - Parameters:
    ///   - plan: What the archive holds, as it was serialised; the ledger must still hold exactly that many rows
    ///     of each table in those rounds (a report filed since then refuses the deletion).
    ///   - crc32, bytes, file: The archive file, recorded in `archives`.
    ///   - chunkEntries: About how many entries each deleting transaction removes, so that a round's commit never
    ///     waits long behind one.
    /// - Returns: The archive's record.
    /// - Throws: ``LedgerError/archiveRefused(path:reason:)`` when the rows changed; other ``LedgerError``s.
    public func deleteArchived(
        _ plan: ArchivePlan, crc32: UInt32, bytes: Int64, file: String, chunkEntries: Int = 10_000
    ) throws(LedgerError) -> ArchiveRecordResponse {
        guard let first = plan.firstRound, let last = plan.lastRound else {
            throw .transactionFailed(path: path, operation: "deleting archived rounds", reason: "the archive is empty")
        }
        let id: Int64
        do {
            id = try pool.write { db in
                let now = try Self.plan(db, first: first, last: last)
                guard now == plan else {
                    throw ArchiveRefusal(
                        reason:
                            "rounds \(first)...\(last) changed since they were archived (\(now.rounds) rounds, \(now.entries) entries, \(now.reports) reports now; the archive has \(plan.rounds), \(plan.entries), \(plan.reports)); archive them again"
                    )
                }
                try db.execute(
                    sql: """
                        INSERT INTO archives (first_round, last_round, rounds, entries, reports, crc32, bytes, file,
                            created, deleted_through, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'deleting')
                        """,
                    arguments: [
                        Int64(clamping: first), Int64(clamping: last), plan.rounds, plan.entries, plan.reports,
                        Int64(crc32), bytes, file,
                        Date().timeIntervalSince1970, Int64(clamping: first) - 1,
                    ])
                return db.lastInsertedRowID
            }
        } catch let refusal as ArchiveRefusal {
            throw .archiveRefused(path: path, reason: refusal.reason)
        } catch {
            throw .transactionFailed(path: path, operation: "recording an archive", reason: Self.reason(error))
        }
        try finishDeletion(archive: id, chunkEntries: chunkEntries)
        return try archives(id: id).first!
    }

    /// Removes the rows of every archive a crash left half-deleted (state `deleting`); run at start.
    /// - Returns: The archives finished.
    /// - Throws: ``LedgerError``.
    @discardableResult
    public func resumeArchiveDeletions() throws(LedgerError) -> [ArchiveRecordResponse] {
        let pending: [Int64]
        do {
            pending = try pool.read { db in
                try Int64.fetchAll(db, sql: "SELECT id FROM archives WHERE state = 'deleting' ORDER BY id")
            }
        } catch {
            throw .transactionFailed(path: path, operation: "reading archives", reason: Self.reason(error))
        }
        var finished: [ArchiveRecordResponse] = []
        for id in pending {
            try finishDeletion(archive: id, chunkEntries: 10_000)
            finished += try archives(id: id)
        }
        return finished
    }

    private func finishDeletion(archive id: Int64, chunkEntries: Int) throws(LedgerError) {
        do {
            let (last, entries, rounds) = try pool.read { db in
                let row = try Row.fetchOne(
                    db, sql: "SELECT last_round, entries, rounds FROM archives WHERE id = ?", arguments: [id])!
                return (row[0] as Int64, row[1] as Int, row[2] as Int)
            }
            let roundsPerChunk = Int64(max(1, chunkEntries / max(1, entries / max(1, rounds))))
            var done = false
            while !done {
                done = try pool.write { db in
                    let through: Int64 = try Int64.fetchOne(
                        db, sql: "SELECT deleted_through FROM archives WHERE id = ?", arguments: [id])!
                    let from = through + 1
                    let to = min(last, through + roundsPerChunk)
                    let range: StatementArguments = [from, to]
                    // Reports by their primary key (round, vsp).
                    try db.execute(sql: "DELETE FROM reports WHERE round BETWEEN ? AND ?", arguments: range)
                    try Self.keepStandings(db, of: range)
                    try db.execute(sql: "DELETE FROM round_entries WHERE round BETWEEN ? AND ?", arguments: range)
                    try db.execute(sql: "DELETE FROM rounds WHERE number BETWEEN ? AND ?", arguments: range)
                    let finished = to >= last
                    if finished {
                        let first: Int64 = try Int64.fetchOne(
                            db, sql: "SELECT first_round FROM archives WHERE id = ?", arguments: [id])!
                        // Any report left in the archive's rounds (one scan), so none stays behind twice.
                        try db.execute(
                            sql: "DELETE FROM reports WHERE round BETWEEN ? AND ?", arguments: [first, last])
                    }
                    try db.execute(
                        sql: "UPDATE archives SET deleted_through = ?, state = ? WHERE id = ?",
                        arguments: [to, finished ? "deleted" : "deleting", id])
                    return finished
                }
            }
            refreshFirstRound()
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA incremental_vacuum")
                try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        } catch {
            throw .transactionFailed(path: path, operation: "deleting archived rounds", reason: Self.reason(error))
        }
    }

    /// The archives the ledger records, oldest first; only archive `id` when given. An archive whose rounds are in
    /// the ledger again (`dvcgd --restore-archive`) is listed as `restored`.
    /// - Throws: ``LedgerError``.
    public func archives(id: Int64? = nil) throws(LedgerError) -> [ArchiveRecordResponse] {
        do {
            return try pool.read { db in
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT *, EXISTS (SELECT 1 FROM rounds WHERE number BETWEEN a.first_round AND a.last_round)
                            AS back FROM archives a
                        """ + (id == nil ? "" : " WHERE id = ?") + " ORDER BY id",
                    arguments: id.map { [$0] } ?? [])
                let formatter = ISO8601DateFormatter()
                return rows.map { row in
                    ArchiveRecordResponse(
                        id: row["id"], firstRound: UInt64(row["first_round"] as Int64),
                        lastRound: UInt64(row["last_round"] as Int64), rounds: row["rounds"], entries: row["entries"],
                        reports: row["reports"], crc32: UInt32(truncatingIfNeeded: row["crc32"] as Int64),
                        bytes: row["bytes"], file: row["file"],
                        state: (row["state"] as String) == "deleted" && (row["back"] as Bool)
                            ? "restored" : row["state"],
                        created: formatter.string(from: Date(timeIntervalSince1970: row["created"])))
                }
            }
        } catch {
            throw .transactionFailed(path: path, operation: "reading archives", reason: Self.reason(error))
        }
    }

    /// Puts the rows of an archive file back (`dvcgd --restore-archive`), in one transaction.
    ///
    /// - Returns: How many rows of each table were restored.
    /// - Throws: ``LedgerError``: a file that is not an archive, a row the ledger already has (nothing is
    ///   restored then), a table or column the ledger does not have.
    public func restoreArchive(from file: String) throws(LedgerError) -> ArchivePlan {
        let descriptor = open(file, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .transactionFailed(
                path: file, operation: "opening the archive",
                reason: "cannot read the file: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw .transactionFailed(
                path: file, operation: "opening the archive",
                reason: "not a regular file (a folder, a device or a pipe)")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: false)
        do {
            return try pool.write { db in
                var columns: [String: [String: String]] = [:]
                for table in Self.archivedTables {
                    let info = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))")
                    columns[table] = Dictionary(uniqueKeysWithValues: info.map { ($0["name"], $0["type"]) })
                }
                let decompressor = GzipDecompressor()
                var pending: [UInt8] = []
                var counts: [String: Int] = [:]
                var rounds: ClosedRange<UInt64>?
                var lineNumber = 0
                func insert(_ line: ArraySlice<UInt8>) throws {
                    lineNumber += 1
                    let (table, values) = try ArchiveLine.parse(Array(line), columns: columns, line: lineNumber)
                    let names = values.map(\.0)
                    do {
                        try db.execute(
                            sql:
                                "INSERT INTO \(table) (\(names.joined(separator: ", "))) VALUES (\(names.map { _ in "?" }.joined(separator: ", ")))",
                            arguments: StatementArguments(values.map(\.1)))
                    } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                        throw ArchiveRefusal(
                            reason:
                                "line \(lineNumber): its \(table) row is in the ledger already (was the archive restored before?); nothing was restored"
                        )
                    }
                    counts[table, default: 0] += 1
                    if table == "rounds", let number = values.first(where: { $0.0 == "number" })?.1,
                        let round = Int64.fromDatabaseValue(number)
                    {
                        let value = UInt64(round)
                        rounds = rounds.map { min($0.lowerBound, value)...max($0.upperBound, value) } ?? value...value
                    }
                }
                while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
                    pending += try decompressor.decompress([UInt8](data))
                    var start = pending.startIndex
                    while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                        try insert(pending[start..<newline])
                        start = newline + 1
                    }
                    pending.removeSubrange(..<start)
                }
                guard decompressor.isFinished, pending.isEmpty else {
                    throw ArchiveLine.Failure(description: "it ends early (truncated or empty); nothing was restored")
                }
                return ArchivePlan(
                    firstRound: rounds?.lowerBound, lastRound: rounds?.upperBound, rounds: counts["rounds"] ?? 0,
                    entries: counts["round_entries"] ?? 0, reports: counts["reports"] ?? 0)
            }
        } catch let error as ArchiveLine.Failure {
            throw .notAnArchive(path: file, reason: error.description)
        } catch let error as GzipDecompressor.Failure {
            throw .notAnArchive(path: file, reason: "not gzip: \(error)")
        } catch let refusal as ArchiveRefusal {
            throw .transactionFailed(path: path, operation: "restoring \(file)", reason: refusal.reason)
        } catch {
            throw .transactionFailed(path: path, operation: "restoring \(file)", reason: Self.reason(error))
        }
    }
}

/// Why rows were not deleted after all (inside a transaction, mapped to ``LedgerError/archiveRefused(path:reason:)``).
private struct ArchiveRefusal: Error {
    var reason: String
}
