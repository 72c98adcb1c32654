/// How reloads read their files (`reload:` in dvcgd.yaml).
///
/// A reload reads the configuration file and the policy off the auction's thread, opening regular files only;
/// what does not finish within ``deadline`` is abandoned with a refusal while the previous policy keeps serving.
public struct ReloadConfiguration: Sendable, Equatable {
    /// How long reading and validating the configuration and the policy may take (`reload.deadline`, 30 s).
    public var deadline: Duration = .seconds(30)
    /// The largest policy file read, in bytes (`reload.max_policy_bytes`, 4 GiB); also at start.
    public var maximumPolicyBytes: Int = 1 << 32

    /// A 30 s deadline and a 4 GiB policy limit.
    public init() {}
}
