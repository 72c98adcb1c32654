import Foundation
import Prometheus

/// The daemon's metrics: instruments on a swift-prometheus registry of their own, which `GET /metrics` (on the
/// control socket and on `metrics.listen`) exposes as Prometheus text, each with its `# HELP` line
/// (`promtool check metrics` is clean).
///
/// Each daemon (and each test's auctioneer) has its own registry, so nothing is bootstrapped globally.
public final class DaemonMetrics: Sendable {
    /// The registry the instruments write to.
    public let registry: PrometheusCollectorRegistry
    /// Rounds committed since start.
    private let rounds: Prometheus.Counter
    /// Time from a round's start to its commit.
    private let roundDuration: DurationHistogram
    /// VoI estimate of the last round's realised welfare, in VC.
    private let welfare: Prometheus.Gauge
    /// The last round's VC pool F_P, in VC.
    private let pool: Prometheus.Gauge
    /// VSPs that took part in the last round.
    private let vsps: Prometheus.Gauge
    /// Reloads tried (successful or not).
    private let reloads: Prometheus.Counter
    /// Reloads refused (the previous policy kept serving).
    private let failedReloads: Prometheus.Counter
    /// Ticks skipped because a round overran its period.
    private let skippedTicks: Prometheus.Counter
    /// Control requests refused with a 4xx or 5xx.
    private let rejectedRequests: Prometheus.Counter
    /// Ledger writes that failed (round commits and others).
    private let ledgerWriteFailures: Prometheus.Counter
    /// 1 while the ledger cannot commit (status `degraded`), else 0.
    private let degraded: Prometheus.Gauge
    /// Control connections open now.
    private let connections: Prometheus.Gauge
    /// Control connections refused over `control.max_connections` or `max_connections_per_peer`.
    private let refusedConnections: Prometheus.Counter
    /// The bank's efficiency estimate of the last round (welfare estimate over the VoI optimum estimate).
    private let efficiency: Prometheus.Gauge
    /// The last round's true welfare over the certified optimum, when every participant was simulated.
    private let trueEfficiency: Prometheus.Gauge
    /// Participants of the last round whose VoI net was fitted.
    private let fittedVSPs: Prometheus.Gauge
    /// Switches of online learning's safeguard between the learner and its baselines.
    private let safeguardSwitches: Prometheus.Counter
    /// 1 while the learner serves, 0 while a baseline does (online learning only).
    private let learnerServing: Prometheus.Gauge

    /// The round-duration histogram's buckets: 1 ms to 10 s.
    static let roundDurationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    /// The descriptor of a metric whose full name is `name` (no namespace or unit parts of its own), with `help`.
    static func named(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// Instruments on a new registry.
    public init() {
        registry = PrometheusCollectorRegistry()
        rounds = registry.makeCounter(descriptor: Self.named("dvcg_rounds_total", "Rounds committed since start."))
        roundDuration = registry.makeDurationHistogram(
            descriptor: Self.named(
                "dvcg_round_duration_seconds", "Time from a round's start to its commit, in seconds."),
            buckets: Self.roundDurationBuckets)
        welfare = registry.makeGauge(
            descriptor: Self.named(
                "dvcg_welfare_estimate", "The last round's estimated social welfare sum_i f_i(s~_i), in VC."))
        pool = registry.makeGauge(descriptor: Self.named("dvcg_pool", "The last round's VC pool F_P, in VC."))
        vsps = registry.makeGauge(descriptor: Self.named("dvcg_vsps", "VSPs that took part in the last round."))
        reloads = registry.makeCounter(
            descriptor: Self.named("dvcg_reloads_total", "Reloads tried since start, refused or not."))
        failedReloads = registry.makeCounter(
            descriptor: Self.named(
                "dvcg_reload_failures_total", "Reloads refused since start (the previous policy kept serving)."))
        skippedTicks = registry.makeCounter(
            descriptor: Self.named(
                "dvcg_skipped_ticks_total", "Ticks skipped since start because a round overran its period."))
        rejectedRequests = registry.makeCounter(
            descriptor: Self.named(
                "dvcg_control_rejected_requests_total", "Control requests refused with a 4xx or 5xx."))
        ledgerWriteFailures = registry.makeCounter(
            descriptor: Self.named(
                "dvcg_ledger_write_failures_total", "Ledger writes (round commits and others) that failed."))
        degraded = registry.makeGauge(
            descriptor: Self.named("dvcg_degraded", "1 while the ledger cannot commit (status degraded), else 0."))
        degraded.set(0.0)
        connections = registry.makeGauge(
            descriptor: Self.named("dvcg_control_connections", "Control connections open now."))
        refusedConnections = registry.makeCounter(
            descriptor: Self.named(
                "dvcg_control_refused_connections_total",
                "Control connections refused over control.max_connections or max_connections_per_peer."))
        efficiency = registry.makeGauge(
            descriptor: Self.named(
                "dvcg_efficiency_estimate",
                "The bank's estimated efficiency of the last round: its welfare estimate over its VoI-net optimum."))
        trueEfficiency = registry.makeGauge(
            descriptor: Self.named(
                "dvcg_true_efficiency",
                "The last round's true welfare over the certified optimum (all participants simulated only)."))
        fittedVSPs = registry.makeGauge(
            descriptor: Self.named(
                "dvcg_fitted_vsps", "Participants of the last round whose VoI net is fitted to their reports."))
        safeguardSwitches = registry.makeCounter(
            descriptor: Self.named(
                "dvcg_safeguard_switches_total",
                "Switches of online learning's safeguard between the learner and its baselines since start."))
        learnerServing = registry.makeGauge(
            descriptor: Self.named(
                "dvcg_learner_serving", "1 while the online learner serves, 0 while a baseline does."))
    }

    /// Records the bank's view of a committed round: its efficiency estimate, the true efficiency when
    /// known, the fitted VoI nets, and what served it while learning online (a switch is counted).
    func roundAssessed(
        efficiencyEstimate: Double?, trueEfficiency: Double?, fittedVSPs: Int, serving: String?, switched: Bool
    ) {
        if let efficiencyEstimate { efficiency.set(efficiencyEstimate) }
        if let trueEfficiency { self.trueEfficiency.set(trueEfficiency) }
        self.fittedVSPs.set(Double(fittedVSPs))
        if let serving { learnerServing.set(serving == "learner" ? 1.0 : 0.0) }
        if switched { safeguardSwitches.increment() }
    }

    /// Records a committed round: its duration in seconds, welfare estimate and pool in VC, participants.
    func roundCommitted(seconds: Double, welfare: Double, pool: Double, participants: Int) {
        rounds.increment()
        roundDuration.record(.nanoseconds(Int64(seconds * 1e9)))
        self.welfare.set(welfare)
        self.pool.set(pool)
        vsps.set(Double(participants))
    }

    /// Counts a reload, and a refused one among the failures.
    func reloadTried(succeeded: Bool) {
        reloads.increment()
        if !succeeded { failedReloads.increment() }
    }

    /// Counts ticks skipped because a round overran its period.
    func ticksSkipped(_ count: Int64) { skippedTicks.increment(by: count) }

    /// Counts a failed ledger write.
    func ledgerWriteFailed() { ledgerWriteFailures.increment() }

    /// Records whether the daemon is degraded.
    func degradedChanged(_ isDegraded: Bool) { degraded.set(isDegraded ? 1.0 : 0.0) }

    /// Records the open control connections, and counts a refused one.
    func connectionsChanged(open: Int, refused: Bool) {
        connections.set(Double(open))
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
