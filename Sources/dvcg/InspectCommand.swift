import ArgumentParser
import DVCGCheckpoint
import DVCGCommandLine
import Foundation

/// `dvcg inspect FILE [--json]`: lists a policy checkpoint's metadata, VSPs, networks and tensors
/// and validates it as the daemon would.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what a policy checkpoint holds and whether the daemon would accept it.",
        discussion: """
            Lists the metadata, the VSPs, every network with its parameter count, every tensor with \
            its dtype and shape, and the validation verdict (header, offsets, dtypes, shapes against \
            the declared architecture, finite values, required networks, and K against --resources, the \
            number of resources of the dvcgd.yaml that would serve it: 3, as the shipped testbed has). \
            Exit status: 0 for a valid checkpoint, 1 for an invalid one (the reason is printed on standard error), \
            2 on a usage error or a file that cannot be opened.
            """
    )

    @Argument(help: "The policy checkpoint, a safetensors file.")
    var file: String

    @Option(help: "K, the number of resources of the configuration that would serve the policy.")
    var resources = 3

    @Flag(help: "Print the report as JSON for scripts.")
    var json = false

    func validate() throws {
        // As dvcgd.yaml: at least one resource is needed.
        guard resources >= 1 else {
            throw valueError(
                "--resources", expected: "an integer >= 1 (a configuration has at least one resource)",
                found: "\(resources)")
        }
    }

    func run() async throws {
        let report: CheckpointReport
        try requireReadable(file)
        do {
            report = try CheckpointReport.make(path: file, resourceCount: resources)
        } catch {
            throw CommandFailure.invalid("\(file): \(FileIOError.message("\(error)", withoutPath: file))")
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.table)
        }
        if let reason = report.reason {
            throw CommandFailure.invalid("\(file): \(reason)")
        }
    }
}
