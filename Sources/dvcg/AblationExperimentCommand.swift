import ArgumentParser
import DVCGCheckpoint
import DVCGCommandLine
import DVCGCore
import DVCGMechanism
import DVCGSimulation
import Foundation

/// `dvcg experiment ablation`: Sec. VI ablation (Fig. 10), the learner and the mechanism with parts removed.
struct AblationExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ablation",
        abstract: "Ablation (Fig. 10): DVCG-MFMARL against DVCG-MARL and NVI-DVCG on one market.",
        discussion: """
            Reads DIR/n<N>s<seed>.safetensors (DVCG-MFMARL) and DIR/n<N>s<seed>-marl.safetensors \
            (DVCG-MARL, `dvcg train --algorithm marl`), runs each under DVCG and NVI-DVCG with truthful \
            bidders, and reports the welfare ratio, the total tax and VSP 0's profit when it bids 0.5 and 2 \
            times truthful against truthful. Writes ablation.csv and ablation.svg.
            """)

    @Option(help: "The folder for ablation.csv and ablation.svg.")
    var out = "experiments"

    @Option(help: "The folder of trained policies.")
    var policies: String

    @Option(help: "Number of VSPs.")
    var vsps = 10

    @Option(help: "The instance seed.")
    var seed: UInt64 = 1

    func validate() throws { try requireAtLeast(1, [("--vsps", vsps)]) }

    func run() async throws {
        warnIfDebugBuild("dvcg: experiment: ablation")
        let instance = ProblemInstance.paper(vspCount: vsps, seed: seed)
        let optimum = try WelfareOptimizer().solve(capacities: instance.capacities, utilities: instance.utilities)
            .welfare
        var lines = ["algorithm,mechanism,ratio,total_tax,profit_truthful,profit_half,profit_double"]
        var table = [
            [
                "algorithm", "mechanism", "ratio", "total tax (VC)", "profit x1 (VC)", "profit x0.5 (VC)",
                "profit x2 (VC)",
            ]
        ]
        var points: [String: [(Double, Double)]] = [:]
        for (algorithm, suffix) in [("mfmarl", ""), ("marl", "-marl")] {
            let path = "\(policies)/n\(vsps)s\(seed)\(suffix).safetensors"
            guard FileManager.default.fileExists(atPath: path) else {
                FileHandle.standardError.write(Data("skipping \(algorithm): no \(path)\n".utf8))
                continue
            }
            let policy = try PolicyCheckpoint.load(from: path)
            for interest in [true, false] {
                var configuration = MechanismConfiguration(chargesInterest: interest)
                configuration.learning.meanField = algorithm == "mfmarl"
                let engine = try PolicyTrainer.engine(
                    policy: policy, instance: instance, configuration: configuration, seed: 1)
                let market = SimulatedMarket(
                    instance: instance, population: try BiddingPopulation(instance: instance), seed: 1)
                let evaluation = try PolicyTrainer.evaluate(engine: engine, market: market, rounds: 500)
                var profits: [Double] = []
                for factor in [1.0, 0.5, 2.0] {
                    var population = try BiddingPopulation(instance: instance)
                    population.vsps[0].strategy = .scaled(factor)
                    let deviating = SimulatedMarket(instance: instance, population: population, seed: 1)
                    profits.append(
                        try PolicyTrainer.evaluate(engine: engine, market: deviating, rounds: 500).meanProfits[0])
                }
                let mechanism = interest ? "dvcg" : "nvi"
                let ratio = evaluation.welfare / optimum
                let tax = evaluation.meanTaxes.reduce(0, +)
                lines.append("\(algorithm),\(mechanism),\(ratio),\(tax),\(profits[0]),\(profits[1]),\(profits[2])")
                table.append([
                    algorithm, mechanism, format(ratio), format(tax, digits: 2), format(profits[0], digits: 2),
                    format(profits[1], digits: 2), format(profits[2], digits: 2),
                ])
                points["\(algorithm)-\(mechanism)", default: []] = [
                    (0.5, profits[1]), (1, profits[0]), (2, profits[2]),
                ]
            }
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: out + "/ablation.csv"))
        let chart = SVGChart(
            title: "Ablation: VSP 0's profit against its bid factor (N = \(vsps))", xLabel: "bid factor",
            yLabel: "mean net profit (VC)",
            series: points.keys.sorted().map {
                SVGChart.Series(name: $0, points: points[$0]!.map { (x: $0.0, y: $0.1) })
            },
            logarithmicX: true)
        try Data(chart.svg.utf8).write(to: URL(fileURLWithPath: out + "/ablation.svg"))
        print(alignedTable(table))
    }
}
