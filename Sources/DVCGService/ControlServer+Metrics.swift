import DVCGControl

extension ControlServer {
    /// The Prometheus text exposition (format 0.0.4) of `GET /metrics`.
    static func metricsText(
        _ snapshot: (counters: AuctionCounters, last: LastRoundStatus?, vsps: Int), rejected: UInt64
    ) -> String {
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(String, String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for (suffix, value) in samples { lines.append("\(name)\(suffix) \(value)") }
        }
        let counters = snapshot.counters
        metric("dvcg_rounds_total", "counter", "Rounds committed since start.", [("", "\(counters.rounds)")])
        var cumulative: UInt64 = 0
        var buckets: [(String, String)] = []
        for (bound, count) in zip(AuctionCounters.latencyBuckets, counters.latencyCounts) {
            cumulative += count
            buckets.append(("_bucket{le=\"\(bound)\"}", "\(cumulative)"))
        }
        buckets.append(("_bucket{le=\"+Inf\"}", "\(counters.rounds)"))
        buckets.append(("_sum", "\(counters.latencySum)"))
        buckets.append(("_count", "\(counters.rounds)"))
        metric("dvcg_round_duration_seconds", "histogram", "Time from a round's start to its commit.", buckets)
        metric(
            "dvcg_welfare_estimate", "gauge", "VoI estimate of the last round's realised welfare, in VC.",
            [("", "\(snapshot.last?.welfareEstimate ?? 0)")])
        metric("dvcg_pool", "gauge", "The last round's VC pool F_P, in VC.", [("", "\(snapshot.last?.pool ?? 0)")])
        metric("dvcg_vsps", "gauge", "VSPs on the roster of the current round.", [("", "\(snapshot.vsps)")])
        metric("dvcg_reloads_total", "counter", "Reloads tried since start.", [("", "\(counters.reloads)")])
        metric(
            "dvcg_control_rejected_requests_total", "counter", "Control requests refused with a 4xx or 5xx.",
            [("", "\(rejected)")])
        return lines.joined(separator: "\n") + "\n"
    }
}
