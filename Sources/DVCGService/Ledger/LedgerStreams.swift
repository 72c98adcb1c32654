import DVCGControl
import DVCGCore
import Foundation
import GRDB
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The pages of `GET /v1/ledger`, read on read-only connections of their own and encoded on one thread of
/// their own at a lower priority (nice +10), so that any number of dumps neither takes a reader the daemon
/// needs nor the CPU from the round thread or Swift's pool (docs/control.md, "Bounded connections and readers").
///
/// A page is read only once the previous one is written to the socket (the response writer waits while the
/// peer does not read), so a dump holds at most one page in memory and no read transaction between pages.
public final class LedgerStreams: Sendable {
    /// The thread every stream of the process reads and encodes on.
    static let thread: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    /// How much nicer than the daemon's other threads the stream thread runs.
    static let niceness: Int32 = 10

    /// One encoded page.
    public struct Page: Sendable {
        /// JSON Lines (one ``LedgerRow`` object per line) or CSV lines, each ending in a newline.
        public var bytes: ByteBuffer
        /// The key of its last row, `nil` for an empty page.
        public var last: (round: UInt64, vsp: VSPID)?
        /// How many rows it holds.
        public var count: Int
    }

    private let pool: DatabasePool
    private let path: String

    /// Opens read-only connections (at most two) to the ledger at `path`, which must exist and be in WAL mode.
    ///
    /// - Throws: ``LedgerError/cannotOpen(path:reason:)``.
    init(path: String) throws(LedgerError) {
        self.path = path
        var configuration = Configuration()
        configuration.readonly = true
        configuration.maximumReaderCount = 2
        configuration.busyMode = .timeout(5)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw .cannotOpen(path: path, reason: Ledger.reason(error))
        }
    }

    /// The page of rows after `after` (keyset pagination on `(round, vsp)`), encoded as `format`.
    ///
    /// - Throws: ``LedgerError``.
    public func page(
        _ filter: Ledger.RowFilter, after: (round: UInt64, vsp: VSPID)?, limit: Int, format: LedgerQuery.Format
    ) async throws(LedgerError) -> Page {
        let pool = pool
        let path = path
        do {
            return try await Self.thread.runIfActive {
                Self.lowerThisThreadsPriority()
                let rows = try pool.read { db in try Ledger.rows(filter, after: after, limit: limit, in: db, path: path)
                }
                var bytes = ByteBuffer()
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                for row in rows {
                    if format == .csv {
                        bytes.writeString(row.csvLine)
                    } else {
                        bytes.writeBytes(try encoder.encode(row))
                    }
                    bytes.writeInteger(UInt8(ascii: "\n"))
                }
                return Page(bytes: bytes, last: rows.last.map { ($0.round, $0.vsp) }, count: rows.count)
            }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw .transactionFailed(path: path, operation: "reading ledger rows", reason: Ledger.reason(error))
        }
    }

    /// Whether the stream thread has been made nicer.
    private static let lowered = Mutex(false)

    /// Raises the calling thread's nice value by ``niceness``, the first time (on Linux a nice value is per
    /// thread; `setpriority` with `who = 0` changes the calling thread only). Only the stream thread calls it.
    private static func lowerThisThreadsPriority() {
        let first = lowered.withLock { done in
            let first = !done
            done = true
            return first
        }
        guard first else { return }
        #if os(Linux)
            let which = __priority_which_t(PRIO_PROCESS.rawValue)
            _ = setpriority(which, 0, getpriority(which, 0) + niceness)
        #endif
    }
}
