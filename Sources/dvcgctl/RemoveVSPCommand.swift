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

    @Argument(help: "The VSP's id.", transform: VSPID.argument)
    var id: VSPID

    func run() async throws {
        let answer = try await global.client.send(ControlAPI.RemoveVSP.self, id)
        if global.json { try printJSON(answer) } else { print(answer.message) }
    }
}
