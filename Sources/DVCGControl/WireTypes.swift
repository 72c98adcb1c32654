import DVCGCore
import Foundation

/// The body of every refused control request: `{"error": {"code": "...", "message": "..."}}`.
public struct ErrorBody: Codable, Sendable, Equatable {
    /// The error's code and message.
    public struct Detail: Codable, Sendable, Equatable {
        /// A stable, machine-readable code, e.g. `invalid_bid`, `unknown_vsp`, `forbidden`.
        public var code: String
        /// One line for people naming the field or value at fault.
        public var message: String

        /// Creates an error's code and message.
        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }

    /// The error.
    public var error: Detail

    /// Creates an error body.
    public init(code: String, message: String) {
        error = Detail(code: code, message: message)
    }
}

/// `GET /v1/health`: whether the daemon is alive and ready to serve rounds.
public struct HealthResponse: Codable, Sendable, Equatable {
    /// The process answers.
    public var live: Bool
    /// Configuration, policy, ledger and socket are up.
    public var ready: Bool

    /// Creates a health answer.
    public init(live: Bool, ready: Bool) {
        self.live = live
        self.ready = ready
    }
}

/// The policy being served, as `GET /v1/status` reports it.
public struct PolicyStatus: Codable, Sendable, Equatable {
    /// The checkpoint file.
    public var path: String
    /// The checkpoint's format version.
    public var version: Int
    /// FNV-1a 64 of the file, 16 lowercase hex digits (as in the ledger's `policy_checksum`).
    public var checksum: String
    /// When it was loaded, ISO 8601.
    public var loadedAt: String
    /// True for a random initialisation (`dvcg init-policy`), whose allocation and welfare estimate mean nothing
    /// until it is trained; absent otherwise.
    public var untrained: Bool?

    /// Creates a policy status.
    public init(path: String, version: Int, checksum: String, loadedAt: String, untrained: Bool? = nil) {
        self.path = path
        self.version = version
        self.checksum = checksum
        self.loadedAt = loadedAt
        self.untrained = untrained
    }

    enum CodingKeys: String, CodingKey {
        case path, version, checksum, untrained
        case loadedAt = "loaded_at"
    }
}

/// The last committed round, as `GET /v1/status` reports it.
public struct LastRoundStatus: Codable, Sendable, Equatable {
    /// The round number.
    public var round: UInt64
    /// The VoI estimate of the realised social welfare, in VC.
    public var welfareEstimate: Double
    /// The VC pool F_P, in VC.
    public var pool: Double
    /// The noise scale sigma of eq. (16) (dimensionless).
    public var noiseScale: Double
    /// How long the round took, in milliseconds: from its tick to its durable commit, as the daemon measured it;
    /// for a round committed before a restart (``restored``), from its start to the write of its ledger rows
    /// (the commit itself not included), as the ledger holds it.
    public var durationMilliseconds: Double
    /// True when the round was committed before the daemon's last restart (its figures read back from the
    /// ledger); absent otherwise.
    public var restored: Bool?
    /// When it was committed, ISO 8601 (so that a reader sees how old the figures are, while paused).
    public var committedAt: String?
    /// VSPs on the roster now that took no part in the round (no bid, or registered since), by id; absent when
    /// none (`dvcgctl vsps` says why of each).
    public var absent: [VSPID]?
    /// The number of VSPs that took part.
    public var participants: Int
    /// The bank's efficiency estimate: the welfare estimate over the VoI nets' optimum estimate, in [0, 1]
    /// (no true utility needed); absent when the estimate is off.
    public var efficiencyEstimate: Double?
    /// For a round whose participants were all simulated (their utilities known): the true welfare of the
    /// realised slices over the certified optimum of those participants; absent otherwise.
    public var trueEfficiency: Double?
    /// Participants whose VoI net was fitted to their reports.
    public var fittedVSPs: Int?
    /// Participants taxed more than they bid in the round; absent when none.
    public var taxedAboveBid: [VSPID]?
    /// Participants whose proposed shares have sat at the floor s_min for more than `log.floor_warning_rounds`
    /// rounds in a row; absent when none.
    public var atShareFloor: [VSPID]?

    /// Creates a last-round status.
    public init(
        round: UInt64, welfareEstimate: Double, pool: Double, noiseScale: Double, durationMilliseconds: Double,
        participants: Int, efficiencyEstimate: Double? = nil, trueEfficiency: Double? = nil, fittedVSPs: Int? = nil,
        taxedAboveBid: [VSPID]? = nil, atShareFloor: [VSPID]? = nil, restored: Bool? = nil, absent: [VSPID]? = nil,
        committedAt: String? = nil
    ) {
        self.committedAt = committedAt
        self.restored = restored
        self.absent = absent
        self.taxedAboveBid = taxedAboveBid
        self.atShareFloor = atShareFloor
        self.round = round
        self.welfareEstimate = welfareEstimate
        self.pool = pool
        self.noiseScale = noiseScale
        self.durationMilliseconds = durationMilliseconds
        self.participants = participants
        self.efficiencyEstimate = efficiencyEstimate
        self.trueEfficiency = trueEfficiency
        self.fittedVSPs = fittedVSPs
    }

    enum CodingKeys: String, CodingKey {
        case round, pool, participants, restored, absent
        case committedAt = "committed_at"
        case welfareEstimate = "welfare_estimate"
        case noiseScale = "noise_scale"
        case durationMilliseconds = "duration_ms"
        case efficiencyEstimate = "efficiency_estimate"
        case trueEfficiency = "true_efficiency"
        case fittedVSPs = "fitted_vsps"
        case taxedAboveBid = "taxed_above_bid"
        case atShareFloor = "at_share_floor"
    }
}

/// Online learning's safeguard, as `GET /v1/status` reports it (docs/learning.md, "Safe online learning").
public struct SafeguardStatus: Codable, Sendable, Equatable {
    /// What served the last round: `learner`, `baseline` (the policy as loaded) or `equal_split`.
    public var serving: String
    /// Switches between them since the policy was loaded.
    public var switches: Int

    /// Creates a safeguard status.
    public init(serving: String, switches: Int) {
        self.serving = serving
        self.switches = switches
    }
}

/// What the daemon is doing, as `GET /v1/status` reports it.
public enum DaemonState: String, Codable, Sendable, Equatable, CaseIterable {
    /// Restoring from the ledger, not yet serving rounds.
    case starting
    /// A round every period.
    case running
    /// Ticks pass without rounds.
    case paused
    /// The ledger cannot commit: rounds are abandoned and retried every tick, writes are refused (503).
    case degraded
    /// Shutting down after the round in flight.
    case stopping
}

/// Whether the served policy learns.
public enum LearningMode: String, Codable, Sendable, Equatable, CaseIterable {
    /// The policy is served as loaded.
    case frozen
    /// The policy learns after every round.
    case online
}

/// The last reload, as `GET /v1/status` reports it.
public struct ReloadStatus: Codable, Sendable, Equatable {
    /// Whether the reload succeeded.
    public enum Outcome: String, Codable, Sendable, Equatable, CaseIterable {
        /// The new configuration and policy are in force.
        case ok
        /// Refused; the previous ones keep serving.
        case failed
    }

    /// Ok or failed.
    public var outcome: Outcome
    /// What was loaded, or why nothing was.
    public var message: String
    /// When it was tried, ISO 8601.
    public var at: String

    /// Creates a reload status.
    public init(outcome: Outcome, message: String, at: String) {
        self.outcome = outcome
        self.message = message
        self.at = at
    }
}

/// Why the daemon is degraded, as `GET /v1/status` reports it.
public struct DegradedStatus: Codable, Sendable, Equatable {
    /// What the ledger said when the last commit failed, e.g. `database or disk is full`.
    public var reason: String
    /// When the first of the failed commits was tried, ISO 8601.
    public var since: String
    /// Ledger writes (round commits and others) that failed since then.
    public var failedWrites: Int

    /// Creates a degraded status.
    public init(reason: String, since: String, failedWrites: Int) {
        self.reason = reason
        self.since = since
        self.failedWrites = failedWrites
    }

    enum CodingKeys: String, CodingKey {
        case reason, since
        case failedWrites = "failed_writes"
    }
}

/// `GET /v1/status`.
public struct StatusResponse: Codable, Sendable, Equatable {
    /// Running, paused, starting or stopping.
    public var state: DaemonState
    /// The next round to run.
    public var nextRound: UInt64
    /// The period T_s in seconds.
    public var periodSeconds: Double
    /// Seconds until the next round starts (0 while paused).
    public var secondsToNextRound: Double
    /// The number of registered VSPs.
    public var vspCount: Int
    /// The policy being served.
    public var policy: PolicyStatus
    /// The last committed round, or nil before the first.
    public var lastRound: LastRoundStatus?
    /// Frozen or online.
    public var learning: LearningMode
    /// The number of committed rounds in the ledger, from ``ledgerFirstRound`` to the last.
    public var ledgerRounds: UInt64
    /// The oldest round in the ledger, nil without rounds (after `dvcgctl archive`, no longer 1).
    public var ledgerFirstRound: UInt64?
    /// The ledger database size in bytes.
    public var ledgerBytes: UInt64
    /// Seconds since the daemon started.
    public var uptimeSeconds: Double
    /// The daemon's version.
    public var version: String
    /// Ticks skipped because a round overran its period, since start.
    public var skippedTicks: Int64
    /// The last reload since start, or nil before the first.
    public var lastReload: ReloadStatus?
    /// Why the ledger cannot commit, while ``state`` is ``DaemonState/degraded``.
    public var degraded: DegradedStatus?
    /// While learning online: what serves and how often it switched; nil when frozen.
    public var safeguard: SafeguardStatus?

    /// Creates a status answer.
    public init(
        state: DaemonState, nextRound: UInt64, periodSeconds: Double, secondsToNextRound: Double, vspCount: Int,
        policy: PolicyStatus, lastRound: LastRoundStatus?, learning: LearningMode, ledgerRounds: UInt64,
        ledgerBytes: UInt64,
        uptimeSeconds: Double, version: String, skippedTicks: Int64 = 0, lastReload: ReloadStatus? = nil,
        degraded: DegradedStatus? = nil, safeguard: SafeguardStatus? = nil, ledgerFirstRound: UInt64? = nil
    ) {
        self.safeguard = safeguard
        self.ledgerFirstRound = ledgerFirstRound
        self.state = state
        self.nextRound = nextRound
        self.periodSeconds = periodSeconds
        self.secondsToNextRound = secondsToNextRound
        self.vspCount = vspCount
        self.policy = policy
        self.lastRound = lastRound
        self.learning = learning
        self.ledgerRounds = ledgerRounds
        self.ledgerBytes = ledgerBytes
        self.uptimeSeconds = uptimeSeconds
        self.version = version
        self.skippedTicks = skippedTicks
        self.lastReload = lastReload
        self.degraded = degraded
    }

    enum CodingKeys: String, CodingKey {
        case state, policy, learning, version, degraded
        case nextRound = "next_round"
        case periodSeconds = "period_seconds"
        case secondsToNextRound = "seconds_to_next_round"
        case vspCount = "vsp_count"
        case lastRound = "last_round"
        case ledgerRounds = "ledger_rounds"
        case ledgerFirstRound = "ledger_first_round"
        case ledgerBytes = "ledger_bytes"
        case uptimeSeconds = "uptime_seconds"
        case skippedTicks = "skipped_ticks"
        case lastReload = "last_reload"
        case safeguard
    }
}
