import ArgumentParser
import DVCGCommandLine
import DVCGControl
import DVCGCore

/// `dvcgctl bid ID AMOUNT [--round R]`.
struct BidCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bid",
        abstract: "Place a sealed bid in VC for a round that has not started (the next round by default).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The bidding VSP's id.", transform: VSPID.argument)
    var id: VSPID

    @Argument(help: "The amount in VC, finite and >= 0.")
    var amount: Double

    @Option(name: .long, help: "The round to bid for (default: the next round).")
    var round: UInt64?

    func validate() throws {
        // The daemon's own limit and wording, refused here as a usage error, as a negative amount is, and named
        // as the usage names the argument (the API's field `amount` is `<amount>` here).
        guard BidRequest.accepts(amount) else {
            let refusal = BidRequest.refusal(of: amount)
            throw ValidationError(
                refusal.hasPrefix("amount: ") ? "<amount>" + refusal.dropFirst("amount".count) : refusal)
        }
    }

    func run() async throws {
        let answer = try await global.client.send(
            ControlAPI.SubmitBid.self, BidRequest(vsp: id, round: round, amount: amount + 0))
        if global.json {
            try printJSON(answer)
        } else {
            print(answer.message)
        }
    }
}
