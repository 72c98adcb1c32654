import ArgumentParser
import DVCGCommandLine
import DVCGControl
import Foundation
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// `dvcgctl archive --before ROUND --out FILE`, or `--list`.
///
/// The rounds before ROUND that the ledger need not keep go into FILE as gzip JSON Lines (rounds, entries,
/// reports), and only then out of the ledger: FILE is written as `FILE.part` and made durable, the daemon
/// serialises the same rounds again and deletes them only when that gives exactly the file's bytes, and
/// the file takes its name after that. A run cut short leaves `FILE.part`: the next run with the same
/// `--out` finishes it (the daemon had deleted the rows) or starts again (it had not).
struct ArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Move the rounds before a round out of the ledger into a compressed archive file.",
        discussion: """
            Writes every round before --before (from the oldest in the ledger), with its entries and \
            reports, to --out as gzip-compressed JSON Lines, then has the daemon delete those rounds and \
            give the space back. Rounds that ledger.retention keeps, and the last committed round, stay. \
            FILE must not exist; an interrupted run leaves FILE.part, which the same command finishes or \
            replaces. --list shows the archives the ledger records. Needs an admin.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "Archive the rounds before this round.")
    var before: UInt64?

    @Option(name: .long, help: "The archive file to write (gzip JSON Lines); it must not exist yet.")
    var out: String?

    @Flag(name: .long, help: "List the archives the ledger records instead.")
    var list = false

    func validate() throws {
        if list {
            guard before == nil, out == nil else { throw ValidationError("--list takes no --before or --out") }
            return
        }
        guard before != nil, let out, !out.isEmpty else { throw ValidationError("give --before and --out, or --list") }
    }

    func run() async throws {
        let client = global.client
        if list { return try await printList(client) }
        guard let before, let out else { return }
        let path = URL(fileURLWithPath: out).standardizedFileURL.path
        let part = path + ".part"
        if FileManager.default.fileExists(atPath: part) {
            let (crc, bytes) = try checksum(of: part)
            let archives = try await client.send(ControlAPI.ListArchives.self)
            if let record = archives.first(where: { $0.file == path && $0.crc32 == crc && $0.bytes == bytes }) {
                try settle(part, as: path)
                print("finished an interrupted archive: rounds \(record.firstRound)...\(record.lastRound) in \(path)")
                return
            }
            // The daemon did not delete those rows: they are still in the ledger, so the partial file goes.
            unlink(part)
        }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure.invalid("\(path) exists; an archive file is never overwritten")
        }
        let folder = (path as NSString).deletingLastPathComponent
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw CommandFailure.invalid("\(path): the folder \(folder) does not exist; create it first")
        }
        let plan = try await client.send(ControlAPI.PlanArchive.self, ArchivePlanQuery(before: before))
        guard let first = plan.firstRound, let last = plan.lastRound, plan.rounds > 0 else {
            print("nothing to archive before round \(before)")
            return
        }
        let descriptor = open(part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw CommandFailure.invalid("\(path): cannot create \(part): \(String(cString: strerror(errno)))")
        }
        var crc: UInt32 = 0
        var bytes: Int64 = 0
        do {
            defer { close(descriptor) }
            try await client.stream(ControlAPI.ReadArchive.self, ArchiveRange(from: first, to: last)) { chunk in
                let piece = Array(chunk.readableBytesView)
                try Self.writeAll(piece, to: descriptor, path: part)
                crc = CRC32.checksum(piece, continuing: crc)
                bytes += Int64(piece.count)
            }
            guard fsync(descriptor) == 0 else {
                throw CommandFailure.invalid("\(part): \(String(cString: strerror(errno)))")
            }
        } catch {
            unlink(part)
            throw error
        }
        let record = try await client.send(
            ControlAPI.DeleteArchived.self,
            ArchiveDeletionRequest(firstRound: first, lastRound: last, crc32: crc, bytes: bytes, file: path))
        try settle(part, as: path)
        if global.json { return try printJSON(record) }
        print(
            "archived rounds \(first)...\(last) (\(record.rounds) rounds, \(record.entries) entries, \(record.reports) reports) in \(path), \(bytes) bytes"
        )
    }

    private func printList(_ client: ControlClient) async throws {
        let archives = try await client.send(ControlAPI.ListArchives.self)
        if global.json { return try printJSON(archives) }
        guard !archives.isEmpty else { return print("no archives") }
        // "state" says where the rounds' rows are: the file always holds them.
        var rows = [["rounds", "entries", "reports", "bytes", "ledger rows", "created", "file"]]
        let rowsState = ["deleting": "being deleted", "deleted": "deleted (in the file)", "restored": "restored"]
        for archive in archives {
            rows.append([
                "\(archive.firstRound)...\(archive.lastRound)", "\(archive.entries)", "\(archive.reports)",
                "\(archive.bytes)", rowsState[archive.state] ?? archive.state, archive.created, archive.file,
            ])
        }
        print(alignedTable(rows))
    }

    /// CRC-32 and size of a file.
    private func checksum(of path: String) throws -> (UInt32, Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CommandFailure.invalid("\(path): cannot read the file")
        }
        defer { try? handle.close() }
        var crc: UInt32 = 0
        var bytes: Int64 = 0
        while let data = try handle.read(upToCount: 1 << 20), !data.isEmpty {
            crc = CRC32.checksum(data, continuing: crc)
            bytes += Int64(data.count)
        }
        return (crc, bytes)
    }

    /// Renames `part` to `path` and makes the new name durable.
    private func settle(_ part: String, as path: String) throws {
        guard rename(part, path) == 0 else {
            throw CommandFailure.invalid("renaming \(part): \(String(cString: strerror(errno)))")
        }
        let folder = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            _ = fsync(folder)
            close(folder)
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw CommandFailure.invalid("\(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }
}
