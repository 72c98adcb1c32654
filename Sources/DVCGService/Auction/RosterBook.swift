import DVCGCore

/// Why a roster change was refused.
public enum RosterRejection: Error, Equatable, Sendable, CustomStringConvertible {
    /// The VSP is (or will be at the next boundary) on the roster.
    case alreadyRegistered(VSPID)
    /// The VSP is not (or will not be at the next boundary) on the roster.
    case notRegistered(VSPID)
    /// The VSP's removal is already queued: it leaves at `boundary`.
    case leaving(VSPID, boundary: RoundNumber)

    /// What an operator reads.
    public var description: String {
        switch self {
        case .alreadyRegistered(let id): return "VSP '\(id)' is already on the roster"
        case .notRegistered(let id): return "VSP '\(id)' is not on the roster"
        case .leaving(let id, let boundary): return "VSP '\(id)' already leaves the roster at round \(boundary)"
        }
    }
}

/// The roster and its pending changes: additions and removals take effect at the next round boundary.
public struct RosterBook: Sendable, Equatable {
    /// The VSPs of the current round, by id.
    public private(set) var active: [VSPID: VSPDefinition] = [:]
    /// Changes waiting for the next boundary, in order.
    public private(set) var pending: [RosterEvent] = []

    /// An empty roster.
    public init() {}

    /// Replays persisted events: those with a boundary at or before `nextRound` are applied, later ones stay pending.
    public init(replaying events: [RosterEvent], nextRound: RoundNumber) {
        for event in events {
            if event.boundary < nextRound { Self.apply(event, to: &active) } else { pending.append(event) }
        }
    }

    /// The roster as it will be at the next boundary.
    public var upcoming: [VSPID: VSPDefinition] {
        var roster = active
        for event in pending { Self.apply(event, to: &roster) }
        return roster
    }

    /// Queues an addition for `boundary`.
    /// - Returns: The event to persist, or why not.
    public mutating func add(_ definition: VSPDefinition, at boundary: RoundNumber) -> Result<
        RosterEvent, RosterRejection
    > {
        guard upcoming[definition.id] == nil else { return .failure(.alreadyRegistered(definition.id)) }
        let event = RosterEvent(kind: .add, boundary: boundary, definition: definition)
        pending.append(event)
        return .success(event)
    }

    /// Queues a removal for `boundary`.
    /// - Returns: The event to persist, or why not.
    public mutating func remove(_ vsp: VSPID, at boundary: RoundNumber) -> Result<RosterEvent, RosterRejection> {
        guard let definition = upcoming[vsp] else {
            if let removal = pending.last(where: { $0.kind == .remove && $0.definition.id == vsp }) {
                return .failure(.leaving(vsp, boundary: removal.boundary))
            }
            return .failure(.notRegistered(vsp))
        }
        let event = RosterEvent(kind: .remove, boundary: boundary, definition: definition)
        pending.append(event)
        return .success(event)
    }

    /// Applies the pending changes at a round boundary.
    /// - Returns: The applied changes, in order, for the engine.
    public mutating func crossBoundary() -> [RosterEvent] {
        let applied = pending
        for event in applied { Self.apply(event, to: &active) }
        pending = []
        return applied
    }

    private static func apply(_ event: RosterEvent, to roster: inout [VSPID: VSPDefinition]) {
        switch event.kind {
        case .add: roster[event.definition.id] = event.definition
        case .remove: roster[event.definition.id] = nil
        }
    }
}
