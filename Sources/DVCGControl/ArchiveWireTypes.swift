import Foundation

/// The query of `GET /v1/archive/plan`: the rounds before `before`.
public struct ArchivePlanQuery: EndpointRequest, Equatable {
    /// Archive the rounds before this one.
    public var before: UInt64

    /// Creates a query.
    public init(before: UInt64) { self.before = before }

    /// `template?before=R`.
    public func uri(template: String) -> String { template + "?before=\(before)" }

    /// No body.
    public func body() throws -> Data? { nil }
}

/// The query of `GET /v1/archive`: rounds `from...to`, inclusive (`from > to` is an archive without rows).
public struct ArchiveRange: EndpointRequest, Equatable {
    /// The first round.
    public var from: UInt64
    /// The last round, inclusive.
    public var to: UInt64

    /// Creates a range.
    public init(from: UInt64, to: UInt64) {
        self.from = from
        self.to = to
    }

    /// `template?from=A&to=B`.
    public func uri(template: String) -> String { template + "?from=\(from)&to=\(to)" }

    /// No body.
    public func body() throws -> Data? { nil }
}

/// `GET /v1/archive/plan?before=R`: the rounds an archive before round R would hold now.
///
/// The oldest round in the ledger to R - 1, never the last committed round and never a round
/// `ledger.retention` keeps; `rounds` is 0 (and the bounds absent) when there is nothing to archive.
public struct ArchivePlan: Codable, Sendable, Equatable {
    /// The first round, when there is one.
    public var firstRound: UInt64?
    /// The last round, inclusive, when there is one.
    public var lastRound: UInt64?
    /// Rows of `rounds` in the range.
    public var rounds: Int
    /// Rows of `round_entries` in the range.
    public var entries: Int
    /// Rows of `reports` in the range.
    public var reports: Int

    /// Creates a plan.
    public init(firstRound: UInt64?, lastRound: UInt64?, rounds: Int, entries: Int, reports: Int) {
        self.firstRound = firstRound
        self.lastRound = lastRound
        self.rounds = rounds
        self.entries = entries
        self.reports = reports
    }

    enum CodingKeys: String, CodingKey {
        case rounds, entries, reports
        case firstRound = "first_round"
        case lastRound = "last_round"
    }
}

/// `POST /v1/archive/delete`: remove rounds first...last, which the caller holds as an archive.
///
/// The daemon serialises those rounds again and deletes them only when that gives exactly `bytes`
/// bytes with CRC-32 `crc32`, that is, when the caller's file holds every one of those rows.
public struct ArchiveDeletionRequest: JSONRequest, Equatable {
    /// The first round of the archive.
    public var firstRound: UInt64
    /// Its last round, inclusive.
    public var lastRound: UInt64
    /// CRC-32 of the archive file (gzip bytes).
    public var crc32: UInt32
    /// The archive file's size in bytes.
    public var bytes: Int64
    /// Where the caller keeps it (absolute path), recorded in the ledger's `archives` table.
    public var file: String

    /// Creates a request.
    public init(firstRound: UInt64, lastRound: UInt64, crc32: UInt32, bytes: Int64, file: String) {
        self.firstRound = firstRound
        self.lastRound = lastRound
        self.crc32 = crc32
        self.bytes = bytes
        self.file = file
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case crc32, bytes, file
        case firstRound = "first_round"
        case lastRound = "last_round"
    }

    /// Decodes strictly: no unknown field, no null.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        firstRound = try container.decode(UInt64.self, forKey: .firstRound)
        lastRound = try container.decode(UInt64.self, forKey: .lastRound)
        crc32 = try container.decode(UInt32.self, forKey: .crc32)
        bytes = try container.decode(Int64.self, forKey: .bytes)
        file = try container.decode(String.self, forKey: .file)
    }
}

/// One archive the ledger knows (table `archives`), as `GET /v1/archives` and the deletion answer give it.
public struct ArchiveRecordResponse: Codable, Sendable, Equatable {
    /// The archive's number in the ledger.
    public var id: Int64
    /// Its first round.
    public var firstRound: UInt64
    /// Its last round, inclusive.
    public var lastRound: UInt64
    /// Rows of each table it holds.
    public var rounds: Int, entries: Int, reports: Int
    /// CRC-32 and size of the file.
    public var crc32: UInt32, bytes: Int64
    /// Where it was written.
    public var file: String
    /// `deleting` while its rows are being removed (a restart finishes), then `deleted`.
    public var state: String
    /// When it was recorded, ISO 8601.
    public var created: String

    /// Creates a record.
    public init(
        id: Int64, firstRound: UInt64, lastRound: UInt64, rounds: Int, entries: Int, reports: Int, crc32: UInt32,
        bytes: Int64, file: String, state: String, created: String
    ) {
        self.id = id
        self.firstRound = firstRound
        self.lastRound = lastRound
        self.rounds = rounds
        self.entries = entries
        self.reports = reports
        self.crc32 = crc32
        self.bytes = bytes
        self.file = file
        self.state = state
        self.created = created
    }

    enum CodingKeys: String, CodingKey {
        case id, rounds, entries, reports, crc32, bytes, file, state, created
        case firstRound = "first_round"
        case lastRound = "last_round"
    }
}
