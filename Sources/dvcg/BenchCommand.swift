import ArgumentParser
import DVCGCommandLine

/// `dvcg bench ...`: speed benchmarks, run on a release build; they report medians, never assert.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract:
            "Measure the speed of the optimum solver, the neural networks, rounds and the control socket (use a release build).",
        usage: "dvcg bench <verb> [<option> ...]",
        subcommands: [
            BenchOptimumCommand.self, BenchNNCommand.self, BenchTrainCommand.self, BenchRoundCommand.self,
            BenchControlCommand.self,
        ]
    )
}
