import ArgumentParser
import DVCGCheckpoint
import DVCGCommandLine
import DVCGCore
import DVCGMechanism
import DVCGSimulation
import Foundation

/// `dvcg experiment welfare`: Fig. 6, welfare of every algorithm against the certified optimum.
struct WelfareExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "welfare",
        abstract:
            "Welfare of DVCG-MFMARL, DVCG-MARL, DVCG-MADDPG, QVCG (q = 0.05, 0.01) and the equal split against the certified optimum.",
        discussion: """
            For every N and seed: the exact optimum (certified), the equal split, QVCG at q = 0.05 and \
            0.01 (Lagrangian decomposition, certified gap) and the mean welfare over the last 100 of 500 \
            greedy rounds of the full mechanism of each policy --policies holds: n<N>s<seed>.safetensors \
            (DVCG-MFMARL), n<N>s<seed>-marl.safetensors (DVCG-MARL), n<N>s<seed>-maddpg.safetensors \
            (DVCG-MADDPG). Writes welfare.csv (one row per algorithm), welfare-table.csv (one row per N \
            and seed, one ratio column per algorithm, blank where a policy is missing) and welfare.svg \
            (mean ratio over seeds against N).
            """)

    @Option(help: "The folder for welfare.csv and welfare.svg.")
    var out = "experiments"

    @Option(help: "A folder of trained policies named n<N>s<seed>[-marl|-maddpg].safetensors.")
    var policies: String?

    @Option(parsing: .upToNextOption, help: "Market sizes.")
    var vsps: [Int] = [10, 30, 50]

    @Option(parsing: .upToNextOption, help: "Instance seeds.")
    var seeds: [UInt64] = [1, 2, 3]

    func validate() throws { try requireAtLeast(1, vsps.map { ("--vsps", $0) }) }

    /// The learners and their policy-file suffixes.
    static let learners: [(LearningAlgorithm, String)] = [(.mfmarl, ""), (.marl, "-marl"), (.maddpg, "-maddpg")]

    struct Row {
        var n: Int
        var seed: UInt64
        var algorithm: String
        var welfare: Double
        var ratio: Double
        var gap: Double
    }

    func run() async throws {
        warnIfDebugBuild("dvcg: experiment: welfare")
        var rows: [Row] = []
        for n in vsps {
            for seed in seeds {
                let instance = ProblemInstance.paper(vspCount: n, seed: seed)
                let optimum = try WelfareOptimizer().solve(
                    capacities: instance.capacities, utilities: instance.utilities)
                rows.append(
                    Row(
                        n: n, seed: seed, algorithm: "optimum", welfare: optimum.welfare, ratio: 1,
                        gap: optimum.gapBound))
                let split = instance.equalSplitWelfare()
                rows.append(
                    Row(
                        n: n, seed: seed, algorithm: "equal-split", welfare: split, ratio: split / optimum.welfare,
                        gap: 0))
                var coarse: [[Int]]? = nil
                for step in [0.05, 0.01] {
                    let solution = QuantizedVCG(step: step).solve(
                        utilities: instance.utilities, startingPrices: optimum.prices,
                        candidate: coarse?.map { $0.map { $0 * 5 } })
                    coarse = solution.bundles
                    rows.append(
                        Row(
                            n: n, seed: seed, algorithm: "qvcg-\(step)", welfare: solution.welfare,
                            ratio: solution.welfare / optimum.welfare, gap: solution.gapBound))
                }
                for (algorithm, suffix) in Self.learners {
                    let path = "\(policies ?? "")/n\(n)s\(seed)\(suffix).safetensors"
                    guard policies != nil, FileManager.default.fileExists(atPath: path) else { continue }
                    let policy = try PolicyCheckpoint.load(from: path)
                    var configuration = MechanismConfiguration()
                    configuration.learning.meanField = LearningAlgorithm(policy: policy).meanField
                    let engine = try PolicyTrainer.engine(
                        policy: policy, instance: instance, configuration: configuration, seed: 1)
                    let market = SimulatedMarket(
                        instance: instance, population: try BiddingPopulation(instance: instance), seed: 1)
                    let evaluation = try PolicyTrainer.evaluate(engine: engine, market: market, rounds: 500)
                    rows.append(
                        Row(
                            n: n, seed: seed, algorithm: "dvcg-\(algorithm.rawValue)", welfare: evaluation.welfare,
                            ratio: evaluation.welfare / optimum.welfare, gap: 0))
                }
                FileHandle.standardError.write(Data("N = \(n), seed \(seed) done\n".utf8))
            }
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let csv =
            "n,seed,algorithm,welfare,ratio,certified_gap\n"
            + rows.map { "\($0.n),\($0.seed),\($0.algorithm),\($0.welfare),\($0.ratio),\($0.gap)" }.joined(
                separator: "\n")
            + "\n"
        try Data(csv.utf8).write(to: URL(fileURLWithPath: out + "/welfare.csv"))
        let columns = ["equal-split"] + Self.learners.map { "dvcg-\($0.0.rawValue)" } + ["qvcg-0.05", "qvcg-0.01"]
        var wide = [["N", "seed"] + columns]
        var seen: Set<String> = []
        for r in rows where seen.insert("\(r.n),\(r.seed)").inserted {
            wide.append(
                [String(r.n), String(r.seed)]
                    + columns.map { a in
                        rows.first { $0.n == r.n && $0.seed == r.seed && $0.algorithm == a }.map { "\($0.ratio)" } ?? ""
                    })
        }
        try Data((wide.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n").utf8).write(
            to: URL(fileURLWithPath: out + "/welfare-table.csv"))
        let algorithms = (Self.learners.map { "dvcg-\($0.0.rawValue)" } + ["qvcg-0.05", "qvcg-0.01", "equal-split"])
            .filter { a in rows.contains { $0.algorithm == a } }
        let chart = SVGChart(
            title: "Fig. 6: welfare / certified optimum (mean over seeds)", xLabel: "number of VSPs N",
            yLabel: "welfare / optimum",
            series: algorithms.map { a in
                SVGChart.Series(
                    name: a,
                    points: vsps.compactMap { n in
                        let r = rows.filter { $0.algorithm == a && $0.n == n }
                        return r.isEmpty ? nil : (Double(n), r.reduce(0) { $0 + $1.ratio } / Double(r.count))
                    })
            })
        try Data(chart.svg.utf8).write(to: URL(fileURLWithPath: out + "/welfare.svg"))
        // People read the wide table: welfare / optimum per algorithm, blank where a policy is missing.
        var table = [["N", "seed", "optimum"] + columns]
        for line in wide.dropFirst() {
            let optimum = rows.first { "\($0.n)" == line[0] && "\($0.seed)" == line[1] && $0.algorithm == "optimum" }!
            table.append(
                [line[0], line[1], format(optimum.welfare, digits: 2)]
                    + line.dropFirst(2).map { Double($0).map { format($0) } ?? "" })
        }
        print(alignedTable(table))
    }
}
