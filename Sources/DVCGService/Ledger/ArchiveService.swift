import DVCGControl
import Foundation
import Logging
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps the ledger within `ledger.retention`: at start and then every `interval`, the rounds the retention
/// no longer keeps are written to `ledger-FIRST-LAST.jsonl.gz` files in the archive folder (at most
/// `maximumEntries` entries each) and then removed from the ledger.
///
/// Each file is written as `NAME.part`, made durable, recorded in the ledger together with the first
/// deletion, and renamed to `NAME` once its rows are gone; at start a `.part` the ledger records is
/// renamed (its rows are already out), any other is removed (its rows are still in).
struct ArchiveService: Service {
    let ledger: Ledger
    let retention: LedgerRetention
    let directory: String
    var interval: Duration = .seconds(60)
    var maximumEntries = 100_000
    let logger: Logger

    func run() async throws {
        do { try prepare() } catch {
            logger.error("cannot prepare the archive folder", metadata: ["error": "\(error)"])
        }
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await archiveDue()
            } catch {
                logger.error(
                    "archiving failed; the rounds stay in the ledger and it is tried again",
                    metadata: ["error": "\(error)", "archive_directory": "\(directory)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                break
            }
        }
    }

    /// Creates the folder, finishes deletions a crash interrupted, and settles `.part` files.
    func prepare() throws {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        for record in try ledger.resumeArchiveDeletions() {
            logger.notice(
                "finished removing archived rounds after a restart",
                metadata: ["first_round": "\(record.firstRound)", "last_round": "\(record.lastRound)"])
        }
        let recorded = Set(try ledger.archives().map(\.file))
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) where name.hasSuffix(".part") {
            let part = directory + "/" + name
            let final = String(part.dropLast(".part".count))
            if recorded.contains(final) {
                rename(part, final)
                Ledger.syncFolder(of: final)
            } else {
                unlink(part)
            }
        }
    }

    /// Archives every round the retention no longer keeps, one file per `maximumEntries` entries.
    /// - Returns: The files written.
    @discardableResult
    func archiveDue() async throws -> [String] {
        var written: [String] = []
        while let last = try ledger.lastCommittedRound() {
            let firstKept = try ledger.firstKeptRound(retention, lastRound: last)
            let plan = try ledger.archivePlan(before: firstKept, firstKept: firstKept, maximumEntries: maximumEntries)
            guard let first = plan.firstRound, let through = plan.lastRound else { break }
            let final = directory + "/ledger-\(first)-\(through).jsonl.gz"
            let part = final + ".part"
            unlink(part)
            let archive = try await ledger.writeArchive(first: first, last: through, to: part)
            _ = try ledger.deleteArchived(archive.plan, crc32: archive.crc32, bytes: archive.bytes, file: final)
            guard rename(part, final) == 0 else {
                throw LedgerError.transactionFailed(
                    path: part, operation: "renaming the archive", reason: String(cString: strerror(errno)))
            }
            Ledger.syncFolder(of: final)
            written.append(final)
            logger.info(
                "archived rounds",
                metadata: [
                    "first_round": "\(first)", "last_round": "\(through)", "entries": "\(archive.plan.entries)",
                    "bytes": "\(archive.bytes)", "file": "\(final)",
                ])
        }
        return written
    }
}
