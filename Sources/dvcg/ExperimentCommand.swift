import ArgumentParser
import DVCGCheckpoint
import DVCGCommandLine
import DVCGCore
import DVCGMechanism
import DVCGSimulation
import Foundation

/// `dvcg experiment ...`: the paper's experiments as CSV files plus an SVG chart each.
struct ExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiment",
        abstract: "Reproduce the paper's experiments as CSV and SVG files (use a release build).",
        usage: "dvcg experiment <verb> [<option> ...]",
        subcommands: [
            WelfareExperimentCommand.self, ConvergenceExperimentCommand.self, DSICExperimentCommand.self,
            CollusionExperimentCommand.self, AblationExperimentCommand.self, ExchangeExperimentCommand.self,
            RuntimeExperimentCommand.self, QVCGCollusionExperimentCommand.self, ChurnExperimentCommand.self,
        ]
    )
}

/// Options shared by the incentive experiments.
struct IncentiveOptions: ParsableArguments {
    @Option(help: "The folder for the CSV and SVG files.")
    var out = "experiments"

    @Option(
        help:
            "A policy for the market (the paper's distributions drawn with --vsps and --seed, as dvcg instance draws them); trained when absent."
    )
    var policy: String?

    @Option(help: "VSPs in the market.")
    var vsps = 5

    @Option(help: "The seed of the instance.")
    var seed: UInt64 = 1

    @Option(
        help:
            "When > 0, the deviating VSP(s) join mid-run: absent for this many rounds, then registered, and averaged over every round after."
    )
    var joinRound = 0

    @Flag(
        help:
            "The deviating VSP(s) file no financial reports, as an external VSP that keeps its utility to itself (the bank never fits its VoI net)."
    )
    var silent = false

    @Flag(
        help:
            "Finance a VSP without reports as any other, without the line of 2 F_P / N (the ablation of docs/learning.md, 'Bids above the pool')."
    )
    var noUnreportedCreditLine = false

    @Option(help: "Training rounds when no --policy is given.")
    var trainingRounds = 3_000

    @Option(help: "Rounds per setting (the last 400 are averaged).")
    var rounds = 500

    @Option(
        help: "The bid multiples of the deviating VSP(s), comma-separated (each > 0; 1, truthful, is always measured).",
        transform: { text in
            try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
                let trimmed = part.trimmingCharacters(in: .whitespaces)
                guard let value = Double(trimmed), value.isFinite, value > 0 else {
                    throw valueError("--factors", expected: "finite multiples > 0", found: "'\(trimmed)'")
                }
                return value
            }
        })
    var factors: [Double] = [0.5, 0.8, 1.25, 2]

    func validate() throws {
        try requireAtLeast(2, [("--vsps", vsps)])
        try requireAtLeast(1, [("--rounds", rounds), ("--training-rounds", trainingRounds)])
        guard joinRound >= 0, joinRound < rounds else {
            throw valueError(
                "--join-round", expected: "an integer in [0, \(rounds - 1)] (before --rounds)", found: "\(joinRound)")
        }
    }

    /// The instance and a policy for it (loaded or trained).
    func prepare() throws -> (ProblemInstance, PolicyCheckpoint) {
        let instance = ProblemInstance.paper(vspCount: vsps, seed: seed)
        if let policy {
            do { return (instance, try PolicyCheckpoint.load(from: policy)) } catch {
                throw CommandFailure.invalid("\(policy): \(error)")
            }
        }
        var mechanism = MechanismConfiguration()
        mechanism.learning.explorationRounds = trainingRounds / 2
        let result = try PolicyTrainer.train(
            instance: instance,
            configuration: TrainingConfiguration(rounds: trainingRounds, evaluationInterval: 500, mechanism: mechanism))
        FileHandle.standardError.write(
            Data("trained the N = \(vsps) policy: greedy welfare/optimum \(format(result.bestRatio))\n".utf8))
        return (instance, result.policy)
    }

    /// Writes `text` to `out/name`, creating the folder.
    func write(_ text: String, to name: String) throws {
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: out + "/" + name))
    }

    /// CSV of experiment rows.
    func csv(_ rows: [StrategyExperiment.Row]) -> String {
        "mechanism,factor,profit,tax,welfare,others_tax,others_taxed_above_bid\n"
            + rows.map {
                "\($0.mechanism),\($0.factor),\($0.profit),\($0.tax),\($0.welfare),\($0.othersTax),\($0.othersTaxedAboveBid)"
            }.joined(separator: "\n") + "\n"
    }

    /// Prints rows as an aligned table.
    func show(_ rows: [StrategyExperiment.Row], profitLabel: String) {
        // VC with two decimals, as every table for people (the CSV has them in full).
        var table = [
            [
                "mechanism", "factor", "\(profitLabel) (VC)", "tax (VC)", "welfare (VC)", "others' tax (VC)",
                "others taxed > bid (%)",
            ]
        ]
        for r in rows {
            table.append([
                r.mechanism, format(r.factor, digits: 2), format(r.profit, digits: 2), format(r.tax, digits: 2),
                format(r.welfare, digits: 2), format(r.othersTax, digits: 2),
                format(100 * r.othersTaxedAboveBid, digits: 1),
            ])
        }
        print(alignedTable(table))
    }

    /// Trains a learning bidder for `members` under both mechanisms, writes `name` and prints it.
    func learnedBidding(instance: ProblemInstance, policy: PolicyCheckpoint, members: [Int], name: String) throws {
        var results: [StrategyExperiment.LearnedBidding] = []
        for interest in [true, false] {
            FileHandle.standardError.write(
                Data("\(name): training a learning (DDPG) bidder under \(interest ? "dvcg" : "nvi")\n".utf8))
            results.append(
                try StrategyExperiment.learnBidding(
                    instance: instance, policy: policy, members: members, chargesInterest: interest))
        }
        let csv =
            "mechanism,members,multiple,learned_profit,truthful_profit\n"
            + results.map {
                "\($0.mechanism),\($0.members.map(String.init).joined(separator: " ")),\($0.multiple),\($0.learnedProfit),\($0.truthfulProfit)"
            }.joined(separator: "\n") + "\n"
        try write(csv, to: name)
        var table = [["mechanism", "learned multiple", "learned profit (VC)", "truthful profit (VC)"]]
        for r in results {
            table.append([
                r.mechanism, format(r.multiple, digits: 3), format(r.learnedProfit, digits: 2),
                format(r.truthfulProfit, digits: 2),
            ])
        }
        print("\nlearning (DDPG) bidder, VSPs \(members):")
        print(alignedTable(table))
    }

    /// Runs Fig. 7 or 8: `members` scale their bids by 0.5 ... 2 together, under DVCG and NVI-DVCG.
    /// Writes `<name>.csv`, `<name>.svg` and `<name>-learning.csv`, and prints the table.
    func runStrategyExperiment(
        members: [Int], name: String, title: String, xLabel: String, yLabel: String, profitLabel: String
    ) throws {
        let (instance, policy) = try prepare()
        let factors = Set([1] + self.factors).sorted()
        var rows: [StrategyExperiment.Row] = []
        let clock = ContinuousClock()
        let start = clock.now
        for (index, interest) in [true, false].enumerated() {
            rows += try StrategyExperiment.run(
                instance: instance, policy: policy, members: members, factors: factors, chargesInterest: interest,
                rounds: rounds, joinRound: joinRound, silent: silent,
                mechanism: MechanismConfiguration(limitsUnreportedCredit: !noUnreportedCreditLine)
            ) { row, done, total in
                // A line per setting on standard error, as train's progress: these runs take minutes.
                let settings = 2 * total
                let finished = index * total + done
                let eta = TrainCommand.eta(elapsed: clock.now - start, done: finished, total: settings)
                FileHandle.standardError.write(
                    Data(
                        ("\(name): \(row.mechanism) factor \(format(row.factor, digits: 2)) done (\(finished) of \(settings))  "
                            + "\(eta)\n").utf8))
            }
        }
        try write(csv(rows), to: "\(name).csv")
        let chart = SVGChart(
            title: title, xLabel: xLabel, yLabel: yLabel,
            series: ["dvcg", "nvi"].map { m in
                SVGChart.Series(
                    name: m == "dvcg" ? "DVCG" : "NVI-DVCG",
                    points: rows.filter { $0.mechanism == m }.map { ($0.factor, $0.profit) })
            }, logarithmicX: true)
        try write(chart.svg, to: "\(name).svg")
        show(rows, profitLabel: profitLabel)
        try learnedBidding(instance: instance, policy: policy, members: members, name: "\(name)-learning.csv")
    }
}

/// `dvcg experiment dsic`: Fig. 7, one VSP scales its bid.
struct DSICExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dsic",
        abstract:
            "Fig. 7: the mean profit of a VSP that scales its bids by 0.5, 0.8, 1.25 or 2, under DVCG and NVI-DVCG.",
        discussion: "Writes dsic.csv and dsic.svg. VSP 0 deviates; every setting uses the same seeds.")

    @OptionGroup var options: IncentiveOptions

    func run() async throws {
        warnIfDebugBuild("dvcg: experiment: dsic")
        try options.runStrategyExperiment(
            members: [0], name: "dsic",
            title: "Fig. 7: profit of VSP 0 bidding factor x truthful (N = \(options.vsps))",
            xLabel: "bid factor", yLabel: "mean net profit (VC)", profitLabel: "profit")
    }
}

/// `dvcg experiment collusion`: Fig. 8, a pair scales its bids together.
struct CollusionExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collusion",
        abstract:
            "Fig. 8: the joint profit of a colluding pair that scales its bids together, under DVCG and NVI-DVCG.",
        discussion: "Writes collusion.csv and collusion.svg. VSPs 0 and 1 collude; every setting uses the same seeds.")

    @OptionGroup var options: IncentiveOptions

    func run() async throws {
        warnIfDebugBuild("dvcg: experiment: collusion")
        try options.runStrategyExperiment(
            members: [0, 1], name: "collusion",
            title: "Fig. 8: joint profit of colluding VSPs 0 and 1 (N = \(options.vsps))",
            xLabel: "common bid factor", yLabel: "mean joint net profit (VC)", profitLabel: "joint profit")
    }
}
