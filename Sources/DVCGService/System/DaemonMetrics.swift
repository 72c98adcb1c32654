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
    /// The bank's efficiency estimate of the last round (welfare estimate over the VoI optimum estimate).
    private let efficiency: Metrics.Gauge
    /// The last round's true welfare over the certified optimum, when every participant was simulated.
    private let trueEfficiency: Metrics.Gauge
    /// Participants of the last round whose VoI net was fitted.
    private let fittedVSPs: Metrics.Gauge
    /// Switches of online learning's safeguard between the learner and its baselines.
    private let safeguardSwitches: Metrics.Counter
    /// 1 while the learner serves, 0 while a baseline does (online learning only).
    private let learnerServing: Metrics.Gauge

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
        efficiency = Metrics.Gauge(label: "dvcg_efficiency_estimate", factory: factory)
        trueEfficiency = Metrics.Gauge(label: "dvcg_true_efficiency", factory: factory)
        fittedVSPs = Metrics.Gauge(label: "dvcg_fitted_vsps", factory: factory)
        safeguardSwitches = Metrics.Counter(label: "dvcg_safeguard_switches_total", factory: factory)
        learnerServing = Metrics.Gauge(label: "dvcg_learner_serving", factory: factory)
    }

    /// Records the bank's view of a committed round: its efficiency estimate, the true efficiency when
    /// known, the fitted VoI nets, and what served it while learning online (a switch is counted).
    func roundAssessed(
        efficiencyEstimate: Double?, trueEfficiency: Double?, fittedVSPs: Int, serving: String?, switched: Bool
    ) {
        if let efficiencyEstimate { efficiency.record(efficiencyEstimate) }
        if let trueEfficiency { self.trueEfficiency.record(trueEfficiency) }
        self.fittedVSPs.record(Double(fittedVSPs))
        if let serving { learnerServing.record(serving == "learner" ? 1 : 0) }
        if switched { safeguardSwitches.increment() }
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

    /// Counts a refused control request.
    func requestRejected() { rejectedRequests.increment() }

    /// The Prometheus text exposition of every instrument.
    public func exposition() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
