import Foundation
import Logging
import Synchronization

/// Counts the control socket's open connections, in all and per peer user id, and admits a new one only under
/// both limits (``ConnectionLimits``).
///
/// A refused connection is answered `503 too_many_connections` and closed by ``ConnectionGate``; refusals are
/// logged at warning, the first of a burst at once and then at most every ``reportInterval`` seconds with the
/// count since.
final class ConnectionAdmission: Sendable {
    /// How often a burst of refusals is logged again.
    static let reportInterval: TimeInterval = 10

    /// What an admission decided.
    enum Verdict: Equatable {
        /// Counted; released when the connection closes.
        case admitted
        /// `max_connections` are open.
        case overTotal(limit: Int)
        /// `max_connections_per_peer` are open from this user id.
        case overPeer(limit: Int)
    }

    private struct Counts {
        var total = 0
        var byPeer: [UInt32: Int] = [:]
        var refusedSinceReport = 0
        var lastReport: Date?
    }

    /// The limits applied.
    let limits: ConnectionLimits
    private let counts = Mutex(Counts())
    private let logger: Logger
    private let metrics: DaemonMetrics?

    /// Admission under `limits`; refusals are logged to `logger` and counted in `metrics`.
    init(limits: ConnectionLimits, logger: Logger, metrics: DaemonMetrics?) {
        self.limits = limits
        self.logger = logger
        self.metrics = metrics
    }

    /// Connections open now.
    var openConnections: Int { counts.withLock { $0.total } }

    /// Admits a connection from `peer` (`nil`: the kernel did not say; counted in the total only), or refuses it.
    func admit(_ peer: PeerCredentialReader.UCred?) -> Verdict {
        let (verdict, report) = counts.withLock { counts -> (Verdict, Int?) in
            let fromPeer = peer.map { counts.byPeer[$0.uid, default: 0] } ?? 0
            let verdict: Verdict
            if counts.total >= limits.maximumConnections {
                verdict = .overTotal(limit: limits.maximumConnections)
            } else if peer != nil, fromPeer >= limits.maximumConnectionsPerPeer {
                verdict = .overPeer(limit: limits.maximumConnectionsPerPeer)
            } else {
                counts.total += 1
                if let peer { counts.byPeer[peer.uid] = fromPeer + 1 }
                return (.admitted, nil)
            }
            counts.refusedSinceReport += 1
            let now = Date()
            guard counts.lastReport.map({ now.timeIntervalSince($0) >= Self.reportInterval }) ?? true else {
                return (verdict, nil)
            }
            defer {
                counts.lastReport = now
                counts.refusedSinceReport = 0
            }
            return (verdict, counts.refusedSinceReport)
        }
        metrics?.connectionsChanged(open: openConnections, refused: verdict != .admitted)
        if let report {
            logger.warning(
                "control connection refused: too many connections",
                metadata: [
                    "uid": "\(peer.map { String($0.uid) } ?? "unknown")",
                    "pid": "\(peer.map { String($0.pid) } ?? "unknown")", "reason": "\(verdict.reason)",
                    "refused_since_last_report": "\(report)", "open_connections": "\(openConnections)",
                ])
        }
        return verdict
    }

    /// Forgets an admitted connection that closed.
    func release(_ peer: PeerCredentialReader.UCred?) {
        counts.withLock { counts in
            counts.total -= 1
            guard let uid = peer?.uid, let open = counts.byPeer[uid] else { return }
            counts.byPeer[uid] = open > 1 ? open - 1 : nil
        }
        metrics?.connectionsChanged(open: openConnections, refused: false)
    }
}

extension ConnectionAdmission.Verdict {
    /// What the refused client reads.
    var reason: String {
        switch self {
        case .admitted: return "admitted"
        case .overTotal(let limit):
            return "connection: \(limit) connections are open, the limit (control.max_connections); try again later"
        case .overPeer(let limit):
            return
                "connection: \(limit) connections are open from your user id, the limit (control.max_connections_per_peer); close one and try again"
        }
    }
}
