import DVCGControl
import DVCGCore
import DVCGMechanism
import Foundation
import Logging
import Synchronization

/// Why a report was refused.
public enum ReportRejection: Error, Equatable, Sendable, CustomStringConvertible {
    /// The VSP has never been on the roster.
    case unknownVSP(VSPID)
    /// The VSP is simulated: the daemon files its reports.
    case simulated(VSPID)
    /// The round has not run yet.
    case roundNotRun(RoundNumber, next: RoundNumber)
    /// The VSP took no part in the round.
    case notInRound(VSPID, RoundNumber)
    /// The VSP already reported on the round.
    case alreadyReported(VSPID, RoundNumber)
    /// The engine no longer keeps the round (older than its report window).
    case tooOld(VSPID, RoundNumber)
    /// The VSP took part in the round but has left the roster since.
    case leftRoster(VSPID, RoundNumber)
    /// A value the engine refuses (not finite).
    case invalidReport(VSPID, String)
    /// The engine refused the report for another reason.
    case engine(EngineError)
    /// The ledger could not record it.
    case ledger(LedgerError)

    /// What the VSP reads.
    public var description: String {
        switch self {
        case .unknownVSP(let id): return "vsp: VSP '\(id)' is not on the roster"
        case .simulated(let id): return "vsp: VSP '\(id)' is simulated; dvcgd files its reports itself"
        case .roundNotRun(let round, let next):
            return "round: round \(round) has not run yet (the next round is \(next))"
        case .notInRound(let id, let round): return "round: VSP '\(id)' took no part in round \(round)"
        case .alreadyReported(let id, let round): return "round: VSP '\(id)' has already reported on round \(round)"
        case .tooOld(let id, let round): return "round: round \(round) is too old for a report from VSP '\(id)'"
        case .leftRoster(let id, let round):
            return "vsp: VSP '\(id)' has left the roster since round \(round); its report can no longer be used"
        case .invalidReport(_, let detail): return "report: \(detail)"
        case .engine(let error): return "the engine refused the report: \(error)"
        case .ledger(let error): return "the ledger cannot record the report: \(error)"
        }
    }
}

extension Auctioneer {
    /// Takes a bid through the control API: an unknown VSP is refused before the round is looked at.
    ///
    /// - Parameter round: The round, or `nil` for the open one.
    /// - Returns: The decision and the round the bid was for.
    public func receiveBid(_ amount: Double, from vsp: VSPID, for round: RoundNumber?) -> (
        decision: BidDecision, round: RoundNumber, replaced: Double?
    ) {
        let target = round ?? state.bidBook.openRound
        guard let definition = state.roster.upcoming[vsp] else { return (.rejected(.notRegistered(vsp)), target, nil) }
        if case .simulated = definition.kind { return (.rejected(.simulated(vsp)), target, nil) }
        if let refusal = refusalWhileDegraded() {
            return (.rejected(.ledgerUnavailable(refusal.description)), target, nil)
        }
        let earlier = target == state.bidBook.openRound ? state.bidBook.bids[vsp] : nil
        return (receiveBid(amount, from: vsp, for: target), target, earlier)
    }

    /// Records an external VSP's financial report for a round it took part in: into the ledger's `reports`
    /// table and the bank's estimator. Nothing changes when it is refused.
    ///
    /// - Throws: ``ReportRejection``.
    public func receiveReport(_ report: FinancialReport) throws(ReportRejection) {
        if let refusal = refusalWhileDegraded() { throw .ledger(refusal) }
        let definition = state.roster.upcoming[report.vsp] ?? state.roster.active[report.vsp]
        if case .simulated = definition?.kind { throw .simulated(report.vsp) }
        guard report.round < state.bidBook.openRound else {
            throw .roundNotRun(report.round, next: state.bidBook.openRound)
        }
        let participation: Ledger.Participation
        do { participation = try ledger.participation(of: report.vsp, in: report.round) } catch {
            throw .ledger(error)
        }
        switch participation {
        case .unknownVSP:
            guard state.roster.upcoming[report.vsp] != nil || state.roster.active[report.vsp] != nil else {
                throw .unknownVSP(report.vsp)
            }
            throw .notInRound(report.vsp, report.round)
        case .notInRound: throw .notInRound(report.vsp, report.round)
        case .reported: throw .alreadyReported(report.vsp, report.round)
        case .took: break
        }
        if case .took(let bid) = participation, Self.isFarFromBid(utility: report.utility, bid: bid) {
            // The bank believes reports: one far from the bid moves this VSP's VoI net, the pool and the others'
            // externalities (the third tour's 100,000 VC on a bid of 130 taxed nine truthful VSPs above their
            // bids). Recorded all the same, and named here, where an operator looks for the cause.
            logger.warning(
                "report far from its bid",
                metadata: [
                    "vsp": "\(report.vsp)", "round": "\(report.round)", "utility": "\(report.utility)",
                    "bid": "\(bid)",
                ])
        }
        // Checked, made durable, then recorded in place: a copy of the engine to fall back on would copy every
        // VSP's agent at the first change (at N = 10,000, milliseconds per report on the round loop's actor).
        do { try engine.check(report: report) } catch {
            switch error {
            case .reportForUnknownRound: throw .tooOld(report.vsp, report.round)
            case .unknownVSP: throw .leftRoster(report.vsp, report.round)
            case .invalidReport(_, let detail): throw .invalidReport(report.vsp, detail)
            default: throw .engine(error)
            }
        }
        do { try ledger.record(report) } catch {
            noteLedgerFailure(error, during: "recording a report")
            throw .ledger(error)
        }
        do { try engine.record(report: report) } catch {
            // check(report:) has just passed for the same report and engine, so this cannot fail; were it ever to,
            // the report is durable in the ledger already, so say what happened rather than refuse it.
            logger.error(
                "report recorded in the ledger but not taken by the bank",
                metadata: ["vsp": "\(report.vsp)", "round": "\(report.round)", "error": "\(error)"])
        }
    }

    /// Whether a reported utility is more than ten times the VSP's bid for that round (or below minus ten times
    /// it), with a floor of 1 VC: a truthful VSP bids about its utility.
    static func isFarFromBid(utility: Double, bid: Double) -> Bool { abs(utility) > 10 * max(bid, 1) }

    /// Notes when the loop will start the next round (for `seconds_to_next_round`) and publishes the status.
    public func noteNextRound(in delay: Duration) {
        nextRoundDue = Date().addingTimeInterval(delay.inSeconds)
        publishStatus()
    }

    /// Puts the current status on ``statusBoard``, where `GET /v1/status` reads it without waiting for the actor.
    public func publishStatus() {
        let snapshot = snapshot()
        let now = Date()
        statusBoard.publish(
            StatusResponse(snapshot, now: now),
            nextRoundDue: state.paused ? nil : Self.nextTick(after: now, due: nextRoundDue, period: period),
            startedAt: startedAt)
    }

    /// The tick the loop will sleep until next: `due` while it is ahead of `now`; once it has passed (a
    /// round published its outcome before the loop noted its next deadline), the first tick of the period
    /// grid after `now`, so the countdown does not read 0 s right after a round.
    static func nextTick(after now: Date, due: Date?, period: Duration) -> Date? {
        guard let due, due <= now else { return due }
        let seconds = period.inSeconds
        guard seconds > 0 else { return due }
        let ticks = (now.timeIntervalSince(due) / seconds).rounded(.down) + 1
        return due.addingTimeInterval(ticks * seconds)
    }
}
