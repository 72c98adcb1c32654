import ArgumentParser
import DVCGCommandLine
import DVCGControl
import DVCGCore

/// `dvcgctl report ID --round R --utility U --gross-profit G`.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "File a VSP's financial report (utility and gross profit, eq. 5) for a round it took part in.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The reporting VSP's id.", transform: VSPID.argument)
    var id: VSPID

    @Option(name: .long, help: "The round reported on.")
    var round: UInt64

    @Option(name: .long, help: "The realised utility U in VC, within ±1e12 (negative as --utility -5).")
    var utility: Double

    @Option(name: .long, help: "The gross profit G in VC.")
    var grossProfit: Double

    func validate() throws {
        for (option, value) in [("--utility", utility), ("--gross-profit", grossProfit)] where !value.isFinite {
            throw ValidationError("\(option): expected a finite number of VC, found \(value)")
        }
        // The daemon's limit, said here as a usage error naming the option, as bid does.
        for (option, value) in [("--utility", utility), ("--gross-profit", grossProfit)]
        where abs(value) > BidRequest.maximumAmount {
            throw ValidationError(
                "\(option): expected a finite number of VC within ±\(BidRequest.maximumAmountText), found \(messageNumber(value))"
            )
        }
    }

    func run() async throws {
        let answer = try await global.client.send(
            ControlAPI.FileReport.self, ReportRequest(vsp: id, round: round, utility: utility, grossProfit: grossProfit)
        )
        if global.json { try printJSON(answer) } else { print(answer.message) }
    }
}
