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
                resources: await environment.auctioneer.resourceNames)
        }
        return routes
    }

    /// The rows of `query` up to `lastRound`, streamed page by page so that the ledger never sits in memory.
    static func stream(_ query: LedgerQuery, ledger: Ledger, lastRound: UInt64, resources: [String]) -> Response {
        let from = query.from ?? 0
        let to = min(query.to ?? lastRound, lastRound)
        let filter = Ledger.RowFilter(from: from, to: to, vsp: query.vsp)
        let csv = query.format == .csv
        let format = query.format
        let body = ResponseBody { writer in
            if csv {
                try await writer.write(ByteBuffer(string: LedgerRow.csvHeader(resources: resources) + "\n"))
            }
            guard from <= to else { return try await writer.finish(nil) }
            var after: (round: UInt64, vsp: VSPID)?
            while true {
                // Read and encoded on the stream thread; this task only hands the bytes to the socket, and waits
                // while the peer does not read.
                let page = try await ledger.streams.page(filter, after: after, limit: pageSize, format: format)
                guard let last = page.last else { break }
                try await writer.write(page.bytes)
                if page.count < pageSize { break }
                after = last
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok, headers: [.contentType: csv ? "text/csv; charset=utf-8" : "application/jsonl"], body: body)
    }
}
