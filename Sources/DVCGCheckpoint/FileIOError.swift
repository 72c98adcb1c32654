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
