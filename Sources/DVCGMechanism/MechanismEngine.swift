import DVCGCheckpoint
import DVCGCore

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
    /// The networks' shape (from the policy).
    public let architecture: PolicyArchitecture
    /// How the mechanism runs and learns.
    public var configuration: MechanismConfiguration
    /// The action space (the policy's levels, the configuration's s_min).
    public let actionSpace: ActionSpace
    /// The policy's training metadata (JSON object text), carried into ``checkpoint()``.
    public var trainingMetadata: String

    var template: NetworkSet
    /// Networks of VSPs in the loaded policy that are not (or no longer) registered.
    var dormant: [String: NetworkSet]
    var agents: [VSPID: VSPAgent] = [:]
    /// The roster in id order (rounds visit VSPs in this order, so runs are reproducible).
    public internal(set) var roster: [VSPID] = []
    var maximumPool = 0.0
    /// The last round run, nil before the first.
    public internal(set) var lastRound: RoundNumber?
    var generator: SeededGenerator
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
        self.generator = SeededGenerator(seed: seed)
    }

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
        let networks = dormant.removeValue(forKey: vsp.rawValue) ?? template
        let n = Double(roster.count + 1)
        let state = VSPState(
            share: [Double](repeating: 1 / n, count: resourceCount), maximumPoolWithout: maximumPool)
        agents[vsp] = VSPAgent(
            networks: networks, state: state, architecture: architecture, learning: configuration.learning)
        let index = roster.firstIndex { $0 > vsp } ?? roster.count
        roster.insert(vsp, at: index)
    }

    /// Removes a VSP; the others' networks and shares are untouched (their shares grow at the next
    /// normalisation). Its networks stay in ``checkpoint()`` and return if it registers again.
    ///
    /// - Throws: ``EngineError/unknownVSP(_:)``.
    public mutating func deregister(_ vsp: VSPID) throws(EngineError) {
        guard let agent = agents.removeValue(forKey: vsp) else { throw .unknownVSP(vsp) }
        dormant[vsp.rawValue] = agent.networks
        roster.removeAll { $0 == vsp }
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
        var vsps = dormant
        for (id, agent) in agents { vsps[id.rawValue] = agent.networks }
        return PolicyCheckpoint(architecture: architecture, template: template, vsps: vsps, training: trainingMetadata)
    }

    /// Hot reload: new networks for every registered VSP (its own from `policy`, else the
    /// template); roster, shares, estimators and bills are kept, optimiser moments restart.
    ///
    /// - Throws: ``EngineError/resourceCountMismatch(policy:resources:)``,
    ///   ``EngineError/criticInputMismatch(policy:engine:)`` or
    ///   ``EngineError/actionLevelsMismatch(policy:engine:)``; the engine is then unchanged.
    public mutating func replacePolicy(_ policy: PolicyCheckpoint) throws(EngineError) {
        guard policy.architecture.resourceCount == resourceCount else {
            throw .resourceCountMismatch(policy: policy.architecture.resourceCount, resources: resourceCount)
        }
        guard policy.architecture.jointRoster == architecture.jointRoster else {
            throw .criticInputMismatch(
                policy: Self.describeCriticInput(policy.architecture), engine: Self.describeCriticInput(architecture))
        }
        guard policy.architecture == architecture else {
            throw .actionLevelsMismatch(policy: policy.architecture.actionLevels, engine: architecture.actionLevels)
        }
        var dormant = policy.vsps
        for id in roster {
            let networks = dormant.removeValue(forKey: id.rawValue) ?? policy.template
            agents[id]!.replaceNetworks(networks, learning: configuration.learning)
        }
        self.dormant = dormant
        template = policy.template
        trainingMetadata = policy.training
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
        for (id, vsp) in state.vsps {
            if let joint = architecture.jointRoster, !joint.contains(id.rawValue) { throw .outsideJointRoster(id) }
            guard vsp.share.count == resourceCount, vsp.share.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }) else {
                throw .invalidState("VSP '\(id)': share \(vsp.share) is not \(resourceCount) values in [0, 1]")
            }
        }
        guard state.maximumPool.isFinite else { throw .invalidState("maximum_pool is not finite") }
        for id in roster { dormant[id.rawValue] = agents[id]!.networks }
        agents = [:]
        roster = state.vsps.keys.sorted()
        for id in roster {
            let networks = dormant.removeValue(forKey: id.rawValue) ?? template
            agents[id] = VSPAgent(
                networks: networks, state: state.vsps[id]!, architecture: architecture, learning: configuration.learning
            )
        }
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
        guard var agent = agents[report.vsp] else { throw .unknownVSP(report.vsp) }
        guard report.utility.isFinite, report.grossProfit.isFinite else {
            throw .invalidReport(
                report.vsp, "utility \(report.utility) and gross profit \(report.grossProfit) must be finite")
        }
        guard let recorded = agent.state.recentShares.last(where: { $0.round == report.round }) else {
            throw .reportForUnknownRound(report.vsp, report.round)
        }
        do { try agent.state.alphaEstimator.record(utility: report.utility, grossProfit: report.grossProfit) } catch {
            throw .mechanism(error)
        }
        if configuration.learns {
            agent.reports.append(recorded.share.map(Float.init) + [Float(report.utility)])
        }
        agents[report.vsp] = agent
    }
}
