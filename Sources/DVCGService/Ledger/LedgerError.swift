/// Errors of the ledger; each names the database file and what failed.
public enum LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database cannot be opened, created or migrated.
    case cannotOpen(path: String, reason: String)
    /// A read or write failed; nothing of the transaction was committed.
    case transactionFailed(path: String, operation: String, reason: String)
    /// The ledger holds data the daemon cannot interpret.
    case corrupt(path: String, reason: String)
    /// Archived rows were not deleted: they changed since the archive was written, or are not all there.
    case archiveRefused(path: String, reason: String)

    /// One line naming the file and the failure.
    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "\(path): cannot open the ledger: \(reason)"
        case .transactionFailed(let path, let operation, let reason): return "\(path): \(operation) failed: \(reason)"
        case .corrupt(let path, let reason): return "\(path): the ledger is inconsistent: \(reason)"
        case .archiveRefused(let path, let reason): return "\(path): archived rows not deleted: \(reason)"
        }
    }
}
