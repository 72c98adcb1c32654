import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// File-system side of the Unix control socket: stale files, permissions, removal.
public enum ControlSocket {
    /// Makes `path` free for binding: refuses when a live daemon answers, removes a stale socket file.
    ///
    /// - Throws: ``ControlSocketError/inUse(path:)``, ``ControlSocketError/notASocket(path:)`` or
    ///   ``ControlSocketError/cannotReplace(path:reason:)``.
    public static func prepare(path: String) throws(ControlSocketError) {
        guard fileType(path) != nil else { return }
        try refuseNonSocket(at: path)
        if isAnswering(path: path) { throw .inUse(path: path) }
        guard unlink(path) == 0 else { throw .cannotReplace(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Refuses a path where something other than a socket is (dvcgd never removes it); a missing path is fine.
    ///
    /// - Throws: ``ControlSocketError/notASocket(path:)``.
    public static func refuseNonSocket(at path: String) throws(ControlSocketError) {
        if let type = fileType(path), type != .typeSocket { throw .notASocket(path: path) }
    }

    /// Sets the socket file's mode and, when given, its group.
    ///
    /// - Throws: ``ControlSocketError/cannotSetPermissions(path:reason:)``.
    public static func setPermissions(path: String, mode: UInt16, group: String?) throws(ControlSocketError) {
        if let group {
            guard let entry = getgrnam(group) else {
                throw .cannotSetPermissions(path: path, reason: "no group named '\(group)'")
            }
            guard chown(path, uid_t.max, entry.pointee.gr_gid) == 0 else {
                throw .cannotSetPermissions(path: path, reason: String(cString: strerror(errno)))
            }
        }
        guard chmod(path, mode_t(mode)) == 0 else {
            throw .cannotSetPermissions(path: path, reason: String(cString: strerror(errno)))
        }
    }

    /// Removes the socket file if it is still a socket.
    public static func remove(path: String) {
        if fileType(path) == .typeSocket { unlink(path) }
    }

    /// The type of the file at `path` (not following a symbolic link), `nil` when there is none.
    private static func fileType(_ path: String) -> FileAttributeType? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType
    }

    /// Whether something accepts connections on the socket at `path`.
    public static func isAnswering(path: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }
}
