import DVCGControl
import DVCGCore
import DVCGLearning
import Foundation
import Synchronization

/// The last published status, readable from any thread: status requests never queue behind a round.
public final class StatusBoard: Sendable {
    private struct Published: Sendable {
        var status: StatusResponse
        var nextRoundDue: Date?
        var startedAt: Date
    }

    private let published = Mutex<Published?>(nil)

    /// An empty board.
    public init() {}

    /// Replaces the status.
    func publish(_ status: StatusResponse, nextRoundDue: Date?, startedAt: Date) {
        published.withLock { $0 = Published(status: status, nextRoundDue: nextRoundDue, startedAt: startedAt) }
    }

    /// The status with its clock fields (time to the next round, uptime) brought to now; `nil` before the
    /// first publication.
    public func current() -> StatusResponse? {
        guard let published = published.withLock({ $0 }) else { return nil }
        var status = published.status
        let now = Date()
        if let due = published.nextRoundDue { status.secondsToNextRound = max(0, due.timeIntervalSince(now)) }
        status.uptimeSeconds = max(0, now.timeIntervalSince(published.startedAt))
        return status
    }
}

/// Why a report was refused.
public enum ReportRejection: Error, Equatable, Sendable, CustomStringConvertible {
    /// The VSP has never been on the roster.
    case unknownVSP(VSPID)
    /// The round has not run yet.
    case roundNotRun(RoundNumber, next: RoundNumber)
    /// The VSP took no part in the round.
    case notInRound(VSPID, RoundNumber)
    /// The VSP already reported on the round.
    case alreadyReported(VSPID, RoundNumber)
    /// The engine no longer keeps the round (older than its report window).
    case tooOld(VSPID, RoundNumber)
    /// The ledger could not record it.
    case ledger(String)

    /// What the VSP reads.
    public var description: String {
        switch self {
        case .unknownVSP(let id): return "vsp: VSP '\(id)' is not registered"
        case .roundNotRun(let round, let next):
            return "round: round \(round) has not run yet (the next round is \(next))"
        case .notInRound(let id, let round): return "round: VSP '\(id)' took no part in round \(round)"
        case .alreadyReported(let id, let round): return "round: VSP '\(id)' has already reported on round \(round)"
        case .tooOld(let id, let round): return "round: round \(round) is too old for a report from VSP '\(id)'"
        case .ledger(let reason): return "the ledger cannot record the report: \(reason)"
        }
    }
}

extension Auctioneer {
    /// The daemon's version, as `GET /v1/status` reports it.
    public static let version = "0.1.0"

    /// `GET /v1/status`.
    public func statusResponse() -> StatusResponse {
        let seconds = configuration.period.components
        let period = Double(seconds.seconds) + Double(seconds.attoseconds) * 1e-18
        let toNext = paused ? 0 : max(0, nextRoundDue.map { $0.timeIntervalSinceNow } ?? period)
        var bytes: UInt64 = 0
        for suffix in ["", "-wal"] {
            let attributes = try? FileManager.default.attributesOfItem(atPath: ledger.path + suffix)
            bytes += (attributes?[.size] as? NSNumber)?.uint64Value ?? 0
        }
        let formatter = ISO8601DateFormatter()
        return StatusResponse(
            state: paused ? "paused" : "running", nextRound: bidBook.openRound.value, periodSeconds: period,
            secondsToNextRound: toNext, vspCount: roster.active.count,
            policy: PolicyStatus(
                path: policy.path, version: PolicyCheckpoint.formatVersion, checksum: policy.checksum,
                loadedAt: formatter.string(from: policyLoadedAt)),
            lastRound: lastRoundSummary, learning: configuration.mechanism.learns ? "online" : "frozen",
            ledgerRounds: lastRound?.value ?? 0, ledgerBytes: bytes,
            uptimeSeconds: max(0, Date().timeIntervalSince(startedAt)), version: Self.version)
    }

    /// `GET /v1/vsps`: the current roster and the queued changes, sorted by id.
    public func vspList() -> VSPListResponse {
        let upcoming = roster.upcoming
        let ids = Set(roster.active.keys).union(upcoming.keys).sorted()
        let resources = configuration.resources.count
        let vsps = ids.map { id -> VSPInfo in
            let definition = roster.active[id] ?? upcoming[id]
            let status = roster.active[id] == nil ? "joining" : (upcoming[id] == nil ? "leaving" : "active")
            var kind = "external"
            if case .simulated = definition?.kind { kind = "simulated" }
            let entry = lastEntries[id]
            return VSPInfo(
                id: id.rawValue, kind: kind, status: status,
                share: lastShares[id] ?? Array(repeating: 0, count: resources), lastBid: entry?.bid,
                lastTax: entry?.tax, alphaHat: entry?.alphaHat ?? 1)
        }
        return VSPListResponse(resources: configuration.resources.map(\.name), vsps: vsps)
    }

    /// Takes a bid through the control API: an unknown VSP is refused before the round is looked at.
    ///
    /// - Parameter round: The round, or `nil` for the open one.
    /// - Returns: The decision and the round the bid was for.
    public func receiveBid(_ amount: Double, from vsp: VSPID, for round: RoundNumber?) -> (BidDecision, RoundNumber) {
        let target = round ?? bidBook.openRound
        guard roster.upcoming[vsp] != nil else { return (.rejected(.notRegistered(vsp)), target) }
        return (receiveBid(amount, from: vsp, for: target), target)
    }

    /// Records an external VSP's financial report for a round it took part in: into the ledger's `reports`
    /// table and the bank's estimator. Nothing changes when it is refused.
    ///
    /// - Throws: ``ReportRejection``.
    public func receiveReport(_ report: FinancialReport) throws(ReportRejection) {
        guard report.round < bidBook.openRound else {
            throw .roundNotRun(report.round, next: bidBook.openRound)
        }
        let participation: Ledger.Participation
        do { participation = try ledger.participation(of: report.vsp, in: report.round) } catch {
            throw .ledger(error.description)
        }
        switch participation {
        case .unknownVSP:
            guard roster.upcoming[report.vsp] != nil || roster.active[report.vsp] != nil else {
                throw .unknownVSP(report.vsp)
            }
            throw .notInRound(report.vsp, report.round)
        case .notInRound: throw .notInRound(report.vsp, report.round)
        case .reported: throw .alreadyReported(report.vsp, report.round)
        case .took: break
        }
        var updated = engine
        do { try updated.record(report: report) } catch { throw .tooOld(report.vsp, report.round) }
        do { try ledger.record(report) } catch { throw .ledger(error.description) }
        engine = updated
    }

    /// Notes when the loop will start the next round (for `seconds_to_next_round`) and publishes the status.
    public func noteNextRound(in delay: Duration) {
        let parts = delay.components
        nextRoundDue = Date().addingTimeInterval(Double(parts.seconds) + Double(parts.attoseconds) * 1e-18)
        publishStatus()
    }

    /// Puts the current status on ``statusBoard``, where `GET /v1/status` reads it without waiting for the actor.
    public func publishStatus() {
        statusBoard.publish(statusResponse(), nextRoundDue: paused ? nil : nextRoundDue, startedAt: startedAt)
    }

    /// Remembers a committed round for status, the VSP list and metrics.
    func noteCommitted(_ outcome: RoundOutcome, duration: Duration) {
        let parts = duration.components
        let seconds = Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
        lastRoundSummary = LastRoundStatus(
            round: outcome.round.value, welfareEstimate: outcome.realisedWelfare, pool: outcome.pool,
            noiseScale: outcome.noiseScale, durationMilliseconds: seconds * 1e3, participants: outcome.entries.count)
        for entry in outcome.entries { lastEntries[entry.vsp] = entry }
        metrics.roundCommitted(
            seconds: seconds, welfare: outcome.realisedWelfare, pool: outcome.pool, participants: outcome.entries.count)
    }
}
