/// The control socket (`control:` in dvcgd.yaml).
public struct ControlConfiguration: Sendable, Equatable {
    /// Absolute path of the Unix socket.
    public var socketPath: String
    /// Permission bits of the socket file (default 0660).
    public var mode: UInt16 = 0o660
    /// Group that owns the socket file; `nil` keeps the daemon's group.
    public var group: String?
    /// Who may do what; checked by the control API from the caller's SO_PEERCRED.
    public var principals: [Principal] = []
    /// Groups (names or gids) whose members are admins (`control.admin_groups`).
    public var adminGroups: [String] = []
    /// Groups (names or gids) whose members are readers (`control.reader_groups`).
    public var readerGroups: [String] = []

    /// A control socket at `socketPath`, mode 0660, no extra principals.
    public init(socketPath: String) { self.socketPath = socketPath }
}

/// A user and what it may do on the control socket (`control.principals[]`).
public struct Principal: Sendable, Equatable {
    /// A user name or a numeric uid.
    public var user: String
    /// Admin, reader (`read-only`) or a VSP's principal; never ``AccessRole/nobody``.
    public var role: AccessRole

    /// A principal.
    public init(user: String, role: AccessRole) {
        self.user = user
        self.role = role
    }
}
