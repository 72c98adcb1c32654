import CoreMetrics
import Foundation
import Metrics
import Prometheus

/// The daemon's metrics: swift-metrics instruments backed by a swift-prometheus registry of their own, which
/// `GET /metrics` exposes as Prometheus text.
///
/// Each daemon (and each test's auctioneer) has its own registry, so nothing is bootstrapped globally.
public final class DaemonMetrics: Sendable {
    /// The registry the instruments write to.
    public let registry: PrometheusCollectorRegistry
    /// Rounds committed since start.
    private let rounds: Metrics.Counter
    /// Time from a round's start to its commit.
    private let roundDuration: Metrics.Timer
    /// VoI estimate of the last round's realised welfare, in VC.
    private let welfare: Metrics.Gauge
    /// The last round's VC pool F_P, in VC.
    private let pool: Metrics.Gauge
    /// VSPs that took part in the last round.
    private let vsps: Metrics.Gauge
    /// Reloads tried (successful or not).
    private let reloads: Metrics.Counter
    /// Control requests refused with a 4xx or 5xx.
    private let rejectedRequests: Metrics.Counter
    /// Ledger writes that failed (round commits and others).
    private let ledgerWriteFailures: Metrics.Counter
    /// 1 while the ledger cannot commit (status `degraded`), else 0.
    private let degraded: Metrics.Gauge
    /// Control connections open now.
    private let connections: Metrics.Gauge
    /// Control connections refused over `control.max_connections` or `max_connections_per_peer`.
    private let refusedConnections: Metrics.Counter

    /// Instruments on a new registry.
    public init() {
        registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        rounds = Metrics.Counter(label: "dvcg_rounds_total", factory: factory)
        roundDuration = Metrics.Timer(label: "dvcg_round_duration_seconds", factory: factory)
        welfare = Metrics.Gauge(label: "dvcg_welfare_estimate", factory: factory)
        pool = Metrics.Gauge(label: "dvcg_pool", factory: factory)
        vsps = Metrics.Gauge(label: "dvcg_vsps", factory: factory)
        reloads = Metrics.Counter(label: "dvcg_reloads_total", factory: factory)
        rejectedRequests = Metrics.Counter(label: "dvcg_control_rejected_requests_total", factory: factory)
        ledgerWriteFailures = Metrics.Counter(label: "dvcg_ledger_write_failures_total", factory: factory)
        degraded = Metrics.Gauge(label: "dvcg_degraded", factory: factory)
        degraded.record(0)
        connections = Metrics.Gauge(label: "dvcg_control_connections", factory: factory)
        refusedConnections = Metrics.Counter(label: "dvcg_control_refused_connections_total", factory: factory)
    }

    /// Records a committed round: its duration in seconds, welfare estimate and pool in VC, participants.
    func roundCommitted(seconds: Double, welfare: Double, pool: Double, participants: Int) {
        rounds.increment()
        roundDuration.recordNanoseconds(Int64(seconds * 1e9))
        self.welfare.record(welfare)
        self.pool.record(pool)
        vsps.record(Double(participants))
    }

    /// Counts a reload, successful or not.
    func reloadTried() { reloads.increment() }

    /// Counts a failed ledger write.
    func ledgerWriteFailed() { ledgerWriteFailures.increment() }

    /// Records whether the daemon is degraded.
    func degradedChanged(_ isDegraded: Bool) { degraded.record(isDegraded ? 1 : 0) }

    /// Records the open control connections, and counts a refused one.
    func connectionsChanged(open: Int, refused: Bool) {
        connections.record(Double(open))
        if refused { refusedConnections.increment() }
    }

    /// Counts a refused control request.
    func requestRejected() { rejectedRequests.increment() }

    /// The Prometheus text exposition of every instrument.
    public func exposition() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
