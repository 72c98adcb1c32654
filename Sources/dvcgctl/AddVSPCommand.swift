import ArgumentParser
import DVCGCommandLine
import DVCGControl
import DVCGCore
import Foundation

/// `dvcgctl add-vsp ID (--external | --beta B --xi X,Y,Z [--alpha A] [--bidding truthful|scaled:C])`.
struct AddVSPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-vsp",
        abstract:
            "Register a VSP; it takes part from the next round, its VoI net starting from the policy's prior (a shared policy) or template (a per-VSP one).",
        discussion: "An external VSP bids and reports through the API; a simulated one needs --beta and --xi.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The VSP's id: 1 to 64 characters from [A-Za-z0-9._-].", transform: VSPID.argument)
    var id: VSPID

    @Flag(name: .long, help: "The VSP bids and reports itself through the API.")
    var external = false

    @Option(name: .long, help: "Simulated VSP: the utility's saturation level beta in VC.")
    var beta: Double?

    @Option(name: .long, help: "Simulated VSP: the sensitivities xi, one per resource, comma-separated.")
    var xi: String?

    @Option(name: .long, help: "Simulated VSP: profit per unit of utility (default 1).")
    var alpha: Double?

    @Option(name: .long, help: "Simulated VSP: 'truthful' (default) or 'scaled:C'.", transform: Self.bidding(_:))
    var bidding: VSPBidding?

    /// `--bidding`'s value, or the usage error that says what it takes.
    static func bidding(_ text: String) throws -> VSPBidding {
        guard let bidding = VSPBidding(text) else {
            let nearest = nearestBidding(to: text, kinds: ["truthful", "scaled"]).map { " (did you mean '\($0)'?)" }
            throw ValidationError(
                "expected truthful or scaled:C with a number C in [0, 1e12], found '\(text)'\(nearest ?? "")")
        }
        return bidding
    }

    func validate() throws {
        if external {
            guard beta == nil, xi == nil, alpha == nil, bidding == nil else {
                throw ValidationError("--external takes no --beta, --xi, --alpha or --bidding")
            }
        } else {
            guard beta != nil, xi != nil else {
                throw ValidationError("give --external, or --beta and --xi for a simulated VSP")
            }
            // The daemon's limits (dvcgd.yaml(5), vsps), said here as usage errors naming the options.
            let limit = BidRequest.maximumAmount
            let text = BidRequest.maximumAmountText
            if let beta, !(beta.isFinite && beta >= 0 && beta <= limit) {
                throw ValidationError("--beta: expected a finite number in [0, \(text)], found \(messageNumber(beta))")
            }
            if let large = try sensitivities().first(where: { !($0.isFinite && $0 >= 0 && $0 <= limit) }) {
                throw ValidationError("--xi: expected finite numbers in [0, \(text)], found \(messageNumber(large))")
            }
            if let alpha, !(alpha.isFinite && alpha > 0 && alpha <= limit) {
                throw ValidationError(
                    "--alpha: expected a finite number in (0, \(text)], found \(messageNumber(alpha))")
            }
        }
    }

    private func sensitivities() throws -> [Double] {
        let values = (xi ?? "").split(separator: ",", omittingEmptySubsequences: false).map {
            Double($0.trimmingCharacters(in: .whitespaces))
        }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
            let bad = (xi ?? "").split(separator: ",", omittingEmptySubsequences: false).first {
                Double($0.trimmingCharacters(in: .whitespaces)) == nil
            }
            throw ValidationError(
                "--xi takes comma-separated numbers, e.g. 1.5,0,3" + (bad.map { ", found '\($0)'" } ?? ""))
        }
        // As a negative --beta: a usage error here, not the daemon's refusal.
        if let negative = values.first(where: { $0! < 0 }) {
            throw ValidationError(
                "--xi: expected finite numbers in [0, \(BidRequest.maximumAmountText)], found \(messageNumber(negative!))"
            )
        }
        return values.map { $0! }
    }

    func run() async throws {
        let request = AddVSPRequest(
            id: id, kind: external ? .external : .simulated,
            utility: try beta.map { UtilityBody(beta: $0, xi: try sensitivities()) }, alpha: alpha, bidding: bidding)
        let answer: ControlAPI.AddVSP.Response
        do {
            answer = try await global.client.send(ControlAPI.AddVSP.self, request)
        } catch ControlClientError.refused(let status, let code, let message) {
            throw ControlClientError.refused(status: status, code: code, message: Self.naming(message))
        }
        if global.json { try printJSON(answer) } else { print(answer.message) }
    }

    /// The daemon's refusal with the request field it names (`utility.xi: expected 3 values ...`) said as
    /// the option that set it (`--xi: ...`): only the daemon knows the number of resources.
    static func naming(_ message: String) -> String {
        let options = ["utility.beta": "--beta", "utility.xi": "--xi", "alpha": "--alpha", "bidding": "--bidding"]
        for (field, option) in options where message.hasPrefix(field + ": ") {
            return option + message.dropFirst(field.count)
        }
        return message
    }
}
