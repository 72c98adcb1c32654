import DVCGCheckpoint
import DVCGControl
import DVCGCore
import DVCGMechanism
import Foundation

#if canImport(Glibc)
    import Glibc
#endif
import Logging
import Yams

/// Reads and validates `dvcgd.yaml` (schema: dvcgd.yaml(5) in docs/dvcgd.md).
///
/// Every problem is collected, each with its `file:line:column` and key path; unknown keys are errors.
/// Relative paths resolve against the configuration file's folder.
public enum ConfigurationLoader {
    /// The largest configuration file read, in bytes (a 10,000-VSP roster takes about 2 MB).
    public static let maximumFileBytes = 16 << 20

    /// Reads and validates a configuration file.
    ///
    /// The file is opened as a regular file only (``ReadOnlyFile``: `O_NONBLOCK`, then `fstat`), so a FIFO or a
    /// device is refused at once instead of blocking, and it is refused above ``maximumFileBytes``.
    ///
    /// - Parameter path: The file, as the user named it (used verbatim in issues).
    /// - Throws: ``ConfigurationError`` with every issue; one issue at 1:1 when the file cannot be read.
    public static func load(path: String, checksHostNames: Bool = false) throws(ConfigurationError)
        -> DaemonConfiguration
    {
        func unreadable(_ message: String) -> ConfigurationError {
            ConfigurationError(issues: [ConfigurationIssue(file: path, line: 0, column: 0, path: "", message: message)])
        }
        let bytes: [UInt8]
        do {
            let file = try ReadOnlyFile(path: path)
            guard file.size <= maximumFileBytes else {
                throw unreadable("the file is \(file.size) bytes, over the limit of \(maximumFileBytes) bytes")
            }
            bytes = try file.read(count: file.size, at: 0)
        } catch let error as FileIOError {
            throw unreadable("cannot read the file: \(error.reason)")
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw unreadable("cannot read the file: \(error)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw unreadable("cannot read the file as UTF-8 text")
        }
        let folder = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path
        return try parse(text, file: path, folder: folder, checksHostNames: checksHostNames)
    }

    /// Parses configuration text.
    ///
    /// - Parameters:
    ///   - text: YAML.
    ///   - file: Name used in issues.
    ///   - folder: Absolute folder that relative paths resolve against.
    ///   - checksHostNames: Also report `control.group`, groups and principals that name no group or user of
    ///     this host (`dvcgd --check-config`; at start-up the control socket reports them).
    /// - Throws: ``ConfigurationError`` with every issue.
    public static func parse(_ text: String, file: String, folder: String, checksHostNames: Bool = false)
        throws(ConfigurationError) -> DaemonConfiguration
    {
        var reader = YAMLReader(file: file)
        guard let root = compose(text, reader: &reader, empty: "the configuration is empty") else {
            throw ConfigurationError(issues: reader.issues)
        }
        var parser = Parser(reader: reader, folder: folder, checksHostNames: checksHostNames)
        let configuration = parser.daemon(root)
        if let configuration, parser.reader.issues.isEmpty { return configuration }
        // The walk visits sections in schema order; report them in the order of the file.
        let sorted = parser.reader.issues.enumerated().sorted {
            ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset)
        }
        throw ConfigurationError(issues: sorted.map(\.element))
    }
}

extension ConfigurationLoader {
    /// The root node of `text`, or `nil` with the problem reported to `reader`: Yams' parse error, or `empty`
    /// for a document with no content.
    ///
    /// Yams refuses a mapping with a duplicate key outright. So that such a file still gets its other problems
    /// reported, each duplicate is reported, renamed out of the way (``YAMLReader/setAside(_:in:after:column:index:)``,
    /// which ``YAMLReader/mapping(_:at:keys:)`` then skips) and the text composed again, for up to 20 of them.
    static func compose(_ text: String, reader: inout YAMLReader, empty: String) -> Node? {
        var text = text
        for attempt in 0..<20 {
            do {
                guard let root = try Yams.compose(yaml: text) else {
                    reader.report(empty, at: nil, path: "")
                    return nil
                }
                return root
            } catch YamlError.duplicatedKeysInMapping(let duplicates, let context) {
                reader.report(YamlError.duplicatedKeysInMapping(duplicates: duplicates, context: context), text: text)
                var patched = text
                for name in duplicates {
                    patched =
                        YAMLReader.setAside(
                            name, in: patched, after: context.mark.line, column: context.mark.column, index: attempt)
                        ?? patched
                }
                guard patched != text else { return nil }
                text = patched
            } catch {
                reader.report(error, text: text)
                return nil
            }
        }
        return nil
    }

    /// An issue about the value of a top-level `key` of the configuration file `file`, positioned at that value
    /// (line 1, column 1 when the file or the key cannot be found).
    public static func issue(at key: String, file: String, message: String) -> ConfigurationIssue {
        let text = FileManager.default.contents(atPath: file).flatMap { String(data: $0, encoding: .utf8) }
        // A dotted key (`control.socket`) walks the nested mappings.
        var node = text.flatMap { try? Yams.compose(yaml: $0) }
        for part in key.split(separator: ".") { node = node?.mapping?[String(part)] }
        return ConfigurationIssue(
            file: file, line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1, path: key, message: message)
    }
}

/// The schema walk: one method per mapping of dvcgd.yaml.
private struct Parser {
    var reader: YAMLReader
    let folder: String
    /// Whether user and group names must exist on this host.
    let checksHostNames: Bool

    init(reader: YAMLReader, folder: String, checksHostNames: Bool) {
        self.reader = reader
        self.folder = folder
        self.checksHostNames = checksHostNames
    }

    /// `name` as a group of this host, reported at `node` when it has none (only when checking host names).
    mutating func hostGroup(_ name: String, at node: Node, path: String) {
        guard checksHostNames, PeerCredentialReader.gid(ofGroup: name) == nil else { return }
        reader.report("no group named '\(name)' on this host", at: node, path: path)
    }

    mutating func daemon(_ root: Node) -> DaemonConfiguration? {
        let keys = [
            "period", "seed", "resources", "mechanism", "policy", "learning", "state_directory", "control", "log",
            "reload", "vsps", "ledger", "metrics",
        ]
        guard let map = reader.mapping(root, at: "", keys: keys) else { return nil }
        var period: Duration?
        if let node = map["period"] {
            period = reader.duration(node, at: "period")
        } else {
            reader.missing("period", in: root, at: "")
        }
        var seed: UInt64 = 1
        if let node = map["seed"], let value = reader.integer(node, at: "seed", in: 0...Int.max) {
            seed = UInt64(value)
        }
        var resources: [Resource]?
        if let node = map["resources"] {
            resources = self.resources(node)
        } else {
            reader.missing("resources", in: root, at: "")
        }
        var mechanism = Self.daemonMechanism
        if let node = map["mechanism"] { mechanism = self.mechanism(node) ?? mechanism }
        var policy: String?
        if let node = map["policy"] {
            policy = self.path(node, at: "policy")
        } else {
            reader.missing("policy", in: root, at: "")
        }
        var checkpoint = CheckpointConfiguration()
        if let node = map["learning"] { self.learning(node, into: &mechanism, checkpoint: &checkpoint) }
        var state: String?
        if let node = map["state_directory"] {
            state = self.path(node, at: "state_directory")
        } else {
            reader.missing("state_directory", in: root, at: "")
        }
        var control: ControlConfiguration?
        if let node = map["control"] {
            control = self.control(node)
        } else {
            reader.missing("control", in: root, at: "")
        }
        var log = LogConfiguration()
        if let node = map["log"] { log = self.log(node) ?? log }
        var reload = ReloadConfiguration()
        if let node = map["reload"] { reload = self.reload(node) ?? reload }
        var vsps: [VSPDefinition] = []
        if let node = map["vsps"] { vsps = self.vsps(node, resourceCount: resources?.count) ?? [] }
        var ledger = LedgerConfiguration()
        if let node = map["ledger"] {
            ledger = LedgerConfiguration.parse(node, reader: &reader, folder: folder) ?? ledger
        }
        var metrics = MetricsConfiguration()
        if let node = map["metrics"] { metrics = MetricsConfiguration.parse(node, reader: &reader) ?? metrics }
        guard let period, let resources, let policy, let state, let control else { return nil }
        var configuration = DaemonConfiguration(
            period: period, seed: seed, resources: resources, mechanism: mechanism, policyPath: policy,
            checkpoint: checkpoint,
            stateDirectory: state, control: control, log: log, vsps: vsps)
        configuration.reload = reload
        configuration.ledger = ledger
        configuration.metrics = metrics
        return configuration
    }

    mutating func resources(_ node: Node) -> [Resource]? {
        guard let items = reader.sequence(node, at: "resources") else { return nil }
        guard !items.isEmpty else {
            reader.report("at least one resource is needed", at: node, path: "resources")
            return nil
        }
        var resources: [Resource] = []
        var names = Set<String>()
        var valid = true
        for (index, item) in items.enumerated() {
            let path = "resources[\(index)]"
            guard let map = reader.mapping(item, at: path, keys: ["name", "capacity", "unit"]) else {
                valid = false
                continue
            }
            var name: String?
            if let node = map["name"] {
                name = reader.string(node, at: path + ".name")
                if let text = name, !names.insert(text).inserted {
                    reader.report("duplicate resource name '\(text)'", at: node, path: path + ".name")
                    name = nil
                }
            } else {
                reader.missing("name", in: item, at: path)
            }
            var capacity: Double?
            if let node = map["capacity"] {
                capacity = reader.number(
                    node, at: path + ".capacity", in: Double.leastNonzeroMagnitude ... .greatestFiniteMagnitude)
            } else {
                reader.missing("capacity", in: item, at: path)
            }
            var unit = ""
            if let node = map["unit"] { unit = reader.string(node, at: path + ".unit") ?? "" }
            if let name, let capacity, let resource = try? Resource(name: name, capacity: capacity, unit: unit) {
                resources.append(resource)
            } else {
                valid = false
            }
        }
        return valid ? resources : nil
    }

    mutating func mechanism(_ node: Node) -> MechanismConfiguration? {
        let keys = ["interest", "noise", "alpha_estimator", "exact_counterfactuals_up_to", "minimum_share"]
        guard let map = reader.mapping(node, at: "mechanism", keys: keys) else { return nil }
        var mechanism = Self.daemonMechanism
        if let node = map["interest"], let value = reader.bool(node, at: "mechanism.interest") {
            mechanism.chargesInterest = value
        }
        if let node = map["noise"], let value = reader.bool(node, at: "mechanism.noise") { mechanism.addsNoise = value }
        if let node = map["alpha_estimator"],
            let value = reader.choice(
                node, at: "mechanism.alpha_estimator",
                [("least_squares", AlphaEstimator.Method.ordinaryLeastSquares), ("ratio", AlphaEstimator.Method.ratio)])
        {
            mechanism.alphaMethod = value
        }
        if let node = map["exact_counterfactuals_up_to"],
            let value = reader.integer(node, at: "mechanism.exact_counterfactuals_up_to", in: 0...1_000_000)
        {
            mechanism.exactCounterfactualLimit = value
        }
        if let node = map["minimum_share"],
            let value = reader.number(node, at: "mechanism.minimum_share", in: Double.leastNonzeroMagnitude...0.5)
        {
            mechanism.minimumShare = value
        }
        return mechanism
    }

    /// The mechanism's settings before the file's: the engine's defaults, with online learning made safe
    /// for serving (docs/learning.md, "Safe online learning"): a safeguard that hands rounds to the loaded
    /// policy or the equal split while the learner is worse, exploration only by new VSPs (epsilon 0.5 -> 0
    /// over their first 200 rounds) and by at most 10 % of a round's participants.
    static var daemonMechanism: MechanismConfiguration {
        MechanismConfiguration(learning: .servingOnline)
    }

    mutating func learning(
        _ node: Node, into mechanism: inout MechanismConfiguration, checkpoint: inout CheckpointConfiguration
    ) {
        let keys = [
            "mode", "learning_rate", "voi_learning_rate", "batch_size", "buffer_size", "soft_update", "warm_up",
            "exploration_start", "exploration_end", "exploration_rounds", "entropy_weight", "gradient_clip",
            "share_scaled_reward", "mean_field", "checkpoint_every", "checkpoint_path", "safeguard",
            "exploration_budget",
        ]
        guard let map = reader.mapping(node, at: "learning", keys: keys) else { return }
        if let node = map["mode"],
            let value = reader.choice(node, at: "learning.mode", [("frozen", false), ("online", true)])
        {
            mechanism.learns = value
        }
        var learning = mechanism.learning
        let positive = Double.leastNonzeroMagnitude...Double.greatestFiniteMagnitude
        if let node = map["learning_rate"], let value = reader.number(node, at: "learning.learning_rate", in: positive)
        {
            learning.learningRate = value
        }
        if let node = map["voi_learning_rate"],
            let value = reader.number(node, at: "learning.voi_learning_rate", in: positive)
        {
            learning.voiLearningRate = value
        }
        if let node = map["batch_size"], let value = reader.integer(node, at: "learning.batch_size", in: 1...1_000_000)
        {
            learning.batchSize = value
        }
        if let node = map["buffer_size"],
            let value = reader.integer(node, at: "learning.buffer_size", in: 1...100_000_000)
        {
            learning.billCapacity = value
        }
        if let node = map["soft_update"], let value = reader.number(node, at: "learning.soft_update", in: 0...1) {
            learning.targetRate = value
        }
        if let node = map["warm_up"], let value = reader.integer(node, at: "learning.warm_up", in: 0...100_000_000) {
            learning.warmUpTransitions = value
        }
        if let node = map["exploration_start"],
            let value = reader.number(node, at: "learning.exploration_start", in: 0...1)
        {
            learning.explorationStart = value
        }
        if let node = map["exploration_end"], let value = reader.number(node, at: "learning.exploration_end", in: 0...1)
        {
            learning.explorationEnd = value
        }
        if let node = map["exploration_rounds"],
            let value = reader.integer(node, at: "learning.exploration_rounds", in: 0...Int.max)
        {
            learning.explorationRounds = value
        }
        if let node = map["entropy_weight"],
            let value = reader.number(node, at: "learning.entropy_weight", in: 0 ... .greatestFiniteMagnitude)
        {
            learning.entropyWeight = value
        }
        if let node = map["gradient_clip"], let value = reader.number(node, at: "learning.gradient_clip", in: positive)
        {
            learning.gradientClip = value
        }
        if let node = map["share_scaled_reward"], let value = reader.bool(node, at: "learning.share_scaled_reward") {
            learning.shareScaledReward = value
        }
        if let node = map["mean_field"], let value = reader.bool(node, at: "learning.mean_field") {
            learning.meanField = value
        }
        if let node = map["safeguard"], let value = reader.bool(node, at: "learning.safeguard") {
            learning.safeguard = value ? SafeguardConfiguration() : nil
        }
        if let node = map["exploration_budget"],
            let value = reader.number(node, at: "learning.exploration_budget", in: 0...1)
        {
            learning.explorationBudget = value
        }
        if learning.batchSize > learning.billCapacity {
            reader.report(
                "batch_size \(learning.batchSize) exceeds buffer_size \(learning.billCapacity)",
                at: map["batch_size"] ?? node,
                path: "learning.batch_size")
        }
        mechanism.learning = learning
        if let node = map["checkpoint_every"],
            let value = reader.integer(node, at: "learning.checkpoint_every", in: 1...Int.max)
        {
            checkpoint.every = value
        }
        if let node = map["checkpoint_path"] { checkpoint.path = path(node, at: "learning.checkpoint_path") }
    }

    mutating func control(_ node: Node) -> ControlConfiguration? {
        guard
            let map = reader.mapping(
                node, at: "control",
                keys: [
                    "socket", "mode", "group", "principals", "admin_groups", "reader_groups", "idle_timeout",
                    "header_timeout", "max_connections", "max_connections_per_peer",
                ])
        else {
            return nil
        }
        guard let socketNode = map["socket"] else {
            reader.missing("socket", in: node, at: "control")
            return nil
        }
        guard let socket = path(socketNode, at: "control.socket") else { return nil }
        if socket.utf8.count > 107 {
            reader.report(
                "socket path is \(socket.utf8.count) bytes long; Unix sockets allow at most 107", at: socketNode,
                path: "control.socket")
        }
        var control = ControlConfiguration(socketPath: socket)
        if let node = map["mode"] {
            if let text = node.scalar?.string, text.count <= 4, let mode = UInt16(text, radix: 8), mode <= 0o777 {
                control.mode = mode
            } else {
                reader.report(
                    "expected an octal file mode such as 0660, found '\(node.scalar?.string ?? "")'", at: node,
                    path: "control.mode")
            }
        }
        for (key, keyPath) in [
            ("idle_timeout", \ControlConfiguration.limits.idleTimeout), ("header_timeout", \.limits.headerTimeout),
        ] {
            if let node = map[key], let value = reader.duration(node, at: "control." + key) {
                control[keyPath: keyPath] = value
            }
        }
        for (key, keyPath) in [
            ("max_connections", \ControlConfiguration.limits.maximumConnections),
            ("max_connections_per_peer", \.limits.maximumConnectionsPerPeer),
        ] {
            if let node = map[key], let value = reader.integer(node, at: "control." + key, in: 1...1_000_000) {
                control[keyPath: keyPath] = value
            }
        }
        if let node = map["group"] {
            control.group = reader.string(node, at: "control.group")
            if let group = control.group { hostGroup(group, at: node, path: "control.group") }
        }
        for (key, keyPath) in [("admin_groups", \ControlConfiguration.adminGroups), ("reader_groups", \.readerGroups)] {
            guard let node = map[key], let items = reader.sequence(node, at: "control." + key) else { continue }
            for (index, item) in items.enumerated() {
                if let name = reader.string(item, at: "control.\(key)[\(index)]") {
                    control[keyPath: keyPath].append(name)
                    hostGroup(name, at: item, path: "control.\(key)[\(index)]")
                }
            }
        }
        if let node = map["principals"], let items = reader.sequence(node, at: "control.principals") {
            for (index, item) in items.enumerated() {
                let path = "control.principals[\(index)]"
                guard let entry = reader.mapping(item, at: path, keys: ["user", "role", "vsp"]) else { continue }
                guard let userNode = entry["user"] else {
                    reader.missing("user", in: item, at: path)
                    continue
                }
                guard let roleNode = entry["role"] else {
                    reader.missing("role", in: item, at: path)
                    continue
                }
                guard let user = reader.string(userNode, at: path + ".user"),
                    let role = reader.choice(
                        roleNode, at: path + ".role", [("admin", 0), ("read-only", 1), ("vsp", 2)])
                else { continue }
                if checksHostNames, PeerCredentialReader.uid(of: user) == nil {
                    reader.report("no user named '\(user)' on this host", at: userNode, path: path + ".user")
                }
                switch role {
                case 0: control.principals.append(Principal(user: user, role: .admin))
                case 1: control.principals.append(Principal(user: user, role: .reader))
                default:
                    guard let vspNode = entry["vsp"] else {
                        reader.missing("vsp", in: item, at: path)
                        continue
                    }
                    if let id = vspID(vspNode, at: path + ".vsp") {
                        control.principals.append(Principal(user: user, role: .vsp(id)))
                    }
                }
            }
        }
        return control
    }

    mutating func log(_ node: Node) -> LogConfiguration? {
        guard let map = reader.mapping(node, at: "log", keys: ["target", "level", "floor_warning_rounds"]) else {
            return nil
        }
        var log = LogConfiguration()
        if let node = map["target"],
            let value = reader.choice(
                node, at: "log.target", LogConfiguration.Target.allCases.map { ($0.rawValue, $0) })
        {
            log.target = value
        }
        if let node = map["level"],
            let value = reader.choice(node, at: "log.level", Logger.Level.allCases.map { ($0.rawValue, $0) })
        {
            log.level = value
        }
        if let node = map["floor_warning_rounds"],
            let value = reader.integer(node, at: "log.floor_warning_rounds", in: 1...Int.max)
        {
            log.floorWarningRounds = value
        }
        return log
    }

    mutating func reload(_ node: Node) -> ReloadConfiguration? {
        guard let map = reader.mapping(node, at: "reload", keys: ["deadline", "max_policy_bytes"]) else { return nil }
        var reload = ReloadConfiguration()
        if let node = map["deadline"], let value = reader.duration(node, at: "reload.deadline") {
            reload.deadline = value
        }
        if let node = map["max_policy_bytes"],
            let value = reader.integer(node, at: "reload.max_policy_bytes", in: 8...Int.max)
        {
            reload.maximumPolicyBytes = value
        }
        return reload
    }

    mutating func vsps(_ node: Node, resourceCount: Int?) -> [VSPDefinition]? {
        guard let items = reader.sequence(node, at: "vsps") else { return nil }
        var definitions: [VSPDefinition] = []
        // Ids as written, valid entries or not: a broken first vsp-3 does not hide a second one.
        var ids = Set<String>()
        for (index, item) in items.enumerated() {
            let path = "vsps[\(index)]"
            let idNode = item.mapping?["id"]
            if let text = idNode?.scalar?.string, !ids.insert(text).inserted, (try? VSPID(text)) != nil {
                reader.report("duplicate VSP id '\(text)'", at: idNode, path: path + ".id")
                _ = vsp(item, at: path, resourceCount: resourceCount)
                continue
            }
            if let definition = vsp(item, at: path, resourceCount: resourceCount) { definitions.append(definition) }
        }
        return definitions
    }

    /// One roster entry: its fields as written (types and required keys reported here, at their positions),
    /// then ``VSPDefinition/validated(_:resourceCount:naming:)``, the rules the control API applies too.
    mutating func vsp(_ item: Node, at path: String, resourceCount: Int?) -> VSPDefinition? {
        guard let map = reader.mapping(item, at: path, keys: ["id", "kind", "utility", "profit", "bidding"]) else {
            return nil
        }
        guard let idNode = map["id"] else {
            reader.missing("id", in: item, at: path)
            return nil
        }
        let before = reader.issues.count
        let id = vspID(idNode, at: path + ".id")
        var kind = VSPKind.simulated
        if let node = map["kind"],
            let value = reader.choice(
                node, at: path + ".kind", [VSPKind.simulated, .external].map { ($0.rawValue, $0) })
        {
            kind = value
        }
        var fields = (
            beta: Double?.none, xi: [Double]?.none, alpha: Double?.none, noiseMean: Double?.none,
            noiseStandardDeviation: Double?.none, bidding: BiddingStrategy?.none
        )
        if let node = map["utility"] {
            if let utility = reader.mapping(node, at: path + ".utility", keys: ["beta", "xi"]) {
                if let betaNode = utility["beta"] {
                    fields.beta = reader.number(betaNode, at: path + ".utility.beta")
                } else if kind == .simulated {
                    reader.missing("beta", in: node, at: path + ".utility")
                }
                if let xiNode = utility["xi"] {
                    fields.xi = numbers(xiNode, at: path + ".utility.xi")
                } else if kind == .simulated {
                    reader.missing("xi", in: node, at: path + ".utility")
                }
            }
        } else if kind == .simulated {
            reader.missing("utility", in: item, at: path)
        }
        if let node = map["profit"],
            let profit = reader.mapping(node, at: path + ".profit", keys: ["alpha", "noise_mean", "noise_sd"])
        {
            fields.alpha = profit["alpha"].flatMap { reader.number($0, at: path + ".profit.alpha") }
            fields.noiseMean = profit["noise_mean"].flatMap { reader.number($0, at: path + ".profit.noise_mean") }
            fields.noiseStandardDeviation = profit["noise_sd"].flatMap {
                reader.number($0, at: path + ".profit.noise_sd")
            }
        }
        if let node = map["bidding"], let text = reader.string(node, at: path + ".bidding") {
            fields.bidding = BiddingStrategy(text: text)
            if fields.bidding == nil {
                let nearest = nearestBidding(to: text, kinds: ["truthful", "scaled", "fixed"]).map {
                    " (did you mean '\($0)'?)"
                }
                reader.report(
                    "expected truthful, scaled:C or fixed:X with a number in [0, 1e12], found '\(text)'\(nearest ?? "")",
                    at: node, path: path + ".bidding")
            }
        }
        guard let id else { return nil }
        // The rules of VSPDefinition run even after a field's type error, so that one --check-config reports
        // every problem of the entry; a field whose type was wrong is nil here, and what the rules say of it
        // (missing, out of range) is left out, its type error said it.
        let mistyped = Set(reader.issues[before...].map(\.path))
        var draft = VSPDraft(id: id, kind: kind)
        (draft.beta, draft.xi, draft.alpha) = (fields.beta, fields.xi, fields.alpha)
        (draft.noiseMean, draft.noiseStandardDeviation, draft.bidding) = (
            fields.noiseMean, fields.noiseStandardDeviation, fields.bidding
        )
        if kind == .simulated, !mistyped.isEmpty {
            // Stand-ins for a mistyped utility, so that the rules still check the rest of the entry.
            draft.beta = draft.beta ?? 1
            draft.xi = draft.xi ?? [Double](repeating: 1, count: resourceCount ?? 1)
        }
        do {
            let definition = try VSPDefinition.validated(draft, resourceCount: resourceCount, naming: .configuration)
            return mistyped.isEmpty ? definition : nil
        } catch {
            for issue in error.issues {
                let full = path + "." + issue.path
                guard !mistyped.contains(where: { $0.hasPrefix(full) || full.hasPrefix($0) }) else { continue }
                reader.report(
                    issue.message, at: Self.node(at: issue.path, in: item) ?? item, path: path + "." + issue.path)
            }
            return nil
        }
    }

    /// The node at a path inside an entry (`utility.xi[2]`, `profit.alpha`); `nil` when it is not there.
    static func node(at path: String, in root: Node) -> Node? {
        var node: Node? = root
        for part in path.split(separator: ".") {
            let name = part.prefix { $0 != "[" }
            node = node?.mapping?[String(name)]
            if let open = part.firstIndex(of: "["), let index = Int(part[part.index(after: open)...].dropLast()) {
                guard let items = node?.sequence, index < items.count else { return node }
                node = Array(items)[index]
            }
        }
        return node
    }

    mutating func vspID(_ node: Node, at path: String) -> VSPID? {
        guard let text = reader.string(node, at: path) else { return nil }
        guard let id = try? VSPID(text) else {
            reader.report("'\(text)' is not a valid VSP id ([A-Za-z0-9._-], 1 to 64 characters)", at: node, path: path)
            return nil
        }
        return id
    }

    /// A list of finite numbers (their count and range are the validator's to check).
    mutating func numbers(_ node: Node, at path: String) -> [Double]? {
        guard let items = reader.sequence(node, at: path) else { return nil }
        var values: [Double] = []
        for (index, item) in items.enumerated() {
            guard let value = reader.number(item, at: "\(path)[\(index)]") else { return nil }
            values.append(value)
        }
        return values
    }

    /// A path, made absolute against the configuration's folder.
    mutating func path(_ node: Node, at path: String) -> String? {
        guard let text = reader.string(node, at: path) else { return nil }
        guard !text.isEmpty else {
            reader.report("expected a path, found an empty string", at: node, path: path)
            return nil
        }
        let url =
            text.hasPrefix("/") ? URL(fileURLWithPath: text) : URL(fileURLWithPath: folder).appendingPathComponent(text)
        return url.standardizedFileURL.path
    }
}
