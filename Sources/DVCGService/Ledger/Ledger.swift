import DVCGCore
import DVCGMechanism
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// The ledger: SQLite in WAL mode (GRDB `DatabasePool`) under the state directory.
///
/// Schema (migrations `v1`, `v2`, `v3-efficiency`, `v4-archive`, `v5-durable-requests`, `v6-state-deltas`,
/// `v7-reports-by-round`, `v8-archived-standings`, `v9-financed-bid`): `rounds`,
/// `round_entries`, `reports`, `roster_events`, `policy_events`, `engine_state` and `engine_state_deltas`,
/// `pending_bids`, `pending_reports`, `operator_state`, and `archives` and `archived_standings`; the column names are docs/glossary.md's. One round (its rows,
/// its reports and the engine's state: a full snapshot or the round's delta) is one transaction, so after a crash the
/// database holds whole rounds only, and the next round is `max(rounds.number) + 1`.
public final class Ledger: Sendable {
    /// The database file.
    public let path: String
    let pool: DatabasePool
    /// Read-only connections and a thread of their own for `GET /v1/ledger`.
    public let streams: LedgerStreams
    /// Where the ledger's rounds lie, so that status counts them without a query: the oldest (`nil` without
    /// rounds) and how many between it and the newest it does not hold (archives still out after an older one
    /// was restored: rounds 50...59 after 1...49 came back). Read at open and after an archive's deletion; the
    /// first commit sets the oldest, and commits add no gap. One lock, so that the two are read as a pair.
    let extent = Mutex<(oldest: UInt64?, missing: UInt64)>((nil, 0))

    /// The oldest round in the ledger (an archive moves it on), `nil` without rounds.
    public var firstRound: UInt64? { extent.withLock { $0.oldest } }

    /// Rounds between the oldest and the newest that the ledger does not hold.
    public var missingRounds: UInt64 { extent.withLock { $0.missing } }

    /// Reads the oldest round, and the rounds missing after it, again (at open, after rows were deleted or
    /// restored).
    func refreshFirstRound() {
        let counts = try? pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT min(number) AS first, max(number) - min(number) + 1 - count(*) AS gap FROM rounds")
        }
        let first: Int64? = counts.flatMap { $0["first"] }
        let gap: Int64? = counts.flatMap { $0["gap"] }
        extent.withLock { $0 = (first.map { UInt64($0) }, UInt64(max(0, gap ?? 0))) }
    }

    /// Opens (creating when needed) the ledger and migrates it to the current schema.
    ///
    /// - Parameter path: The database file; its folder is created with mode 0750 when missing.
    /// - Throws: ``LedgerError/cannotOpen(path:reason:)``.
    public init(path: String) throws(LedgerError) {
        self.path = path
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB turns WAL mode's synchronous to NORMAL, which a crash of the process cannot hurt but a crash
            // of the machine can (the last commits); acknowledged means durable (docs/dvcgd.md) needs FULL: the
            // WAL is synced at every commit. The writer is one connection, so this holds for every write.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            try Self.enableIncrementalVacuum(pool)
            try Self.migrator.migrate(pool)
        } catch {
            throw .cannotOpen(path: path, reason: Self.reason(error))
        }
        streams = try LedgerStreams(path: path)
        refreshFirstRound()
    }

    /// The schema's migrations; the applied ones are GRDB's `grdb_migrations` table (the schema version).
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE rounds (
                        number INTEGER PRIMARY KEY,
                        started REAL NOT NULL,
                        committed REAL NOT NULL,
                        pool REAL NOT NULL,
                        sigma REAL NOT NULL,
                        proposed_welfare REAL NOT NULL,
                        welfare_estimate REAL NOT NULL,
                        policy_checksum TEXT NOT NULL,
                        empty INTEGER NOT NULL
                    );
                    CREATE TABLE round_entries (
                        round INTEGER NOT NULL REFERENCES rounds(number),
                        vsp TEXT NOT NULL,
                        bid REAL NOT NULL,
                        loan REAL NOT NULL,
                        voi REAL NOT NULL,
                        proposed_shares TEXT NOT NULL,
                        realised_shares TEXT NOT NULL,
                        proposed_utility REAL NOT NULL,
                        welfare_without REAL NOT NULL,
                        externality REAL NOT NULL,
                        interest REAL NOT NULL,
                        alpha_hat REAL NOT NULL,
                        tax REAL NOT NULL,
                        PRIMARY KEY (round, vsp)
                    );
                    CREATE TABLE reports (
                        vsp TEXT NOT NULL,
                        round INTEGER NOT NULL,
                        utility REAL NOT NULL,
                        gross_profit REAL NOT NULL,
                        received REAL NOT NULL,
                        PRIMARY KEY (vsp, round)
                    );
                    CREATE TABLE roster_events (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        boundary INTEGER NOT NULL,
                        vsp TEXT NOT NULL,
                        kind TEXT NOT NULL CHECK (kind IN ('add', 'remove')),
                        definition TEXT NOT NULL
                    );
                    CREATE TABLE policy_events (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        time REAL NOT NULL,
                        path TEXT NOT NULL,
                        checksum TEXT,
                        outcome TEXT NOT NULL,
                        message TEXT NOT NULL
                    );
                    CREATE TABLE engine_state (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        round INTEGER NOT NULL,
                        snapshot BLOB NOT NULL
                    );
                    """)
        }
        // v2: the glossary's names (docs/glossary.md). A v1 ledger is upgraded in place on open.
        migrator.registerMigration("v2") { db in
            try db.execute(
                sql: """
                    ALTER TABLE rounds RENAME COLUMN sigma TO noise_scale;
                    ALTER TABLE round_entries RENAME COLUMN proposed_utility TO utility_estimate;
                    """)
        }
        // v3: the bank's efficiency estimate per round (and the true efficiency of an all-simulated round),
        // whether each VSP's VoI net was fitted (docs/learning.md). Older rows have NULL there.
        migrator.registerMigration("v3-efficiency") { db in
            try db.execute(
                sql: """
                    ALTER TABLE rounds ADD COLUMN optimum_estimate REAL;
                    ALTER TABLE rounds ADD COLUMN efficiency_estimate REAL;
                    ALTER TABLE rounds ADD COLUMN true_efficiency REAL;
                    ALTER TABLE round_entries ADD COLUMN voi_fitted INTEGER;
                    """)
        }
        registerArchiveMigrations(in: &migrator)
        // Bids, reports and the pause switch acknowledged since the last commit (Ledger+Acknowledgements).
        migrator.registerMigration("v5-durable-requests", migrate: migrateAcknowledgedWrites)
        // v6: between two full snapshots in `engine_state`, each round's change of the engine state (a v5 ledger's
        // snapshot is the base of the deltas to come, and is read as it is).
        migrator.registerMigration("v6-state-deltas") { db in
            try db.execute(sql: "CREATE TABLE engine_state_deltas (round INTEGER PRIMARY KEY, delta BLOB NOT NULL)")
        }
        // v7: `reports` keyed by (round, vsp), as `round_entries`. Keyed by (vsp, round), each round's reports
        // landed on one index page per VSP, so a commit at N = 10,000 rewrote thousands of pages, more as
        // the ledger grew; by round they append. Rows keep their rowids (acknowledgements read in rowid order).
        migrator.registerMigration("v7-reports-by-round") { db in
            try db.execute(
                sql: """
                    CREATE TABLE reports_by_round (
                        vsp TEXT NOT NULL,
                        round INTEGER NOT NULL,
                        utility REAL NOT NULL,
                        gross_profit REAL NOT NULL,
                        received REAL NOT NULL,
                        PRIMARY KEY (round, vsp)
                    );
                    INSERT INTO reports_by_round (rowid, vsp, round, utility, gross_profit, received)
                        SELECT rowid, vsp, round, utility, gross_profit, received FROM reports ORDER BY rowid;
                    DROP TABLE reports;
                    ALTER TABLE reports_by_round RENAME TO reports;
                    """)
        }
        registerArchivedStandingsMigration(in: &migrator)
        // v9: the bid the bank financed, x^_i (the sealed bid up to the credit line, Bank.financedBids), beside the
        // sealed bid, so that a loan (13) can be checked from the ledger alone. Older rows have NULL there.
        migrator.registerMigration("v9-financed-bid") { db in
            try db.execute(sql: "ALTER TABLE round_entries ADD COLUMN financed_bid REAL")
        }
        return migrator
    }

    /// What a restart needs: the last committed round, the roster events and the engine snapshot.
    public struct Recovery: Sendable {
        /// The last committed round, `nil` for a new ledger.
        public var lastRound: RoundNumber?
        /// Every roster event, in order.
        public var rosterEvents: [RosterEvent]
        /// The engine's last full snapshot (`engine_state`), `nil` for a ledger without rounds.
        public var engineState: Data?
        /// The deltas of the rounds after that snapshot, oldest first: applied to it in order they give the state
        /// after the last committed round.
        public var engineStateDeltas: [(round: RoundNumber, delta: Data)]
        /// Each VSP's last row in the ledger: every participant of the last non-empty round, and each other VSP
        /// on the roster that took part since it was last added, within the last ``standingLookback`` rows.
        public var standings: [VSPID: VSPStanding]
        /// The last committed round's row, `nil` for a new ledger: what status shows of it after a restart.
        public var lastRoundRow: RecoveredRound?

        /// Creates a recovery.
        public init(
            lastRound: RoundNumber?, rosterEvents: [RosterEvent], engineState: Data?,
            engineStateDeltas: [(round: RoundNumber, delta: Data)], standings: [VSPID: VSPStanding] = [:],
            lastRoundRow: RecoveredRound? = nil
        ) {
            self.lastRoundRow = lastRoundRow
            self.lastRound = lastRound
            self.rosterEvents = rosterEvents
            self.engineState = engineState
            self.engineStateDeltas = engineStateDeltas
            self.standings = standings
        }
    }

    /// The last committed round's `rounds` row, as a restart reads it back.
    public struct RecoveredRound: Sendable, Equatable {
        /// F_P, in VC.
        public var pool: Double
        /// sigma of eq. (16).
        public var noiseScale: Double
        /// sum_i f_i(s~_i), in VC.
        public var welfareEstimate: Double
        /// The bank's efficiency estimate, when recorded.
        public var efficiencyEstimate: Double?
        /// The true efficiency, when recorded.
        public var trueEfficiency: Double?
        /// From the round's start to its commit, in seconds.
        public var seconds: Double
        /// When its rows were written (`rounds.committed`), seconds since 1970.
        public var committed: Double = 0
    }

    /// How many round_entries rows a restart reads at most to find the last row of the roster's VSPs that were not
    /// in the last round (about this many divided by N rounds back).
    public static let standingLookback = 100_000

    /// Reads what a restart needs.
    /// - Throws: ``LedgerError/corrupt(path:reason:)`` for a row the daemon cannot interpret (an unknown
    ///   roster-event kind, a definition or share vector that does not decode), naming the row;
    ///   ``LedgerError/transactionFailed(path:operation:reason:)`` when SQLite cannot read.
    public func recover() throws(LedgerError) -> Recovery {
        let rows: (last: Int64?, events: [Row], state: Data?, deltas: [Row], shares: [Row], round: Row?)
        do {
            rows = try pool.read { db in
                (
                    try Int64.fetchOne(db, sql: "SELECT max(number) FROM rounds"),
                    try Row.fetchAll(db, sql: "SELECT seq, boundary, kind, definition FROM roster_events ORDER BY seq"),
                    try Data.fetchOne(db, sql: "SELECT snapshot FROM engine_state WHERE id = 1"),
                    try Row.fetchAll(db, sql: "SELECT round, delta FROM engine_state_deltas ORDER BY round"),
                    try Row.fetchAll(
                        db,
                        sql: """
                            SELECT round, vsp, realised_shares, bid, tax, alpha_hat, voi_fitted FROM round_entries
                            WHERE round = (SELECT max(number) FROM rounds WHERE empty = 0)
                            """),
                    try Row.fetchOne(
                        db,
                        sql: """
                            SELECT pool, noise_scale, welfare_estimate, efficiency_estimate, true_efficiency,
                                committed - started, committed FROM rounds ORDER BY number DESC LIMIT 1
                            """)
                )
            }
        } catch {
            throw .transactionFailed(
                path: path, operation: "reading the ledger for recovery", reason: Self.reason(error))
        }
        let decoder = JSONDecoder()
        var events: [RosterEvent] = []
        for row in rows.events {
            let seq: Int64 = row["seq"]
            let text: String = row["kind"]
            guard let kind = RosterEvent.Kind(rawValue: text) else {
                throw .corrupt(path: path, reason: "roster_events seq \(seq): unknown kind '\(text)'")
            }
            let json: String = row["definition"]
            let definition: VSPDefinition
            do { definition = try decoder.decode(VSPDefinition.self, from: Data(json.utf8)) } catch {
                throw .corrupt(path: path, reason: "roster_events seq \(seq): definition: \(error)")
            }
            events.append(
                RosterEvent(kind: kind, boundary: RoundNumber(UInt64(row["boundary"] as Int64)), definition: definition)
            )
        }
        var standings: [VSPID: VSPStanding] = [:]
        for row in rows.shares {
            let (id, standing) = try Self.standing(row, decoder: decoder, path: path)
            standings[id] = standing
        }
        if let last = rows.last {
            try recoverEarlierStandings(into: &standings, events: events, lastRound: last, decoder: decoder)
        }
        let deltas = rows.deltas.map { row in
            (round: RoundNumber(UInt64(row["round"] as Int64)), delta: row["delta"] as Data)
        }
        let lastRoundRow = rows.round.map { row in
            RecoveredRound(
                pool: row[0], noiseScale: row[1], welfareEstimate: row[2], efficiencyEstimate: row[3],
                trueEfficiency: row[4], seconds: row[5], committed: row[6])
        }
        return Recovery(
            lastRound: rows.last.map { RoundNumber(UInt64($0)) }, rosterEvents: events, engineState: rows.state,
            engineStateDeltas: deltas, standings: standings, lastRoundRow: lastRoundRow)
    }

    /// Adds the last row of each VSP on the roster that did not take part in the last non-empty round, when it took
    /// part after it was last added, in one backwards scan of at most ``standingLookback`` rows, else from
    /// `archived_standings` when its newest row was archived.
    private func recoverEarlierStandings(
        into standings: inout [VSPID: VSPStanding], events: [RosterEvent], lastRound: Int64, decoder: JSONDecoder
    ) throws(LedgerError) {
        // Who is on the roster after the last round, and since which round.
        var since: [VSPID: Int64] = [:]
        for event in events where event.boundary.value <= UInt64(lastRound) + 1 {
            switch event.kind {
            case .add: since[event.definition.id] = Int64(event.boundary.value)
            case .remove: since[event.definition.id] = nil
            }
        }
        let missing = since.filter { standings[$0.key] == nil }
        guard !missing.isEmpty else { return }
        let earliest = missing.values.min() ?? 1
        let rows: [Row]
        do {
            // Rows per round: about the roster's size (an empty last round would say 0).
            let perRound = max(1, since.count, standings.count)
            let span = Int64(max(1, Self.standingLookback / perRound))
            let names = String(decoding: try JSONEncoder().encode(missing.keys.map(\.rawValue)), as: UTF8.self)
            rows = try pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT round, vsp, realised_shares, bid, tax, alpha_hat, voi_fitted FROM round_entries
                        WHERE round BETWEEN ? AND ? AND vsp IN (SELECT value FROM json_each(?))
                        ORDER BY round DESC
                        """,
                    arguments: [max(earliest, lastRound - span + 1), lastRound, names])
            }
        } catch {
            throw .transactionFailed(
                path: path, operation: "reading the ledger for recovery", reason: Self.reason(error))
        }
        // Rows archived since: each VSP's newest archived row (`archived_standings`).
        let unfound = missing.keys.filter { standings[$0] == nil }
        var archived: [Row] = []
        if !unfound.isEmpty {
            do {
                let names = String(decoding: try JSONEncoder().encode(unfound.map(\.rawValue)), as: UTF8.self)
                archived = try pool.read { db in
                    try Row.fetchAll(
                        db,
                        sql: """
                            SELECT round, vsp, realised_shares, bid, tax, alpha_hat, voi_fitted FROM archived_standings
                            WHERE vsp IN (SELECT value FROM json_each(?))
                            """,
                        arguments: [names])
                }
            } catch {
                throw .transactionFailed(
                    path: path, operation: "reading the ledger for recovery", reason: Self.reason(error))
            }
        }
        for row in rows + archived {
            let (id, standing) = try Self.standing(row, decoder: decoder, path: path)
            guard standings[id] == nil, let first = missing[id], Int64(standing.round.value) >= first else { continue }
            standings[id] = standing
        }
    }

    /// A round_entries row's standing.
    private static func standing(_ row: Row, decoder: JSONDecoder, path: String) throws(LedgerError) -> (
        VSPID, VSPStanding
    ) {
        let round: Int64 = row["round"]
        let name: String = row["vsp"]
        let json: String = row["realised_shares"]
        guard let id = try? VSPID(name), let values = try? decoder.decode([Double].self, from: Data(json.utf8)) else {
            throw .corrupt(path: path, reason: "round_entries round \(round), vsp '\(name)': realised_shares")
        }
        let fitted: Int64? = row["voi_fitted"]
        return (
            id,
            VSPStanding(
                round: RoundNumber(UInt64(round)), shares: values, bid: row["bid"], tax: row["tax"],
                alphaHat: row["alpha_hat"], voiFitted: fitted.map { $0 != 0 })
        )
    }

    /// Appends roster events in one transaction.
    /// - Throws: ``LedgerError``.
    public func append(_ events: [RosterEvent]) throws(LedgerError) {
        do {
            try pool.write { db in
                for event in events { try Self.insert(event, into: db) }
            }
        } catch {
            throw .transactionFailed(path: path, operation: "recording a roster change", reason: Self.reason(error))
        }
    }

    /// Commits a whole round: its row, its entries, the reports filed after it and the engine's state (a full
    /// snapshot, which replaces `engine_state` and empties `engine_state_deltas`, or the round's delta).
    ///
    /// - Throws: ``LedgerError``; nothing of the round is then in the ledger.
    public func commit(_ record: RoundRecord) throws(LedgerError) {
        do {
            try pool.write { db in
                try Self.insertEntries(record.outcome.entries, of: record.outcome.round, into: db)
                try Self.insertRest(of: record, into: db)
            }
        } catch {
            throw .transactionFailed(
                path: path, operation: "committing round \(record.outcome.round)", reason: Self.reason(error))
        }
        extent.withLock { $0.oldest = $0.oldest ?? record.outcome.round.value }
    }

    /// A round's entries (`round_entries`), inserted before its `rounds` row within the transaction (the foreign
    /// key is checked at the commit).
    static func insertEntries(_ entries: [RoundEntry], of round: RoundNumber, into db: Database) throws {
        try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
        // Prepared once per transaction: a round at N = 10,000 inserts 20,000 rows, bound with SQLite's
        // own calls (GRDB's StatementArguments cost about 1 us per value: 190 of a 240 ms commit).
        let insertEntry = try db.cachedStatement(
            sql: """
                INSERT INTO round_entries (round, vsp, bid, loan, voi, proposed_shares, realised_shares,
                    utility_estimate, welfare_without, externality, interest, alpha_hat, tax, voi_fitted, financed_bid)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let number = Int64(round.value)
        for entry in entries {
            let row = RowBinder(insertEntry.sqliteStatement)
            row.bind(1, number)
            row.bind(2, entry.vsp.rawValue)
            row.bind(3, entry.bid)
            row.bind(4, entry.loan)
            row.bind(5, entry.voi)
            row.bind(6, Self.json(entry.proposedShares))
            row.bind(7, Self.json(entry.realisedShares))
            row.bind(8, entry.utilityEstimate)
            row.bind(9, entry.welfareWithout)
            row.bind(10, entry.externality)
            row.bind(11, entry.interest)
            row.bind(12, entry.alphaHat)
            row.bind(13, entry.tax)
            row.bind(14, Int64(entry.voiFitted ? 1 : 0))
            row.bind(15, entry.financedBid)
            try row.step(db)
        }
        sqlite3_reset(insertEntry.sqliteStatement)
    }

    /// The rest of a round's transaction: its `rounds` row, the reports filed after it (unless inserted already),
    /// the engine's state and the acknowledgements it settles.
    static func insertRest(of record: RoundRecord, into db: Database, includingReports: Bool = true) throws {
        let outcome = record.outcome
        try db.execute(
            sql: """
                INSERT INTO rounds (number, started, committed, pool, noise_scale, proposed_welfare, welfare_estimate,
                    policy_checksum, empty, optimum_estimate, efficiency_estimate, true_efficiency)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                Int64(outcome.round.value), record.started.timeIntervalSince1970, Date().timeIntervalSince1970,
                outcome.pool, outcome.noiseScale, outcome.proposedWelfare, outcome.welfareEstimate,
                record.policyChecksum,
                outcome.entries.isEmpty, outcome.optimumEstimate, outcome.efficiencyEstimate,
                record.trueEfficiency,
            ])
        if includingReports { try insertReports(record.reports, into: db) }
        switch record.engineState {
        case .snapshot(let snapshot):
            try db.execute(
                sql: "INSERT OR REPLACE INTO engine_state (id, round, snapshot) VALUES (1, ?, ?)",
                arguments: [Int64(outcome.round.value), snapshot])
            try db.execute(sql: "DELETE FROM engine_state_deltas")
        case .delta(let delta):
            try db.execute(
                sql: "INSERT INTO engine_state_deltas (round, delta) VALUES (?, ?)",
                arguments: [Int64(outcome.round.value), delta])
        }
        try Self.clearAcknowledged(upTo: outcome.round, in: db)
    }

    /// Reports filed after a round (`reports`), within its transaction.
    static func insertReports(_ reports: [FinancialReport], into db: Database) throws {
        let insertReport = try db.cachedStatement(
            sql:
                "INSERT OR REPLACE INTO reports (vsp, round, utility, gross_profit, received) VALUES (?, ?, ?, ?, ?)"
        )
        let received = Date().timeIntervalSince1970
        for report in reports {
            let row = RowBinder(insertReport.sqliteStatement)
            row.bind(1, report.vsp.rawValue)
            row.bind(2, Int64(report.round.value))
            row.bind(3, report.utility)
            row.bind(4, report.grossProfit)
            row.bind(5, received)
            try row.step(db)
        }
        sqlite3_reset(insertReport.sqliteStatement)
    }

    /// Records the outcome of a policy load or reload (table `policy_events`).
    /// - Throws: ``LedgerError``.
    public func recordPolicyEvent(path policyPath: String, checksum: String?, outcome: String, message: String)
        throws(LedgerError)
    {
        do {
            try pool.write { db in
                try db.execute(
                    sql: "INSERT INTO policy_events (time, path, checksum, outcome, message) VALUES (?, ?, ?, ?, ?)",
                    arguments: [Date().timeIntervalSince1970, policyPath, checksum, outcome, message])
            }
        } catch {
            throw .transactionFailed(path: path, operation: "recording a policy event", reason: Self.reason(error))
        }
    }

    private static func insert(_ event: RosterEvent, into db: Database) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let definition = String(decoding: try encoder.encode(event.definition), as: UTF8.self)
        try db.execute(
            sql: "INSERT INTO roster_events (boundary, vsp, kind, definition) VALUES (?, ?, ?, ?)",
            arguments: [Int64(event.boundary.value), event.definition.id.rawValue, event.kind.rawValue, definition])
    }

    /// One row of a prepared insert bound with SQLite's own calls, for the round's bulk rows.
    private struct RowBinder {
        let statement: SQLiteStatement

        /// Starts a row: resets the statement (its earlier row is done) so that it can be bound again.
        init(_ statement: SQLiteStatement) {
            self.statement = statement
            sqlite3_reset(statement)
        }

        func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(statement, index, value) }

        func bind(_ index: Int32, _ value: Double) { sqlite3_bind_double(statement, index, value) }

        /// Text, copied by SQLite (SQLITE_TRANSIENT).
        func bind(_ index: Int32, _ value: String) {
            var value = value
            value.withUTF8 { bytes in
                _ = bytes.withMemoryRebound(to: CChar.self) {
                    sqlite3_bind_text(
                        statement, index, $0.baseAddress, Int32($0.count),
                        unsafeBitCast(-1, to: sqlite3_destructor_type.self))
                }
            }
        }

        /// Runs the insert; a failure throws GRDB's error for it, and the transaction rolls back.
        func step(_ db: Database) throws {
            let code = sqlite3_step(statement)
            guard code == SQLITE_DONE else {
                let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
                sqlite3_reset(statement)
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
            }
        }
    }

    private static func json(_ values: [Double]) -> String {
        // One string grown in place (a round writes two such arrays per VSP).
        var text = "["
        text.reserveCapacity(2 + 24 * values.count)
        for (index, value) in values.enumerated() {
            if index > 0 { text.append(",") }
            text.append(value.description)
        }
        text.append("]")
        return text
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? error.description }
        return String(describing: error)
    }
}

/// Everything one round commits.
public struct RoundRecord: Sendable {
    /// The mechanism's outcome.
    public var outcome: RoundOutcome
    /// Wall-clock start of the round.
    public var started: Date
    /// Checksum of the policy that served the round.
    public var policyChecksum: String
    /// Reports filed after the round (simulated VSPs).
    public var reports: [FinancialReport]
    /// The engine's state after the round and the reports.
    public var engineState: EngineStateWrite
    /// True welfare over the certified optimum, when every participant was simulated.
    public var trueEfficiency: Double?

    /// A record.
    public init(
        outcome: RoundOutcome, started: Date, policyChecksum: String, reports: [FinancialReport],
        engineState: EngineStateWrite,
        trueEfficiency: Double? = nil
    ) {
        self.trueEfficiency = trueEfficiency
        self.outcome = outcome
        self.started = started
        self.policyChecksum = policyChecksum
        self.reports = reports
        self.engineState = engineState
    }
}
