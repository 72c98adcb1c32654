import ArgumentParser
import DVCGCommandLine
import DVCGControl
import DVCGCore
import Foundation

/// `dvcgctl vsps`: the roster with shares, last bid and tax.
struct VSPsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vsps",
        abstract:
            "List the registered VSPs: whether each took part in the last round and why not, its shares, last bid and tax.",
        discussion: """
            A VSP takes no part in a round when it is joining (it takes part from the next round), or when it is \
            external and sent no bid for that round. Shares are those of the last round (zeros for a VSP that \
            took no part in it); last bid and last tax are from the last round it took part in.
            """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let list = try await global.client.send(ControlAPI.ListVSPs.self)
        if global.json { return try printJSON(list) }
        var rows = [
            ["VSP", "kind", "status", "participation"] + list.resources.map { "\($0) (share)" } + [
                "last bid (VC)", "last tax (VC)", "alpha-hat", "VoI fitted",
            ]
        ]
        let vsps = list.vsps.sorted { (a: VSPInfo, b: VSPInfo) -> Bool in naturalOrder(a.id.rawValue, b.id.rawValue) }
        for vsp in vsps {
            let head: [String] = [
                vsp.id.rawValue, vsp.kind.rawValue, vsp.status.rawValue, participation(of: vsp, lastRound: list.round),
            ]
            let shares: [String] = vsp.share.map { format($0, digits: 4) }
            let standing: [String] = [
                vsp.lastBid.map { format($0, digits: 2) } ?? "-",
                vsp.lastTax.map { format($0, digits: 2) } ?? "-",
                vsp.alphaHat.map { format($0, digits: 3) } ?? "-",
                vsp.voiFitted.map { $0 ? "yes" : "no" } ?? "-",
            ]
            rows.append(head + shares + standing)
        }
        print(alignedTable(rows))
    }

    /// Whether `vsp` took part in the last committed round, and why not: `took part`, `joining`, `no bid`,
    /// `not since N`, or `-` before the first round.
    func participation(of vsp: VSPInfo, lastRound: UInt64?) -> String {
        if vsp.status == .joining { return "joining" }
        guard let lastRound else { return "-" }
        if vsp.lastRound == lastRound { return "took part" }
        let since = vsp.lastRound.map { " (last in \($0))" } ?? ""
        return (vsp.kind == .external ? "no bid" : "no part") + since
    }
}
