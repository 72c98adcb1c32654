/// Online checkpoints (`learning.checkpoint_every`, `learning.checkpoint_path` in dvcgd.yaml).
public struct CheckpointConfiguration: Sendable, Equatable {
    /// In online mode, write a checkpoint every this many committed rounds (and on shutdown).
    public var every: Int = 100
    /// Absolute path of the online checkpoint; `nil` means `<state_directory>/policy-online.safetensors`.
    public var path: String?

    /// A checkpoint every 100 rounds to the default path.
    public init() {}
}
