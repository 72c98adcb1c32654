import ArgumentParser
import DVCGCommandLine
import DVCGCore
import DVCGSimulation
import Foundation

/// `dvcg optimum --instance FILE | --vsps N [--seed S] [--json]`: the exact welfare optimum and classic VCG payments.
struct OptimumCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimum",
        abstract: "Compute the exact social-welfare optimum, the welfare without each VSP and the VCG payments.",
        discussion: """
            FILE is JSON {"capacities": [K numbers], "beta": [N numbers], "xi": [[K numbers] x N]}; other keys \
            are ignored. The welfare carries a certified bound on its distance to the true optimum (the \
            Lagrangian dual's value minus the welfare). Exits 2 with a one-line message on a bad file.
            """
    )

    @OptionGroup var market: InstanceOptions

    @Flag(name: .long, help: "Print {welfare, allocation, welfare_without, vcg_payments, gap_bound} as JSON.")
    var json = false

    /// The `--json` output.
    struct Report: Encodable {
        let welfare: Double
        let allocation: [[Double]]
        let welfare_without: [Double]
        let vcg_payments: [Double]
        let gap_bound: Double
    }

    func run() async throws {
        let problem = try market.load()
        let instance = market.instance ?? "the drawn instance"
        let outcome: VCGOutcome
        do {
            outcome = try WelfareOptimizer().vcg(capacities: problem.capacities, utilities: problem.utilities)
        } catch {
            throw CommandFailure.input("\(instance == "-" ? "standard input" : instance): \(error)")
        }
        let report = Report(
            welfare: outcome.optimum.welfare, allocation: outcome.optimum.allocation,
            welfare_without: outcome.welfareWithout, vcg_payments: outcome.payments, gap_bound: outcome.optimum.gapBound
        )
        if json {
            try printJSON(report)
            return
        }
        print(
            "social welfare   \(format(report.welfare, digits: 2)) VC  (certified gap <= \(String(format: "%.1e", report.gap_bound)) VC)"
        )
        print("VSPs             \(problem.vspCount)")
        print("capacities       \(problem.capacities.map { "\($0)" }.joined(separator: ", "))")
        print("")
        // The paper's three resources by name, as dvcgctl's tables have them; other instances by number.
        let names =
            problem.capacities.count == TestbedConfiguration.paperResources.count
            ? TestbedConfiguration.paperResources.map(\.name) : problem.capacities.indices.map { "resource \($0)" }
        var rows = [
            ["VSP"] + names.map { "\($0) (share)" } + [
                "utility (VC)", "SW_-i (VC)", "VCG payment (VC)",
            ]
        ]
        let ids = SimulatedMarket.identifiers(count: problem.vspCount)
        for i in 0..<problem.vspCount {
            let utility = (try? problem.utilities[i].value(at: report.allocation[i])) ?? 0
            rows.append(
                [ids[i].rawValue] + report.allocation[i].map { format($0, digits: 4) }
                    + [
                        format(utility, digits: 2), format(report.welfare_without[i], digits: 2),
                        format(report.vcg_payments[i], digits: 2),
                    ])
        }
        print(alignedTable(rows))
    }
}

/// Reads and validates an instance file; failures are exit status 2 with the file name.
func loadInstance(_ path: String) throws -> ProblemInstance {
    let data = try readWholeFile(path)
    do {
        return try ProblemInstance(json: data)
    } catch {
        throw CommandFailure.input("\(path == "-" ? "standard input" : path): \(error)")
    }
}
