import ArgumentParser
import DVCGCommandLine
import Foundation

/// `dvcg`, the offline tool: welfare optimum, instances, checkpoints, training, evaluation, benchmarks.
@main
struct DVCGCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dvcg",
        abstract: "Offline tool for the dual-currency VCG auction with value of information (DVCG).",
        discussion: """
            Computes the exact social-welfare optimum and VCG payments of an instance, draws instances \
            from the paper's distributions, inspects policy checkpoints and runs benchmarks. \
            Exit status: 0 on success, 1 when a file is invalid, 2 on a usage or input error.
            """,
        subcommands: [OptimumCommand.self, InstanceCommand.self, InspectCommand.self, BenchCommand.self]
    )

    /// Runs a verb: 0 ok, 1 invalid file, 2 usage or input error.
    static func main() async {
        await runWithExitCodes()
    }
}
