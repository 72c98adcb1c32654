import ArgumentParser
import DVCGCommandLine
import DVCGSimulation

/// `--instance FILE | --vsps N --seed S`: the market a verb runs on.
struct InstanceOptions: ParsableArguments {
    @Option(help: "The instance file (JSON), as written by `dvcg instance`, or - for standard input.")
    var instance: String?

    @Option(help: "Draw an instance of N VSPs from the paper's distributions (with --seed).")
    var vsps: Int?

    @Option(help: "The seed of the drawn instance.")
    var seed: UInt64 = 1

    func validate() throws {
        guard (instance == nil) != (vsps == nil) else {
            throw ValidationError("Give exactly one of --instance FILE and --vsps N.")
        }
        if let vsps, !(1...100_000).contains(vsps) {
            throw valueError("--vsps", expected: "an integer in [1, 100000]", found: "\(vsps)")
        }
    }

    /// The instance: read from the file or drawn with `ProblemInstance.paper(vspCount:seed:)`.
    func load() throws -> ProblemInstance {
        if let instance { return try loadInstance(instance) }
        return ProblemInstance.paper(vspCount: vsps!, seed: seed)
    }
}
