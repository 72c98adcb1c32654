import DVCGControl
import DVCGCore
import Foundation
import Hummingbird
import NIOCore

/// The ledger, streamed.
struct LedgerRoutes {
    let environment: ControlServer.Environment

    /// Rows per ledger page: one indexed read and one write to the socket each.
    static let pageSize = 1000

    /// `GET /v1/ledger`.
    var collection: RouteCollection<ControlRequestContext> {
        let routes = RouteCollection(context: ControlRequestContext.self)
        let environment = environment
        routes.register(ControlAPI.ReadLedger.self, environment) { request, context, role in
            var parameters: [String: String] = [:]
            for (key, value) in request.uri.queryParameters where parameters[String(key)] == nil {
                parameters[String(key)] = String(value)
            }
            let query: LedgerQuery
            do throws(WireFieldError) { query = try LedgerQuery(parameters: parameters) } catch {
                throw ControlServer.refusal(
                    error, invalidCode: ControlAPI.ReadLedger.invalidCode, in: .badRequest)
            }
            // A VSP principal is held to its own rows; an admin's own filter is applied as asked.
            let decision = try await environment.check(
                environment.policy.decide(ledgerOf: query.vsp, for: role), role: role, context: context, request)
            var scoped = query
            if case .allowedForVSP(let id) = decision { scoped.vsp = id }
            let status = await environment.auctioneer.snapshot()
            return Self.stream(
                scoped, ledger: environment.ledger, lastRound: status.lastRound?.value ?? 0,
                resourceCount: await environment.auctioneer.resourceCount)
        }
        return routes
    }

    /// The rows of `query` up to `lastRound`, streamed page by page so that the ledger never sits in memory.
    static func stream(_ query: LedgerQuery, ledger: Ledger, lastRound: UInt64, resourceCount: Int) -> Response {
        let from = query.from ?? 0
        let to = min(query.to ?? lastRound, lastRound)
        let filter = Ledger.RowFilter(from: from, to: to, vsp: query.vsp)
        let csv = query.format == .csv
        let body = ResponseBody { writer in
            if csv {
                try await writer.write(ByteBuffer(string: LedgerRow.csvHeader(resourceCount: resourceCount) + "\n"))
            }
            guard from <= to else { return try await writer.finish(nil) }
            var after: (round: UInt64, vsp: VSPID)?
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            while true {
                let page = try await ledger.rows(filter, after: after, limit: pageSize)
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
                if page.count < pageSize { break }
                after = (last.round, last.vsp)
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: csv ? "text/csv; charset=utf-8" : "application/jsonl"], body: body)
    }
}
