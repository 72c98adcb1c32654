import DVCGCheckpoint
import DVCGControl
import DVCGCore
import DVCGMechanism
import Foundation
import Synchronization

/// The last published status, readable from any thread: status requests never queue behind a round.
///
/// The JSON body of `GET /v1/status` is encoded once per publication, with the two clock fields (time to the
/// next round, uptime) left as gaps that each request fills in (docs/control.md, "Decisions": encoding the
/// whole answer per request cost the daemon more CPU than anything else under polling clients).
public final class StatusBoard: Sendable {
    private struct Published: Sendable {
        var status: StatusResponse
        var nextRoundDue: Date?
        var startedAt: Date
        /// The encoded body around the two clock fields: before `seconds_to_next_round`'s value, between it and
        /// `uptime_seconds`' value, after that; `nil` when the encoding could not be split (the body is then
        /// encoded per request).
        var body: (head: [UInt8], middle: [UInt8], tail: [UInt8])?
    }

    /// Stand-ins for the clock fields while the body is encoded; no real status has negative times.
    private static let secondsPlaceholder = -1.25e300
    private static let uptimePlaceholder = -1.75e300

    private let published = Mutex<Published?>(nil)

    /// An empty board.
    public init() {}

    /// Replaces the status.
    func publish(_ status: StatusResponse, nextRoundDue: Date?, startedAt: Date) {
        var template = status
        template.secondsToNextRound = Self.secondsPlaceholder
        template.uptimeSeconds = Self.uptimePlaceholder
        let body = Self.split(ControlServer.encodedBody(template))
        published.withLock {
            $0 = Published(status: status, nextRoundDue: nextRoundDue, startedAt: startedAt, body: body)
        }
    }

    /// The status with its clock fields (time to the next round, uptime) brought to now; `nil` before the
    /// first publication.
    public func current() -> StatusResponse? { current(at: Date()) }

    /// The status with its clock fields brought to `now`.
    func current(at now: Date) -> StatusResponse? {
        guard let published = published.withLock({ $0 }) else { return nil }
        return Self.brought(published, to: now)
    }

    /// The body of `GET /v1/status` (JSON and a newline, as ``ControlServer`` encodes every answer) with the
    /// clock fields brought to now; `nil` before the first publication.
    func currentBody(at now: Date = Date()) -> [UInt8]? {
        guard let published = published.withLock({ $0 }) else { return nil }
        let status = Self.brought(published, to: now)
        guard let body = published.body else { return ControlServer.encodedBody(status) }
        var bytes = body.head
        bytes.reserveCapacity(body.head.count + body.middle.count + body.tail.count + 48)
        bytes += Self.jsonNumber(status.secondsToNextRound).utf8
        bytes += body.middle
        bytes += Self.jsonNumber(status.uptimeSeconds).utf8
        bytes += body.tail
        return bytes
    }

    /// A finite number as JSONEncoder writes it: the shortest round-trip digits, without a trailing `.0`.
    static func jsonNumber(_ value: Double) -> String {
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    private static func brought(_ published: Published, to now: Date) -> StatusResponse {
        var status = published.status
        if let due = published.nextRoundDue { status.secondsToNextRound = max(0, due.timeIntervalSince(now)) }
        status.uptimeSeconds = max(0, now.timeIntervalSince(published.startedAt))
        return status
    }

    /// The encoded template cut at the two placeholders, each found exactly once and in order; else `nil`.
    private static func split(_ bytes: [UInt8]) -> (head: [UInt8], middle: [UInt8], tail: [UInt8])? {
        let seconds = Array(jsonNumber(secondsPlaceholder).utf8)
        let uptime = Array(jsonNumber(uptimePlaceholder).utf8)
        let secondsRanges = bytes.ranges(of: seconds)
        let uptimeRanges = bytes.ranges(of: uptime)
        guard secondsRanges.count == 1, uptimeRanges.count == 1, let first = secondsRanges.first,
            let second = uptimeRanges.first, first.upperBound <= second.lowerBound
        else { return nil }
        return (
            Array(bytes[..<first.lowerBound]), Array(bytes[first.upperBound..<second.lowerBound]),
            Array(bytes[second.upperBound...])
        )
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
            state: paused ? .paused : .running, nextRound: bidBook.openRound.value, periodSeconds: period,
            secondsToNextRound: toNext, vspCount: roster.active.count,
            policy: PolicyStatus(
                path: policy.path, version: PolicyCheckpoint.formatVersion, checksum: policy.checksum,
                loadedAt: formatter.string(from: policyLoadedAt)),
            lastRound: lastRoundSummary, learning: configuration.mechanism.learns ? .online : .frozen,
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
            let status: VSPStatus = roster.active[id] == nil ? .joining : (upcoming[id] == nil ? .leaving : .active)
            var kind = VSPKind.external
            if case .simulated = definition?.kind { kind = .simulated }
            let entry = lastEntries[id]
            return VSPInfo(
                id: id, kind: kind, status: status,
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
            round: outcome.round.value, welfareEstimate: outcome.welfareEstimate, pool: outcome.pool,
            noiseScale: outcome.noiseScale, durationMilliseconds: seconds * 1e3, participants: outcome.entries.count)
        for entry in outcome.entries { lastEntries[entry.vsp] = entry }
        metrics.roundCommitted(
            seconds: seconds, welfare: outcome.welfareEstimate, pool: outcome.pool, participants: outcome.entries.count)
    }
}
