/// A principal or group of `control:` that names no user or group of this system.
public struct AccessConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configuration path, e.g. `control.principals[2].user`.
    public var path: String
    /// The name that did not resolve.
    public var name: String

    /// One line naming the field and the value.
    public var description: String { "\(path): no such user or group '\(name)'" }
}

extension ControlConfiguration {
    /// The access policy of the configured principals and groups, with names resolved to ids.
    ///
    /// Root is always an admin. A `read-only` principal is a reader user, an `admin` one an admin user and a
    /// `vsp` one that VSP's principal; `admin_groups` and `reader_groups` add whole groups.
    /// - Throws: ``AccessConfigurationError`` for a user or group that does not exist.
    public func accessPolicy() throws(AccessConfigurationError) -> AccessPolicy {
        var policy = AccessPolicy()
        for (index, principal) in principals.enumerated() {
            guard let uid = PeerCredentialReader.uid(of: principal.user) else {
                throw AccessConfigurationError(path: "control.principals[\(index)].user", name: principal.user)
            }
            switch principal.role {
            case .admin: policy.adminUsers.insert(uid)
            case .reader: policy.readerUsers.insert(uid)
            case .vsp(let id): policy.vspUsers[uid] = id
            case .nobody: break
            }
        }
        for (index, name) in adminGroups.enumerated() {
            guard let gid = PeerCredentialReader.gid(ofGroup: name) else {
                throw AccessConfigurationError(path: "control.admin_groups[\(index)]", name: name)
            }
            policy.adminGroups.insert(gid)
        }
        for (index, name) in readerGroups.enumerated() {
            guard let gid = PeerCredentialReader.gid(ofGroup: name) else {
                throw AccessConfigurationError(path: "control.reader_groups[\(index)]", name: name)
            }
            policy.readerGroups.insert(gid)
        }
        return policy
    }
}
