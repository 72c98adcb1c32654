/// Errors of the ledger; each names the database file and what failed.
public enum LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database cannot be opened, created or migrated.
    case cannotOpen(path: String, reason: String)
    /// A read or write failed; nothing of the transaction was committed.
    case transactionFailed(path: String, operation: String, reason: String)
    /// The ledger holds data the daemon cannot interpret.
    case corrupt(path: String, reason: String)
    /// The daemon is degraded (the last round could not commit), so a write was not tried.
    case unavailable(path: String, reason: String)
    /// Archived rows were not deleted: they changed since the archive was written, or are not all there.
    case archiveRefused(path: String, reason: String)
    /// A file given as an archive is not a complete one (truncated, not gzip, a line that does not parse).
    case notAnArchive(path: String, reason: String)

    /// One line naming the file and the failure.
    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "\(path): cannot open the ledger: \(reason)"
        case .transactionFailed(let path, let operation, let reason): return "\(path): \(operation) failed: \(reason)"
        case .corrupt(let path, let reason): return "\(path): the ledger is inconsistent: \(reason)"
        case .unavailable(let path, let reason):
            return "\(path): the ledger cannot commit (\(reason)); writes are refused until a round commits"
        case .archiveRefused(let path, let reason): return "\(path): archived rows not deleted: \(reason)"
        case .notAnArchive(let path, let reason): return "\(path): not a complete archive: \(reason)"
        }
    }

    /// What SQLite (or the check) said, without the file and the operation.
    public var reason: String {
        switch self {
        case .cannotOpen(_, let reason), .transactionFailed(_, _, let reason), .corrupt(_, let reason),
            .unavailable(_, let reason), .archiveRefused(_, let reason), .notAnArchive(_, let reason):
            return reason
        }
    }
}
