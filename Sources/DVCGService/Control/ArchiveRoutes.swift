import DVCGControl
import Foundation
import Hummingbird
import Logging
import NIOCore

/// The archive routes (admin only), used by `dvcgctl archive`.
///
/// Rounds `ledger.retention` keeps and the last committed round are never archived (409 `retained`).
struct ArchiveRoutes {
    let environment: ControlServer.Environment
    /// Plans, lists and deletions one at a time (``ArchiveGate``).
    let gate = ArchiveGate()

    /// `GET /v1/archive/plan`, `GET /v1/archive`, `POST /v1/archive/delete` and `GET /v1/archives`.
    var collection: RouteCollection<ControlRequestContext> {
        let routes = RouteCollection(context: ControlRequestContext.self)
        let environment = environment
        let ledger = environment.ledger
        let auctioneer = environment.auctioneer
        let gate = gate
        routes.register(ControlAPI.PlanArchive.self, environment) { request, _, _ in
            let before = try Self.roundParameter("before", of: request) ?? 0
            return try await gate.serialised {
                let firstKept = try await Self.firstKeptRound(auctioneer: auctioneer, ledger: ledger)
                do {
                    return ControlServer.json(.ok, try ledger.archivePlan(before: before, firstKept: firstKept))
                } catch {
                    throw ControlError(.serviceUnavailable, "ledger_error", "\(error)")
                }
            }
        }
        routes.register(ControlAPI.ReadArchive.self, environment) { request, _, _ in
            // from > to is an empty range: an archive without rows.
            guard let from = try Self.roundParameter("from", of: request),
                let to = try Self.roundParameter("to", of: request)
            else {
                throw ControlError.badRequest("from, to: expected two round numbers")
            }
            try await Self.refuseRetained(to, auctioneer: auctioneer, ledger: ledger)
            let body = ResponseBody { writer in
                _ = try await ledger.forEachArchivePiece(first: from, last: to) { bytes in
                    try await writer.write(ByteBuffer(bytes: bytes))
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "application/gzip"], body: body)
        }
        routes.register(ControlAPI.DeleteArchived.self, environment) {
            (body: ArchiveDeletionRequest, _: AccessRole, _: ControlRequestContext, _: Request) in
            guard body.firstRound <= UInt64(Int64.max), body.lastRound <= UInt64(Int64.max) else {
                throw ControlError.badRequest(
                    "first_round, last_round: expected round numbers (integers in [0, 2^63 - 1])")
            }
            return try await gate.serialised {
                try await Self.refuseRetained(body.lastRound, auctioneer: auctioneer, ledger: ledger)
                // The same rows serialise to the same bytes: equal CRC-32 and size mean the caller's file holds them.
                let digest: (plan: ArchivePlan, crc32: UInt32, bytes: Int64)
                do {
                    digest = try await ledger.forEachArchivePiece(first: body.firstRound, last: body.lastRound) { _ in }
                } catch {
                    throw ControlError(.serviceUnavailable, "ledger_error", "\(error)")
                }
                guard digest.crc32 == body.crc32, digest.bytes == body.bytes, digest.plan.rounds > 0 else {
                    throw ControlError(
                        .conflict, "archive_mismatch",
                        "rounds \(body.firstRound)...\(body.lastRound) serialise to \(digest.bytes) bytes with CRC-32 \(digest.crc32), the file has \(body.bytes) bytes with CRC-32 \(body.crc32); nothing was deleted"
                    )
                }
                do {
                    let record = try ledger.deleteArchived(
                        digest.plan, crc32: body.crc32, bytes: body.bytes, file: body.file)
                    // Status (and dump-ledger's "the ledger holds rounds ...") says the new range at once, not
                    // from the next round on.
                    await auctioneer.publishStatus()
                    environment.logger.notice(
                        "archived rounds",
                        metadata: [
                            "first_round": "\(record.firstRound)", "last_round": "\(record.lastRound)",
                            "entries": "\(record.entries)", "bytes": "\(record.bytes)", "file": "\(record.file)",
                        ])
                    return record
                } catch let error as LedgerError {
                    if case .archiveRefused(_, let reason) = error {
                        throw ControlError(.conflict, "archive_mismatch", reason)
                    }
                    throw ControlError(.serviceUnavailable, "ledger_error", error.description)
                }
            }
        }
        routes.register(ControlAPI.ListArchives.self, environment) {
            try await gate.serialised {
                do {
                    return try ledger.archives()
                } catch {
                    throw ControlError(.serviceUnavailable, "ledger_error", "\(error)")
                }
            }
        }
        return routes
    }

    /// A round number in the query, if present.
    private static func roundParameter(_ name: String, of request: Request) throws(ControlError) -> UInt64? {
        guard let text = request.uri.queryParameters[Substring(name)].map(String.init) else { return nil }
        guard let value = UInt64(text), value <= UInt64(Int64.max) else {
            throw .badRequest("\(name): expected a round number (integer in [0, 2^63 - 1]), found '\(text)'")
        }
        return value
    }

    /// The first round the retention keeps (never after the last committed round).
    private static func firstKeptRound(auctioneer: Auctioneer, ledger: Ledger) async throws(ControlError) -> UInt64 {
        let retention = await auctioneer.configuration.ledger.retention
        do {
            guard let last = try ledger.lastCommittedRound() else { return 1 }
            return try ledger.firstKeptRound(retention, lastRound: last)
        } catch {
            throw ControlError(.serviceUnavailable, "ledger_error", error.description)
        }
    }

    /// 409 `retained` when `round` is one the ledger must keep.
    private static func refuseRetained(_ round: UInt64, auctioneer: Auctioneer, ledger: Ledger)
        async throws(ControlError)
    {
        let firstKept = try await firstKeptRound(auctioneer: auctioneer, ledger: ledger)
        guard round < firstKept else {
            throw ControlError(
                .conflict, "retained",
                "round \(round) is kept: ledger.retention and the last committed round keep rounds from \(firstKept) on"
            )
        }
    }
}
