import ArgumentParser
import DVCGCommandLine
import DVCGCore
import DVCGSimulation
import Foundation

/// `dvcg experiment qvcg-collusion`: Fig. 9, a colluding pair under QVCG, by exhaustive search.
struct QVCGCollusionExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qvcg-collusion",
        abstract: "Fig. 9: collusion of VSPs 0 and 1 under QVCG, by exhaustive search over scaled utility reports.",
        discussion: """
            On the N = 5 market of the DSIC and collusion experiments (`dvcg instance --vsps 5 \
            --seed S`), VSPs 0 and 1 report their utility tables scaled: every pair of separate factors \
            (f0, f1) on the grid 0.25 ... 4 (18 values, 324 schemes; the diagonal is a common factor) and, \
            for both together, the value factor f with the curvature xi scaled by 0.5, 0.75, 1.5 or 2 (72 \
            schemes). For each scheme QVCG (grid step --step) allocates and charges VCG payments from the \
            reports, solved exactly by dynamic programming over the quantised grid (--lagrangian: by the \
            Lagrangian decomposition of `experiment welfare`, with its certified gap); the pair's joint profit is its true utility minus its payments, the welfare the true \
            utility of the allocation. Writes qvcg-collusion.csv (every scheme) and qvcg-collusion.svg \
            (joint profit and welfare over truthful along the common factor) and prints the best scheme \
            against truthful reporting.
            """)

    @Option(help: "The folder for qvcg-collusion.csv and qvcg-collusion.svg.")
    var out = "experiments"

    @Option(help: "The seed of the N = 5 instance.")
    var seed: UInt64 = 1

    @Option(help: "The QVCG grid step q.")
    var step = 0.05

    @Flag(
        help:
            "Solve allocations and payments by Lagrangian decomposition (certified gap) instead of exactly by dynamic programming."
    )
    var lagrangian = false

    func validate() throws {
        guard step > 0, step <= 0.5 else {
            throw valueError("--step", expected: "a number in (0, 0.5]", found: messageNumber(step))
        }
        // The exact solver visits ((1/q + 1)(1/q + 2)/2)^3 bundle pairs per VSP: 12 million at q = 0.05.
        guard lagrangian || step >= 0.05 - 1e-12 else {
            throw ValidationError("the exact solver is for --step >= 0.05; add --lagrangian for finer grids.")
        }
    }

    func run() async throws {
        warnIfDebugBuild("dvcg: experiment: qvcg-collusion")
        let instance = ProblemInstance.paper(vspCount: 5, seed: seed)
        let search = QVCGCollusion(
            utilities: instance.utilities, colluders: [0, 1], solver: QuantizedVCG(step: step), exact: !lagrangian)
        let clock = ContinuousClock()
        let start = clock.now
        var lastLine = start
        let outcomes = try search.search { done, total in
            guard clock.now - lastLine >= .seconds(5) || done == total else { return }
            lastLine = clock.now
            FileHandle.standardError.write(Data("scheme \(done)/\(total)\n".utf8))
        }
        let seconds = (clock.now - start) / .seconds(1)
        let truthful = outcomes[0]
        let best = outcomes.max { $0.jointProfit < $1.jointProfit }!
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        var lines = [
            "family,value_factor_0,value_factor_1,curvature_factor_0,curvature_factor_1,joint_profit,"
                + "profit_0,profit_1,payment_0,payment_1,welfare,certified_gap"
        ]
        for o in outcomes {
            lines.append(
                [
                    o.family, "\(o.reports[0].valueFactor)", "\(o.reports[1].valueFactor)",
                    "\(o.reports[0].curvatureFactor)", "\(o.reports[1].curvatureFactor)", "\(o.jointProfit)",
                    "\(o.utilities[0] - o.payments[0])", "\(o.utilities[1] - o.payments[1])", "\(o.payments[0])",
                    "\(o.payments[1])", "\(o.welfare)", "\(o.gapBound)",
                ].joined(separator: ","))
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(
            to: URL(fileURLWithPath: out + "/qvcg-collusion.csv"))
        let diagonal = outcomes.filter {
            $0.family == "separate-scale" && $0.reports[0] == $0.reports[1]
        }
        let chart = SVGChart(
            title: "Fig. 9: QVCG (q = \(step)), VSPs 0 and 1 report f x their utility (N = 5)",
            xLabel: "common report factor f", yLabel: "value / truthful value",
            series: [
                SVGChart.Series(
                    name: "joint net profit of VSPs 0, 1",
                    points: diagonal.map { ($0.reports[0].valueFactor, $0.jointProfit / truthful.jointProfit) }),
                SVGChart.Series(
                    name: "social welfare",
                    points: diagonal.map { ($0.reports[0].valueFactor, $0.welfare / truthful.welfare) }),
            ], logarithmicX: true)
        try Data(chart.svg.utf8).write(to: URL(fileURLWithPath: out + "/qvcg-collusion.svg"))
        func describe(_ o: QVCGCollusion.Outcome) -> [String] {
            [
                o.family, format(o.reports[0].valueFactor, digits: 2), format(o.reports[1].valueFactor, digits: 2),
                format(o.reports[0].curvatureFactor, digits: 2), format(o.reports[1].curvatureFactor, digits: 2),
                format(o.jointProfit, digits: 3), format(o.payments[0] + o.payments[1], digits: 3),
                format(o.welfare, digits: 3), String(format: "%.2g", o.gapBound),
            ]
        }
        var table = [["scheme", "f0", "f1", "g0", "g1", "joint profit", "payments", "welfare", "gap"]]
        table.append(describe(truthful))
        table.append(describe(best))
        for family in ["separate-scale", "common-shape"] {
            if let top = outcomes.filter({ $0.family == family }).max(by: { $0.jointProfit < $1.jointProfit }) {
                table.append(describe(top))
            }
        }
        table[2][0] = "best: " + table[2][0]
        print(alignedTable(table))
        let maximumGap = outcomes.map(\.gapBound).max() ?? 0
        print(
            "\(outcomes.count) schemes in \(format(seconds, digits: 1)) s; best joint profit "
                + "\(format(best.jointProfit, digits: 3)) VC vs truthful \(format(truthful.jointProfit, digits: 3)) VC "
                + "(\(format(best.jointProfit - truthful.jointProfit, digits: 3)) VC more); welfare "
                + "\(format(best.welfare, digits: 3)) vs \(format(truthful.welfare, digits: 3)) VC; largest certified "
                + "gap \(String(format: "%.2g", maximumGap)) VC")
    }
}
