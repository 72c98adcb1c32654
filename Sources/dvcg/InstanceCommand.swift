import ArgumentParser
import DVCGCheckpoint
import DVCGCommandLine
import DVCGSimulation
import Foundation

/// `dvcg instance --vsps N --seed S`: an instance drawn from the paper's distributions.
struct InstanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "instance",
        abstract: "Write an instance drawn from the paper's distributions as JSON.",
        discussion: """
            K = 3 resources of capacity 1, beta ~ U(100, 200), xi ~ U(0, 10) (Section VI), and alpha ~ U(0.8, 1.2). \
            The same seed gives the same instance on every machine, so instances can be shared and replayed.
            """
    )

    @Option(name: .long, help: "The number of VSPs N, in [1, 100000].")
    var vsps: Int

    @Option(name: .long, help: "The seed of the random generator (an unsigned 64-bit integer).")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Write to this file instead of standard output.")
    var out: String?

    func validate() throws {
        guard (1...100_000).contains(vsps) else {
            throw valueError("--vsps", expected: "an integer in [1, 100000]", found: "\(vsps)")
        }
    }

    func run() async throws {
        var data = ProblemInstance.paper(vspCount: vsps, seed: seed).jsonData()
        data.append(Data("\n".utf8))
        if let out {
            do throws(FileIOError) {
                try writeAtomically([UInt8](data), to: out)
            } catch {
                throw CommandFailure.input(error.description)
            }
            print("wrote an instance of \(vsps) VSP\(vsps == 1 ? "" : "s") (seed \(seed)) to \(out)")
        } else {
            writeStandardOutput(data)
        }
    }
}
