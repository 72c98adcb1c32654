/// Why the control socket cannot be set up.
public enum ControlSocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A live daemon answers on the path.
    case inUse(path: String)
    /// The stale socket cannot be removed.
    case cannotReplace(path: String, reason: String)
    /// Something other than a socket is where the socket goes; dvcgd never removes it.
    case notASocket(path: String)
    /// The socket's mode or group cannot be set.
    case cannotSetPermissions(path: String, reason: String)

    /// One line naming the socket.
    public var description: String {
        switch self {
        case .inUse(let path): return "\(path): another dvcgd is answering on this control socket; refusing to start"
        case .cannotReplace(let path, let reason): return "\(path): cannot replace the stale control socket: \(reason)"
        case .notASocket(let path):
            return "\(path): exists and is not a socket; dvcgd would not replace it (see control.socket)"
        case .cannotSetPermissions(let path, let reason):
            return "\(path): cannot set the socket's permissions: \(reason)"
        }
    }
}
