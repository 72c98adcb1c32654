import ArgumentParser
import DVCGCommandLine
import DVCGControl
import DVCGCore

/// `dvcgctl health`: live and ready; exit 1 when the daemon is live but not ready.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "Check that the daemon is live and ready (exit 1 when not ready).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let health = try await global.client.send(ControlAPI.Health.self)
        if global.json { try printJSON(health) } else { print("live \(health.live), ready \(health.ready)") }
        if !health.ready { throw CommandFailure.invalid("daemon is live but not ready") }
    }
}
