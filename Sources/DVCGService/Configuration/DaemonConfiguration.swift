import DVCGCore
import DVCGMechanism
import Foundation

/// The whole configuration of `dvcgd`, as read from `dvcgd.yaml` (see dvcgd.yaml(5) in docs/dvcgd.md).
///
/// Every path is absolute: ``ConfigurationLoader`` resolves relative paths against the folder of the
/// configuration file.
public struct DaemonConfiguration: Sendable, Equatable {
    /// The auction period T_s; rounds start every `period` on the monotonic clock.
    public var period: Duration
    /// Seed of the daemon's random streams (noise of eq. 15, simulated profits); fixed seeds repeat runs.
    public var seed: UInt64
    /// The K resource types, in the order of every share vector.
    public var resources: [Resource]
    /// Mechanism switches (ablations), learning mode and hyperparameters, as the engine takes them.
    public var mechanism: MechanismConfiguration
    /// Absolute path of the policy checkpoint (safetensors) loaded at start and on reload.
    public var policyPath: String
    /// When online learning writes checkpoints.
    public var checkpoint: CheckpointConfiguration
    /// Absolute path of the state directory (ledger database, online checkpoints).
    public var stateDirectory: String
    /// The control socket.
    public var control: ControlConfiguration
    /// Where logs go.
    public var log: LogConfiguration
    /// How reloads read the configuration and the policy.
    public var reload = ReloadConfiguration()
    /// The initial roster; used only when the ledger has no roster yet.
    public var vsps: [VSPDefinition]
    /// Retention of old rounds and where their archives go (`ledger:`); keeps everything by default.
    public var ledger = LedgerConfiguration()
    /// The Prometheus listener (`metrics:`); none by default.
    public var metrics = MetricsConfiguration()

    /// Absolute path of the ledger database inside the state directory.
    public var ledgerPath: String { stateDirectory + "/ledger.sqlite" }

    /// Absolute path of the online checkpoint.
    public var checkpointPath: String { checkpoint.path ?? stateDirectory + "/policy-online.safetensors" }

    /// The resources' capacities, in the order of ``resources``.
    public var capacities: [Double] { resources.map(\.capacity) }

    /// Creates a configuration from its parts; ``ConfigurationLoader`` is the usual way to get one.
    public init(
        period: Duration, seed: UInt64, resources: [Resource], mechanism: MechanismConfiguration,
        policyPath: String, checkpoint: CheckpointConfiguration, stateDirectory: String,
        control: ControlConfiguration, log: LogConfiguration, vsps: [VSPDefinition]
    ) {
        self.period = period
        self.seed = seed
        self.resources = resources
        self.mechanism = mechanism
        self.policyPath = policyPath
        self.checkpoint = checkpoint
        self.stateDirectory = stateDirectory
        self.control = control
        self.log = log
        self.vsps = vsps
    }
}
