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
    let configurationPath: String?
    let ledger: Ledger
    let notifier: any ServiceNotifier
    let logger: Logger
    var engine: MechanismEngine
    var policy: LoadedPolicy
    /// The roster, the bids, the last committed round and each VSP's standing.
    var state: AuctionState
    private var bidders: SimulatedBidders
    /// The certified optimum of the last all-simulated participant set, for the true efficiency.
    private var trueOptimum: (participants: [VSPID], welfare: Double)?
    private var roundsSinceCheckpoint = 0
    /// The VSPs whose bid was above the bank's credit line in the last round (one warning per stretch).
    private var biddersAboveCreditLine: Set<VSPID> = []
    /// The engine state as the ledger holds it (its snapshot with the deltas after it), `nil` before the first
    /// commit: each round's delta is the change from it.
    private(set) var persistedState: EngineState?
    /// Deltas in the ledger since its last full snapshot.
    private var deltasSinceSnapshot = 0
    /// Whether READY=1 has been sent and STOPPING=1 not yet: the window for watchdog pings.
    private var serving = false
    /// When the daemon started (for `uptime_seconds`).
    let startedAt = Date()
    /// When the policy in force was loaded.
    var policyLoadedAt = Date()
    /// When the loop will start the next round, as it last said.
    var nextRoundDue: Date?
    /// The trigger of the reload between its RELOADING=1 and its READY=1, `nil` when none is.
    var reloadInProgress: String?
    /// The thread reloads read and validate their files on, with the configured deadline.
    nonisolated let reloadThread = ThreadWithDeadline()
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
    /// - Throws: ``LedgerError`` (``LedgerError/corrupt(path:reason:)`` for a snapshot that does not decode), or
    ///   the engine's error when the saved state does not fit the policy.
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
        state = AuctionState(recovery: recovery, roster: roster)
        var engine = try MechanismEngine(
            policy: policy.checkpoint, resources: configuration.resources, configuration: configuration.mechanism,
            seed: configuration.seed)
        for id in roster.active.keys.sorted() { try engine.register(id) }
        var persisted: EngineState?
        if let data = recovery.engineState {
            var saved: EngineState
            do { saved = try EngineStateCodec.decode(data) } catch {
                throw LedgerError.corrupt(path: ledger.path, reason: "engine_state: \(error)")
            }
            for (round, delta) in recovery.engineStateDeltas {
                do { try EngineStateCodec.applyDelta(delta, to: &saved) } catch {
                    throw LedgerError.corrupt(path: ledger.path, reason: "engine_state_deltas round \(round): \(error)")
                }
            }
            try engine.restore(saved)
            persisted = saved
        }
        if engine.isShared, recovery.lastRound != nil {
            // A shared policy's VoI nets are the bank's fits to each VSP's reports, not in the ledger: fit
            // them again on each VSP's newest reports.
            // Seconds at N = 10 on a shared machine, before the socket listens: say so first.
            logger.info(
                "refitting the VoI nets on the ledger's reports before the control socket opens",
                metadata: ["vsps": "\(roster.active.count)"])
            let reports = try ledger.recentReports(
                window: configuration.mechanism.voiFit.window, vsps: Set(roster.active.keys))
            engine.refitVoINets(from: reports, steps: Self.refitSteps)
            logger.info(
                "VoI nets refitted on the ledger's reports",
                metadata: ["vsps": "\(reports.count)", "steps": "\(Self.refitSteps)"])
        }
        // What the API acknowledged after the last commit: bids for the open round, reports, the pause switch.
        let acknowledged = try ledger.acknowledgedWrites(openRound: nextRound)
        for report in acknowledged.reports {
            do { try engine.record(report: report) } catch {
                logger.warning(
                    "a report filed before the restart no longer fits the engine; it stays in the ledger only",
                    metadata: ["vsp": "\(report.vsp)", "round": "\(report.round)", "error": "\(error)"])
            }
        }
        for (vsp, amount) in acknowledged.bids.sorted(by: { $0.key < $1.key }) {
            _ = state.bidBook.receive(amount, from: vsp, for: nextRound, registered: roster.upcoming[vsp] != nil)
        }
        state.paused = acknowledged.paused
        let restoredBids = state.bidBook.bids.count
        self.engine = engine
        persistedState = persisted
        deltasSinceSnapshot = recovery.engineStateDeltas.count
        bidders = try SimulatedBidders(roster: roster.active)
        logger.info(
            recovery.lastRound == nil ? "auction started on a new ledger" : "auction restored",
            metadata: [
                "next_round": "\(nextRound)", "vsps": "\(roster.active.count)",
                "pending_roster_changes": "\(roster.pending.count)", "policy": "\(policy.path)",
                "policy_checksum": "\(policy.checksum)", "pending_bids": "\(restoredBids)",
                "replayed_reports": "\(acknowledged.reports.count)", "paused": "\(acknowledged.paused)",
            ])
    }

    /// Adam steps per VSP when a restart refits a shared policy's VoI nets on the ledger's reports.
    static let refitSteps = 200

    /// One round in this many writes the engine's full snapshot; the others write only their delta (about a
    /// seventh of it once the recent shares are full), and a restart applies at most `snapshotEvery - 1` deltas.
    static let snapshotEvery = 32

    /// The period in force.
    public var period: Duration { configuration.period }

    /// K, the number of resource types.
    public var resourceCount: Int { configuration.resources.count }

    /// The resources' names, in the configuration's order (`bandwidth`, `computing`, `cache`).
    public var resourceNames: [String] { configuration.resources.map(\.name) }

    /// The auction as status, the VSP list and STATUS= report it.
    public func snapshot() -> AuctionSnapshot {
        AuctionSnapshot(
            state: state, resources: configuration.resources, period: configuration.period,
            learns: configuration.mechanism.learns, policyPath: policy.path, policyChecksum: policy.checksum,
            policyLoadedAt: policyLoadedAt, startedAt: startedAt, nextRoundDue: nextRoundDue, ledgerPath: ledger.path,
            ledgerFirstRound: ledger.firstRound, ledgerMissingRounds: ledger.missingRounds,
            policyUntrained: policy.isUntrained)
    }

    /// Pauses rounds: ticks pass without a round and without consuming a round number. The switch is in the
    /// ledger before this returns, so a restart stays paused.
    ///
    /// - Returns: Whether it was running (false: it was paused already, and nothing is written).
    /// - Throws: ``LedgerError`` when the ledger cannot record it; nothing changes then.
    @discardableResult
    public func pause() throws(LedgerError) -> Bool {
        guard !state.paused else { return false }
        try setPaused(true)
        logger.info("auction paused", metadata: ["next_round": "\(state.bidBook.openRound)"])
        return true
    }

    /// Resumes rounds at the next tick; recorded in the ledger before this returns.
    ///
    /// - Returns: Whether it was paused (false: it was running already, and nothing is written).
    /// - Throws: ``LedgerError`` when the ledger cannot record it; nothing changes then.
    @discardableResult
    public func resume() throws(LedgerError) -> Bool {
        guard state.paused else { return false }
        try setPaused(false)
        logger.info("auction resumed", metadata: ["next_round": "\(state.bidBook.openRound)"])
        return true
    }

    private func setPaused(_ paused: Bool) throws(LedgerError) {
        do { try ledger.recordPause(paused) } catch {
            noteLedgerFailure(error, during: paused ? "recording a pause" : "recording a resume")
            throw error
        }
        state.paused = paused
        publishStatus()
    }

    /// Counts ticks the loop skipped after an overrun.
    public func recordSkippedTicks(_ count: Int64) {
        state.skippedTicks += count
        metrics.ticksSkipped(count)
        publishStatus()
    }

    /// Sends READY=1 with the status line: from now on watchdog pings go out.
    public func announceReady() {
        serving = true
        notifier.notify("READY=1\nSTATUS=\(snapshot().statusLine)")
    }

    /// Sends STOPPING=1: no watchdog ping follows it.
    public func announceStopping() {
        serving = false
        notifier.notify("STOPPING=1\nSTATUS=stopping")
    }

    /// Sends WATCHDOG=1 while serving. It runs on the actor, so a round that hangs holds the ping back and the
    /// service manager sees it.
    public func pingWatchdog() {
        if serving { notifier.notify("WATCHDOG=1") }
    }

    /// Takes a bid for a round (the bid endpoint of the control API); an accepted bid is in the ledger before
    /// this returns, so it survives kill -9 until its round commits.
    public func receiveBid(_ amount: Double, from vsp: VSPID, for round: RoundNumber) -> BidDecision {
        // -0 is 0 (IEEE 754: -0 + 0 is +0), so no screen shows a bid of -0.00 VC.
        let amount = amount + 0
        var book = state.bidBook
        // The open round's roster includes the changes queued for its boundary.
        let decision = book.receive(amount, from: vsp, for: round, registered: state.roster.upcoming[vsp] != nil)
        guard decision == .accepted else { return decision }
        do { try ledger.recordBid(amount, from: vsp, for: round) } catch {
            noteLedgerFailure(error, during: "recording a bid")
            return .rejected(.ledgerUnavailable(error.description))
        }
        state.bidBook = book
        return decision
    }

    /// Queues a VSP for the next round boundary and persists it.
    /// - Returns: The round it joins.
    /// - Throws: ``RosterChangeError``: the roster's rejection, a VSP outside a DVCG-MADDPG policy's joint
    ///   roster, a definition out of range, or the ledger's error; nothing changes then.
    @discardableResult
    public func add(_ definition: VSPDefinition) throws(RosterChangeError) -> RoundNumber {
        // Refused now, not at the boundary, where the engine's refusal would abandon every round.
        if let joint = engine.architecture.jointRoster, !joint.contains(definition.id.rawValue) {
            throw .outsideJointRoster(definition.id)
        }
        do { _ = try SimulatedBidders.vsp(for: definition) } catch {
            throw .invalidDefinition(definition.id, error)
        }
        var updated = state.roster
        let event: RosterEvent
        switch updated.add(definition, at: state.bidBook.openRound) {
        case .success(let added): event = added
        case .failure(let rejection): throw .rejected(rejection)
        }
        try persist(event)
        state.roster = updated
        logger.info(
            "VSP added at the next round boundary",
            metadata: ["vsp": "\(definition.id)", "boundary": "\(event.boundary)"])
        return event.boundary
    }

    /// Queues a VSP's removal for the next round boundary and persists it.
    /// - Returns: The first round without it.
    /// - Throws: ``RosterChangeError``: the roster's rejection or the ledger's error; nothing changes then.
    @discardableResult
    public func remove(_ vsp: VSPID) throws(RosterChangeError) -> RoundNumber {
        var updated = state.roster
        let event: RosterEvent
        switch updated.remove(vsp, at: state.bidBook.openRound) {
        case .success(let removed): event = removed
        case .failure(let rejection): throw .rejected(rejection)
        }
        try persist(event)
        state.roster = updated
        logger.info(
            "VSP removed at the next round boundary", metadata: ["vsp": "\(vsp)", "boundary": "\(event.boundary)"])
        return event.boundary
    }

    /// Writes a roster change to the ledger; refused without trying while degraded.
    private func persist(_ event: RosterEvent) throws(RosterChangeError) {
        if let refusal = refusalWhileDegraded() { throw .ledger(refusal) }
        do { try ledger.append([event]) } catch {
            noteLedgerFailure(error, during: "recording a roster change")
            throw .ledger(error)
        }
    }

    /// Runs one round at a tick, unless paused: roster boundary, simulated bids, the mechanism, reports,
    /// learning, and one ledger transaction. On any failure the round is abandoned whole: the ledger, the
    /// engine and the round counter are as before, and the same round number is tried at the next tick.
    ///
    /// - Returns: The committed outcome, or `nil` when paused or abandoned.
    @discardableResult
    public func runRound(started: Date = Date(), evenIfPaused: Bool = false) -> RoundOutcome? {
        guard !state.paused || evenIfPaused else { return nil }
        let clock = ContinuousClock()
        let begin = clock.now
        var next = state
        let changes = next.roster.crossBoundary()
        let round = next.bidBook.openRound
        // The engine is a value: keeping a copy makes abandoning the round a plain assignment.
        let previousEngine = engine
        do {
            var nextBidders = bidders
            try applyBoundary(changes, bidders: &nextBidders, book: &next.bidBook)
            let capacities = configuration.capacities
            try nextBidders.placeBids(
                in: &next.bidBook, for: round, standings: next.standings, capacities: capacities,
                vspCount: next.roster.active.count)
            let (_, bids) = next.bidBook.close()
            let engineStart = clock.now
            // The round's entries go to the ledger on the commit's thread, from the moment the engine has made them,
            // while this one makes the rest of the round.
            let ledger = ledger
            var begun: RoundCommit? = nil
            defer { begun?.abandon() }
            let outcome = try engine.runRound(round: round, bids: bids) { entries in
                begun = ledger.beginCommit(round: round, entries: entries)
            }
            let commit = begun ?? ledger.beginCommit(round: round, entries: outcome.entries)
            begun = commit
            let reports = try nextBidders.reports(after: outcome, capacities: capacities, seed: configuration.seed)
            commit.insert(reports: reports)
            for report in reports { try engine.record(report: report) }
            learn(after: outcome)
            var phases = RoundPhases(engine: engineStart.duration(to: clock.now))
            let snapshotStart = clock.now
            let current = engine.state
            let engineState: EngineStateWrite
            if let persistedState, deltasSinceSnapshot < Self.snapshotEvery - 1 {
                engineState = .delta(EngineStateCodec.encodeDelta(from: persistedState, to: current))
            } else {
                engineState = .snapshot(EngineStateCodec.encode(current))
            }
            phases.snapshot = snapshotStart.duration(to: clock.now)
            phases.stateBytes = engineState.byteCount
            let trueEfficiency = trueEfficiency(of: outcome, reports: reports, bidders: nextBidders)
            let commitStart = clock.now
            try commit.finish(
                RoundRecord(
                    outcome: outcome, started: started, policyChecksum: policy.checksum, reports: reports,
                    engineState: engineState, trueEfficiency: trueEfficiency))
            phases.commit = commitStart.duration(to: clock.now)
            phases.total = begin.duration(to: clock.now)
            persistedState = current
            if case .snapshot = engineState { deltasSinceSnapshot = 0 } else { deltasSinceSnapshot += 1 }
            next.commit(
                outcome, changes: changes, duration: phases.total, trueEfficiency: trueEfficiency,
                safeguardSwitches: engine.safeguard.switches, floor: configuration.mechanism.minimumShare,
                floorRounds: configuration.log.floorWarningRounds)
            let previouslyTaxed = Set(state.committed?.summary?.taxedAboveBid ?? [])
            state = next
            noteRoundCommitted()
            bidders = nextBidders
            metrics.roundCommitted(
                seconds: phases.total.inSeconds, welfare: outcome.welfareEstimate, pool: outcome.pool,
                participants: outcome.entries.count)
            metrics.roundAssessed(
                efficiencyEstimate: outcome.efficiencyEstimate, trueEfficiency: trueEfficiency,
                fittedVSPs: outcome.entries.filter(\.voiFitted).count, serving: outcome.serving?.rawValue,
                switched: outcome.servingSwitched)
            if outcome.servingSwitched, let serving = outcome.serving {
                logger.notice(
                    "safeguard switched what serves",
                    metadata: [
                        "round": "\(outcome.round)", "serving": "\(serving.rawValue)",
                        "switches": "\(engine.safeguard.switches)",
                    ])
            }
            publishStatus()
            // The bank fits the VoI nets to this round's reports now, between rounds, rather than on the
            // next round's path (MechanismEngine.fitVoINets()).
            let fitStart = clock.now
            engine.fitVoINets()
            phases.fit = fitStart.duration(to: clock.now)
            logRound(outcome, changes: changes, phases: phases, previouslyTaxed: previouslyTaxed)
            checkpointIfDue()
            return outcome
        } catch {
            engine = previousEngine
            if let error = error as? LedgerError {
                noteLedgerFailure(error, during: "round \(round)")
            } else {
                logger.error(
                    "round abandoned; nothing was committed and it will be retried at the next tick",
                    metadata: ["round": "\(round)", "error": "\(error)"])
            }
            return nil
        }
    }

    /// The largest all-simulated roster whose certified optimum a round computes for its true efficiency.
    static let trueEfficiencyLimit = 1_000

    /// The true welfare of a round's realised slices over the certified optimum of its participants, when
    /// every participant is simulated (their utilities known) and there are at most
    /// ``trueEfficiencyLimit``; the optimum is solved again only when the participants change.
    private func trueEfficiency(of outcome: RoundOutcome, reports: [FinancialReport], bidders: SimulatedBidders)
        -> Double?
    {
        let participants = outcome.entries.map(\.vsp)
        guard !participants.isEmpty, participants.count <= Self.trueEfficiencyLimit, reports.count == participants.count
        else { return nil }
        if trueOptimum?.participants != participants {
            let utilities = participants.compactMap { bidders.vsps[$0]?.utility }
            guard utilities.count == participants.count,
                let solved = try? WelfareOptimizer().solve(capacities: configuration.capacities, utilities: utilities)
            else { return nil }
            trueOptimum = (participants, solved.welfare)
        }
        guard let optimum = trueOptimum?.welfare, optimum > 0 else { return nil }
        return reports.reduce(0) { $0 + $1.utility } / optimum
    }

    /// The roster changes at a boundary, in the engine, the simulated bidders and the bid book.
    private func applyBoundary(_ changes: [RosterEvent], bidders: inout SimulatedBidders, book: inout BidBook) throws {
        for change in changes {
            switch change.kind {
            case .add: try engine.register(change.definition.id)
            case .remove:
                try engine.deregister(change.definition.id)
                book.withdraw(change.definition.id)
            }
            try bidders.apply(change)
        }
    }

    /// One online update after a round with participants, when learning.
    private func learn(after outcome: RoundOutcome) {
        guard configuration.mechanism.learns, !outcome.entries.isEmpty else { return }
        let report = engine.learn()
        logger.debug(
            "learned",
            metadata: [
                "round": "\(outcome.round)", "vsps": "\(report.updatedVSPs)", "critic_loss": "\(report.criticLoss)",
                "voi_loss": "\(report.voiLoss)",
            ])
    }

    /// Final work on shutdown: an online checkpoint.
    public func shutdown() {
        if configuration.mechanism.learns { writeCheckpoint() }
        logger.info(
            "auction stopped", metadata: ["last_round": "\(state.committed.map(\.round.description) ?? "none")"])
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
                metadata: ["path": "\(path)", "round": "\(state.committed.map(\.round.description) ?? "none")"])
        } catch {
            logger.error("cannot write the checkpoint", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    /// Logs a committed round: `info` the round and roster changes, `warning` a VSP newly taxed above its bid
    /// (not in `previouslyTaxed`, so a stretch of such rounds gives one warning), newly bidding above the
    /// bank's credit line, or newly past
    /// `log.floor_warning_rounds` at the share floor, `debug` each entry.
    private func logRound(
        _ outcome: RoundOutcome, changes: [RosterEvent], phases: RoundPhases, previouslyTaxed: Set<VSPID>
    ) {
        func milliseconds(_ duration: Duration) -> String { String(format: "%.3f", duration.inSeconds * 1e3) }
        if outcome.entries.isEmpty {
            logger.info("round committed with no bidders", metadata: ["round": "\(outcome.round)", "empty": "true"])
        } else {
            logger.info(
                "round committed",
                metadata: [
                    "round": "\(outcome.round)", "vsps": "\(outcome.entries.count)", "pool": "\(outcome.pool)",
                    "noise_scale": "\(outcome.noiseScale)", "welfare_estimate": "\(outcome.welfareEstimate)",
                    "duration_ms": "\(milliseconds(phases.total))", "engine_ms": "\(milliseconds(phases.engine))",
                    "snapshot_ms": "\(milliseconds(phases.snapshot))", "commit_ms": "\(milliseconds(phases.commit))",
                    "fit_ms": "\(milliseconds(phases.fit))", "state_bytes": "\(phases.stateBytes)",
                ])
        }
        for change in changes {
            logger.info(
                "roster change applied",
                metadata: [
                    "round": "\(outcome.round)", "vsp": "\(change.definition.id)", "kind": "\(change.kind.rawValue)",
                ])
        }
        let taxed = Set(state.committed?.summary?.taxedAboveBid ?? [])
        for entry in outcome.entries where taxed.contains(entry.vsp) && !previouslyTaxed.contains(entry.vsp) {
            logger.warning(
                "VSP taxed above its bid",
                metadata: [
                    "round": "\(outcome.round)", "vsp": "\(entry.vsp)", "bid": "\(entry.bid)", "tax": "\(entry.tax)",
                    "externality": "\(entry.externality)", "interest": "\(entry.interest)",
                ])
        }
        // The bank finances a bid up to its credit line (Bank.financedBids; docs/learning.md, "Bids above the
        // pool"): say so at the first round of a stretch, with what was financed.
        var aboveLine: Set<VSPID> = []
        for entry in outcome.entries where entry.bid > entry.financedBid {
            aboveLine.insert(entry.vsp)
            guard !biddersAboveCreditLine.contains(entry.vsp) else { continue }
            logger.warning(
                "VSP bid above the bank's credit line, financed up to it",
                metadata: [
                    "round": "\(outcome.round)", "vsp": "\(entry.vsp)", "bid": "\(entry.bid)",
                    "financed_bid": "\(entry.financedBid)",
                    "pool": "\(outcome.pool)", "loan": "\(entry.loan)",
                ])
        }
        biddersAboveCreditLine = aboveLine
        let floorRounds = configuration.log.floorWarningRounds
        for (vsp, streak) in state.floorStreaks.sorted(by: { $0.key < $1.key }) where streak == floorRounds + 1 {
            logger.warning(
                "VSP at the share floor s_min for more than \(floorRounds) rounds",
                metadata: [
                    "round": "\(outcome.round)", "vsp": "\(vsp)", "rounds": "\(streak)",
                    "minimum_share": "\(configuration.mechanism.minimumShare)",
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

}

/// Where a round's time went (logged with `round committed`).
struct RoundPhases {
    /// Roster boundary, bids, the engine's round, reports and learning.
    var engine: Duration
    /// Encoding the engine's state (a full snapshot or the round's delta).
    var snapshot: Duration = .zero
    /// The bytes of engine state the round wrote.
    var stateBytes = 0
    /// The ledger transaction.
    var commit: Duration = .zero
    /// The whole round, from the tick to the commit.
    var total: Duration = .zero
    /// The bank's VoI fitting after the commit, outside `total` (a shared policy's; zero otherwise).
    var fit: Duration = .zero
}
