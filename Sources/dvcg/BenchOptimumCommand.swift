import ArgumentParser
import DVCGCommandLine
import DVCGCore
import DVCGSimulation
import Foundation

/// `dvcg bench optimum`: the median time of the exact optimum at several N.
struct BenchOptimumCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimum",
        abstract: "Time the exact welfare optimum on paper instances (median over repetitions; use a release build).",
        discussion: "Targets: N = 50 under 10 ms and N = 1000 under 1 s. Reports; never fails on a missed target."
    )

    @Option(name: .long, parsing: .upToNextOption, help: "The roster sizes N to time.")
    var vsps: [Int] = [10, 50, 1000]

    @Option(name: .long, help: "The minimum number of timed runs per N.")
    var repetitions = 21

    @Option(name: .long, help: "The seed of the paper instances.")
    var seed: UInt64 = 1

    @Flag(name: .long, help: "Print the results as JSON.")
    var json = false

    func validate() throws {
        if let size = vsps.first(where: { !(1...1_000_000).contains($0) }) {
            throw valueError("--vsps", expected: "roster sizes in [1, 1000000]", found: "\(size)")
        }
        guard (1...10_000).contains(repetitions) else {
            throw valueError("--repetitions", expected: "an integer in [1, 10000]", found: "\(repetitions)")
        }
    }

    /// One row of the results.
    struct Row: Encodable {
        let vsps: Int
        let runs: Int
        let median_ms: Double
        let min_ms: Double
        let max_ms: Double
        let newton_steps: Int
        let relative_gap: Double
        let target_ms: Double?
    }

    func run() async throws {
        warnIfDebugBuild("dvcg: bench: optimum")
        let solver = WelfareOptimizer()
        let clock = ContinuousClock()
        var rows: [Row] = []
        for n in vsps {
            let instance = ProblemInstance.paper(vspCount: n, seed: seed)
            var optimum = try solver.solve(capacities: instance.capacities, utilities: instance.utilities)
            var times: [Double] = []
            let started = clock.now
            // At least `repetitions` runs, and more for fast cases until half a second has passed.
            while times.count < repetitions || (clock.now - started < .milliseconds(500) && times.count < 10_000) {
                let elapsed = try clock.measure {
                    optimum = try solver.solve(capacities: instance.capacities, utilities: instance.utilities)
                }
                times.append(microseconds(elapsed) / 1000)
            }
            times.sort()
            let target: Double? = n == 50 ? 10 : (n == 1000 ? 1000 : nil)
            rows.append(
                Row(
                    vsps: n, runs: times.count, median_ms: median(times), min_ms: times[0],
                    max_ms: times[times.count - 1], newton_steps: optimum.newtonSteps,
                    relative_gap: optimum.gapBound / max(optimum.welfare, 1e-300), target_ms: target))
        }
        if json {
            try printJSON(rows)
            return
        }
        var table = [["N", "runs", "median (ms)", "min (ms)", "max (ms)", "Newton steps", "rel. gap", "target (ms)"]]
        for row in rows {
            table.append([
                String(row.vsps), String(row.runs), format(row.median_ms, digits: 3), format(row.min_ms, digits: 3),
                format(row.max_ms, digits: 3), String(row.newton_steps), String(format: "%.1e", row.relative_gap),
                row.target_ms.map { format($0, digits: 0) } ?? "-",
            ])
        }
        print(alignedTable(table))
    }
}
