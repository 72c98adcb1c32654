import DVCGControl
import DVCGCore

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

/// What a caller of the control API may do (docs/control.md, "Who may do what"; the paper's audit scope,
/// Sec. IV-A); also what a configured principal is (`control.principals[].role`).
public enum AccessRole: Sendable, Equatable, CustomStringConvertible {
    /// Root or a configured admin user or group: everything.
    case admin
    /// A member of a reader group, or a `read-only` principal: GET status, vsps, health and metrics.
    case reader
    /// A user mapped to a VSP: bid and report for it, read its own ledger rows, health.
    case vsp(VSPID)
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

/// The outcome of an access check.
public enum AccessDecision: Sendable, Equatable {
    /// Allowed as asked.
    case allowed
    /// Allowed, but only the rows of this VSP may be returned.
    case allowedForVSP(VSPID)
    /// Refused; the message names the role and the request.
    case denied(String)
}

/// Who may do what on the control socket: root and configured admin users or groups are
/// admins; members of reader groups are readers; users mapped to a VSP are that VSP's principal.
///
/// An endpoint's ``EndpointAccess`` is checked before its request is read; what a request names (the VSP
/// of a bid or report, the VSP of a ledger read) is checked after, by ``decide(actingFor:as:)`` and
/// ``decide(ledgerOf:for:)``.
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
    public var vspUsers: [UInt32: VSPID]

    /// Creates a policy.
    public init(
        adminUsers: Set<UInt32> = [], adminGroups: Set<UInt32> = [], readerUsers: Set<UInt32> = [],
        readerGroups: Set<UInt32> = [], vspUsers: [UInt32: VSPID] = [:]
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

    /// Whether `role` may call `endpoint` at all (before its request is read).
    public func decide<E: Endpoint>(_ endpoint: E.Type, for role: AccessRole) -> AccessDecision {
        decide(E.access, activity: E.activity, for: role)
    }

    /// Whether `role` meets `access`; a refusal says that the role may not do `activity`.
    public func decide(_ access: EndpointAccess, activity: String, for role: AccessRole) -> AccessDecision {
        switch (role, access) {
        case (.admin, _), (.reader, .anyRole), (.vsp, .anyRole), (.reader, .reader), (.vsp, .vspPrincipal):
            return .allowed
        default:
            return .denied("\(role) may not \(activity)")
        }
    }

    /// Whether `role`, already admitted to a bid or report endpoint, may act for `vsp`.
    public func decide(actingFor vsp: VSPID, as role: AccessRole) -> AccessDecision {
        guard case .vsp(let own) = role, own != vsp else { return .allowed }
        return .denied("a \(role) may not act for VSP '\(vsp)'")
    }

    /// Which rows `role`, already admitted to the ledger endpoint, may read when it asks for `vsp`'s (or,
    /// with `nil`, every VSP's).
    public func decide(ledgerOf vsp: VSPID?, for role: AccessRole) -> AccessDecision {
        guard case .vsp(let own) = role else { return vsp.map { .allowedForVSP($0) } ?? .allowed }
        guard vsp == nil || vsp == own else { return .denied("a \(role) may read only its own ledger rows") }
        return .allowedForVSP(own)
    }
}
