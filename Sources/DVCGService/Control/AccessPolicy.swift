/// The credentials of a control-socket peer, from SO_PEERCRED (and the peer user's groups).
public struct PeerCredentials: Sendable, Equatable {
    /// The peer's user id.
    public var uid: UInt32
    /// The peer's primary group id.
    public var gid: UInt32
    /// The peer's process id.
    public var pid: Int32
    /// Every group the peer's user belongs to, the primary one included.
    public var groups: Set<UInt32>

    /// Creates credentials.
    public init(uid: UInt32, gid: UInt32, pid: Int32, groups: Set<UInt32> = []) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.groups = groups.union([gid])
    }
}

/// What a caller of the control API may do (docs/control.md, "Who may do what"; the paper's audit scope, Sec. IV-A).
public enum AccessRole: Sendable, Equatable, CustomStringConvertible {
    /// Root or a configured admin user or group: everything.
    case admin
    /// A member of a reader group: GET status, vsps, health and metrics.
    case reader
    /// A user mapped to a VSP: bid and report for it, read its own ledger rows, health.
    case vsp(String)
    /// Anyone else: nothing.
    case nobody

    /// The role's name for logs and messages.
    public var description: String {
        switch self {
        case .admin: return "admin"
        case .reader: return "reader"
        case .vsp(let id): return "VSP principal of '\(id)'"
        case .nobody: return "no role"
        }
    }
}

/// A control request as far as access is concerned.
public enum ControlOperation: Sendable, Equatable {
    case health, status, listVSPs, metrics
    case addVSP, removeVSP, reload, pause, resume, runRound, archive
    /// A bid or report for this VSP.
    case bid(vsp: String), report(vsp: String)
    /// Reading the ledger, optionally filtered to one VSP.
    case ledger(vsp: String?)
}

/// The outcome of an access check.
public enum AccessDecision: Sendable, Equatable {
    /// Allowed as asked.
    case allowed
    /// Allowed, but only the rows of this VSP may be returned.
    case allowedForVSP(String)
    /// Refused; the message names the role and the request.
    case denied(String)
}

/// Who may do what on the control socket: root and configured admin users or groups are
/// admins; members of reader groups are readers; users mapped to a VSP are that VSP's principal.
public struct AccessPolicy: Sendable, Equatable {
    /// Admin user ids besides root.
    public var adminUsers: Set<UInt32>
    /// Admin group ids.
    public var adminGroups: Set<UInt32>
    /// Reader user ids.
    public var readerUsers: Set<UInt32>
    /// Reader group ids.
    public var readerGroups: Set<UInt32>
    /// User id -> the VSP that user speaks for.
    public var vspUsers: [UInt32: String]

    /// Creates a policy.
    public init(
        adminUsers: Set<UInt32> = [], adminGroups: Set<UInt32> = [], readerUsers: Set<UInt32> = [],
        readerGroups: Set<UInt32> = [], vspUsers: [UInt32: String] = [:]
    ) {
        self.adminUsers = adminUsers
        self.adminGroups = adminGroups
        self.readerUsers = readerUsers
        self.readerGroups = readerGroups
        self.vspUsers = vspUsers
    }

    /// The role of a peer: admin first (root, admin users, admin groups), then a VSP mapping,
    /// then reader users and groups.
    public func role(of peer: PeerCredentials) -> AccessRole {
        if peer.uid == 0 || adminUsers.contains(peer.uid) || !peer.groups.isDisjoint(with: adminGroups) {
            return .admin
        }
        if let vsp = vspUsers[peer.uid] { return .vsp(vsp) }
        if readerUsers.contains(peer.uid) || !peer.groups.isDisjoint(with: readerGroups) { return .reader }
        return .nobody
    }

    /// Whether `role` may perform `operation`.
    public func decide(_ operation: ControlOperation, for role: AccessRole) -> AccessDecision {
        switch (role, operation) {
        case (.admin, .ledger(let vsp)):
            return vsp.map { .allowedForVSP($0) } ?? .allowed
        case (.admin, _):
            return .allowed
        case (.reader, .health), (.reader, .status), (.reader, .listVSPs), (.reader, .metrics):
            return .allowed
        case (.vsp, .health):
            return .allowed
        case (.vsp(let own), .bid(let vsp)), (.vsp(let own), .report(let vsp)):
            return own == vsp ? .allowed : .denied("a \(role) may not act for VSP '\(vsp)'")
        case (.vsp(let own), .ledger(let vsp)):
            guard vsp == nil || vsp == own else { return .denied("a \(role) may read only its own ledger rows") }
            return .allowedForVSP(own)
        default:
            return .denied("\(role) may not \(Self.describe(operation))")
        }
    }

    private static func describe(_ operation: ControlOperation) -> String {
        switch operation {
        case .health: return "read health"
        case .status: return "read the status"
        case .listVSPs: return "list VSPs"
        case .metrics: return "read metrics"
        case .addVSP: return "add VSPs"
        case .removeVSP: return "remove VSPs"
        case .reload: return "reload the policy"
        case .pause: return "pause the auction"
        case .resume: return "resume the auction"
        case .runRound: return "run rounds"
        case .archive: return "archive rounds"
        case .bid: return "bid"
        case .report: return "file reports"
        case .ledger: return "read the ledger"
        }
    }
}
