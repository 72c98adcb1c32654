import DVCGControl
import DVCGCore
import Foundation
import Hummingbird
import NIOCore

extension ControlServer {
    /// Rows per ledger page: one indexed read and one write to the socket each.
    static let ledgerPageSize = 1000

    /// `GET /v1/ledger?from=&to=&vsp=&format=jsonl|csv`, streamed page by page so the ledger never sits in memory.
    ///
    /// - Parameter restrictedTo: The only VSP whose rows the caller may read (a VSP principal), if any.
    /// - Throws: ``ControlError`` 400 naming the parameter for a bad query.
    static func streamLedger(
        _ request: Request, ledger: Ledger, lastRound: UInt64, resourceCount: Int, restrictedTo: String?
    ) throws(ControlError) -> Response {
        let query = request.uri.queryParameters
        func round(_ name: String) throws(ControlError) -> UInt64? {
            guard let text = query[Substring(name)].map(String.init) else { return nil }
            guard let value = UInt64(text), value <= UInt64(Int64.max) else {
                throw .badRequest("\(name): expected a round number (integer in [0, 2^63 - 1]), found '\(text)'")
            }
            return value
        }
        let from = try round("from") ?? 0
        let to = min(try round("to") ?? lastRound, lastRound)
        let format = query["format"].map(String.init) ?? "jsonl"
        guard format == "jsonl" || format == "csv" else {
            throw .badRequest("format: expected 'jsonl' or 'csv', found '\(format)'")
        }
        var vsp = query["vsp"].map(String.init)
        if let vsp { _ = try vspID(vsp, field: "vsp", status: .badRequest) }
        if let restrictedTo { vsp = restrictedTo }
        let filter = Ledger.RowFilter(from: from, to: to, vsp: vsp)
        let csv = format == "csv"
        let body = ResponseBody { writer in
            if csv {
                try await writer.write(ByteBuffer(string: LedgerRow.csvHeader(resourceCount: resourceCount) + "\n"))
            }
            guard from <= to else { return try await writer.finish(nil) }
            var after: (round: UInt64, vsp: String)?
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            while true {
                let page = try await ledger.rows(filter, after: after, limit: ledgerPageSize)
                guard let last = page.last else { break }
                var buffer = ByteBuffer()
                for row in page {
                    if csv {
                        buffer.writeString(row.csvLine)
                    } else {
                        buffer.writeBytes(try encoder.encode(row))
                    }
                    buffer.writeInteger(UInt8(ascii: "\n"))
                }
                try await writer.write(buffer)
                if page.count < ledgerPageSize { break }
                after = (last.round, last.vsp)
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: csv ? "text/csv; charset=utf-8" : "application/jsonl"], body: body)
    }
}
