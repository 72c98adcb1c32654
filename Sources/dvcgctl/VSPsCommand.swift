import ArgumentParser
import DVCGCommandLine
import DVCGControl
import Foundation

/// `dvcgctl vsps`: the roster with shares, last bid and tax.
struct VSPsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vsps", abstract: "List the registered VSPs with their shares, last bid and last tax.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let list: VSPListResponse = try await global.client.get("/v1/vsps")
        if global.json { return try printJSON(list) }
        var rows = [
            ["VSP", "kind", "status"] + list.resources.map { "\($0) (share)" } + [
                "last bid (VC)", "last tax (VC)", "alpha-hat",
            ]
        ]
        for vsp in list.vsps {
            rows.append(
                [vsp.id, vsp.kind, vsp.status] + vsp.share.map { format($0, digits: 4) }
                    + [
                        vsp.lastBid.map { format($0) } ?? "-", vsp.lastTax.map { format($0) } ?? "-",
                        format(vsp.alphaHat, digits: 3),
                    ])
        }
        print(alignedTable(rows))
    }
}
