import DVCGCheckpoint
import DVCGCore
import Foundation

/// A dvcgd.yaml for a testbed: an instance's VSPs as simulated VSPs (and any external ones), a policy, a state
/// folder and a socket beside the file. `dvcg bench control` and the tests start dvcgd on it; the one place
/// such a file is written.
public struct TestbedConfiguration: Sendable {
    /// One resource as `resources:` writes it.
    public struct ResourceLine: Sendable {
        /// The name.
        public var name: String
        /// The capacity.
        public var capacity: Double
        /// The unit; none when `nil`.
        public var unit: String?

        /// A resource.
        public init(name: String, capacity: Double, unit: String? = nil) {
            self.name = name
            self.capacity = capacity
            self.unit = unit
        }
    }

    /// `period:`, e.g. `100ms`.
    public var period: String
    /// `seed:`.
    public var seed: UInt64
    /// `resources:`; the paper's three (bandwidth, computing, cache, capacity 1 share) by default.
    public var resources: [ResourceLine]
    /// The simulated VSPs' utilities and alphas, one VSP per utility.
    public var instance: ProblemInstance?
    /// The ids of the simulated VSPs are this prefix and their index.
    public var idPrefix: String
    /// The profit noise's standard deviation of every simulated VSP.
    public var noiseStandardDeviation: Double
    /// External VSPs, after the simulated ones.
    public var external: [String]
    /// `policy:`, relative to the file's folder.
    public var policy: String
    /// `state_directory:`.
    public var stateDirectory: String
    /// `control.socket:`.
    public var socket: String
    /// More lines of the `control:` mapping, each indented by two spaces.
    public var control: String
    /// `log.target:` and `log.level:`; no `log:` mapping when `nil`.
    public var log: (target: String, level: String)?
    /// More top-level YAML, written before `vsps:`.
    public var extra: String

    /// The paper's three resources of capacity 1.
    public static let paperResources = ["bandwidth", "computing", "cache"].map {
        ResourceLine(name: $0, capacity: 1, unit: "share")
    }

    /// A testbed with `period` and `seed` and the paper's resources; everything else as given or the defaults
    /// (a policy `policy.safetensors`, state and socket under `state/`, no VSPs).
    public init(
        period: String, seed: UInt64 = 1, resources: [ResourceLine] = paperResources, instance: ProblemInstance? = nil,
        idPrefix: String = "vsp-", noiseStandardDeviation: Double = 1, external: [String] = [],
        policy: String = "policy.safetensors", stateDirectory: String = "state", socket: String = "state/dvcgd.sock",
        control: String = "", log: (target: String, level: String)? = ("stderr", "info"), extra: String = ""
    ) {
        self.period = period
        self.seed = seed
        self.resources = resources
        self.instance = instance
        self.idPrefix = idPrefix
        self.noiseStandardDeviation = noiseStandardDeviation
        self.external = external
        self.policy = policy
        self.stateDirectory = stateDirectory
        self.socket = socket
        self.control = control
        self.log = log
        self.extra = extra
    }

    /// The configuration file's text.
    public var yaml: String {
        var lines = ["period: \(period)", "seed: \(seed)", "resources:"]
        for resource in resources {
            let unit = resource.unit.map { ", unit: \($0)" } ?? ""
            lines.append("  - {name: \(resource.name), capacity: \(resource.capacity)\(unit)}")
        }
        lines += ["policy: \(policy)", "state_directory: \(stateDirectory)", "control:", "  socket: \(socket)"]
        if !control.isEmpty { lines.append(control) }
        if let log { lines += ["log:", "  target: \(log.target)", "  level: \(log.level)"] }
        if !extra.isEmpty { lines.append(extra) }
        lines.append("vsps:")
        for (index, utility) in (instance?.utilities ?? []).enumerated() {
            let xi = utility.xi.map { String($0) }.joined(separator: ", ")
            let alpha = instance?.alphas[index] ?? 1
            lines += [
                "  - id: \(idPrefix)\(index)",
                "    utility: {beta: \(utility.beta), xi: [\(xi)]}",
                "    profit: {alpha: \(alpha), noise_mean: 0, noise_sd: \(noiseStandardDeviation)}",
            ]
        }
        for id in external { lines.append("  - {id: \(id), kind: external}") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes ``yaml`` to `path`.
    /// - Throws: Foundation's error when the file cannot be written.
    public func write(to path: String) throws {
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// An untrained, valid policy for K resources: the template networks of a seeded Kaiming initialisation
    /// in the standard architecture (what `dvcg init-policy` writes without `--vsp`).
    public static func untrainedPolicy(resourceCount: Int, seed: UInt64, jointRoster: [String]? = nil)
        -> PolicyCheckpoint
    {
        let architecture = PolicyArchitecture.standard(resourceCount: resourceCount, jointRoster: jointRoster)
        var generator = SeededGenerator(seed: seed)
        return PolicyCheckpoint(
            architecture: architecture, template: NetworkSet(architecture: architecture, using: &generator))
    }
}
