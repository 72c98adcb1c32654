/// Learning mode and hyperparameters (`learning:` in dvcgd.yaml); defaults are the paper's Table I.
public struct LearningConfiguration: Sendable, Equatable, Codable {
    /// Whether the networks are served as loaded or keep learning from every round.
    public enum Mode: String, Sendable, Equatable, Codable, CaseIterable {
        /// Serve the loaded policy unchanged.
        case frozen
        /// Learn online after every round (Algorithm 1) and checkpoint periodically.
        case online
    }

    /// Frozen or online.
    public var mode: Mode = .frozen
    /// Discount factor gamma (Table I: 0.99).
    public var discount: Double = 0.99
    /// Learning rate of every network (Table I: 0.001).
    public var learningRate: Double = 0.001
    /// Batch size drawn from the bill (Table I: 128).
    public var batchSize: Int = 128
    /// Capacity of the replay buffer, in rounds (Table I: 10,000).
    public var bufferSize: Int = 10_000
    /// Soft target update ratio tau (Table I: 0.005).
    public var softUpdate: Double = 0.005
    /// In online mode, write a checkpoint every this many rounds (and on shutdown).
    public var checkpointEvery: Int = 100
    /// Absolute path of the online checkpoint; `nil` means `<state>/policy-online.safetensors`.
    public var checkpointPath: String?

    /// The defaults: frozen, Table I hyperparameters, a checkpoint every 100 rounds.
    public init() {}
}
