import DVCGCore
import DVCGMechanism
import Dispatch
import Foundation
import GRDB
import Synchronization

extension Ledger {
    /// Begins a round's transaction on a thread of its own and inserts the round's entries there while the
    /// caller makes the rest of the round; ``RoundCommit/insert(reports:)`` hands the reports over as soon as they
    /// are known and ``RoundCommit/finish(_:)`` the rest, and commits, as ``commit(_:)`` would have in one go.
    ///
    /// At N = 10,000 the entries and the reports are most of a commit's work (20,000 rows); on a machine with a
    /// second core they are written while the auction thread records the reports and encodes the engine state.
    /// Until ``RoundCommit/finish(_:)`` or ``RoundCommit/abandon()`` the ledger's writer is held, so the caller
    /// writes nothing else to the ledger meanwhile (it would wait for the commit, which waits for it).
    ///
    /// - Parameters:
    ///   - round: The round.
    ///   - entries: Its entries (the outcome's), inserted at once: the engine hands them over before its own
    ///     bookkeeping of the round (``MechanismEngine/runRound(round:bids:entriesReady:)``).
    /// - Returns: The pending commit; end it with ``RoundCommit/finish(_:)`` or ``RoundCommit/abandon()``.
    public func beginCommit(round: RoundNumber, entries: [RoundEntry]) -> RoundCommit {
        let commit = RoundCommit(round: round)
        let thread = Thread {
            var failure: LedgerError? = nil
            do {
                try self.pool.write { db in
                    try Self.insertEntries(entries, of: round, into: db)
                    var reportsInserted = false
                    while true {
                        switch commit.nextStep() {
                        case .reports(let reports):
                            try Self.insertReports(reports, into: db)
                            reportsInserted = true
                        case .rest(let record):
                            try Self.insertRest(of: record, into: db, includingReports: !reportsInserted)
                            return
                        case .abandon:
                            throw RoundCommit.Abandoned()
                        }
                    }
                }
                self.extent.withLock { $0.oldest = $0.oldest ?? round.value }
            } catch is RoundCommit.Abandoned {
                failure = nil
            } catch {
                failure = .transactionFailed(
                    path: self.path, operation: "committing round \(round)", reason: Self.reason(error))
            }
            commit.end(failure)
        }
        thread.name = "dvcgd-commit"
        thread.start()
        return commit
    }
}

/// A round's transaction in progress on its own thread (``Ledger/beginCommit(round:entries:)``).
public final class RoundCommit: Sendable {
    /// Thrown inside the transaction to roll it back when the caller abandons the round.
    struct Abandoned: Error {}

    /// What the caller hands over, in order.
    enum Step: Sendable {
        /// The reports filed after the round, inserted at once.
        case reports([FinancialReport])
        /// The rest of the round; the transaction commits.
        case rest(RoundRecord)
        /// The round failed; the transaction rolls back.
        case abandon
    }

    private let round: RoundNumber
    /// Steps not yet taken by the commit's thread, and whether the last one (rest or abandon) was handed over.
    private let steps = Mutex<(waiting: [Step], closed: Bool)>(([], false))
    private let handed = DispatchSemaphore(value: 0)
    private let ended = DispatchSemaphore(value: 0)
    private let failure = Mutex<LedgerError?>(nil)

    init(round: RoundNumber) { self.round = round }

    /// Hands the round's reports over; they are inserted while the caller goes on. Call it at most once, before
    /// ``finish(_:)``, whose record then holds the same reports.
    public func insert(reports: [FinancialReport]) { hand(.reports(reports)) }

    /// Adds the rest of the round (its `rounds` row, its reports unless handed over already, the engine state) and
    /// commits; waits for the commit.
    ///
    /// - Parameter record: The round's record; its outcome is of the round the commit began with, with the entries it
    ///   began with (precondition for the round).
    /// - Throws: ``LedgerError``; nothing of the round is then in the ledger.
    public func finish(_ record: RoundRecord) throws(LedgerError) {
        precondition(record.outcome.round == round, "RoundCommit.finish: another round's record")
        if hand(.rest(record)) { ended.wait() }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Rolls the transaction back (the round failed after its commit began) and waits for the rollback. Does
    /// nothing after ``finish(_:)``.
    public func abandon() { if hand(.abandon) { ended.wait() } }

    /// Queues a step unless the last one was handed over already; returns whether it was queued.
    @discardableResult
    private func hand(_ step: Step) -> Bool {
        let queued = steps.withLock { steps in
            guard !steps.closed else { return false }
            steps.waiting.append(step)
            if case .reports = step {} else { steps.closed = true }
            return true
        }
        if queued { handed.signal() }
        return queued
    }

    /// On the commit's thread: the next step, once handed over.
    func nextStep() -> Step {
        handed.wait()
        return steps.withLock { $0.waiting.removeFirst() }
    }

    /// On the commit's thread: the transaction is over.
    func end(_ error: LedgerError?) {
        failure.withLock { $0 = error }
        ended.signal()
    }
}
