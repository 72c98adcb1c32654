import DVCGCore

/// A change of the roster, effective at a round boundary (table `roster_events`).
public struct RosterEvent: Sendable, Equatable {
    /// Added or removed.
    public enum Kind: String, Sendable, Equatable, Codable {
        /// The VSP joins the auction.
        case add
        /// The VSP leaves the auction.
        case remove
    }

    /// Add or remove.
    public var kind: Kind
    /// The first round the change applies to.
    public var boundary: RoundNumber
    /// The VSP's definition (for a removal, the definition it had).
    public var definition: VSPDefinition

    /// An event.
    public init(kind: Kind, boundary: RoundNumber, definition: VSPDefinition) {
        self.kind = kind
        self.boundary = boundary
        self.definition = definition
    }
}
