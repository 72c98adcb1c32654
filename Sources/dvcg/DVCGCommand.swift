import ArgumentParser
import DVCGCommandLine
import Foundation

#if canImport(Glibc)
    /// glibc's `mallopt(3)` (declared in malloc.h, which the Glibc module does not export).
    @_silgen_name("mallopt")
    func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// `dvcg`, the offline tool: welfare optimum, instances, checkpoints, training, evaluation, benchmarks.
@main
struct DVCGCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dvcg",
        abstract: "Offline tool for the dual-currency VCG auction with value of information (DVCG).",
        usage: "dvcg <verb> [<argument> ...]",
        discussion: """
            Computes the exact social-welfare optimum and VCG payments of an instance, draws instances \
            from the paper's distributions, writes, inspects, trains and evaluates policy checkpoints, runs \
            the paper's experiments and benchmarks. \
            Errors are one line, `dvcg: VERB: message`. Exit status: 0 on success, 1 when a policy checkpoint is invalid, \
            2 on a usage or input error (an invalid instance file included).
            """,
        version: programVersion,
        subcommands: [
            OptimumCommand.self, InstanceCommand.self, InspectCommand.self, InitPolicyCommand.self, TrainCommand.self,
            EvaluateCommand.self, ExperimentCommand.self, BenchCommand.self,
        ]
    )

    /// Runs a verb: 0 ok, 1 invalid file, 2 usage or input error.
    static func main() async {
        #if canImport(Glibc)
            // Training allocates and frees the same few-hundred-KB matrices every step; keep them on the
            // heap instead of mmap/munmap (page faults cost more than the products).
            _ = mallopt(-3, 256 << 20)  // M_MMAP_THRESHOLD
            _ = mallopt(-1, 512 << 20)  // M_TRIM_THRESHOLD
        #endif
        await runWithExitCodes()
    }
}
