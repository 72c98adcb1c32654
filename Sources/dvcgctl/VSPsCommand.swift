import ArgumentParser
import DVCGCommandLine
import DVCGControl
import DVCGCore
import Foundation

/// `dvcgctl vsps`: the roster with shares, last bid and tax.
struct VSPsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vsps", abstract: "List the registered VSPs with their shares, last bid and last tax.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let list = try await global.client.send(ControlAPI.ListVSPs.self)
        if global.json { return try printJSON(list) }
        var rows = [
            ["VSP", "kind", "status"] + list.resources.map { "\($0) (share)" } + [
                "last bid (VC)", "last tax (VC)", "alpha-hat", "VoI fitted",
            ]
        ]
        for vsp in list.vsps {
            rows.append(
                [vsp.id.rawValue, vsp.kind.rawValue, vsp.status.rawValue] + vsp.share.map { format($0, digits: 4) }
                    + [
                        vsp.lastBid.map { format($0) } ?? "-", vsp.lastTax.map { format($0) } ?? "-",
                        format(vsp.alphaHat, digits: 3), vsp.voiFitted.map { $0 ? "yes" : "no" } ?? "-",
                    ])
        }
        print(alignedTable(rows))
    }
}
