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
        discussion: """
            Talks HTTP/1.1 + JSON to dvcgd's Unix socket (--socket, or DVCG_SOCKET, default \
            /run/dvcg/dvcgd.sock). Exit status: 0 ok, 1 refused by the daemon (its message is printed), \
            2 usage error, 3 daemon unreachable.
            """,
        subcommands: [
            StatusCommand.self, VSPsCommand.self, AddVSPCommand.self, RemoveVSPCommand.self, BidCommand.self,
            ReportCommand.self, DumpLedgerCommand.self, ReloadCommand.self, PauseCommand.self, ResumeCommand.self,
            RoundCommand.self, HealthCommand.self, ArchiveCommand.self,
        ]
    )

    /// Runs a verb: 0 ok, 1 refused by the daemon, 2 usage error, 3 daemon unreachable.
    static func main() async {
        let arguments = movingLeadingGlobalOptions(
            Array(CommandLine.arguments.dropFirst()), valued: ["--socket"], flags: ["--json"])
        await runWithExitCodes(arguments: arguments) { error in
            guard let error = error as? ControlClientError else { return nil }
            switch error {
            case .unreachable: return CommandFailure(message: error.description, status: 3)
            case .refused, .malformedResponse: return CommandFailure(message: error.description, status: 1)
            }
        }
    }
}

/// Options every verb takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The daemon's control socket.", discussion: "Default: $DVCG_SOCKET, else /run/dvcg/dvcgd.sock."))
    var socket: String?

    @Flag(name: .long, help: "Print the daemon's answer as JSON, for scripts.")
    var json = false

    /// The client for the chosen socket.
    var client: ControlClient {
        ControlClient(
            socketPath: socket ?? ProcessInfo.processInfo.environment["DVCG_SOCKET"] ?? ControlClient.defaultSocketPath)
    }
}
