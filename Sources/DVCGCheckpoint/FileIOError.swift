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

    /// `message` without a leading `path: `, for a caller that names the path itself: an error about a file
    /// (this one's ``description`` among them) often starts with its path already.
    public static func message(_ message: String, withoutPath path: String) -> String {
        let prefix = "\(path): "
        return message.hasPrefix(prefix) ? String(message.dropFirst(prefix.count)) : message
    }

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
