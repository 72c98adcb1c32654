import ArgumentParser
import DVCGCommandLine
import DVCGControl

/// A verb that POSTs to one path and prints the daemon's one-line answer.
protocol DaemonActionCommand: AsyncParsableCommand {
    /// The API path, e.g. `/v1/reload`.
    static var path: String { get }
    /// The shared options.
    var global: GlobalOptions { get }
}

extension DaemonActionCommand {
    func run() async throws {
        let answer: ActionResponse = try await global.client.post(Self.path)
        if global.json { try printJSON(answer) } else { print(answer.message) }
    }
}

/// `dvcgctl reload`: validate and swap the policy and configuration between rounds.
struct ReloadCommand: DaemonActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Reload the policy and configuration between rounds; on any error the old ones keep serving.")
    static let path = "/v1/reload"
    @OptionGroup var global: GlobalOptions
}

/// `dvcgctl pause`.
struct PauseCommand: DaemonActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Pause the auction after the round in flight; bids are kept.")
    static let path = "/v1/pause"
    @OptionGroup var global: GlobalOptions
}

/// `dvcgctl resume`.
struct ResumeCommand: DaemonActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Resume rounds every period.")
    static let path = "/v1/resume"
    @OptionGroup var global: GlobalOptions
}

/// `dvcgctl round`: run one round now.
struct RoundCommand: DaemonActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "round", abstract: "Run one round now (also while paused).")
    static let path = "/v1/rounds"
    @OptionGroup var global: GlobalOptions
}
