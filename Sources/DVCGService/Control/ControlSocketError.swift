/// Why the control socket cannot be set up.
public enum ControlSocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A live daemon answers on the path.
    case inUse(path: String)
    /// The path exists and is not a socket, or cannot be replaced.
    case cannotReplace(path: String, reason: String)
    /// The socket's mode or group cannot be set.
    case cannotSetPermissions(path: String, reason: String)

    /// One line naming the socket.
    public var description: String {
        switch self {
        case .inUse(let path): return "\(path): another dvcgd is answering on this control socket; refusing to start"
        case .cannotReplace(let path, let reason): return "\(path): cannot replace the stale control socket: \(reason)"
        case .cannotSetPermissions(let path, let reason):
            return "\(path): cannot set the socket's permissions: \(reason)"
        }
    }
}
