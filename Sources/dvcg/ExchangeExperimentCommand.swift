import ArgumentParser
import DVCGCommandLine
import DVCGSimulation
import Foundation

/// `dvcg experiment exchange`: Table II, information exchanged between VSPs and the NSP.
struct ExchangeExperimentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exchange",
        abstract: "Table II: floats exchanged over 500 rounds by DVCG and by QVCG at q = 0.05 and 0.01.",
        discussion: """
            DVCG exchanges one bid per VSP per round (N x rounds floats); QVCG one utility per quantised \
            bundle per VSP, once ((1/q)^K floats each, as the paper counts). Writes exchange.csv and exchange.svg.
            """)

    @Option(help: "The folder for exchange.csv and exchange.svg.")
    var out = "experiments"

    @Option(help: "Auction rounds.")
    var rounds = 500

    func validate() throws { try requireAtLeast(1, [("--rounds", rounds)]) }

    func run() async throws {
        warnIfDebugBuild("dvcg: experiment: exchange")
        let sizes = [10, 20, 30, 40, 50]
        let k = 3.0
        let series: [(String, (Int) -> Double)] = [
            ("DVCG-MFMARL", { Double($0 * rounds) }),
            ("QVCG-0.05", { Double($0) * pow(20, k) }),
            ("QVCG-0.01", { Double($0) * pow(100, k) }),
        ]
        var csv = "n," + series.map(\.0).joined(separator: ",") + "\n"
        var table = [["N"] + series.map { "\($0.0) (x10^6)" }]
        for n in sizes {
            csv += "\(n)," + series.map { String($0.1(n)) }.joined(separator: ",") + "\n"
            table.append([String(n)] + series.map { String(format: "%.3f", $0.1(n) / 1e6) })
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try Data(csv.utf8).write(to: URL(fileURLWithPath: out + "/exchange.csv"))
        let chart = SVGChart(
            title: "Table II: floats exchanged over \(rounds) rounds (log10)", xLabel: "number of VSPs N",
            yLabel: "log10 floats",
            series: series.map { s in SVGChart.Series(name: s.0, points: sizes.map { (Double($0), log10(s.1($0))) }) })
        try Data(chart.svg.utf8).write(to: URL(fileURLWithPath: out + "/exchange.svg"))
        print(alignedTable(table))
    }
}
