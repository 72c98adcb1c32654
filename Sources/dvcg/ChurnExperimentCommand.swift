import ArgumentParser
import DVCGCheckpoint
import DVCGCommandLine
import DVCGCore
import DVCGMechanism
import DVCGSimulation
import Foundation

/// `dvcg experiment churn`: welfare against the certified optimum of the roster of the moment while
/// VSPs join and leave.
struct ChurnExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "churn",
        abstract: "Welfare while VSPs join and leave, against the certified optimum of each roster.",
        discussion: """
            Runs the full mechanism with a frozen policy on a simulated market of --vsps truthful VSPs drawn \
            from the paper's distributions (--seed), changing the roster by --events (ROUND:+COUNT joins, \
            ROUND:-COUNT leaves, the oldest first; default: 1, 5 and N/2 join, then as many leave, 300 \
            rounds apart) and by Poisson arrivals and departures. Writes churn.csv (one row per round: true \
            welfare, the roster's certified optimum and equal split, the bank's estimated welfare and \
            optimum, fitted VoI nets), churn.svg (welfare / optimum with the changes marked), \
            churn-recovery.csv and churn-taxes.csv, and prints the recovery after each change and how often \
            a VSP's tax exceeded its bid or its true utility, by age.
            """
    )

    @Option(help: "The policy checkpoint (safetensors).")
    var policy: String

    @Option(help: "VSPs at the start.")
    var vsps = 10

    @Option(help: "Seeds the VSPs, the arrivals and the mechanism.")
    var seed: UInt64 = 1

    @Option(help: "Rounds to run (default: 300 after the last scripted change).")
    var rounds: Int?

    @Option(help: "Scripted changes, e.g. 301:+5,601:-3 (comma-separated ROUND:+COUNT or ROUND:-COUNT).")
    var events: String?

    @Option(name: .customLong("arrival-rate"), help: "Expected Poisson arrivals per round.")
    var arrivalRate = 0.0

    @Option(name: .customLong("departure-rate"), help: "Expected Poisson departures per round.")
    var departureRate = 0.0

    @Option(help: "The mechanism: dvcg, or nvi (no VC interest in the tax).")
    var mechanism = "dvcg"

    @Flag(help: "Learn online (learning.mode online) instead of serving the policy frozen.")
    var online = false

    @Option(help: "The folder for the CSV and SVG files.")
    var out = "experiments"

    @Flag(help: "Print the recoveries and tax tallies as one JSON object.")
    var json = false

    func parsedEvents() throws -> [ChurnExperiment.Event] {
        guard let events else { return ChurnExperiment.standardEvents(initialVSPs: vsps) }
        return try events.split(separator: ",").map {
            guard let event = ChurnExperiment.Event($0) else {
                throw valueError("--events", expected: "ROUND:+COUNT or ROUND:-COUNT", found: "'\($0)'")
            }
            return event
        }
    }

    func validate() throws {
        guard (1...100_000).contains(vsps) else {
            throw valueError("--vsps", expected: "an integer in [1, 100000]", found: "\(vsps)")
        }
        guard ["dvcg", "nvi"].contains(mechanism) else {
            throw choiceError("--mechanism", ["dvcg", "nvi"], found: mechanism)
        }
        for (option, rate) in [("--arrival-rate", arrivalRate), ("--departure-rate", departureRate)]
        where !(rate >= 0 && rate.isFinite) {
            throw valueError(option, expected: "a finite number >= 0", found: messageNumber(rate))
        }
        if let rounds, rounds < 1 { throw valueError("--rounds", expected: "an integer >= 1", found: "\(rounds)") }
        _ = try parsedEvents()
    }

    struct Summary: Codable {
        struct Change: Codable {
            var round: Int
            var vsps: Int
            var rounds_to_95: Int?
            var lowest_margin_over_equal_split: Double
            var mean_ratio_100_300: Double?
            var equal_split_ratio: Double
        }
        struct Taxes: Codable {
            var age: String
            var vsp_rounds: Int
            var tax_above_bid: Int
            var tax_above_utility: Int
            var unfitted: Int
            var unfitted_tax_above_bid: Int
        }
        var changes: [Change]
        var taxes: [Taxes]
    }

    func run() async throws {
        warnIfDebugBuild("dvcg: experiment: churn")
        let checkpoint: PolicyCheckpoint
        do { checkpoint = try PolicyCheckpoint.load(from: policy) } catch {
            throw CommandFailure.invalid("\(policy): \(error)")
        }
        let schedule = try parsedEvents()
        let total = rounds ?? ((schedule.map(\.round).max() ?? 0) + 299)
        // Online as dvcgd learns online (LearningConfiguration.servingOnline), not as offline training.
        var configuration = MechanismConfiguration(
            chargesInterest: mechanism == "dvcg", learns: online, learning: .servingOnline)
        configuration.learning.meanField = LearningAlgorithm(policy: checkpoint).meanField
        let experiment = ChurnExperiment(
            policy: checkpoint, mechanism: configuration, initialVSPs: vsps, seed: seed, rounds: total,
            events: schedule, arrivalRate: arrivalRate, departureRate: departureRate)
        let clock = ContinuousClock()
        var lastLine = clock.now
        let result: ChurnExperiment.Result
        do {
            result = try experiment.run { round, rounds in
                guard clock.now - lastLine >= .seconds(5) else { return }
                lastLine = clock.now
                FileHandle.standardError.write(Data("round \(round)/\(rounds)\n".utf8))
            }
        } catch { throw CommandFailure.input("\(policy): \(error)") }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Data(result.csv.utf8).write(to: URL(fileURLWithPath: out + "/churn.csv"))
        let step = max(1, result.rows.count / 600)
        let sampled = stride(from: 0, to: result.rows.count, by: step).map { result.rows[$0] }
        let chart = SVGChart(
            title: "Welfare / certified optimum of the roster of the moment (N = \(vsps) at the start)",
            xLabel: "round", yLabel: "welfare / optimum",
            series: [
                SVGChart.Series(name: "dvcg", points: sampled.map { (Double($0.round), $0.welfare / $0.optimum) }),
                SVGChart.Series(
                    name: "equal split", points: sampled.map { (Double($0.round), $0.equalSplit / $0.optimum) }),
                SVGChart.Series(
                    name: "bank's estimate",
                    points: sampled.map {
                        (Double($0.round), $0.optimumEstimate > 0 ? $0.welfareEstimate / $0.optimumEstimate : 0)
                    }),
            ], markers: result.changes.map(Double.init))
        try Data(chart.svg.utf8).write(to: URL(fileURLWithPath: out + "/churn.svg"))
        let summary = Summary(
            changes: result.recoveries.map {
                Summary.Change(
                    round: $0.round, vsps: $0.vsps, rounds_to_95: $0.roundsTo95,
                    lowest_margin_over_equal_split: $0.lowestMarginOverEqualSplit,
                    mean_ratio_100_300: $0.meanRatio100to300, equal_split_ratio: $0.equalSplitRatio)
            },
            taxes: result.taxes.map {
                Summary.Taxes(
                    age: $0.age, vsp_rounds: $0.rounds, tax_above_bid: $0.aboveBid, tax_above_utility: $0.aboveUtility,
                    unfitted: $0.unfitted, unfitted_tax_above_bid: $0.unfittedAboveBid)
            })
        let recoveryCSV =
            "round,vsps,rounds_to_95,lowest_margin_over_equal_split,mean_ratio_100_300,equal_split_ratio\n"
            + summary.changes.map {
                "\($0.round),\($0.vsps),\($0.rounds_to_95.map(String.init) ?? ""),\($0.lowest_margin_over_equal_split),"
                    + "\($0.mean_ratio_100_300.map { "\($0)" } ?? ""),\($0.equal_split_ratio)"
            }.joined(separator: "\n") + "\n"
        try Data(recoveryCSV.utf8).write(to: URL(fileURLWithPath: out + "/churn-recovery.csv"))
        let taxCSV =
            "age,vsp_rounds,tax_above_bid,tax_above_utility,unfitted,unfitted_tax_above_bid\n"
            + summary.taxes.map {
                "\($0.age),\($0.vsp_rounds),\($0.tax_above_bid),\($0.tax_above_utility),\($0.unfitted),\($0.unfitted_tax_above_bid)"
            }.joined(separator: "\n") + "\n"
        try Data(taxCSV.utf8).write(to: URL(fileURLWithPath: out + "/churn-taxes.csv"))
        if json {
            try printJSON(summary)
            return
        }
        var table = [
            [
                "from round", "vsps", "rounds to 0.95", "min margin over equal (from +10)", "mean +100-300",
                "equal split",
            ]
        ]
        for change in summary.changes {
            table.append([
                String(change.round), String(change.vsps), change.rounds_to_95.map(String.init) ?? "never",
                format(change.lowest_margin_over_equal_split), change.mean_ratio_100_300.map { format($0) } ?? "-",
                format(change.equal_split_ratio),
            ])
        }
        print(alignedTable(table))
        print("")
        var taxes = [["age (rounds)", "vsp-rounds", "tax > bid", "tax > utility", "unfitted", "unfitted tax > bid"]]
        for t in summary.taxes {
            taxes.append([
                t.age, String(t.vsp_rounds), String(t.tax_above_bid), String(t.tax_above_utility), String(t.unfitted),
                String(t.unfitted_tax_above_bid),
            ])
        }
        print(alignedTable(taxes))
        print("\nwrote \(out)/churn.csv, churn.svg, churn-recovery.csv, churn-taxes.csv")
    }
}
