import DVCGCore
import DVCGNeural
import Foundation

/// A policy, stored as a safetensors file (docs/checkpoints.md), of one of two kinds
/// (``PolicyArchitecture/kind``):
///
/// - per VSP: network sets by VSP id plus the template a newly registered VSP starts from; tensor names
///   `template.<net>.<layer>.{weight,bias}` and `vsp.<id>.<net>.<layer>.{weight,bias}`;
/// - shared: one network set for every VSP (``template``: the shared actor and critic with their targets,
///   and the VoI prior each VSP's VoI net starts from), plus the VoI nets of the VSPs the bank had fitted
///   (``voiNets``); tensor names `shared.<net>.<layer>.{weight,bias}` and `vsp.<id>.voi.<layer>.{weight,bias}`.
///
/// `<layer>` is the index of the Linear module in a PyTorch `nn.Sequential` (0, 2, 4, ...).
public struct PolicyCheckpoint: Sendable, Equatable {
    /// The `format_version` this build writes and reads.
    public static let formatVersion = 1

    /// K, action levels, activation and layer sizes of every net.
    public var architecture: PolicyArchitecture
    /// The training configuration, a JSON object as text (`{}` when none).
    public var training: String
    /// Creation time, ISO 8601 (empty when unknown).
    public var created: String
    /// Per VSP: the networks a VSP missing from ``vsps`` starts from. Shared: the networks every VSP
    /// uses (actor, critic, targets) and the VoI prior every VSP's VoI net starts from.
    public var template: NetworkSet
    /// Per VSP: networks by VSP id (ids match [A-Za-z0-9._-]{1,64}); always empty for a shared policy.
    public var vsps: [String: NetworkSet]
    /// Shared: the VoI nets of VSPs by id (their utility models, fitted by the bank); empty per VSP.
    public var voiNets: [String: MLP]
    /// Rounds each VSP has taken part in while learning (its position in the exploration schedule),
    /// by id; a VSP listed here resumes its schedule instead of starting at epsilon 1 (metadata
    /// `exploration_ages`, absent when empty).
    public var explorationAges: [String: Int]

    /// A checkpoint with the given contents; `created` defaults to now.
    public init(
        architecture: PolicyArchitecture, template: NetworkSet, vsps: [String: NetworkSet] = [:],
        voiNets: [String: MLP] = [:], explorationAges: [String: Int] = [:],
        training: String = "{}", created: String = Date().ISO8601Format()
    ) {
        self.architecture = architecture
        self.template = template
        self.vsps = vsps
        self.voiNets = voiNets
        self.explorationAges = explorationAges
        self.training = training
        self.created = created
    }

    /// Loads and fully validates a checkpoint file; never returns a partial result.
    ///
    /// - Parameter path: The safetensors file.
    /// - Throws: ``PolicyCheckpointError`` (``PolicyCheckpointError/file(_:)`` for container errors).
    public static func load(from path: String) throws(PolicyCheckpointError) -> PolicyCheckpoint {
        let archive: SafetensorsArchive
        do { archive = try SafetensorsArchive.read(from: path) } catch { throw .file(error) }
        return try PolicyCheckpoint(archive: archive)
    }

    /// Writes the checkpoint atomically (temporary file, fsync, rename, fsync of the folder), all
    /// tensors F32, target nets included.
    ///
    /// - Throws: ``PolicyCheckpointError/file(_:)`` on a file-system error; `path` is then unchanged.
    public func write(to path: String) throws(PolicyCheckpointError) {
        do { try archive().write(to: path) } catch { throw .file(error) }
    }

    /// The checkpoint as a safetensors archive (F32 tensors and string metadata).
    public func archive() -> SafetensorsArchive {
        var tensors: [SafetensorsTensor] = []
        func add(_ prefix: String, _ role: NetworkRole, _ net: MLP) {
            for (j, layer) in net.layers.enumerated() {
                let base = "\(prefix).\(role.rawValue).\(2 * j)"
                tensors.append(
                    SafetensorsTensor(name: base + ".weight", shape: layer.weight.shape, values: layer.weight.values))
                tensors.append(SafetensorsTensor(name: base + ".bias", shape: [layer.bias.count], values: layer.bias))
            }
        }
        func add(_ prefix: String, _ set: NetworkSet) {
            for role in NetworkRole.allCases { add(prefix, role, set[role]) }
        }
        switch architecture.kind {
        case .perVSP:
            add("template", template)
            for id in vsps.keys.sorted() { add("vsp.\(id)", vsps[id]!) }
        case .shared:
            add("shared", template)
            for id in voiNets.keys.sorted() { add("vsp.\(id)", .voi, voiNets[id]!) }
        }
        let a = architecture
        let sizes: (([Int]) -> JSONValue) = { .array($0.map { .number(String($0)) }) }
        let layers = JSONValue.object([("actor", sizes(a.actor)), ("critic", sizes(a.critic)), ("voi", sizes(a.voi))])
        var metadata = [
            "format_version": String(Self.formatVersion),
            "k": String(a.resourceCount),
            "action_levels": JSONValue.array(a.actionLevels.map { .number("\($0)") }).serialized,
            "layers": layers.serialized,
            "activation": a.activation.rawValue,
            "training": training,
            "created": created,
        ]
        // Mean-field per-VSP policies are written without these keys, exactly as before they existed.
        if let roster = a.jointRoster {
            metadata["critic_input"] = "joint"
            metadata["roster"] = JSONValue.array(roster.map { .string($0) }).serialized
        }
        if a.kind == .shared { metadata["policy_kind"] = PolicyKind.shared.rawValue }
        if template.voi.outputScale != 1 { metadata["voi_output_scale"] = "\(template.voi.outputScale)" }
        if !explorationAges.isEmpty {
            metadata["exploration_ages"] =
                JSONValue.object(explorationAges.keys.sorted().map { ($0, .number(String(explorationAges[$0]!))) })
                .serialized
        }
        return SafetensorsArchive(metadata: metadata, tensors: tensors)
    }

    /// Builds and validates a checkpoint from a safetensors archive (see docs/checkpoints.md for the
    /// order of checks).
    ///
    /// - Throws: ``PolicyCheckpointError`` for the first problem found, tensors visited in name order.
    public init(archive: SafetensorsArchive) throws(PolicyCheckpointError) {
        let (architecture, training, created, ages) = try Self.parseMetadata(archive.metadata)
        var voiScale: Float = 1
        if let text = archive.metadata["voi_output_scale"] {
            guard let value = Float(text), value.isFinite, value > 0 else {
                throw .invalidMetadata(key: "voi_output_scale", reason: "'\(text)' is not a finite number > 0")
            }
            voiScale = value
        }
        let sharedOwner = architecture.kind == .shared ? "shared" : "template"
        // owner -> role -> layer position -> (weight, bias)
        var found: [String: [NetworkRole: [Int: (weight: Matrix?, bias: [Float]?)]]] = [:]
        for name in archive.names {
            let tensor = archive.tensors[name]!
            let (owner, role, position, isWeight) = try Self.parseName(name, architecture: architecture)
            guard tensor.dtype.isConvertibleToFloat else { throw .unsupportedDType(tensor: name, dtype: tensor.dtype) }
            let sizes = architecture.layerSizes(of: role)
            let expected = isWeight ? [sizes[position + 1], sizes[position]] : [sizes[position + 1]]
            guard tensor.shape == expected else {
                throw .shapeMismatch(tensor: name, found: tensor.shape, expected: expected)
            }
            let values: [Float]
            do { values = try tensor.floatValues() } catch { throw .file(error) }
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw .nonFiniteValue(tensor: name, index: bad, value: "\(values[bad])")
            }
            var entry = found[owner, default: [:]][role, default: [:]][position] ?? (nil, nil)
            if isWeight {
                entry.weight = Matrix(rows: expected[0], columns: expected[1], values: values)
            } else {
                entry.bias = values
            }
            found[owner, default: [:]][role, default: [:]][position] = entry
        }
        if found[sharedOwner] == nil { found[sharedOwner] = [:] }
        var sets: [String: NetworkSet] = [:]
        var voiNets: [String: MLP] = [:]
        for owner in found.keys.sorted() {
            let nets = found[owner]!
            // A shared policy's VSPs hold only their VoI nets.
            let roles = architecture.kind == .shared && owner != sharedOwner ? [NetworkRole.voi] : NetworkRole.allCases
            if let extra = nets.keys.sorted().first(where: { !roles.contains($0) }) {
                throw .unexpectedTensor(
                    name: "\(owner).\(extra.rawValue)",
                    reason: "a shared policy holds only a VoI net per VSP (the actor and critic are shared.*)")
            }
            var built: [NetworkRole: MLP] = [:]
            for role in roles {
                guard let layers = nets[role] else {
                    if role.isRequired { throw .missingNetwork(owner: owner, role: role) }
                    continue
                }
                let sizes = architecture.layerSizes(of: role)
                var dense: [Dense] = []
                for position in 0..<(sizes.count - 1) {
                    let base = "\(owner).\(role.rawValue).\(2 * position)"
                    guard let weight = layers[position]?.weight else { throw .missingTensor(base + ".weight") }
                    guard let bias = layers[position]?.bias else { throw .missingTensor(base + ".bias") }
                    dense.append(Dense(weight: weight, bias: bias))
                }
                built[role] = MLP(
                    layers: dense, activation: architecture.activation, outputScale: role == .voi ? voiScale : 1)
            }
            if roles == [.voi] {
                voiNets[String(owner.dropFirst(4))] = built[.voi]!
                continue
            }
            sets[owner] = NetworkSet(
                actor: built[.actor]!, critic: built[.critic]!, voi: built[.voi]!,
                actorTarget: built[.actorTarget], criticTarget: built[.criticTarget])
        }
        let template = sets.removeValue(forKey: sharedOwner)!
        var vsps: [String: NetworkSet] = [:]
        for (owner, set) in sets { vsps[String(owner.dropFirst(4))] = set }
        if let roster = architecture.jointRoster,
            let outsider = vsps.keys.sorted().first(where: { !roster.contains($0) })
        {
            throw .invalidMetadata(
                key: "roster", reason: "VSP '\(outsider)' has networks but is not in the joint critic's roster")
        }
        self.init(
            architecture: architecture, template: template, vsps: vsps, voiNets: voiNets, explorationAges: ages,
            training: training, created: created)
    }

    /// Splits a tensor name into owner ("template" or "vsp.<id>"), role, layer position j (module
    /// index 2j) and weight/bias, checking it against the architecture.
    private static func parseName(_ name: String, architecture: PolicyArchitecture) throws(PolicyCheckpointError) -> (
        owner: String, role: NetworkRole, position: Int, isWeight: Bool
    ) {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let owner: String
        let sharedOwner = architecture.kind == .shared ? "shared" : "template"
        if parts.first == sharedOwner {
            guard parts.count == 4 else {
                throw .unexpectedTensor(name: name, reason: "expected \(sharedOwner).<net>.<layer>.{weight,bias}")
            }
            owner = sharedOwner
        } else if parts.first == "vsp" {
            guard parts.count >= 5 else {
                throw .unexpectedTensor(name: name, reason: "expected vsp.<id>.<net>.<layer>.{weight,bias}")
            }
            let id = parts[1..<(parts.count - 3)].joined(separator: ".")
            guard VSPID.isValid(id) else { throw .invalidVSPIdentifier(tensor: name, identifier: id) }
            owner = "vsp." + id
        } else {
            throw .unexpectedTensor(
                name: name,
                reason: "name does not start with '\(sharedOwner).' or 'vsp.'"
                    + (architecture.kind == .shared ? " (policy_kind is shared)" : ""))
        }
        let kind = parts[parts.count - 1]
        guard kind == "weight" || kind == "bias" else {
            throw .unexpectedTensor(name: name, reason: "must end in .weight or .bias")
        }
        let netName = parts[parts.count - 3]
        guard let role = NetworkRole(rawValue: netName) else {
            throw .unexpectedTensor(
                name: name, reason: "unknown net '\(netName)' (actor, actor_target, critic, critic_target, voi)")
        }
        let layerCount = architecture.layerSizes(of: role).count - 1
        let indexText = parts[parts.count - 2]
        // Canonical decimal (no sign, no leading zeros), even, within the declared layers.
        guard let index = Int(indexText), String(index) == indexText, index >= 0, index % 2 == 0,
            index / 2 < layerCount
        else {
            let valid = (0..<layerCount).map { String(2 * $0) }.joined(separator: ", ")
            throw .unexpectedTensor(
                name: name, reason: "'\(indexText)' is not a Linear layer index of the declared architecture (\(valid))"
            )
        }
        return (owner, role, index / 2, kind == "weight")
    }

    /// Reads and validates the `__metadata__` map.
    private static func parseMetadata(_ metadata: [String: String]) throws(PolicyCheckpointError) -> (
        PolicyArchitecture, String, String, [String: Int]
    ) {
        func required(_ key: String) throws(PolicyCheckpointError) -> String {
            guard let value = metadata[key] else { throw .missingMetadata(key: key) }
            return value
        }
        func json(_ key: String, _ text: String) throws(PolicyCheckpointError) -> JSONValue {
            do { return try JSONValue.parse(Array(text.utf8)) } catch {
                throw .invalidMetadata(key: key, reason: "not JSON (\(error))")
            }
        }
        let version = try required("format_version")
        guard version == String(formatVersion) else { throw .unsupportedFormatVersion(version) }
        let kText = try required("k")
        guard let k = Int(kText) else { throw .invalidMetadata(key: "k", reason: "'\(kText)' is not an integer") }
        guard case .array(let levelValues) = try json("action_levels", try required("action_levels")) else {
            throw .invalidMetadata(key: "action_levels", reason: "not a JSON array")
        }
        var levels: [Double] = []
        for v in levelValues {
            guard let d = v.double else {
                throw .invalidMetadata(key: "action_levels", reason: "\(v.serialized) is not a number")
            }
            levels.append(d)
        }
        let activationText = try required("activation")
        guard let activation = Activation(rawValue: activationText), activation != .identity else {
            throw .invalidMetadata(key: "activation", reason: "'\(activationText)' is not relu or tanh")
        }
        guard case .object(let members) = try json("layers", try required("layers")) else {
            throw .invalidMetadata(key: "layers", reason: "not a JSON object")
        }
        var layers: [String: [Int]] = [:]
        for (net, value) in members {
            guard ["actor", "critic", "voi"].contains(net) else {
                throw .invalidMetadata(
                    key: "layers",
                    reason: "unknown net '\(net)' (actor, critic, voi; targets share their online net's sizes)")
            }
            guard layers[net] == nil else {
                throw .invalidMetadata(key: "layers", reason: "'\(net)' appears more than once")
            }
            guard case .array(let items) = value else {
                throw .invalidMetadata(key: "layers", reason: "\(net): not an array")
            }
            var sizes: [Int] = []
            for item in items {
                guard let n = item.unsignedInteger, n <= 65_536 else {
                    throw .invalidMetadata(
                        key: "layers", reason: "\(net): \(item.serialized) is not a size in 1...65536")
                }
                sizes.append(Int(n))
            }
            layers[net] = sizes
        }
        for net in ["actor", "critic", "voi"] where layers[net] == nil {
            throw .invalidMetadata(key: "layers", reason: "missing '\(net)'")
        }
        var jointRoster: [String]? = nil
        switch metadata["critic_input"] {
        case nil, "mean_field":
            guard metadata["roster"] == nil else {
                throw .invalidMetadata(
                    key: "roster", reason: "only a joint critic (critic_input \"joint\") has a roster")
            }
        case "joint":
            guard case .array(let items) = try json("roster", try required("roster")) else {
                throw .invalidMetadata(key: "roster", reason: "not a JSON array")
            }
            var ids: [String] = []
            for item in items {
                guard case .string(let id) = item else {
                    throw .invalidMetadata(key: "roster", reason: "\(item.serialized) is not a VSP id string")
                }
                ids.append(id)
            }
            jointRoster = ids
        case let other?:
            throw .invalidMetadata(key: "critic_input", reason: "'\(other)' is not mean_field or joint")
        }
        let kind: PolicyKind
        switch metadata["policy_kind"] {
        case nil: kind = .perVSP
        case let text?:
            guard let parsed = PolicyKind(rawValue: text) else {
                throw .invalidMetadata(key: "policy_kind", reason: "'\(text)' is not per_vsp or shared")
            }
            kind = parsed
        }
        let architecture = PolicyArchitecture(
            resourceCount: k, actionLevels: levels, activation: activation,
            actor: layers["actor"]!, critic: layers["critic"]!, voi: layers["voi"]!, jointRoster: jointRoster,
            kind: kind)
        try architecture.validate()
        let training = metadata["training"] ?? "{}"
        guard case .object = try json("training", training) else {
            throw .invalidMetadata(key: "training", reason: "not a JSON object")
        }
        var ages: [String: Int] = [:]
        if let text = metadata["exploration_ages"] {
            guard case .object(let members) = try json("exploration_ages", text) else {
                throw .invalidMetadata(key: "exploration_ages", reason: "not a JSON object")
            }
            for (id, value) in members {
                guard VSPID.isValid(id) else {
                    throw .invalidMetadata(key: "exploration_ages", reason: "'\(id)' is not a valid VSP id")
                }
                guard let age = value.unsignedInteger, age <= UInt64(Int32.max) else {
                    throw .invalidMetadata(
                        key: "exploration_ages", reason: "\(id): \(value.serialized) is not a round count >= 0")
                }
                ages[id] = Int(age)
            }
        }
        return (architecture, training, metadata["created"] ?? "", ages)
    }
}

extension PolicyCheckpoint {
    /// Whether the training metadata `training` (a JSON object as text) says `"untrained": true`, as
    /// `dvcg init-policy` writes: the networks are freshly initialised, so the VoI nets' estimates (the
    /// welfare estimate among them) and the allocation mean nothing yet.
    public static func isUntrained(training: String) -> Bool {
        guard let object = try? JSONSerialization.jsonObject(with: Data(training.utf8)) as? [String: Any]
        else { return false }
        return object["untrained"] as? Bool == true
    }

    /// Whether this checkpoint is untrained: ``isUntrained(training:)`` of its ``training``.
    public var isUntrained: Bool { Self.isUntrained(training: training) }
}
