/// How long and how many connections the control socket holds (`control.idle_timeout`, `header_timeout`,
/// `max_connections`, `max_connections_per_peer` in dvcgd.yaml).
///
/// A connection over a limit gets `503 too_many_connections` and is closed at once; one that sends nothing for
/// ``idleTimeout`` between requests, does not finish a request head within ``headerTimeout`` of its first byte,
/// or does not read a response for ``idleTimeout`` is closed (the last two with `408` or without a word).
public struct ConnectionLimits: Sendable, Equatable {
    /// A connection with no request in progress and nothing received for this long is closed (30 s).
    public var idleTimeout: Duration = .seconds(30)
    /// A request head must be complete this long after its first byte arrived (10 s); else 408 and close.
    public var headerTimeout: Duration = .seconds(10)
    /// Open connections at most, over all peers (256).
    public var maximumConnections = 256
    /// Open connections at most from one user id (SO_PEERCRED), root included (32).
    public var maximumConnectionsPerPeer = 32

    /// The defaults.
    public init() {}
}
