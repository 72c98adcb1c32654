import ArgumentParser
import DVCGCommandLine
import DVCGCore
import DVCGMechanism
import DVCGSimulation
import Foundation

/// `dvcg experiment convergence`: Figs. 4-5, greedy welfare ratio against training rounds.
struct ConvergenceExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convergence",
        abstract: "Figs. 4-5: greedy welfare / optimum of DVCG-MFMARL and DVCG-MADDPG against training rounds.",
        discussion: """
            For each --algorithms learner, trains on the market of `dvcg instance --vsps N --seed S` with \
            the same seeds and evaluates the greedy policy (200 rounds from the equal split, mean of the \
            last 100) every --every rounds. Writes convergence.csv (one greedy-ratio column per algorithm) \
            and convergence.svg with the equal split for reference.
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

    @Option(parsing: .upToNextOption, help: "The learners to train: mfmarl, marl, maddpg.")
    var algorithms: [String] = ["mfmarl", "maddpg"]

    func validate() throws {
        try requireAtLeast(1, [("--vsps", vsps), ("--rounds", rounds), ("--every", every)])
        if algorithms.isEmpty { throw ValidationError("--algorithms: give one or more of mfmarl, marl, maddpg") }
        if let unknown = algorithms.first(where: { LearningAlgorithm(rawValue: $0) == nil }) {
            throw choiceError("--algorithms", LearningAlgorithm.allCases.map(\.rawValue), found: unknown)
        }
    }

    func run() async throws {
        warnIfDebugBuild("dvcg: experiment: convergence")
        let instance = ProblemInstance.paper(vspCount: vsps, seed: seed)
        var mechanism = MechanismConfiguration()
        mechanism.learning.explorationRounds = rounds / 2
        var curves: [(LearningAlgorithm, TrainingResult)] = []
        for name in algorithms {
            let algorithm = LearningAlgorithm(rawValue: name)!
            let result = try PolicyTrainer.train(
                instance: instance,
                configuration: TrainingConfiguration(
                    rounds: rounds, evaluationInterval: every, mechanism: mechanism, algorithm: algorithm))
            curves.append((algorithm, result))
            FileHandle.standardError.write(Data("\(algorithm.displayName) done\n".utf8))
        }
        let split = instance.equalSplitWelfare() / curves[0].1.optimum
        let evaluationRounds = curves[0].1.evaluations.map(\.round)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let header = ["round"] + curves.map { "\($0.0.rawValue)_greedy_ratio" } + ["equal_split_ratio"]
        let lines = evaluationRounds.indices.map { e in
            ([String(evaluationRounds[e])] + curves.map { "\($0.1.evaluations[e].ratio)" } + ["\(split)"])
                .joined(separator: ",")
        }
        let csv = ([header.joined(separator: ",")] + lines).joined(separator: "\n") + "\n"
        try Data(csv.utf8).write(to: URL(fileURLWithPath: out + "/convergence.csv"))
        let chart = SVGChart(
            title: "Figs. 4-5: convergence (N = \(vsps), seed \(seed))", xLabel: "training round",
            yLabel: "greedy welfare / optimum",
            series: curves.map { algorithm, result in
                SVGChart.Series(
                    name: algorithm.displayName, points: result.evaluations.map { (Double($0.round), $0.ratio) })
            } + [SVGChart.Series(name: "equal split", points: evaluationRounds.map { (Double($0), split) })])
        try Data(chart.svg.utf8).write(to: URL(fileURLWithPath: out + "/convergence.svg"))
        var table = [["round"] + curves.map(\.0.displayName)]
        for e in evaluationRounds.indices {
            table.append([String(evaluationRounds[e])] + curves.map { format($0.1.evaluations[e].ratio) })
        }
        print(alignedTable(table))
    }
}
