import ArgumentParser
import DVCGCheckpoint
import DVCGCommandLine
import DVCGCore
import Foundation

/// `dvcg init-policy`: an untrained policy checkpoint (Kaiming-initialised networks).
struct InitPolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init-policy",
        abstract: "Write an untrained policy checkpoint with freshly initialised networks.",
        discussion: """
            The checkpoint holds the template networks and, for each --vsp, its own copy drawn from the same \
            seeded generator, in the standard architecture (ReLU, hidden layers 64 x 64, 7 action levels). \
            dvcgd serves it like any policy; it is what a deployment starts from before training, and what \
            tests use as a valid policy.
            """
    )

    @Option(name: .long, help: "The number of resource types K.")
    var resources: Int = 3

    @Option(name: .long, help: "The seed of the initialisation.")
    var seed: UInt64 = 1

    @Option(
        name: .long, parsing: .upToNextOption, help: "VSP ids to give their own networks (others use the template).",
        transform: VSPID.argument)
    var vsp: [VSPID] = []

    @Option(name: .long, help: "The checkpoint file to write (atomically).")
    var out: String

    func validate() throws {
        guard (1...64).contains(resources) else {
            throw valueError("--resources", expected: "an integer in [1, 64]", found: "\(resources)")
        }
        var seen: Set<VSPID> = []
        for id in vsp where !seen.insert(id).inserted { throw ValidationError("--vsp '\(id)' is given twice") }
    }

    func run() async throws {
        let architecture = PolicyArchitecture.standard(resourceCount: resources)
        var generator = SeededGenerator(seed: seed)
        let template = NetworkSet(architecture: architecture, using: &generator)
        var vsps: [String: NetworkSet] = [:]
        for id in vsp { vsps[id.rawValue] = NetworkSet(architecture: architecture, using: &generator) }
        let checkpoint = PolicyCheckpoint(
            architecture: architecture, template: template, vsps: vsps, training: #"{"untrained": true}"#)
        do {
            try checkpoint.write(to: out)
        } catch {
            throw CommandFailure.input("\(out): \(FileIOError.message("\(error)", withoutPath: out))")
        }
        let named = vsp.isEmpty ? "template networks only" : "networks for \(vsp.count) VSPs and the template"
        print("wrote \(out): untrained policy for K = \(resources) resources, \(named) (seed \(seed))")
    }
}
