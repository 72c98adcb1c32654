import ArgumentParser
import DVCGCommandLine
import DVCGControl
import DVCGCore
import Foundation
import NIOCore

/// `dvcgctl dump-ledger [--from R] [--to R] [--vsp ID] [--format table|jsonl|csv]`.
struct DumpLedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump-ledger",
        abstract: "Stream the ledger, one row per VSP per round, as a table, JSON Lines or CSV.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, jsonl, csv
    }

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: "The first round (inclusive).")
    var from: UInt64?

    @Option(name: .long, help: "The last round (inclusive).")
    var to: UInt64?

    @Option(name: .long, help: "Only this VSP's rows.", transform: VSPID.argument)
    var vsp: VSPID?

    @Option(name: .long, help: "Output format: table (default), jsonl or csv. --json means jsonl.")
    var format: Format?

    func validate() throws {
        if let from, let to, from > to { throw ValidationError("--from \(from) is after --to \(to)") }
        if global.json, let format, format != .jsonl {
            throw ValidationError("--json means --format jsonl; it cannot be combined with --format \(format.rawValue)")
        }
    }

    func run() async throws {
        let chosen: Format = global.json ? .jsonl : format ?? .table
        let query = LedgerQuery(from: from, to: to, vsp: vsp, format: chosen == .csv ? .csv : .jsonl)
        if chosen != .table {
            // A reader that goes away (`| head`) ends the dump quietly instead of trapping.
            var lines = 0
            try await global.client.stream(ControlAPI.ReadLedger.self, query) { chunk in
                lines += chunk.readableBytesView.reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
                writeStandardOutput(Data(chunk.readableBytesView))
            }
            try await refuseUnknownVSP(rows: lines - (chosen == .csv ? 1 : 0))
            await noteArchivedRounds()
            return
        }
        // The table is printed in pages of whole rounds, at least 1,000 rows each unless the dump ends, each
        // aligned on its own and its VSPs in natural order (fleet-7 before fleet-11), so that the ledger never
        // sits in memory. Its share columns are named after the resources, as in `vsps`.
        let resourceNames = try await global.client.send(ControlAPI.ListVSPs.self).resources
        var pending = Data()
        var page: [LedgerRow] = []
        var printedHeader = false
        let decoder = JSONDecoder()
        func flush() {
            guard !page.isEmpty else { return }
            let resources = page.first?.realisedShares.count ?? 0
            let names = resourceNames.count == resources ? resourceNames : (0..<resources).map { "resource \($0)" }
            var rows: [[String]] = []
            rows.append(
                ["round", "VSP", "bid (VC)", "financed bid (VC)", "loan (VC)"] + names.map { "\($0) (share)" }
                    + ["U* (VC)", "externality (VC)", "interest (VC)", "alpha-hat", "tax (VC)", "VoI fitted"])
            page.sort { $0.round != $1.round ? $0.round < $1.round : naturalOrder($0.vsp.rawValue, $1.vsp.rawValue) }
            for row in page {
                rows.append(
                    [
                        String(row.round), row.vsp.rawValue, DVCGCommandLine.format(row.bid, digits: 2),
                        row.financedBid.map { DVCGCommandLine.format($0, digits: 2) } ?? "-",
                        DVCGCommandLine.format(row.loan, digits: 2),
                    ]
                        + row.realisedShares.map { DVCGCommandLine.format($0, digits: 4) }
                        + [
                            DVCGCommandLine.format(row.utilityEstimate, digits: 2),
                            DVCGCommandLine.format(row.externality, digits: 2),
                            DVCGCommandLine.format(row.interest, digits: 2),
                            DVCGCommandLine.format(row.alphaHat, digits: 3),
                            DVCGCommandLine.format(row.tax, digits: 2),
                            row.voiFitted.map { $0 ? "yes" : "no" } ?? "-",
                        ])
            }
            var text = alignedTable(rows)
            if printedHeader, let newline = text.firstIndex(of: "\n") {
                text = String(text[text.index(after: newline)...])
            }
            print(text)
            printedHeader = true
            page.removeAll(keepingCapacity: true)
        }
        try await global.client.stream(ControlAPI.ReadLedger.self, query) { chunk in
            pending.append(contentsOf: chunk.readableBytesView)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[pending.startIndex..<newline]
                pending.removeSubrange(pending.startIndex...newline)
                guard !line.isEmpty else { continue }
                let row = try decoder.decode(LedgerRow.self, from: line)
                if page.count >= 1000, let last = page.last, last.round != row.round { flush() }
                page.append(row)
            }
        }
        flush()
        if !printedHeader {
            try await refuseUnknownVSP(rows: 0)
            // On standard error, so that a redirected dump stays empty; with what was asked and what the ledger
            // holds, so that an empty answer is not taken for an empty ledger.
            FileHandle.standardError.write(Data("dvcgctl: dump-ledger: \(await emptyDumpMessage())\n".utf8))
        }
        await noteArchivedRounds()
    }

    /// `no ledger rows in rounds 900...999 for VSP 'x' (the ledger holds rounds 1...40)`.
    private func emptyDumpMessage() async -> String {
        let asked =
            switch (from, to) {
            case (nil, nil): "no ledger rows"
            case (let from?, nil): "no ledger rows from round \(from) on"
            case (nil, let to?): "no ledger rows up to round \(to)"
            case (let from?, let to?):
                from == to ? "no ledger rows in round \(from)" : "no ledger rows in rounds \(from)...\(to)"
            }
        let subject = vsp.map { " for VSP '\($0.rawValue)'" } ?? ""
        guard let status = try? await global.client.send(ControlAPI.Status.self) else { return asked + subject }
        let held =
            switch (status.ledgerFirstRound, status.lastRound?.round) {
            case (let first?, let last?) where status.ledgerRounds > 0:
                first == last ? "the ledger holds round \(first)" : "the ledger holds rounds \(first)...\(last)"
            default: "the ledger holds no round yet"
            }
        return "\(asked)\(subject) (\(held))"
    }

    /// Says on standard error when part of the range asked for was archived (the ledger now starts later),
    /// so that a short or empty dump is not taken for the whole story. The dump itself is unchanged.
    private func noteArchivedRounds() async {
        // The ledger's archives name each archived range and its file, a gap among the rounds included
        // (rounds 50...59 still archived after 1...49 were restored); without access to them, the rounds before
        // the oldest one in the ledger.
        let low = from ?? 1
        let high = to ?? UInt64.max
        if let archives = try? await global.client.send(ControlAPI.ListArchives.self) {
            for archive in archives.sorted(by: { $0.firstRound < $1.firstRound })
            where archive.state != "restored" && archive.firstRound <= high && archive.lastRound >= low {
                let first = max(archive.firstRound, low)
                let last = min(archive.lastRound, high)
                let rounds = first == last ? "round \(first) is" : "rounds \(first)...\(last) are"
                FileHandle.standardError.write(
                    Data(
                        "dvcgctl: dump-ledger: note: \(rounds) archived in \(archive.file), no longer in the ledger\n"
                            .utf8))
            }
            return
        }
        guard let status = try? await global.client.send(ControlAPI.Status.self),
            let first = status.ledgerFirstRound, first > 1, from ?? 1 < first
        else { return }
        let last = min(first - 1, to ?? first - 1)
        let rounds = (from ?? 1) == last ? "round \(last) is" : "rounds \(from ?? 1)...\(last) are"
        FileHandle.standardError.write(
            Data(
                "dvcgctl: dump-ledger: note: \(rounds) archived, no longer in the ledger; 'dvcgctl archive --list' names the files\n"
                    .utf8))
    }

    /// Exit 1 when `--vsp` names a VSP with no rows that is not on the roster either: most likely a typo.
    private func refuseUnknownVSP(rows: Int) async throws {
        guard rows == 0, let vsp else { return }
        guard let roster = try? await global.client.send(ControlAPI.ListVSPs.self),
            !roster.vsps.contains(where: { $0.id == vsp })
        else { return }
        let range =
            from == nil && to == nil
            ? "in the ledger" : "in rounds \(from.map(String.init) ?? "1")...\(to.map(String.init) ?? "(last)")"
        let nearest = nearestWord(to: vsp.rawValue, in: roster.vsps.map(\.id.rawValue))
        // A VSP removed before the rounds an archive took away had its rows there: say so first (third tour).
        let oldest = (try? await global.client.send(ControlAPI.Status.self))?.ledgerFirstRound ?? 1
        let archived =
            oldest > 1
            ? "; rounds 1...\(oldest - 1) are archived, and its rows may be there ('dvcgctl archive --list' names the files)"
            : ""
        throw CommandFailure.invalid(
            "--vsp: VSP '\(vsp)' has no rows \(range) and is not on the roster\(archived)"
                + (nearest.map { " (did you mean '\($0)'?)" } ?? ""))
    }
}
