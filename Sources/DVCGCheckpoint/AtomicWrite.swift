#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, `fsync` of the file,
/// `rename` over `path`, then `fsync` of the folder, so a crash leaves the old or the new file,
/// never a mix, and the rename survives power loss.
///
/// - Parameters:
///   - bytes: The complete new contents.
///   - path: The destination; its folder must exist and be writable.
///   - permissions: Mode of the new file (0644 by default).
/// - Throws: ``FileIOError`` naming `path` (`cannot write the file: No such file or directory`; the temporary
///   file is ours, not the caller's, to name); on failure the temporary file is removed and `path` is unchanged.
package func writeAtomically(_ bytes: [UInt8], to path: String, permissions: mode_t = 0o644) throws(FileIOError) {
    let slash = path.lastIndex(of: "/")
    let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
    let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
    var suffix = UInt64(getpid()) << 32
    suffix ^= UInt64.random(in: 0...UInt64(UInt32.max))
    let temporary = (folder == "/" ? "" : folder) + "/." + base + ".tmp-" + String(suffix, radix: 16)
    var info = stat()
    if stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
        throw FileIOError(path: path, operation: "write the file", reason: "a folder")
    }
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
    guard fd >= 0 else { throw FileIOError(path: path, operation: "write the file", errno: errno) }
    func fail(_ operation: String, _ code: Int32) -> FileIOError {
        close(fd)
        unlink(temporary)
        return FileIOError(path: path, operation: "write the file", errno: code)
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
        throw FileIOError(path: path, operation: "write the file", errno: code)
    }
    if rename(temporary, path) != 0 {
        let code = errno
        unlink(temporary)
        throw FileIOError(path: path, operation: "write the file", errno: code)
    }
    let folderDescriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard folderDescriptor >= 0 else { throw FileIOError(path: folder, operation: "open folder", errno: errno) }
    defer { close(folderDescriptor) }
    if fsync(folderDescriptor) != 0 { throw FileIOError(path: folder, operation: "fsync folder", errno: errno) }
}
