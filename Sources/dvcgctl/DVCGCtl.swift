import ArgumentParser
import DVCGCommandLine
import DVCGControl
import DVCGCore
import Foundation

/// `dvcgctl`: inspect and steer dvcgd over its control socket.
@main
struct DVCGCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dvcgctl",
        abstract: "Inspect and steer the DVCG auction daemon dvcgd over its control socket.",
        usage: "dvcgctl [--socket <path>] [--json] <verb> [<argument> ...]",
        discussion: """
            Talks HTTP/1.1 + JSON to dvcgd's Unix socket. Errors are one line, `dvcgctl: VERB: message`. \
            Exit status: 0 ok, 1 refused by the daemon (its message is printed), 2 usage error, 3 daemon \
            unreachable.

            Global options, accepted by every verb, before or after it: --socket <path>, the daemon's \
            control socket (default: $DVCG_SOCKET, else /run/dvcg/dvcgd.sock); --json, the daemon's answer \
            as JSON for scripts (full precision).
            """,
        version: programVersion,
        subcommands: [
            StatusCommand.self, VSPsCommand.self, AddVSPCommand.self, RemoveVSPCommand.self, BidCommand.self,
            ReportCommand.self, DumpLedgerCommand.self, ReloadCommand.self, PauseCommand.self, ResumeCommand.self,
            RoundCommand.self, HealthCommand.self, ArchiveCommand.self,
        ]
    )

    /// Runs a verb: 0 ok, 1 refused by the daemon, 2 usage error, 3 daemon unreachable.
    static func main() async {
        // A report's utility and gross profit may be negative (within ±1e12); every other number is >= 0.
        let arguments = joiningNegativeValues(
            movingLeadingGlobalOptions(
                Array(CommandLine.arguments.dropFirst()), valued: ["--socket"], flags: ["--json"]),
            of: ["--utility", "--gross-profit"])
        await runWithExitCodes(arguments: arguments) { error in
            guard let error = error as? ControlClientError else { return nil }
            switch error {
            case .unreachable: return CommandFailure(message: error.description, status: 3)
            case .refused: return CommandFailure(message: refusal(error.description), status: 1)
            case .malformedResponse: return CommandFailure(message: error.description, status: 1)
            }
        }
    }

    /// The daemon's refusal as this tool prints it after `dvcgctl: VERB: `: the API's leading field name
    /// (`vsp: `, `id: `, `round: `, docs/control.md) is dropped where the rest names its subject itself
    /// (`VSP 'x' ...`, `round 5 ...`, `bids ...`), so that every verb says `VSP 'x' is not on the roster` alike;
    /// a refusal of a value (`utility: expected a finite number ...`) keeps the field it is about.
    static func refusal(_ message: String) -> String {
        guard let colon = message.range(of: ": "),
            message[..<colon.lowerBound].allSatisfy({ $0.isLetter || $0 == "_" })
        else { return message }
        let rest = message[colon.upperBound...]
        return ["VSP '", "round ", "bids "].contains(where: { rest.hasPrefix($0) }) ? String(rest) : message
    }
}

/// Options every verb takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The daemon's control socket.", discussion: "Default: $DVCG_SOCKET, else /run/dvcg/dvcgd.sock.",
            valueName: "path"))
    var socket: String?

    @Flag(name: .long, help: "Print the daemon's answer as JSON, for scripts.")
    var json = false

    func validate() throws {
        if socket?.isEmpty == true { throw ValidationError("--socket: an empty path names no socket") }
    }

    /// The client for the chosen socket.
    var client: ControlClient {
        ControlClient(
            socketPath: socket ?? ProcessInfo.processInfo.environment["DVCG_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
                ?? ControlClient.defaultSocketPath)
    }
}
