import DVCGCore
import DVCGMechanism
import Foundation

/// The auction between two rounds: the roster, the bid book, the last committed round and each VSP's standing.
///
/// A value: a round works on a copy and the ``Auctioneer`` keeps it only when the ledger has committed the round,
/// so an abandoned round leaves nothing behind.
struct AuctionState: Sendable {
    /// The roster and the changes queued for the next boundary.
    var roster: RosterBook
    /// The bids for the open round.
    var bidBook: BidBook
    /// Whether ticks pass without rounds.
    var paused = false
    /// The last committed round, `nil` before the first.
    var committed: CommittedRound?
    /// Each VSP's standing from the last round it took part in.
    var standings: [VSPID: VSPStanding]
    /// Ticks skipped because a round overran its period, since start.
    var skippedTicks: Int64 = 0
    /// The last reload's outcome, since start.
    var lastReload: ReloadRecord?
    /// Whether the ledger commits.
    var ledgerHealth = LedgerHealth()
    /// For each VSP at the share floor in the last round, how many rounds in a row it has been there.
    var floorStreaks: [VSPID: Int] = [:]

    /// The state a restart finds in the ledger: the roster replayed up to `nextRound`, each VSP's last realised
    /// shares, and the last round's number (its summary is not kept).
    init(recovery: Ledger.Recovery, roster: RosterBook) {
        self.roster = roster
        bidBook = BidBook(openRound: recovery.lastRound?.next ?? RoundNumber(1))
        standings = recovery.standings
        committed = recovery.lastRound.map { last in
            // The ledger's row of the last round and its participants' standings (each participant's last row).
            let entries = recovery.standings.values.filter { $0.round == last }
            let summary = recovery.lastRoundRow.map { row in
                RoundSummary(
                    participants: entries.count, welfareEstimate: row.welfareEstimate, pool: row.pool,
                    noiseScale: row.noiseScale, duration: .microseconds(Int64((max(0, row.seconds) * 1e6).rounded())),
                    efficiencyEstimate: row.efficiencyEstimate, trueEfficiency: row.trueEfficiency,
                    fittedVSPs: entries.filter { $0.voiFitted == true }.count,
                    committedAt: Date(timeIntervalSince1970: row.committed),
                    taxedAboveBid: recovery.standings.filter {
                        $0.value.round == last && Self.isTaxedAboveBid(tax: $0.value.tax, bid: $0.value.bid)
                    }.keys.sorted())
            }
            return CommittedRound(round: last, summary: summary, restored: true)
        }
    }

    /// Whether a tax is above its bid, beyond rounding (status's and the log's warning).
    static func isTaxedAboveBid(tax: Double, bid: Double) -> Bool { tax > bid + 1e-9 * max(1, bid) }

    /// Takes in a round the ledger has committed: its summary and each participant's standing; the VSPs that
    /// `changes` removed at its boundary lose theirs.
    ///
    /// - Parameters:
    ///   - floor: s_min; a participant whose every proposed share is at most twice it is at the floor.
    ///   - floorRounds: The summary lists a VSP at the floor for more than this many rounds in a row.
    ///   - committedAt: When the ledger committed it.
    mutating func commit(
        _ outcome: RoundOutcome, changes: [RosterEvent], duration: Duration, trueEfficiency: Double? = nil,
        safeguardSwitches: Int = 0, floor: Double = 0, floorRounds: Int = .max, at committedAt: Date = Date()
    ) {
        var streaks: [VSPID: Int] = [:]
        for entry in outcome.entries where entry.proposedShares.allSatisfy({ $0 <= 2 * floor }) {
            streaks[entry.vsp] = (floorStreaks[entry.vsp] ?? 0) + 1
        }
        floorStreaks = streaks
        committed = CommittedRound(
            round: outcome.round,
            summary: RoundSummary(
                participants: outcome.entries.count, welfareEstimate: outcome.welfareEstimate, pool: outcome.pool,
                noiseScale: outcome.noiseScale, duration: duration, efficiencyEstimate: outcome.efficiencyEstimate,
                trueEfficiency: trueEfficiency, fittedVSPs: outcome.entries.filter(\.voiFitted).count,
                committedAt: committedAt, serving: outcome.serving, safeguardSwitches: safeguardSwitches,
                taxedAboveBid: outcome.entries.filter { Self.isTaxedAboveBid(tax: $0.tax, bid: $0.bid) }.map(\.vsp),
                atShareFloor: streaks.filter { $0.value > floorRounds }.keys.sorted()))
        for entry in outcome.entries {
            standings[entry.vsp] = VSPStanding(
                round: outcome.round, shares: entry.realisedShares, bid: entry.bid, tax: entry.tax,
                alphaHat: entry.alphaHat, voiFitted: entry.voiFitted)
        }
        for change in changes where change.kind == .remove { standings[change.definition.id] = nil }
    }
}

/// The last committed round: its number, and what it was when this process committed it.
struct CommittedRound: Sendable, Equatable {
    /// The round.
    var round: RoundNumber
    /// Its summary; after a restart, the ledger's (``AuctionState/init(recovery:roster:)``).
    var summary: RoundSummary?
    /// Whether it was committed before this process started.
    var restored = false
}

/// What a committed round was, for status, STATUS= and metrics.
struct RoundSummary: Sendable, Equatable {
    /// The VSPs that took part.
    var participants: Int
    /// sum_i f_i(s~_i), in VC.
    var welfareEstimate: Double
    /// F_P, in VC.
    var pool: Double
    /// sigma of eq. (16).
    var noiseScale: Double
    /// How long the round took.
    var duration: Duration
    /// The bank's efficiency estimate (``RoundOutcome/efficiencyEstimate``).
    var efficiencyEstimate: Double? = nil
    /// True welfare over the certified optimum, when every participant was simulated.
    var trueEfficiency: Double? = nil
    /// Participants whose VoI net was fitted.
    var fittedVSPs: Int = 0
    /// When it was committed (after a restart, when its rows were written).
    var committedAt: Date? = nil
    /// What served the round while learning online with a safeguard.
    var serving: ServingPolicy? = nil
    /// The safeguard's switches since the policy was loaded.
    var safeguardSwitches: Int = 0
    /// Participants taxed more than they bid.
    var taxedAboveBid: [VSPID] = []
    /// Participants at the share floor for more than `log.floor_warning_rounds` rounds in a row, by id.
    var atShareFloor: [VSPID] = []
}

/// A VSP's standing from the last round it took part in: what truthful simulated VSPs bid on and `dvcgctl vsps`
/// shows; this process's rounds and, after a restart, the ledger's rows (``Ledger/recover()``) give it.
public struct VSPStanding: Sendable, Equatable {
    /// That round.
    public var round: RoundNumber
    /// Its realised shares, K values.
    public var shares: [Double]
    /// Its sealed bid, in VC.
    public var bid: Double
    /// Its tax, in VC.
    public var tax: Double
    /// The bank's alpha-hat.
    public var alphaHat: Double
    /// Whether its VoI net was fitted; `nil` when the ledger's row predates that column.
    public var voiFitted: Bool?
}

/// The outcome of the last reload.
struct ReloadRecord: Sendable, Equatable {
    /// Whether the new configuration and policy are in force.
    var succeeded: Bool
    /// What was loaded, or why nothing was.
    var message: String
    /// When it was tried.
    var at: Date
}
