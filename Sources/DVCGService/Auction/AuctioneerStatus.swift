import DVCGCore

/// What `GET /v1/status` and the STATUS= line report.
public struct AuctioneerStatus: Sendable, Equatable, Codable {
    /// The last committed round, `nil` before the first.
    public var lastRound: RoundNumber?
    /// The round that takes bids.
    public var openRound: RoundNumber
    /// Whether rounds are paused.
    public var paused: Bool
    /// VSPs on the roster of the current round.
    public var vsps: Int
    /// Participants of the last round.
    public var lastParticipants: Int
    /// The estimated welfare at the last realised slice.
    public var lastWelfare: Double
    /// The policy file served.
    public var policyPath: String
    /// Its checksum.
    public var policyChecksum: String
    /// The period in seconds.
    public var periodSeconds: Double
    /// Ticks skipped because a round overran its period, since start.
    public var skippedTicks: Int64
    /// The outcome of the last reload, if any.
    public var lastReload: String?
    /// frozen or online.
    public var learning: String
}
