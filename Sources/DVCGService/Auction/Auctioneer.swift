import DVCGCheckpoint
import DVCGControl
import DVCGCore
import DVCGMechanism
import Foundation
import Logging
import NIOCore
import NIOPosix

/// Runs the auction: owns the engine, the roster, the bid book and the ledger, one call at a time.
///
/// Rounds, bids, roster changes and reloads are serialised by the actor, so a reload or a roster change
/// always lands between two rounds, and a round (engine step + ledger transaction) is never interleaved.
///
/// The actor runs on a thread of its own (``roundLoop``), not on the threads that serve the control socket: a
/// round's computation and its blocking SQLite commit never hold up a status request, and requests never
/// queue in front of a round.
public actor Auctioneer {
    /// The one thread every auctioneer of the process runs on (a one-thread NIO event loop, never shut down).
    static let roundLoop: any EventLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1).next()

    /// Runs the actor on ``roundLoop``.
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        Self.roundLoop.executor.asUnownedSerialExecutor()
    }

    var configuration: DaemonConfiguration
    private let configurationPath: String?
    let ledger: Ledger
    private let notifier: any ServiceNotifier
    private let logger: Logger
    var engine: MechanismEngine
    var policy: LoadedPolicy
    var roster: RosterBook
    var bidBook: BidBook
    private var simulated: [VSPID: SimulatedVSP] = [:]
    var lastShares: [VSPID: [Double]]
    var lastRound: RoundNumber?
    var lastParticipants = 0
    var lastWelfare = 0.0
    var paused = false
    private var skippedTicks: Int64 = 0
    private var lastReload: String?
    /// Why the last reload was refused, until a reload succeeds; STATUS= carries it after every round.
    private var refusedReload: String?
    private var roundsSinceCheckpoint = 0
    /// When the daemon started (for `uptime_seconds`).
    let startedAt = Date()
    /// When the policy in force was loaded.
    var policyLoadedAt = Date()
    /// When the loop will start the next round, as it last said.
    var nextRoundDue: Date?
    /// The last committed round's pool, noise scale and duration, since start.
    var lastRoundSummary: LastRoundStatus?
    /// Each VSP's entry in the last round it took part in, since start.
    var lastEntries: [VSPID: RoundEntry] = [:]
    /// The instruments `GET /metrics` exposes.
    public nonisolated let metrics = DaemonMetrics()
    /// The status as last published, for `GET /v1/status`.
    public nonisolated let statusBoard = StatusBoard()

    /// Restores the auction from the ledger, or starts it from the configuration's roster on a new ledger.
    ///
    /// - Parameters:
    ///   - configuration: The validated configuration.
    ///   - configurationPath: The file to re-read on reload (`nil`: reloads keep the configuration).
    ///   - policy: The validated policy.
    ///   - ledger: The open ledger.
    ///   - notifier: sd_notify.
    ///   - logger: The daemon's logger.
    /// - Throws: ``LedgerError`` or the engine's error when the ledger's state cannot be restored.
    public init(
        configuration: DaemonConfiguration, configurationPath: String?, policy: LoadedPolicy, ledger: Ledger,
        notifier: any ServiceNotifier, logger: Logger
    ) throws {
        self.configuration = configuration
        self.configurationPath = configurationPath
        self.policy = policy
        self.ledger = ledger
        self.notifier = notifier
        self.logger = logger
        let recovery = try ledger.recover()
        let nextRound = recovery.lastRound?.next ?? RoundNumber(1)
        var events = recovery.rosterEvents
        if events.isEmpty {
            // A new ledger: the configuration's roster is the initial one; from now on the ledger is the truth.
            events = configuration.vsps.map { RosterEvent(kind: .add, boundary: RoundNumber(0), definition: $0) }
            try ledger.append(events)
        }
        let roster = RosterBook(replaying: events, nextRound: nextRound)
        self.roster = roster
        bidBook = BidBook(openRound: nextRound)
        lastRound = recovery.lastRound
        lastShares = recovery.lastShares
        var engine = try MechanismEngine(
            policy: policy.checkpoint, resources: configuration.resources, configuration: configuration.mechanism,
            seed: configuration.seed)
        for id in roster.active.keys.sorted() { try engine.register(id) }
        if let data = recovery.engineState {
            try engine.restore(try EngineStateCodec.decode(data))
        }
        self.engine = engine
        var simulated: [VSPID: SimulatedVSP] = [:]
        for (id, definition) in roster.active { simulated[id] = try Self.simulatedVSP(definition) }
        self.simulated = simulated
        logger.info(
            "auction restored",
            metadata: [
                "next_round": "\(nextRound)", "vsps": "\(roster.active.count)",
                "pending_roster_changes": "\(roster.pending.count)", "policy": "\(policy.path)",
                "policy_checksum": "\(policy.checksum)",
            ])
    }

    /// The period in force.
    public var period: Duration { configuration.period }

    /// Status for the control API and STATUS=.
    public func status() -> AuctioneerStatus {
        let seconds = configuration.period.components
        return AuctioneerStatus(
            lastRound: lastRound, openRound: bidBook.openRound, paused: paused, vsps: roster.active.count,
            lastParticipants: lastParticipants, lastWelfare: lastWelfare, policyPath: policy.path,
            policyChecksum: policy.checksum,
            periodSeconds: Double(seconds.seconds) + Double(seconds.attoseconds) * 1e-18, skippedTicks: skippedTicks,
            lastReload: lastReload, learning: configuration.mechanism.learns ? "online" : "frozen")
    }

    /// The STATUS= text: the state and last round, then, while the last reload stands refused,
    /// `; reload failed, serving the previous policy: REASON` (until a reload succeeds).
    public func statusLine() -> String {
        let state: String
        if paused {
            state = "paused; \(roster.active.count) VSPs; next round \(bidBook.openRound)"
        } else if let lastRound {
            state = "round \(lastRound): \(lastParticipants) VSPs, welfare \(String(format: "%.3f", lastWelfare))"
        } else {
            state = "waiting for round \(bidBook.openRound); \(roster.active.count) VSPs"
        }
        guard let refusedReload else { return state }
        return "\(state); reload failed, serving the previous policy: \(refusedReload)"
    }

    /// Pauses rounds: ticks pass without a round and without consuming a round number.
    public func pause() {
        paused = true
        publishStatus()
        logger.info("auction paused", metadata: ["next_round": "\(bidBook.openRound)"])
    }

    /// Resumes rounds at the next tick.
    public func resume() {
        paused = false
        publishStatus()
        logger.info("auction resumed", metadata: ["next_round": "\(bidBook.openRound)"])
    }

    /// Counts ticks the loop skipped after an overrun.
    public func recordSkippedTicks(_ count: Int64) { skippedTicks += count }

    /// Takes a bid for a round (the bid endpoint of the control API).
    public func receiveBid(_ amount: Double, from vsp: VSPID, for round: RoundNumber) -> BidDecision {
        // The open round's roster includes the changes queued for its boundary.
        bidBook.receive(amount, from: vsp, for: round, registered: roster.upcoming[vsp] != nil)
    }

    /// Queues a VSP for the next round boundary and persists it.
    /// - Returns: The round it joins.
    /// - Throws: ``RosterRejection``, ``EngineError/outsideJointRoster(_:)`` when the policy is a
    ///   DVCG-MADDPG one whose joint critic has no slot for the VSP, or ``LedgerError``; nothing
    ///   changes then.
    @discardableResult
    public func add(_ definition: VSPDefinition) throws -> RoundNumber {
        // Refused now, not at the boundary, where the engine's refusal would abandon every round.
        if let joint = engine.architecture.jointRoster, !joint.contains(definition.id.rawValue) {
            throw EngineError.outsideJointRoster(definition.id)
        }
        _ = try Self.simulatedVSP(definition)
        var updated = roster
        let event = try updated.add(definition, at: bidBook.openRound).get()
        try ledger.append([event])
        roster = updated
        logger.info(
            "VSP added at the next round boundary",
            metadata: ["vsp": "\(definition.id)", "boundary": "\(event.boundary)"])
        return event.boundary
    }

    /// Queues a VSP's removal for the next round boundary and persists it.
    /// - Returns: The first round without it.
    /// - Throws: ``RosterRejection`` or ``LedgerError``; nothing changes then.
    @discardableResult
    public func remove(_ vsp: VSPID) throws -> RoundNumber {
        var updated = roster
        let event = try updated.remove(vsp, at: bidBook.openRound).get()
        try ledger.append([event])
        roster = updated
        logger.info(
            "VSP removed at the next round boundary", metadata: ["vsp": "\(vsp)", "boundary": "\(event.boundary)"])
        return event.boundary
    }

    /// K, the number of resource types.
    public var resourceCount: Int { configuration.resources.count }

    /// Runs one round at a tick, unless paused: roster boundary, simulated bids, the mechanism, reports,
    /// learning, and one ledger transaction. On any failure the round is abandoned whole: the ledger, the
    /// engine and the round counter are as before, and the same round number is tried at the next tick.
    ///
    /// - Returns: The committed outcome, or `nil` when paused or abandoned.
    @discardableResult
    public func runRound(started: Date = Date(), evenIfPaused: Bool = false) -> RoundOutcome? {
        guard !paused || evenIfPaused else { return nil }
        let clock = ContinuousClock()
        let begin = clock.now
        var nextRoster = roster
        let changes = nextRoster.crossBoundary()
        var nextBook = bidBook
        let round = nextBook.openRound
        // The engine is a value: keeping a copy makes abandoning the round a plain assignment.
        let previousEngine = engine
        do {
            var newSimulated = simulated
            for change in changes {
                switch change.kind {
                case .add:
                    try engine.register(change.definition.id)
                    newSimulated[change.definition.id] = try Self.simulatedVSP(change.definition)
                case .remove:
                    try engine.deregister(change.definition.id)
                    newSimulated[change.definition.id] = nil
                    nextBook.withdraw(change.definition.id)
                }
            }
            // Simulated VSPs bid just before the round starts.
            let capacities = configuration.capacities
            for (id, vsp) in newSimulated {
                let truthful = try vsp.truthfulBid(
                    lastSlice: lastShares[id].map { zip($0, capacities).map { $0 * $1 } }, capacities: capacities,
                    vspCount: nextRoster.active.count)
                _ = nextBook.receive(vsp.strategy.bid(truthful: truthful), from: id, for: round, registered: true)
            }
            let (_, bids) = nextBook.close()
            let engineStart = clock.now
            let outcome = try engine.runRound(round: round, bids: bids)
            var phases = RoundPhases(engine: engineStart.duration(to: clock.now))
            var reports: [FinancialReport] = []
            for entry in outcome.entries {
                guard let vsp = newSimulated[entry.vsp] else { continue }
                let slice = zip(entry.realisedShares, capacities).map { $0 * $1 }
                let utility = try vsp.utility.value(at: slice)
                var generator = SeededGenerator(
                    seed: Self.stream(seed: configuration.seed, round: round, vsp: entry.vsp))
                let gross = vsp.profit.grossProfit(utility: utility, using: &generator)
                let report = FinancialReport(vsp: entry.vsp, round: round, utility: utility, grossProfit: gross)
                try engine.record(report: report)
                reports.append(report)
            }
            if configuration.mechanism.learns, !outcome.entries.isEmpty {
                let report = engine.learn()
                logger.debug(
                    "learned",
                    metadata: [
                        "round": "\(round)", "vsps": "\(report.updatedVSPs)", "critic_loss": "\(report.criticLoss)",
                        "voi_loss": "\(report.voiLoss)",
                    ])
            }
            phases.engine = engineStart.duration(to: clock.now)
            let snapshotStart = clock.now
            let state = EngineStateCodec.encode(engine.state)
            phases.snapshot = snapshotStart.duration(to: clock.now)
            let commitStart = clock.now
            try ledger.commit(
                RoundRecord(
                    outcome: outcome, started: started, policyChecksum: policy.checksum, reports: reports,
                    engineState: state))
            roster = nextRoster
            bidBook = nextBook
            simulated = newSimulated
            lastRound = round
            lastParticipants = outcome.entries.count
            lastWelfare = outcome.welfareEstimate
            for entry in outcome.entries { lastShares[entry.vsp] = entry.realisedShares }
            for change in changes where change.kind == .remove { lastShares[change.definition.id] = nil }
            let elapsed = begin.duration(to: clock.now)
            phases.commit = commitStart.duration(to: clock.now)
            phases.total = elapsed
            noteCommitted(outcome, duration: elapsed)
            logRound(outcome, changes: changes, phases: phases)
            publishStatus()
            checkpointIfDue()
            return outcome
        } catch {
            engine = previousEngine
            logger.error(
                "round abandoned; nothing was committed and it will be retried at the next tick",
                metadata: ["round": "\(round)", "error": "\(error)"])
            return nil
        }
    }

    /// Re-reads the configuration file and the policy it names, validates both completely, and swaps them in
    /// between rounds; on any failure everything stays as it was and the result says why.
    ///
    /// Sends RELOADING=1 with MONOTONIC_USEC first and READY=1 with a STATUS= saying the outcome last.
    public func reload(trigger: String) -> ReloadResult {
        notifier.notify(SystemdNotifier.reloadingMessage())
        let result = performReload()
        metrics.reloadTried()
        lastReload = result.succeeded ? "ok: \(result.message)" : "failed: \(result.message)"
        refusedReload = result.succeeded ? nil : result.message
        let status =
            result.succeeded
            ? "reloaded: \(result.message)" : "reload failed, serving the previous policy: \(result.message)"
        notifier.notify("READY=1\nSTATUS=\(status)")
        publishStatus()
        try? ledger.recordPolicyEvent(
            path: result.policyPath, checksum: result.checksum, outcome: result.succeeded ? "loaded" : "refused",
            message: "\(trigger): \(result.message)")
        if result.succeeded {
            logger.notice(
                "reloaded",
                metadata: [
                    "trigger": "\(trigger)", "policy": "\(result.policyPath)", "policy_checksum": "\(policy.checksum)",
                ])
        } else {
            logger.error(
                "reload failed; keeping the previous configuration and policy",
                metadata: ["trigger": "\(trigger)", "error": "\(result.message)", "policy": "\(policy.path)"])
        }
        return result
    }

    /// Final work on shutdown: an online checkpoint.
    public func shutdown() {
        if configuration.mechanism.learns { writeCheckpoint() }
        logger.info("auction stopped", metadata: ["last_round": "\(lastRound.map(\.description) ?? "none")"])
    }

    private func performReload() -> ReloadResult {
        var newConfiguration = configuration
        if let configurationPath {
            do {
                newConfiguration = try ConfigurationLoader.load(path: configurationPath)
            } catch {
                return ReloadResult(
                    succeeded: false, message: error.description, policyPath: policy.path, checksum: nil)
            }
            for (name, changed) in [
                ("resources", newConfiguration.resources != configuration.resources),
                ("state_directory", newConfiguration.stateDirectory != configuration.stateDirectory),
                ("control", newConfiguration.control != configuration.control),
            ] where changed {
                return ReloadResult(
                    succeeded: false, message: "\(configurationPath): changing '\(name)' needs a restart",
                    policyPath: policy.path, checksum: nil)
            }
        }
        let newPolicy: LoadedPolicy
        do {
            newPolicy = try LoadedPolicy.load(
                path: newConfiguration.policyPath, resourceCount: newConfiguration.resources.count)
        } catch {
            return ReloadResult(
                succeeded: false, message: error.description, policyPath: newConfiguration.policyPath, checksum: nil)
        }
        do {
            var newEngine = engine
            try newEngine.replacePolicy(newPolicy.checkpoint)
            newEngine.configuration = newConfiguration.mechanism
            engine = newEngine
        } catch {
            return ReloadResult(
                succeeded: false, message: "\(newPolicy.path): \(error)", policyPath: newPolicy.path,
                checksum: newPolicy.checksum)
        }
        newConfiguration.vsps = configuration.vsps
        configuration = newConfiguration
        policy = newPolicy
        policyLoadedAt = Date()
        return ReloadResult(
            succeeded: true, message: "policy \(newPolicy.path) (\(newPolicy.checksum))", policyPath: newPolicy.path,
            checksum: newPolicy.checksum)
    }

    private func checkpointIfDue() {
        guard configuration.mechanism.learns else { return }
        roundsSinceCheckpoint += 1
        if roundsSinceCheckpoint >= configuration.checkpoint.every { writeCheckpoint() }
    }

    private func writeCheckpoint() {
        roundsSinceCheckpoint = 0
        let path = configuration.checkpointPath
        do {
            try engine.checkpoint().write(to: path)
            logger.info(
                "checkpoint written",
                metadata: ["path": "\(path)", "round": "\(lastRound.map(\.description) ?? "none")"])
        } catch {
            logger.error("cannot write the checkpoint", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    private func logRound(_ outcome: RoundOutcome, changes: [RosterEvent], phases: RoundPhases) {
        func milliseconds(_ duration: Duration) -> String {
            let value = Double(duration.components.attoseconds) * 1e-15 + Double(duration.components.seconds) * 1e3
            return String(format: "%.3f", value)
        }
        if outcome.entries.isEmpty {
            logger.info("round committed with no bidders", metadata: ["round": "\(outcome.round)", "empty": "true"])
        } else {
            logger.info(
                "round committed",
                metadata: [
                    "round": "\(outcome.round)", "vsps": "\(outcome.entries.count)", "pool": "\(outcome.pool)",
                    "noise_scale": "\(outcome.noiseScale)", "welfare": "\(outcome.welfareEstimate)",
                    "duration_ms": "\(milliseconds(phases.total))", "engine_ms": "\(milliseconds(phases.engine))",
                    "snapshot_ms": "\(milliseconds(phases.snapshot))", "commit_ms": "\(milliseconds(phases.commit))",
                ])
        }
        for change in changes {
            logger.info(
                "roster change applied",
                metadata: [
                    "round": "\(outcome.round)", "vsp": "\(change.definition.id)", "kind": "\(change.kind.rawValue)",
                ])
        }
        for entry in outcome.entries {
            logger.debug(
                "round entry",
                metadata: [
                    "round": "\(outcome.round)", "vsp": "\(entry.vsp)", "bid": "\(entry.bid)", "loan": "\(entry.loan)",
                    "tax": "\(entry.tax)", "externality": "\(entry.externality)", "interest": "\(entry.interest)",
                ])
        }
    }

    private static func simulatedVSP(_ definition: VSPDefinition) throws -> SimulatedVSP? {
        guard case .simulated(let parameters) = definition.kind else { return nil }
        return try parameters.simulatedVSP()
    }

    /// A seed for VSP `vsp`'s profit noise in `round`, so a restarted daemon draws what it would have drawn.
    private static func stream(seed: UInt64, round: RoundNumber, vsp: VSPID) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for byte in vsp.rawValue.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash ^ (round.value &* 0x9E37_79B9_7F4A_7C15)
    }
}

/// The outcome of a reload.
public struct ReloadResult: Sendable, Equatable, Codable {
    /// Whether the new configuration and policy are in force.
    public var succeeded: Bool
    /// What was loaded, or why nothing was.
    public var message: String
    /// The policy file tried.
    public var policyPath: String
    /// Its checksum when it was read.
    public var checksum: String?
}

/// Where a round's time went (logged with `round committed`).
struct RoundPhases {
    /// Roster boundary, bids, the engine's round, reports and learning.
    var engine: Duration
    /// Encoding the engine's state.
    var snapshot: Duration = .zero
    /// The ledger transaction.
    var commit: Duration = .zero
    /// The whole round.
    var total: Duration = .zero
}
