import ArgumentParser
import DVCGCheckpoint
import DVCGCommandLine
import DVCGCore
import DVCGMechanism
import DVCGSimulation
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `dvcg bench round`: latency of one mechanism round with a frozen policy, and with online learning.
struct BenchRoundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "round",
        abstract: "Measure the latency of one mechanism round (use a release build).",
        discussion: """
            Registers the N VSPs of `dvcg instance --vsps N --seed 1` with template networks (or \
            each --policy in turn), then times the mechanism's round with truthful bids (frozen, greedy policy; exact \
            counterfactuals up to N = 64, first order above) and reports the median and p99 latency \
            and the peak resident memory (getrusage maxrss). With --learning, each timed round also \
            runs one online update of every VSP (target < 50 ms at N = 50). Targets of the frozen \
            round: 2 ms at N = 50, 100 ms at N = 10,000. A shared policy's bank fits the VoI nets to \
            each round's reports between rounds, as the daemon does after a commit: that is timed apart, \
            as "fit", and "total" is round plus fit.
            """
    )

    @Option(parsing: .upToNextOption, help: "Roster sizes to measure.")
    var vsps: [Int] = [10, 50, 1000, 10000]

    @Option(help: "Timed rounds per size (at least 5).")
    var rounds = 200

    @Flag(help: "Also run one online learning update per round.")
    var learning = false

    @Option(
        help:
            "A policy to serve instead of untrained per-VSP template networks; repeat it to measure several side by side."
    )
    var policy: [String] = []

    @Flag(help: "Print the results as JSON.")
    var json = false

    struct Result: Codable {
        var policy: String
        var vsps: Int
        var learning: Bool
        var medianMilliseconds: Double
        var p99Milliseconds: Double
        /// The bank's VoI fitting between rounds (zero for a per-VSP policy).
        var fitMedianMilliseconds: Double
        /// Round plus fit, per round.
        var totalMedianMilliseconds: Double
        var maxRSSMegabytes: Double
    }

    func validate() throws {
        try requireAtLeast(5, [("--rounds", rounds)])
        try requireAtLeast(1, vsps.map { ("--vsps", $0) })
    }

    func run() async throws {
        warnIfDebugBuild("dvcg: bench: round")
        var results: [Result] = []
        var policies: [(name: String, checkpoint: PolicyCheckpoint)] = []
        for path in policy {
            do { policies.append((path, try PolicyCheckpoint.load(from: path))) } catch {
                throw CommandFailure.invalid("\(path): \(error)")
            }
        }
        if policies.isEmpty {
            var generator = SeededGenerator(seed: 1)
            let template = NetworkSet(architecture: .standard(), using: &generator)
            policies.append(("template", PolicyCheckpoint(architecture: .standard(), template: template)))
        }
        for n in vsps {
            let instance = ProblemInstance.paper(vspCount: n, seed: 1)
            for (name, policy) in policies {
                var configuration = MechanismConfiguration(learns: learning)
                configuration.learning.warmUpTransitions = 1
                var engine = try PolicyTrainer.engine(
                    policy: policy, instance: instance, configuration: configuration, seed: 1)
                var market = SimulatedMarket(
                    instance: instance, population: try BiddingPopulation(instance: instance), seed: 1)
                let clock = ContinuousClock()
                var samples: [Double] = []
                var fits: [Double] = []
                var totals: [Double] = []
                let count = max(rounds, 5)
                let warmUp = min(10, count)
                for t in 1...(count + warmUp) {
                    let bids = try market.bids()
                    let start = clock.now
                    let outcome = try engine.runRound(round: RoundNumber(UInt64(t)), bids: bids)
                    if learning { engine.learn() }
                    let elapsed = clock.now - start
                    // Reports feed alpha-hat and the VoI data as the daemon's would.
                    for entry in outcome.entries {
                        let i = Int(entry.vsp.rawValue.dropFirst("vsp-".count))!
                        let slice = zip(entry.realisedShares, instance.capacities).map { $0 * $1 }
                        market.lastSlices[i] = slice
                        let u = try instance.utilities[i].value(at: slice)
                        try engine.record(
                            report: FinancialReport(vsp: entry.vsp, round: outcome.round, utility: u, grossProfit: u))
                    }
                    let fitStart = clock.now
                    engine.fitVoINets()
                    let fitted = clock.now - fitStart
                    if t > warmUp {
                        samples.append(elapsed / .milliseconds(1))
                        fits.append(fitted / .milliseconds(1))
                        totals.append((elapsed + fitted) / .milliseconds(1))
                    }
                }
                samples.sort()
                var usage = rusage()
                getrusage(RUSAGE_SELF.rawValue, &usage)
                results.append(
                    Result(
                        policy: name, vsps: n, learning: learning, medianMilliseconds: percentile(samples, 0.5),
                        p99Milliseconds: percentile(samples, 0.99),
                        fitMedianMilliseconds: percentile(fits.sorted(), 0.5),
                        totalMedianMilliseconds: percentile(totals.sorted(), 0.5),
                        maxRSSMegabytes: Double(usage.ru_maxrss) / 1024))
            }
        }
        if json {
            try printJSON(results, snakeCaseKeys: true)
            return
        }
        var rows = [["policy", "vsps", "learning", "median ms", "p99 ms", "fit ms", "total ms", "max RSS MB"]]
        for r in results {
            rows.append([
                r.policy, String(r.vsps), r.learning ? "yes" : "no", format(r.medianMilliseconds, digits: 3),
                format(r.p99Milliseconds, digits: 3), format(r.fitMedianMilliseconds, digits: 3),
                format(r.totalMedianMilliseconds, digits: 3), format(r.maxRSSMegabytes, digits: 1),
            ])
        }
        print(alignedTable(rows))
    }
}
