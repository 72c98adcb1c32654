import ArgumentParser
import DVCGCore
import DVCGLearning
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

    func run() async throws {
        let paper: [Int: Double] = [10: 1_570, 50: 36_600]
        var rows: [(Int, Double)] = []
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
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let csv =
            "n,rounds,seconds,paper_seconds\n"
            + rows.map { "\($0.0),\(rounds),\($0.1),\(paper[$0.0].map { String($0) } ?? "")" }.joined(separator: "\n")
            + "\n"
        try Data(csv.utf8).write(to: URL(fileURLWithPath: out + "/runtime.csv"))
        let chart = SVGChart(
            title: "Table III: training wall time, \(rounds) rounds", xLabel: "number of VSPs N", yLabel: "seconds",
            series: [SVGChart.Series(name: "dvcg (this machine)", points: rows.map { (Double($0.0), $0.1) })])
        try Data(chart.svg.utf8).write(to: URL(fileURLWithPath: out + "/runtime.svg"))
        var table = [["N", "rounds", "seconds", "paper seconds"]]
        for (n, seconds) in rows {
            table.append([
                String(n), String(rounds), format(seconds, digits: 2), paper[n].map { format($0, digits: 0) } ?? "-",
            ])
        }
        print(alignedTable(table))
    }
}
