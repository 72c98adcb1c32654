import DVCGCore

/// Why a bid was refused.
public enum BidRejection: Equatable, Sendable, CustomStringConvertible {
    /// The round has started (or is over); bids are accepted until a round's start.
    case roundClosed(RoundNumber, open: RoundNumber)
    /// Bids are only taken for the next round.
    case roundNotOpen(RoundNumber, open: RoundNumber)
    /// The VSP is not on the roster of the open round.
    case notRegistered(VSPID)
    /// The VSP is simulated: it bids by its own strategy inside the daemon.
    case simulated(VSPID)
    /// Negative, NaN or infinite.
    case invalidAmount(Double)
    /// The ledger cannot record the bid (or the daemon is degraded); the message says why.
    case ledgerUnavailable(String)

    /// What an operator or a VSP reads.
    public var description: String {
        switch self {
        case .roundClosed(let round, let open): return "round \(round) is closed; bids are open for round \(open)"
        case .roundNotOpen(let round, let open):
            return "round \(round) is not open yet; bids are open for round \(open)"
        case .notRegistered(let id): return "VSP \(id) is not registered"
        case .simulated(let id): return "VSP \(id) is simulated; it bids by its own strategy inside dvcgd"
        case .invalidAmount(let amount): return "bid \(messageNumber(amount)) is not a finite number >= 0"
        case .ledgerUnavailable(let message): return message
        }
    }
}

/// Whether a bid was taken.
public enum BidDecision: Equatable, Sendable {
    /// Taken for the open round (replacing an earlier bid of the same VSP).
    case accepted
    /// Refused, with the reason.
    case rejected(BidRejection)
}

/// Sealed bids for the open round: round t takes bids until it starts, then round t + 1 opens.
public struct BidBook: Sendable, Equatable {
    /// The round that takes bids.
    public private(set) var openRound: RoundNumber
    /// Bids for the open round.
    public private(set) var bids: [VSPID: Double] = [:]

    /// A book open for `round`.
    public init(openRound: RoundNumber) { self.openRound = openRound }

    /// Takes or refuses a bid.
    ///
    /// - Parameters:
    ///   - amount: The bid in VC.
    ///   - vsp: The bidder; `registered` says whether it is on the open round's roster.
    ///   - round: The round the bid is for.
    public mutating func receive(_ amount: Double, from vsp: VSPID, for round: RoundNumber, registered: Bool)
        -> BidDecision
    {
        if round < openRound { return .rejected(.roundClosed(round, open: openRound)) }
        if round > openRound { return .rejected(.roundNotOpen(round, open: openRound)) }
        guard registered else { return .rejected(.notRegistered(vsp)) }
        guard amount.isFinite, amount >= 0 else { return .rejected(.invalidAmount(amount)) }
        bids[vsp] = amount
        return .accepted
    }

    /// Closes the open round at its start and opens the next.
    ///
    /// - Returns: The closed round and its bids.
    public mutating func close() -> (round: RoundNumber, bids: [VSPID: Double]) {
        let closed = (openRound, bids)
        openRound = openRound.next
        bids = [:]
        return closed
    }

    /// Drops the bid of a VSP that leaves the roster.
    public mutating func withdraw(_ vsp: VSPID) { bids[vsp] = nil }
}
