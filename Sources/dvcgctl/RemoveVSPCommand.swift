import ArgumentParser
import DVCGCommandLine
import DVCGControl
import DVCGCore

/// `dvcgctl remove-vsp ID`.
struct RemoveVSPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove-vsp",
        abstract: "Remove a VSP at the next round boundary; the others' networks are untouched.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The VSP's id.")
    var id: String

    func validate() throws {
        guard VSPID.isValid(id) else {
            throw ValidationError("VSP id '\(id)' must be 1 to 64 characters from [A-Za-z0-9._-]")
        }
    }

    func run() async throws {
        let answer: ActionResponse = try await global.client.delete("/v1/vsps/\(id)")
        if global.json { try printJSON(answer) } else { print(answer.message) }
    }
}
