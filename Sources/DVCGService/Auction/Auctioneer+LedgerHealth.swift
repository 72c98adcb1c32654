import DVCGCore
import Foundation
import Logging

extension Auctioneer {
    /// Whether the ledger cannot commit: bids, reports and roster changes are then refused.
    var ledgerFault: LedgerFault? { state.ledgerHealth.fault }

    /// Takes note of a failed ledger write: degraded from the first one (logged at error, with STATUS= and the
    /// metrics), reminded every minute while it lasts, the other failures at debug.
    func noteLedgerFailure(_ error: LedgerError, during operation: String) {
        metrics.ledgerWriteFailed()
        let change = state.ledgerHealth.writeFailed(error.reason, at: Date())
        let metadata: Logger.Metadata = [
            "operation": "\(operation)", "error": "\(error)", "next_round": "\(state.bidBook.openRound)",
        ]
        switch change {
        case .degraded:
            metrics.degradedChanged(true)
            logger.error(
                "the ledger cannot commit; dvcgd is degraded: rounds are retried every tick and bids, reports and roster changes are refused until one commits",
                metadata: metadata)
            publishStatus()
            notifier.notify("STATUS=\(snapshot().statusLine)")
        case .stillDegraded(let fault):
            logger.warning(
                "the ledger still cannot commit",
                metadata: metadata.merging(["failed_writes": "\(fault.failedWrites)"]) { $1 })
        case .unchanged, .recovered:
            logger.debug("ledger write failed while degraded", metadata: metadata)
        }
    }

    /// Takes note of a committed round: running again after a run of failures (logged at notice).
    func noteRoundCommitted() {
        guard case .recovered(let fault) = state.ledgerHealth.roundCommitted() else { return }
        metrics.degradedChanged(false)
        logger.notice(
            "the ledger commits again; dvcgd is running",
            metadata: [
                "failed_writes": "\(fault.failedWrites)",
                "degraded_seconds": "\(String(format: "%.1f", Date().timeIntervalSince(fault.since)))",
            ])
    }

    /// The refusal of a write while degraded, naming the ledger's last error.
    func refusalWhileDegraded() -> LedgerError? {
        guard let fault = ledgerFault else { return nil }
        return .unavailable(path: ledger.path, reason: fault.reason)
    }
}
