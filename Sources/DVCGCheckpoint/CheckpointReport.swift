/// What `dvcg inspect` shows about a checkpoint file: metadata, networks per owner, tensors and the
/// validation verdict. Built from the safetensors container, so an invalid policy is still listed.
public struct CheckpointReport: Sendable, Equatable, Codable {
    /// One tensor of the file.
    public struct Tensor: Sendable, Equatable, Codable {
        /// The tensor name.
        public var name: String
        /// Its dtype as spelled in the file.
        public var dtype: String
        /// Its shape.
        public var shape: [Int]
        /// Its element count.
        public var parameters: Int
    }

    /// One network (template or VSP, and net), as far as the names tell.
    public struct Network: Sendable, Equatable, Codable {
        /// "shared" (a shared policy's networks), "template" or "vsp.<id>" (a per-VSP policy's), or
        /// "(unknown name)" for a tensor named otherwise.
        public var owner: String
        /// The net name (actor, actor_target, critic, critic_target, voi).
        public var net: String
        /// Number of tensors.
        public var tensors: Int
        /// Number of parameters.
        public var parameters: Int
    }

    /// The file path as given.
    public var file: String
    /// Whether the file is a valid policy checkpoint.
    public var valid: Bool
    /// Why it is not (nil when valid).
    public var reason: String?
    /// Whether its training metadata says it is untrained (``PolicyCheckpoint/isUntrained(training:)``).
    public var untrained: Bool
    /// The `__metadata__` map.
    public var metadata: [String: String]
    /// VSP ids found in tensor names, sorted.
    public var vsps: [String]
    /// Networks found in tensor names, shared or template first, then VSPs by id.
    public var networks: [Network]
    /// Every tensor, by name.
    public var tensors: [Tensor]
    /// Total parameters of all tensors.
    public var totalParameters: Int

    /// snake_case keys, as every other JSON of the tools (`total_parameters`).
    enum CodingKeys: String, CodingKey {
        case file, valid, reason, untrained, metadata, vsps, networks, tensors
        case totalParameters = "total_parameters"
    }

    /// Reads `path` and validates it as a policy, as dvcgd does when it loads one.
    ///
    /// - Parameters:
    ///   - path: The safetensors file.
    ///   - resourceCount: K of the configuration that would serve it: a policy for another K is invalid, as
    ///     dvcgd refuses it; nil to check the file alone.
    /// - Throws: ``SafetensorsError`` when the container itself is invalid (nothing to list);
    ///   an invalid policy inside a valid container gives a report with `valid == false`.
    public static func make(path: String, resourceCount: Int? = nil) throws(SafetensorsError) -> CheckpointReport {
        let archive = try SafetensorsArchive.read(from: path)
        var reason: String?
        do {
            let checkpoint = try PolicyCheckpoint(archive: archive)
            if let resourceCount, checkpoint.architecture.resourceCount != resourceCount {
                reason =
                    "the policy is for K = \(checkpoint.architecture.resourceCount) resources, not the \(resourceCount) "
                    + "of --resources (a dvcgd with \(resourceCount) resources would refuse it)"
            }
        } catch { reason = error.description }
        var tensors: [Tensor] = []
        var networks: [String: Network] = [:]
        var vsps = Set<String>()
        for name in archive.names {
            let t = archive.tensors[name]!
            tensors.append(Tensor(name: name, dtype: t.dtype.rawValue, shape: t.shape, parameters: t.elementCount))
            let parts = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            var owner = "(unknown name)"
            var net = "-"
            if parts.count == 4, parts[0] == "template" || parts[0] == "shared" {
                owner = parts[0]
                net = parts[1]
            } else if parts.count >= 5, parts[0] == "vsp" {
                let id = parts[1..<(parts.count - 3)].joined(separator: ".")
                vsps.insert(id)
                owner = "vsp." + id
                net = parts[parts.count - 3]
            }
            let key = owner + "\u{0}" + net
            var entry = networks[key] ?? Network(owner: owner, net: net, tensors: 0, parameters: 0)
            entry.tensors += 1
            entry.parameters += t.elementCount
            networks[key] = entry
        }
        func rank(_ n: Network) -> (Int, String, Int, String) {
            let group = n.owner == "template" || n.owner == "shared" ? 0 : n.owner.hasPrefix("vsp.") ? 1 : 2
            let role = NetworkRole(rawValue: n.net).flatMap { NetworkRole.allCases.firstIndex(of: $0) } ?? 99
            return (group, n.owner, role, n.net)
        }
        let sorted = networks.values.sorted { rank($0) < rank($1) }
        return CheckpointReport(
            file: path, valid: reason == nil, reason: reason,
            untrained: PolicyCheckpoint.isUntrained(training: archive.metadata["training"] ?? "{}"),
            metadata: archive.metadata, vsps: vsps.sorted(),
            networks: sorted, tensors: tensors, totalParameters: tensors.reduce(0) { $0 + $1.parameters })
    }

    /// The report as aligned text tables for people.
    public var table: String {
        var lines: [String] = []
        let untrained =
            self.untrained
            ? " (untrained: freshly initialised networks, as dvcg init-policy writes; dvcgd serves it, but its "
                + "allocation and welfare estimate mean nothing until it is trained)" : ""
        lines.append(
            contentsOf: alignedRows([
                ["file", file], ["verdict", valid ? "valid" + untrained : "invalid: " + (reason ?? "")],
            ]))
        lines.append("")
        lines.append("metadata")
        lines.append(contentsOf: alignedRows(metadata.keys.sorted().map { ["  " + $0, metadata[$0]!] }))
        lines.append("")
        lines.append(
            vsps.isEmpty
                ? (metadata["policy_kind"] == PolicyKind.shared.rawValue
                    ? "no per-VSP networks (a shared policy: one set of networks serves any roster)"
                    : "no per-VSP networks (every VSP starts from the template networks)")
                : "\(vsps.count) VSPs: "
                    + (vsps.count <= 20
                        ? vsps.joined(separator: ", ") : vsps.prefix(20).joined(separator: ", ") + ", ..."))
        lines.append("")
        lines.append(
            contentsOf: alignedRows(
                [["owner", "net", "tensors", "parameters"]]
                    + networks.map {
                        [$0.owner, $0.net, String($0.tensors), String($0.parameters)]
                    }, rightAligned: [2, 3]))
        lines.append("")
        lines.append(
            contentsOf: alignedRows(
                [["tensor", "dtype", "shape", "parameters"]]
                    + tensors.map {
                        [
                            $0.name, $0.dtype, "[" + $0.shape.map(String.init).joined(separator: ", ") + "]",
                            String($0.parameters),
                        ]
                    }, rightAligned: [3]))
        lines.append("")
        lines.append("\(tensors.count) tensors, \(totalParameters) parameters")
        return lines.joined(separator: "\n")
    }
}

/// Rows padded to aligned columns (two spaces apart); columns in `rightAligned` are padded on the left.
package func alignedRows(_ rows: [[String]], rightAligned: Set<Int> = []) -> [String] {
    let columnCount = rows.map(\.count).max() ?? 0
    var widths = [Int](repeating: 0, count: columnCount)
    for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
    return rows.map { row in
        row.enumerated().map { i, cell in
            let pad = String(repeating: " ", count: widths[i] - cell.count)
            if rightAligned.contains(i) { return pad + cell }
            return i == row.count - 1 ? cell : cell + pad
        }.joined(separator: "  ")
    }
}
