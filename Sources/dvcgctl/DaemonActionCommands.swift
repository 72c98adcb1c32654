import ArgumentParser
import DVCGCommandLine
import DVCGControl
import DVCGCore

/// A verb that calls one endpoint without a request and prints the daemon's one-line answer.
protocol DaemonActionCommand: AsyncParsableCommand {
    /// The endpoint, e.g. ``ControlAPI/Reload``.
    associatedtype Action: Endpoint where Action.Request == NoRequest, Action.Response == ActionResponse
    /// The shared options.
    var global: GlobalOptions { get }
}

extension DaemonActionCommand {
    func run() async throws {
        let answer = try await global.client.send(Action.self)
        if global.json { try printJSON(answer) } else { print(answer.message) }
    }
}

/// `dvcgctl reload`: validate and swap the policy and configuration between rounds.
struct ReloadCommand: DaemonActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Reload the policy and configuration between rounds; on any error the old ones keep serving.")
    typealias Action = ControlAPI.Reload
    @OptionGroup var global: GlobalOptions
}

/// `dvcgctl pause`.
struct PauseCommand: DaemonActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Pause the auction after the round in flight; bids are kept.")
    typealias Action = ControlAPI.Pause
    @OptionGroup var global: GlobalOptions
}

/// `dvcgctl resume`.
struct ResumeCommand: DaemonActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Resume rounds every period.")
    typealias Action = ControlAPI.Resume
    @OptionGroup var global: GlobalOptions
}

/// `dvcgctl round`: run one round now.
struct RoundCommand: DaemonActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "round", abstract: "Run one round now (also while paused).")
    typealias Action = ControlAPI.RunRound
    @OptionGroup var global: GlobalOptions
}
