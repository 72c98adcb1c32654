import DVCGCheckpoint
import DVCGCore
import DVCGNeural

/// The DVCG mechanism with its learners: per VSP the five networks, alpha-hat, the current share
/// of every resource and the bill; runs rounds (docs/learning.md, "One round"), records financial reports,
/// learns online (step 7) and exports checkpoints.
///
/// A value type: every operation is a `mutating` method that either succeeds or throws and
/// leaves the engine unchanged, so a daemon keeps one in an actor (`var engine`) and a trainer
/// can copy it for a greedy evaluation. The NSP's part (actors, the proposal) and the bank's part
/// (VoI nets, target nets, taxes) run in separate methods; the NSP code never reads reports.
///
/// Cost per round: O(N) network evaluations, plus O(N^2) batched evaluations for the exact
/// counterfactuals of eqs. (32)-(33) when N <= ``MechanismConfiguration/exactCounterfactualLimit``.
public struct MechanismEngine: Sendable {
    /// The resource types, K of them; shares are fractions of their capacities.
    public let resources: [Resource]
    /// The networks' shape (from the policy; a reload may change its ``PolicyArchitecture/kind``).
    public internal(set) var architecture: PolicyArchitecture
    /// How the mechanism runs and learns.
    public var configuration: MechanismConfiguration
    /// The action space (the policy's levels, the configuration's s_min).
    public let actionSpace: ActionSpace
    /// The policy's training metadata (JSON object text), carried into ``checkpoint()``.
    public var trainingMetadata: String

    /// Per VSP: the networks a VSP missing from the policy starts from. Shared: the VoI prior (its
    /// ``NetworkSet/voi``); the shared actor and critic live in ``shared``.
    var template: NetworkSet
    /// Networks of VSPs in the loaded policy that are not (or no longer) registered (per VSP).
    var dormant: [String: NetworkSet]
    /// VoI nets of VSPs in the loaded policy that are not (or no longer) registered (shared).
    var dormantVoI: [String: MLP]
    /// Exploration positions of VSPs in the loaded policy, used when they register.
    var explorationAges: [String: Int]
    /// A shared policy's learner: the shared networks, their optimisers and the one bill every VSP's
    /// transitions go to; nil for a per-VSP policy.
    var shared: VSPAgent?
    var agents: [VSPID: VSPAgent] = [:]
    /// Where the next round's VoI fits of fitted VSPs start (they are served in rotation).
    var voiFitRotation = 0
    /// Whether the bank has fitted since the last round (``fitVoINets()``): one fit, one step budget,
    /// per round, whether the host calls it between rounds or the round does.
    var voiFittedSinceRound = false
    /// Whether any VoI net may have changed since the last round ran (a fit, an update, a reload, a restore):
    /// until then a report of that round is judged by the prediction the round computed
    /// (``VSPAgent/realisedUtilityEstimate``) rather than by evaluating the net again.
    var voiNetsChangedSinceRound = true
    /// The bank's running estimate of the VoI optimum (``RoundOutcome/estimatedOptimum``).
    var optimumTracker = VoIOptimumTracker()
    /// The policy as loaded: the baseline the safeguard serves while the learner is worse.
    var baseline: PolicyCheckpoint
    /// The switch between the learner and its baselines while learning online.
    public internal(set) var safeguard = OnlineSafeguard()
    /// The roster in id order (rounds visit VSPs in this order, so runs are reproducible).
    public internal(set) var roster: [VSPID] = []
    var maximumPool = 0.0
    /// The last round run, nil before the first.
    public internal(set) var lastRound: RoundNumber?
    /// The serving randomness: probing and the NSP's noise (15).
    var generator: SeededGenerator
    /// Exploration and the learner's minibatches: a stream of their own, so that learning online never moves the
    /// serving randomness, and a round the safeguard's baseline serves is allocated as the frozen policy would.
    var learningGenerator: SeededGenerator
    /// Learners restarted by ``LearningConfiguration/learnerRestartFit`` (the last round run before
    /// the update, and the VSP), oldest first.
    public internal(set) var learnerRestarts: [(round: RoundNumber?, vsp: VSPID)] = []

    /// How many realised shares a VSP keeps for late financial reports.
    public static let reportWindow = 32

    /// An engine with an empty roster.
    ///
    /// - Parameters:
    ///   - policy: The networks: per VSP id and a template for VSPs missing from it.
    ///   - resources: K resource types; K must equal the policy's.
    ///   - configuration: The mechanism and learning settings.
    ///   - seed: Seeds the NSP's noise and the exploration.
    /// - Throws: ``EngineError/resourceCountMismatch(policy:resources:)`` or
    ///   ``EngineError/invalidConfiguration(_:)``.
    public init(
        policy: PolicyCheckpoint, resources: [Resource],
        configuration: MechanismConfiguration = MechanismConfiguration(),
        seed: UInt64
    ) throws(EngineError) {
        guard policy.architecture.resourceCount == resources.count else {
            throw .resourceCountMismatch(policy: policy.architecture.resourceCount, resources: resources.count)
        }
        try configuration.validate()
        do {
            actionSpace = try ActionSpace(
                levels: policy.architecture.actionLevels, minimumShare: configuration.minimumShare)
        } catch { throw .mechanism(error) }
        guard actionSpace.neutralLevel != nil else {
            throw .invalidConfiguration("the policy's action levels have no 0 (no-change) level")
        }
        self.resources = resources
        self.architecture = policy.architecture
        self.configuration = configuration
        self.trainingMetadata = policy.training
        self.template = policy.template
        self.dormant = policy.vsps
        self.dormantVoI = policy.voiNets
        self.explorationAges = policy.explorationAges
        self.shared = Self.sharedLearner(policy, learning: configuration.learning)
        self.baseline = policy
        self.generator = SeededGenerator(seed: seed)
        self.learningGenerator = SeededGenerator(seed: seed ^ Self.learningStream)
    }

    /// What the learning stream's seed differs from the serving stream's by ("learning" in ASCII).
    static let learningStream: UInt64 = 0x6C65_6172_6E69_6E67

    /// The shared learner of a shared policy (nil for a per-VSP one).
    static func sharedLearner(_ policy: PolicyCheckpoint, learning: LearningConfiguration) -> VSPAgent? {
        guard policy.architecture.kind == .shared else { return nil }
        return VSPAgent(
            networks: policy.template, state: VSPState(share: []), architecture: policy.architecture,
            learning: learning, reportCapacity: 1)
    }

    /// Whether the policy is one shared set for every VSP (``PolicyKind/shared``).
    public var isShared: Bool { architecture.kind == .shared }

    /// K, the number of resource types.
    public var resourceCount: Int { resources.count }
    /// L, the number of action levels.
    var levelCount: Int { actionSpace.levelCount }

    // MARK: Roster

    /// Adds a VSP: its networks from the policy when it has some, else a copy of the template;
    /// its share starts at 1/N of every resource (N counting it), the others shrink at the next
    /// normalisation.
    ///
    /// - Throws: ``EngineError/alreadyRegistered(_:)``; ``EngineError/outsideJointRoster(_:)`` when
    ///   the policy has a joint critic (DVCG-MADDPG) whose roster does not hold `vsp`.
    public mutating func register(_ vsp: VSPID) throws(EngineError) {
        guard agents[vsp] == nil else { throw .alreadyRegistered(vsp) }
        if let joint = architecture.jointRoster, !joint.contains(vsp.rawValue) { throw .outsideJointRoster(vsp) }
        let n = Double(roster.count + 1)
        // A VSP whose exploration position the policy recorded resumes its schedule there; any other
        // starts at epsilon start.
        let age = explorationAges[vsp.rawValue] ?? 0
        let state = VSPState(
            share: [Double](repeating: 1 / n, count: resourceCount), age: age)
        agents[vsp] = makeAgent(vsp, state: state)
        resetBillMaxima()
        let index = roster.firstIndex { $0 > vsp } ?? roster.count
        roster.insert(vsp, at: index)
    }

    /// Removes a VSP; the others' networks and shares are untouched (their shares grow at the next
    /// normalisation). Its networks stay in ``checkpoint()`` and return if it registers again.
    ///
    /// - Throws: ``EngineError/unknownVSP(_:)``.
    public mutating func deregister(_ vsp: VSPID) throws(EngineError) {
        guard let agent = agents.removeValue(forKey: vsp) else { throw .unknownVSP(vsp) }
        park(vsp, agent)
        roster.removeAll { $0 == vsp }
        resetBillMaxima()
    }

    /// Forgets the bill's maxima F_Pmax and F^-i_Pmax of eq. (30) at a roster change: they were welfare
    /// levels of another roster (after a departure the others' best past welfare included the one who
    /// left, and the clamp would charge everybody its loss as an externality). They rebuild from the new
    /// roster's rounds; in its first round they are that round's own levels, as at the very start.
    mutating func resetBillMaxima() {
        maximumPool = 0
        for id in roster { agents[id]!.state.maximumPoolWithout = 0 }
    }

    /// A learner for `vsp` with its networks from the policy (its own, else the template's; for a
    /// shared policy its VoI net, else the prior), taking them out of the dormant sets.
    mutating func makeAgent(_ vsp: VSPID, state: VSPState) -> VSPAgent {
        guard isShared else {
            let networks = dormant.removeValue(forKey: vsp.rawValue) ?? template
            return VSPAgent(
                networks: networks, state: state, architecture: architecture, learning: configuration.learning)
        }
        var networks = template
        if let voi = dormantVoI.removeValue(forKey: vsp.rawValue) { networks.voi = voi }
        return VSPAgent(
            networks: networks, state: state, architecture: architecture, learning: configuration.learning,
            reportCapacity: configuration.voiFit.window, billCapacity: 1)
    }

    /// Keeps a leaving VSP's networks (and its exploration position) for ``checkpoint()`` and for its
    /// return.
    mutating func park(_ vsp: VSPID, _ agent: VSPAgent) {
        if isShared { dormantVoI[vsp.rawValue] = agent.networks.voi } else { dormant[vsp.rawValue] = agent.networks }
        if agent.state.age > 0 { explorationAges[vsp.rawValue] = agent.state.age }
    }

    /// VSP `vsp`'s current share of each resource (its state o_i), nil when not registered.
    public func share(of vsp: VSPID) -> [Double]? { agents[vsp]?.state.share }

    /// The networks of a registered VSP, nil when not registered.
    public func networks(of vsp: VSPID) -> NetworkSet? { agents[vsp]?.networks }

    /// Puts every registered VSP back at the equal split 1/N (a training episode's start).
    public mutating func resetAllocation() {
        let share = 1 / Double(max(roster.count, 1))
        for id in roster { agents[id]!.state.share = [Double](repeating: share, count: resourceCount) }
    }

    // MARK: Policy

    /// The current networks as a policy: every registered VSP, every policy VSP not registered,
    /// and the template.
    public func checkpoint() -> PolicyCheckpoint {
        var ages = explorationAges
        for (id, agent) in agents where agent.state.age > 0 { ages[id.rawValue] = agent.state.age }
        guard let shared else {
            var vsps = dormant
            for (id, agent) in agents { vsps[id.rawValue] = agent.networks }
            return PolicyCheckpoint(
                architecture: architecture, template: template, vsps: vsps, explorationAges: ages,
                training: trainingMetadata)
        }
        var voiNets = dormantVoI
        for (id, agent) in agents { voiNets[id.rawValue] = agent.networks.voi }
        var networks = shared.networks
        networks.voi = template.voi
        return PolicyCheckpoint(
            architecture: architecture, template: networks, voiNets: voiNets, explorationAges: ages,
            training: trainingMetadata)
    }

    /// Hot reload: new networks for every registered VSP (its own from `policy`, else the
    /// template); roster, shares, estimators and bills are kept, optimiser moments restart.
    ///
    /// - Throws: ``EngineError/resourceCountMismatch(policy:resources:)``,
    ///   ``EngineError/criticInputMismatch(policy:engine:)`` or
    ///   ``EngineError/actionLevelsMismatch(policy:engine:)``; the engine is then unchanged.
    public mutating func replacePolicy(_ policy: PolicyCheckpoint) throws(EngineError) {
        voiNetsChangedSinceRound = true
        guard policy.architecture.resourceCount == resourceCount else {
            throw .resourceCountMismatch(policy: policy.architecture.resourceCount, resources: resourceCount)
        }
        guard policy.architecture.jointRoster == architecture.jointRoster else {
            throw .criticInputMismatch(
                policy: Self.describeCriticInput(policy.architecture), engine: Self.describeCriticInput(architecture))
        }
        var comparable = policy.architecture
        comparable.kind = architecture.kind
        guard comparable == architecture else {
            throw .actionLevelsMismatch(policy: policy.architecture.actionLevels, engine: architecture.actionLevels)
        }
        // A reload between kinds swaps the networks; each registered VSP keeps its VoI net (the bank's
        // model of it, fitted to its reports) unless the new policy has one for it.
        var replacement = self
        replacement.architecture = policy.architecture
        replacement.template = policy.template
        replacement.dormant = policy.vsps
        replacement.dormantVoI = policy.voiNets
        replacement.explorationAges = explorationAges.merging(policy.explorationAges) { $1 }
        replacement.shared = Self.sharedLearner(policy, learning: configuration.learning)
        replacement.baseline = policy
        replacement.safeguard = OnlineSafeguard()
        replacement.trainingMetadata = policy.training
        for id in roster {
            let old = agents[id]!
            var agent = replacement.makeAgent(id, state: old.state)
            let fromPolicy =
                policy.architecture.kind == .shared ? policy.voiNets[id.rawValue] : policy.vsps[id.rawValue]?.voi
            if fromPolicy == nil, architecture.kind != policy.architecture.kind || policy.architecture.kind == .shared {
                agent.networks.voi = old.networks.voi
                agent.voiOptimizer = old.voiOptimizer
            } else if agent.networks.voi != old.networks.voi {
                // A new VoI net: the errors judged the old one, so the VSP counts as unfitted until the new net
                // has explained as many of its reports (its last report, a fact about the VSP, stays).
                agent.state.voiFit.recentErrors = []
            }
            if policy.architecture.kind == architecture.kind, !isShared {
                // Same kind, per VSP: bills and reports are kept, optimiser moments restart (as before).
                agent.bill = old.bill
            }
            agent.reports = old.reports.resized(to: agent.reports.capacity)
            replacement.agents[id] = agent
        }
        self = replacement
    }

    /// "mean field" or "joint over N VSPs [ids]", for error messages.
    static func describeCriticInput(_ architecture: PolicyArchitecture) -> String {
        guard let roster = architecture.jointRoster else { return "mean field" }
        return "joint over \(roster.count) VSPs \(roster)"
    }

    // MARK: State

    /// Everything but the networks and bills, for persistence.
    public var state: EngineState {
        EngineState(lastRound: lastRound, maximumPool: maximumPool, vsps: agents.mapValues(\.state))
    }

    /// Restores a persisted state: the roster becomes the state's VSPs (networks from the current
    /// policy, else the template), with their shares and estimators.
    ///
    /// - Throws: ``EngineError/invalidState(_:)`` when a share vector has the wrong length or a
    ///   value out of range, ``EngineError/outsideJointRoster(_:)`` for a VSP a joint critic has
    ///   no slot for; the engine is then unchanged.
    public mutating func restore(_ state: EngineState) throws(EngineError) {
        voiNetsChangedSinceRound = true
        for (id, vsp) in state.vsps {
            if let joint = architecture.jointRoster, !joint.contains(id.rawValue) { throw .outsideJointRoster(id) }
            guard vsp.share.count == resourceCount, vsp.share.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }) else {
                throw .invalidState("VSP '\(id)': share \(vsp.share) is not \(resourceCount) values in [0, 1]")
            }
        }
        guard state.maximumPool.isFinite else { throw .invalidState("maximum_pool is not finite") }
        for id in roster { park(id, agents[id]!) }
        agents = [:]
        roster = state.vsps.keys.sorted()
        for id in roster { agents[id] = makeAgent(id, state: state.vsps[id]!) }
        maximumPool = state.maximumPool
        lastRound = state.lastRound
    }

    // MARK: Reports

    /// Records a VSP's financial report for a past round: feeds alpha-hat (34) and, when learning,
    /// the VoI net's training data (35) with the share realised in that round.
    ///
    /// - Throws: ``EngineError/unknownVSP(_:)``, ``EngineError/invalidReport(_:_:)`` for a
    ///   non-finite value, ``EngineError/reportForUnknownRound(_:_:)`` when the VSP took no part in
    ///   that round or it is older than ``reportWindow`` of its rounds.
    public mutating func record(report: FinancialReport) throws(EngineError) {
        // Checked first, then changed in place through the dictionary's storage: a copy of the agent taken out
        // and written back would copy its networks' and buffers' storage (at N = 10,000, a copy per report).
        guard let slot = agents.index(forKey: report.vsp) else { throw .unknownVSP(report.vsp) }
        let keep = configuration.voiFit.minimumReports
        let collects = configuration.learns || isShared
        let roundValueHolds = !voiNetsChangedSinceRound
        var failure: EngineError? = nil
        Self.lend(&agents.values[slot]) { agent in
            let recorded: RecordedShare
            let estimator: AlphaEstimator
            do throws(EngineError) {
                (recorded, estimator) = try Self.accepted(report, by: agent)
            } catch {
                failure = error
                return
            }
            // The round's own f_i(s~_i) while the net is the one it used (the same evaluation, bit for bit).
            let prediction =
                roundValueHolds && agent.realisedUtilityEstimate?.round == report.round
                ? agent.realisedUtilityEstimate!.value
                : Double(agent.networks.voi.evaluate(floats(recorded.share))[0])
            agent.state.alphaEstimator = estimator
            agent.state.voiFit.note(
                round: report.round, share: recorded.share, utility: report.utility, prediction: prediction, keep: keep)
            if collects {
                agent.reports.append(recorded.share.map(Float.init) + [Float(report.utility)])
                agent.reportsSinceFit += 1
            }
        }
        if let failure { throw failure }
    }

    /// Checks a report as ``record(report:)`` does, changing nothing, so that a caller can make the report durable
    /// first and then record it in place, knowing it will be taken (no copy of the engine to fall back on).
    ///
    /// - Throws: What ``record(report:)`` would throw for it.
    public func check(report: FinancialReport) throws(EngineError) {
        guard let slot = agents.index(forKey: report.vsp) else { throw .unknownVSP(report.vsp) }
        _ = try Self.accepted(report, by: agents.values[slot])
    }

    /// The recorded share a report is for and the VSP's alpha-hat estimator with the report added, or why the
    /// report cannot be taken: a non-finite value, or a round the VSP took no part in (or too old).
    private static func accepted(_ report: FinancialReport, by agent: borrowing VSPAgent) throws(EngineError) -> (
        RecordedShare, AlphaEstimator
    ) {
        guard report.utility.isFinite, report.grossProfit.isFinite else {
            throw .invalidReport(
                report.vsp, "utility \(report.utility) and gross profit \(report.grossProfit) must be finite")
        }
        guard let recorded = agent.state.recentShares.last(where: { $0.round == report.round }) else {
            throw .reportForUnknownRound(report.vsp, report.round)
        }
        var estimator = agent.state.alphaEstimator
        do throws(MechanismError) {
            try estimator.record(utility: report.utility, grossProfit: report.grossProfit)
        } catch {
            throw .mechanism(error)
        }
        return (recorded, estimator)
    }
}
