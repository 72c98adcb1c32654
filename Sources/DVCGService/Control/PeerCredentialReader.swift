import Foundation
import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a control-socket peer's credentials: SO_PEERCRED for uid, gid and pid, `getgrouplist` for its groups.
enum PeerCredentialReader {
    /// `struct ucred` of <sys/socket.h> (pid_t, uid_t, gid_t), declared here because Glibc shows it only with
    /// _GNU_SOURCE; three 32-bit fields, so the layouts agree.
    struct UCred: Sendable {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        var gid: UInt32 = 0
    }

    /// The peer's credentials, or `nil` when the channel is not a Unix socket that can say.
    ///
    /// SO_PEERCRED gives the peer's identity when it connected, so it is read once per connection (at accept by
    /// ``accept(_:)``, else at the first request) and kept until the connection closes; the group list comes from
    /// ``groups(of:gid:)`` on every request, so a change to the group database takes effect within
    /// ``groupLifetime`` seconds.
    static func credentials(of channel: any Channel) async -> PeerCredentials? {
        let known = connections.withLock { $0[ObjectIdentifier(channel)] }
        let cred: UCred
        if let known {
            cred = known
        } else {
            guard let read = try? await accept(channel).get() else { return nil }
            cred = read
        }
        return PeerCredentials(uid: cred.uid, gid: cred.gid, pid: cred.pid, groups: groups(of: cred.uid, gid: cred.gid))
    }

    /// Reads a new connection's SO_PEERCRED and keeps it for the connection's requests; `nil` when the channel
    /// cannot say (the connection is then served without a role).
    ///
    /// Read at accept, the credentials are there even when the client hangs up before its request is answered.
    static func accept(_ channel: any Channel) -> EventLoopFuture<UCred?> {
        readCredentials(of: channel).map { read in
            guard let read else { return nil }
            let key = ObjectIdentifier(channel)
            connections.withLock { $0[key] = read }
            return read
        }
    }

    /// Forgets a connection's credentials once its last request is answered (``ControlChannel`` calls it when
    /// its handling ends, while it still holds the channel, so that the channel's identity cannot be reused
    /// meanwhile). Kept until then, they name a client that hung up before its refusal was logged.
    static func forget(_ channel: any Channel) {
        _ = connections.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// The SO_PEERCRED credentials of each open connection, by channel.
    private static let connections = Mutex<[ObjectIdentifier: UCred]>([:])

    /// SO_PEERCRED of the channel's socket, `nil` when it has none.
    private static func readCredentials(of channel: any Channel) -> EventLoopFuture<UCred?> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeSucceededFuture(nil)
        }
        #if os(Linux)
            let future: EventLoopFuture<UCred> = provider.unsafeGetSocketOption(
                level: .init(rawValue: SOL_SOCKET), name: .init(rawValue: SO_PEERCRED))
            return future.map { Optional($0) }.recover { _ in nil }
        #else
            return channel.eventLoop.makeSucceededFuture(nil)
        #endif
    }

    /// Group lists by (uid, gid), each kept for ``groupLifetime`` seconds: reading the group database on
    /// every request would dominate a status call.
    private static let groupCache = Mutex<[UInt64: (read: Date, groups: Set<UInt32>)]>([:])
    /// How long a peer's group list is reused, in seconds.
    static let groupLifetime = 5.0

    /// Every group of the user `uid` (its primary group `gid` included), from the group database, cached.
    static func groups(of uid: UInt32, gid: UInt32) -> Set<UInt32> {
        let key = UInt64(uid) << 32 | UInt64(gid)
        let now = Date()
        if let cached = groupCache.withLock({ $0[key] }), now.timeIntervalSince(cached.read) < groupLifetime {
            return cached.groups
        }
        let groups = readGroups(of: uid, gid: gid)
        groupCache.withLock { cache in
            if cache.count > 4096 { cache.removeAll() }
            cache[key] = (now, groups)
        }
        return groups
    }

    /// Every group of the user `uid` (its primary group `gid` included), from the group database.
    private static func readGroups(of uid: UInt32, gid: UInt32) -> Set<UInt32> {
        guard let name = userName(uid) else { return [gid] }
        var count: Int32 = 64
        var list = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, gid, &list, &count) < 0 {
            list = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, gid, &list, &count) >= 0 else { return [gid] }
        }
        return Set(list.prefix(Int(count))).union([gid])
    }

    /// The name of user `uid`, `nil` when it has none.
    static func userName(_ uid: UInt32) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name
        else { return nil }
        return String(cString: name)
    }

    /// The uid of a user name or a numeric uid, `nil` when there is no such user.
    static func uid(of user: String) -> UInt32? {
        if let number = UInt32(user) { return number }
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwnam_r(user, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return entry.pw_uid
    }

    /// The gid of a group name or a numeric gid, `nil` when there is no such group.
    static func gid(ofGroup name: String) -> UInt32? {
        if let number = UInt32(name) { return number }
        var entry = Glibc.group()
        var result: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 16384)
        guard getgrnam_r(name, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return entry.gr_gid
    }
}
