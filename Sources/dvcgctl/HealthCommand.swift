import ArgumentParser
import DVCGCommandLine
import DVCGControl

/// `dvcgctl health`: live and ready; exit 1 when the daemon is live but not ready.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "Check that the daemon is live and ready (exit 1 when not ready).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let health: HealthResponse = try await global.client.get("/v1/health")
        if global.json { try printJSON(health) } else { print("live \(health.live), ready \(health.ready)") }
        if !health.ready { throw CommandFailure.invalid("daemon is live but not ready") }
    }
}
