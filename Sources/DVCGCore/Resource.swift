/// One type of network resource the NSP slices among VSPs (the paper's K = 3: bandwidth,
/// computing, cache).
///
/// All mechanism math works in shares of ``capacity``; the capacity and ``unit`` turn a share
/// into a physical slice for status and ledger.
public struct Resource: Hashable, Sendable, Codable {
    /// The resource's name, e.g. `bandwidth`.
    public var name: String
    /// The total amount the NSP can slice each period, in ``unit``; finite and >= 0.
    public var capacity: Double
    /// The unit of ``capacity``, e.g. `MHz`, `GFLOPS`, `GB`.
    public var unit: String

    /// Creates a resource type.
    ///
    /// - Throws: ``MechanismError/invalidValue(name:value:)`` for a negative or non-finite capacity.
    public init(name: String, capacity: Double, unit: String) throws(MechanismError) {
        guard capacity.isFinite, capacity >= 0 else {
            throw .invalidValue(name: "capacity of resource '\(name)' (must be >= 0)", value: capacity)
        }
        self.name = name
        self.capacity = capacity
        self.unit = unit
    }

    /// The paper's three resource types, each with capacity 1 (Section VI normalises them).
    public static let paperDefaults: [Resource] = [
        Resource(uncheckedName: "bandwidth", capacity: 1, unit: "share"),
        Resource(uncheckedName: "computing", capacity: 1, unit: "share"),
        Resource(uncheckedName: "cache", capacity: 1, unit: "share"),
    ]

    private init(uncheckedName name: String, capacity: Double, unit: String) {
        self.name = name
        self.capacity = capacity
        self.unit = unit
    }
}
