import DVCGCore
import Foundation

/// The auction as the status, the VSP list and STATUS= report it: a copy taken on the ``Auctioneer``, read
/// anywhere.
public struct AuctionSnapshot: Sendable {
    /// The auction's state.
    var state: AuctionState
    /// The resources, in order.
    var resources: [Resource]
    /// The period T_s.
    var period: Duration
    /// Whether the policy learns online.
    var learns: Bool
    /// The policy file served and its checksum.
    var policyPath: String
    /// FNV-1a 64 of the policy file.
    var policyChecksum: String
    /// When the policy in force was loaded.
    var policyLoadedAt: Date
    /// When the daemon started.
    var startedAt: Date
    /// When the loop will start the next round, as it last said.
    var nextRoundDue: Date?
    /// The ledger's database file.
    var ledgerPath: String
    /// The oldest round in the ledger, nil without rounds.
    var ledgerFirstRound: UInt64? = nil
    /// Rounds between the oldest and the last that the ledger does not hold (archives among them).
    var ledgerMissingRounds: UInt64 = 0
    /// Whether the policy is a random initialisation (`dvcg init-policy`).
    var policyUntrained = false

    /// The last committed round, `nil` before the first.
    public var lastRound: RoundNumber? { state.committed?.round }
    /// The round that takes bids.
    public var openRound: RoundNumber { state.bidBook.openRound }
    /// VSPs on the roster of the current round.
    public var vsps: Int { state.roster.active.count }
    /// Ticks skipped because a round overran its period, since start.
    public var skippedTicks: Int64 { state.skippedTicks }

    /// Whether the ledger cannot commit (status `degraded`, health not ready).
    public var isDegraded: Bool { state.ledgerHealth.fault != nil }

    /// The STATUS= text: `degraded: ...` while the ledger cannot commit; else the state and last round, then,
    /// while the last reload stands refused, `; reload failed, serving the previous policy: REASON` (until a
    /// reload succeeds), so that `systemctl status` shows a refused reload for as long as it is true.
    public var statusLine: String {
        if let fault = state.ledgerHealth.fault {
            return
                "degraded: the ledger cannot commit (\(fault.reason)); round \(openRound) is retried every tick\(state.paused ? " once resumed" : "")"
        }
        guard let reload = state.lastReload, !reload.succeeded else { return auctionLine }
        return "\(auctionLine); reload failed, serving the previous policy: \(reload.message)"
    }

    /// The state and last round, as STATUS= begins.
    private var auctionLine: String {
        if state.paused { return "paused; \(counted(vsps, "VSP")); next round \(openRound)" }
        guard let committed = state.committed else { return "waiting for round \(openRound); \(counted(vsps, "VSP"))" }
        // A round committed before a restart: say what was restored.
        guard let summary = committed.summary, !committed.restored else {
            return "restored after round \(committed.round): \(counted(vsps, "VSP")); next round \(openRound)"
        }
        return
            "round \(committed.round): \(counted(summary.participants, "VSP")), welfare estimate \(String(format: "%.2f", summary.welfareEstimate)) VC"
    }
}
