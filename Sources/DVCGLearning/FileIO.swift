#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed file operation: the path, the operation, and the system's reason (`strerror(errno)`).
public struct FileIOError: Error, Equatable, CustomStringConvertible {
    /// The file or folder involved.
    public var path: String
    /// What we tried: "open", "read", "write", "fsync", "rename", ...
    public var operation: String
    /// The system's message.
    public var reason: String

    /// One readable line: what is wrong and where.
    public var description: String { "\(path): cannot \(operation): \(reason)" }

    init(path: String, operation: String, errno code: Int32) {
        self.path = path
        self.operation = operation
        self.reason = String(cString: strerror(code))
    }

    init(path: String, operation: String, reason: String) {
        self.path = path
        self.operation = operation
        self.reason = reason
    }
}

/// A read-only regular file, read with `pread(2)` at explicit offsets; closed on deinit.
package final class ReadOnlyFile {
    /// The path it was opened from.
    package let path: String
    /// The size in bytes at open time (`fstat`).
    package let size: Int
    private let descriptor: Int32

    /// Opens `path` for reading; it must be a regular file.
    ///
    /// - Throws: ``FileIOError`` when it cannot be opened or is not a regular file.
    package init(path: String) throws(FileIOError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileIOError(path: path, operation: "open", errno: errno) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw FileIOError(path: path, operation: "stat", errno: code)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw FileIOError(path: path, operation: "read", reason: "not a regular file")
        }
        self.path = path
        self.descriptor = fd
        self.size = Int(info.st_size)
    }

    deinit { close(descriptor) }

    /// Reads exactly `count` bytes at `offset`.
    ///
    /// - Throws: ``FileIOError`` on a read error or when the file ends early (it shrank since open).
    package func read(count: Int, at offset: Int) throws(FileIOError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        var failure: Int32 = 0
        buffer.withUnsafeMutableBytes { raw in
            while done < count {
                let n = pread(descriptor, raw.baseAddress! + done, count - done, off_t(offset + done))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                if n == 0 { return }
                done += n
            }
        }
        if failure != 0 { throw FileIOError(path: path, operation: "read", errno: failure) }
        if done < count {
            throw FileIOError(
                path: path, operation: "read",
                reason: "file ended after \(offset + done) bytes (it changed while being read)")
        }
        return buffer
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, `fsync` of the file,
/// `rename` over `path`, then `fsync` of the folder, so a crash leaves the old or the new file,
/// never a mix, and the rename survives power loss.
///
/// - Parameters:
///   - bytes: The complete new contents.
///   - path: The destination; its folder must exist and be writable.
///   - permissions: Mode of the new file (0644 by default).
/// - Throws: ``FileIOError``; on failure the temporary file is removed and `path` is unchanged.
package func writeAtomically(_ bytes: [UInt8], to path: String, permissions: mode_t = 0o644) throws(FileIOError) {
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
    let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
    var suffix = UInt64(getpid()) << 32
    suffix ^= UInt64.random(in: 0...UInt64(UInt32.max))
    let temporary = (folder == "/" ? "" : folder) + "/." + base + ".tmp-" + String(suffix, radix: 16)
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
    guard fd >= 0 else { throw FileIOError(path: temporary, operation: "create", errno: errno) }
    func fail(_ operation: String, _ code: Int32) -> FileIOError {
        close(fd)
        unlink(temporary)
        return FileIOError(path: temporary, operation: operation, errno: code)
    }
    var written = 0
    var writeError: Int32 = 0
    bytes.withUnsafeBytes { raw in
        while written < raw.count {
            let n = write(fd, raw.baseAddress! + written, raw.count - written)
            if n < 0 {
                if errno == EINTR { continue }
                writeError = errno
                return
            }
            written += n
        }
    }
    if writeError != 0 { throw fail("write", writeError) }
    if fsync(fd) != 0 { throw fail("fsync", errno) }
    if close(fd) != 0 {
        let code = errno
        unlink(temporary)
        throw FileIOError(path: temporary, operation: "close", errno: code)
    }
    if rename(temporary, path) != 0 {
        let code = errno
        unlink(temporary)
        throw FileIOError(path: path, operation: "rename into place", errno: code)
    }
    let folderDescriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard folderDescriptor >= 0 else { throw FileIOError(path: folder, operation: "open folder", errno: errno) }
    defer { close(folderDescriptor) }
    if fsync(folderDescriptor) != 0 { throw FileIOError(path: folder, operation: "fsync folder", errno: errno) }
}
