import ArgumentParser
import DVCGCommandLine
import DVCGCore
import DVCGLearning
import DVCGSimulation
import Foundation

/// `dvcg experiment convergence`: Figs. 4-5, greedy welfare ratio against training rounds.
struct ConvergenceExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convergence",
        abstract: "Figs. 4-5: DVCG-MFMARL's greedy welfare / optimum against training rounds.",
        discussion: """
            Trains on ProblemInstance.paper(vspCount: N, seed: --seed) and evaluates the greedy policy \
            (200 rounds from the equal split, mean of the last 100) every --every rounds. Writes \
            convergence.csv and convergence.svg with the equal split for reference.
            """)

    @Option(help: "The folder for convergence.csv and convergence.svg.")
    var out = "experiments"

    @Option(help: "Number of VSPs.")
    var vsps = 10

    @Option(help: "The instance seed.")
    var seed: UInt64 = 1

    @Option(help: "Training rounds.")
    var rounds = 4_000

    @Option(help: "Rounds between evaluations.")
    var every = 250

    func run() async throws {
        let instance = ProblemInstance.paper(vspCount: vsps, seed: seed)
        var mechanism = MechanismConfiguration()
        mechanism.learning.explorationRounds = rounds / 2
        let result = try PolicyTrainer.train(
            instance: instance,
            configuration: TrainingConfiguration(rounds: rounds, evaluationInterval: every, mechanism: mechanism))
        let split = instance.equalSplitWelfare() / result.optimum
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let csv =
            "round,greedy_ratio,equal_split_ratio\n"
            + result.evaluations.map { "\($0.round),\($0.ratio),\(split)" }.joined(separator: "\n") + "\n"
        try Data(csv.utf8).write(to: URL(fileURLWithPath: out + "/convergence.csv"))
        let chart = SVGChart(
            title: "Figs. 4-5: convergence of DVCG-MFMARL (N = \(vsps), seed \(seed))", xLabel: "training round",
            yLabel: "greedy welfare / optimum",
            series: [
                SVGChart.Series(name: "DVCG-MFMARL", points: result.evaluations.map { (Double($0.round), $0.ratio) }),
                SVGChart.Series(name: "equal split", points: result.evaluations.map { (Double($0.round), split) }),
            ])
        try Data(chart.svg.utf8).write(to: URL(fileURLWithPath: out + "/convergence.svg"))
        var table = [["round", "greedy ratio"]]
        for e in result.evaluations { table.append([String(e.round), format(e.ratio)]) }
        print(alignedTable(table))
    }
}
