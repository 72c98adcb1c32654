import Foundation

/// Whether the ledger commits: healthy, or degraded from the first of a run of failed writes until a round
/// commits again (a full disk, a read-only or vanished file system, a lock held past the busy timeout).
///
/// While degraded, status says `degraded` with the reason, health says `ready: false`, and bids, reports and
/// roster changes are refused with 503 `ledger_unavailable`; rounds are still tried at every tick, and the first
/// that commits ends it.
struct LedgerHealth: Sendable, Equatable {
    /// How often a degraded ledger is logged again (the failures in between go to debug).
    static let reminderInterval: TimeInterval = 60

    /// The run of failures in progress; `nil` while the ledger commits.
    private(set) var fault: LedgerFault?

    /// A healthy ledger.
    init() {}

    /// What the daemon should log after a write, failed or committed.
    enum Change: Equatable {
        /// Nothing to say: healthy and committing, or a failure logged recently.
        case unchanged
        /// The first failure of a run: the daemon is degraded from now.
        case degraded(LedgerFault)
        /// Still failing; ``reminderInterval`` has passed since the last time this was said.
        case stillDegraded(LedgerFault)
        /// A round committed after a run of failures: running again.
        case recovered(LedgerFault)
    }

    /// Records a failed write of the ledger.
    mutating func writeFailed(_ reason: String, at now: Date) -> Change {
        guard var fault else {
            let first = LedgerFault(reason: reason, since: now, failedWrites: 1, lastReported: now)
            self.fault = first
            return .degraded(first)
        }
        fault.reason = reason
        fault.failedWrites += 1
        defer { self.fault = fault }
        guard now.timeIntervalSince(fault.lastReported) >= Self.reminderInterval else { return .unchanged }
        fault.lastReported = now
        return .stillDegraded(fault)
    }

    /// Records a committed round.
    mutating func roundCommitted() -> Change {
        guard let fault else { return .unchanged }
        self.fault = nil
        return .recovered(fault)
    }
}

/// A run of failed ledger writes.
struct LedgerFault: Sendable, Equatable {
    /// What SQLite said the last time, e.g. `database or disk is full`.
    var reason: String
    /// When the first failure happened.
    var since: Date
    /// Writes (round commits and others) that failed since then.
    var failedWrites: Int
    /// When the run was last logged at warning or above.
    var lastReported: Date
}
