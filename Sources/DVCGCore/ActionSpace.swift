/// The NSP's allocation actions (docs/learning.md, "The engine"): per VSP and resource, one of seven levels
/// {-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3} that scale the VSP's share.
///
/// Applying actions: s'_{i,k} = max(s_{i,k} (1 + a_{i,k}), s_min), then norm() (clip at 0,
/// divide each resource column by its sum). The floor s_min (1e-4 by default) lets a starved VSP
/// recover.
public struct ActionSpace: Hashable, Sendable, Codable {
    /// The scale factors, in order of their level index.
    public let levels: [Double]
    /// The floor s_min a scaled share never falls below before normalisation.
    public let minimumShare: Double

    /// The paper's seven levels and s_min = 1e-4.
    public static let standard = ActionSpace(uncheckedLevels: [-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3], minimumShare: 1e-4)

    /// Creates an action space.
    ///
    /// - Parameters:
    ///   - levels: Scale factors, each finite and > -1, at least one.
    ///   - minimumShare: s_min, finite, in (0, 1).
    /// - Throws: ``MechanismError/invalidValue(name:value:)`` for a level or floor out of range.
    public init(levels: [Double], minimumShare: Double) throws(MechanismError) {
        guard !levels.isEmpty else { throw .invalidValue(name: "number of action levels", value: 0) }
        for (index, level) in levels.enumerated() where !(level.isFinite && level > -1) {
            throw .invalidValue(name: "action level \(index) (must be > -1)", value: level)
        }
        guard minimumShare.isFinite, minimumShare > 0, minimumShare < 1 else {
            throw .invalidValue(name: "minimum share s_min (must be in (0, 1))", value: minimumShare)
        }
        self.init(uncheckedLevels: levels, minimumShare: minimumShare)
    }

    private init(uncheckedLevels levels: [Double], minimumShare: Double) {
        self.levels = levels
        self.minimumShare = minimumShare
    }

    /// The number of levels (7 for the standard space).
    public var levelCount: Int { levels.count }

    /// The index of the level 0 (no change), or nil when the space has none.
    public var neutralLevel: Int? { levels.firstIndex(of: 0) }

    /// The index of the largest cut (the smallest level).
    public var lowestLevel: Int { levels.indices.min { levels[$0] < levels[$1] }! }

    /// The index of the largest increase (the largest level).
    public var highestLevel: Int { levels.indices.max { levels[$0] < levels[$1] }! }

    /// Applies one level index per VSP and resource to `allocation`, then normalises.
    ///
    /// - Parameters:
    ///   - actions: Row-major level indices, N * K of them, each in 0..<``levelCount``.
    ///   - allocation: The current allocation (N VSPs, K resources).
    /// - Returns: The new allocation; every column sums to 1.
    /// - Throws: ``MechanismError/invalidActionLevel(vsp:resource:level:)`` for an index out of
    ///   range; ``MechanismError/vspCountMismatch(expected:found:)`` for the wrong count.
    public func apply(_ actions: [Int], to allocation: Allocation) throws(MechanismError) -> Allocation {
        let k = allocation.resourceCount
        guard actions.count == allocation.vspCount * k else {
            throw .vspCountMismatch(expected: allocation.vspCount, found: actions.count / max(k, 1))
        }
        var raw = allocation.shares
        for index in raw.indices {
            let level = actions[index]
            guard levels.indices.contains(level) else {
                throw .invalidActionLevel(vsp: index / k, resource: index % k, level: level)
            }
            raw[index] = max(raw[index] * (1 + levels[level]), minimumShare)
        }
        return try Allocation.normalizing(raw, vspCount: allocation.vspCount, resourceCount: k)
    }
}
