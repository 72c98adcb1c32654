import ArgumentParser
import DVCGCheckpoint
import DVCGCommandLine
import DVCGCore
import DVCGMechanism
import DVCGSimulation
import Foundation

/// `dvcg experiment runtime`: Table III, training wall time against the paper's.
struct RuntimeExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime",
        abstract: "Table III: wall time of 500 training rounds at N = 10 and 50 against the paper's CPU times.",
        discussion: "Writes runtime.csv and runtime.svg. The paper reports 1,570 s (N = 10) and 36,600 s (N = 50).")

    @Option(help: "The folder for runtime.csv and runtime.svg.")
    var out = "experiments"

    @Option(parsing: .upToNextOption, help: "Market sizes.")
    var vsps: [Int] = [10, 50]

    @Option(help: "Training rounds.")
    var rounds = 500

    func validate() throws { try requireAtLeast(1, [("--rounds", rounds)] + vsps.map { ("--vsps", $0) }) }

    @Flag(help: "Also time QVCG at q = 0.01 (allocation and VCG payments; minutes at N = 50).")
    var fine = false

    func run() async throws {
        warnIfDebugBuild("dvcg: experiment: runtime")
        let paper: [Int: Double] = [10: 1_570, 50: 36_600]
        var rows: [(Int, Double)] = []
        var qvcg: [String: [(Int, Double)]] = [:]
        for n in vsps {
            let instance = ProblemInstance.paper(vspCount: n, seed: 1)
            let policy = PolicyTrainer.initialPolicy(vspCount: n, architecture: .standard(), seed: 1)
            var configuration = MechanismConfiguration(learns: true)
            configuration.learning.warmUpTransitions = 1
            var engine = try PolicyTrainer.engine(
                policy: policy, instance: instance, configuration: configuration, seed: 1)
            var market = SimulatedMarket(
                instance: instance, population: try BiddingPopulation(instance: instance), seed: 1)
            let clock = ContinuousClock()
            let start = clock.now
            for t in 1...rounds {
                if (t - 1) % 100 == 0 {
                    engine.resetAllocation()
                    market.resetSlices()
                }
                _ = try market.step(engine: &engine, round: RoundNumber(UInt64(t)))
                engine.learn()
            }
            rows.append((n, (clock.now - start) / .seconds(1)))
            let optimum = try WelfareOptimizer().solve(capacities: instance.capacities, utilities: instance.utilities)
            for step in fine ? [0.05, 0.01] : [0.05] {
                let begin = clock.now
                _ = QuantizedVCG(step: step).vcg(utilities: instance.utilities, startingPrices: optimum.prices)
                qvcg["QVCG-\(step)", default: []].append((n, (clock.now - begin) / .seconds(1)))
            }
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let csv =
            "n,rounds,seconds,paper_seconds\n"
            + rows.map { "\($0.0),\(rounds),\($0.1),\(paper[$0.0].map { String($0) } ?? "")" }.joined(separator: "\n")
            + "\n"
        try Data(csv.utf8).write(to: URL(fileURLWithPath: out + "/runtime.csv"))
        let chart = SVGChart(
            title: "Table III: training wall time, \(rounds) rounds", xLabel: "number of VSPs N", yLabel: "seconds",
            series: [SVGChart.Series(name: "DVCG-MFMARL training", points: rows.map { (Double($0.0), $0.1) })]
                + qvcg.keys.sorted().map { name in
                    SVGChart.Series(name: name + " VCG", points: qvcg[name]!.map { (Double($0.0), $0.1) })
                })
        try Data(chart.svg.utf8).write(to: URL(fileURLWithPath: out + "/runtime.svg"))
        var table = [["N", "rounds", "seconds", "paper seconds"]]
        for (n, seconds) in rows {
            table.append([
                String(n), String(rounds), format(seconds, digits: 2), paper[n].map { format($0, digits: 0) } ?? "-",
            ])
        }
        for name in qvcg.keys.sorted() {
            for (n, seconds) in qvcg[name]! {
                table.append(["\(name) N = \(n)", "1 solve + payments", format(seconds, digits: 2), "-"])
            }
        }
        print(alignedTable(table))
    }
}
