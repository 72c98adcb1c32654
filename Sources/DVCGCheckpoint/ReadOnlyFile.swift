#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only regular file, read with `pread(2)` at explicit offsets; closed on deinit.
package final class ReadOnlyFile {
    /// The path it was opened from.
    package let path: String
    /// The size in bytes at open time (`fstat`).
    package let size: Int
    private let descriptor: Int32

    /// Opens `path` for reading; it must be a regular file.
    ///
    /// The file is opened with `O_NONBLOCK`, so that a FIFO or a device is refused at once (after `fstat`)
    /// instead of blocking the caller in `open`; on a regular file the flag changes nothing.
    ///
    /// - Throws: ``FileIOError`` when it cannot be opened or is not a regular file.
    package init(path: String) throws(FileIOError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
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
