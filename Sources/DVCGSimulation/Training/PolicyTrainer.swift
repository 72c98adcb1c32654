import DVCGCheckpoint
import DVCGCore
import DVCGMechanism

/// How ``PolicyTrainer`` trains a policy on an instance (docs/learning.md).
public struct TrainingConfiguration: Sendable, Equatable, Codable {
    /// Training rounds.
    public var rounds: Int
    /// Rounds per episode; each episode restarts from the equal split.
    public var episodeLength: Int
    /// Rounds between greedy evaluations (the best evaluated policy is kept).
    public var evaluationInterval: Int
    /// Rounds of each greedy evaluation; its score is the mean welfare of the last 100 (or all).
    public var evaluationRounds: Int
    /// Seeds the networks' initialisation and the engine.
    public var seed: UInt64
    /// Hidden layer widths of every net.
    public var hidden: [Int]
    /// The mechanism and learning settings (``MechanismConfiguration/learns`` is forced on).
    public var mechanism: MechanismConfiguration
    /// The learner: MFMARL, MARL (forces ``LearningConfiguration/meanField`` off) or MADDPG (a
    /// joint critic over the instance's VSPs).
    public var algorithm: LearningAlgorithm

    /// The recipe of docs/learning.md.
    public init(
        rounds: Int = 10_000, episodeLength: Int = 100, evaluationInterval: Int = 500, evaluationRounds: Int = 200,
        seed: UInt64 = 1, hidden: [Int] = [64, 64], mechanism: MechanismConfiguration = MechanismConfiguration(),
        algorithm: LearningAlgorithm = .mfmarl
    ) {
        self.algorithm = algorithm
        self.rounds = rounds
        self.episodeLength = episodeLength
        self.evaluationInterval = evaluationInterval
        self.evaluationRounds = evaluationRounds
        self.seed = seed
        self.hidden = hidden
        self.mechanism = mechanism
    }
}

/// A training run's progress, reported after every round.
public struct TrainingProgress: Sendable {
    /// Rounds done.
    public var round: Int
    /// This round's true welfare over the certified optimum.
    public var ratio: Double
    /// The last critic loss.
    public var criticLoss: Double
    /// The best greedy-evaluation ratio so far (0 before the first evaluation).
    public var bestRatio: Double
}

/// The result of ``PolicyTrainer/train(instance:configuration:progress:)``.
public struct TrainingResult: Sendable {
    /// The policy with the best greedy evaluation.
    public var policy: PolicyCheckpoint
    /// Its greedy welfare ratio.
    public var bestRatio: Double
    /// The round at which it was evaluated.
    public var bestRound: Int
    /// The certified optimum in VC.
    public var optimum: Double
    /// (round, greedy ratio) of every evaluation.
    public var evaluations: [(round: Int, ratio: Double)]
    /// Learners restarted during the run (``LearningConfiguration/learnerRestartFit``): the round
    /// of the update and the VSP, oldest first.
    public var learnerRestarts: [(round: Int, vsp: VSPID)] = []
}

/// A greedy evaluation of a frozen policy.
public struct PolicyEvaluation: Sendable, Codable {
    /// Mean true welfare over the evaluation window, in VC.
    public var welfare: Double
    /// Per VSP (market order): mean bid, tax and net profit over the window, in VC.
    public var meanBids: [Double]
    /// Mean tax per VSP.
    public var meanTaxes: [Double]
    /// Mean net profit per VSP.
    public var meanProfits: [Double]
    /// Mean true utility per VSP.
    public var meanUtilities: [Double]
    /// Per VSP: the fraction of the window's rounds in which its tax exceeded its bid.
    public var taxAboveBid: [Double] = []
}

/// Trains DVCG-MFMARL (and the MARL and MADDPG baselines') policies on simulated markets and evaluates them (Algorithm 1).
public enum PolicyTrainer {
    /// A fresh policy for `vspCount` VSPs ("vsp-0" ...) with PyTorch-default initialisation; the
    /// template is drawn first, then each VSP's networks.
    public static func initialPolicy(
        vspCount: Int, architecture: PolicyArchitecture, seed: UInt64, training: String = "{}"
    )
        -> PolicyCheckpoint
    {
        var generator = SeededGenerator(seed: seed)
        let template = NetworkSet(architecture: architecture, using: &generator)
        var vsps: [String: NetworkSet] = [:]
        for id in SimulatedMarket.identifiers(count: vspCount) {
            vsps[id.rawValue] = NetworkSet(architecture: architecture, using: &generator)
        }
        return PolicyCheckpoint(architecture: architecture, template: template, vsps: vsps, training: training)
    }

    /// An engine running `policy` with every VSP of the market registered.
    public static func engine(
        policy: PolicyCheckpoint, instance: ProblemInstance, configuration: MechanismConfiguration, seed: UInt64
    ) throws -> MechanismEngine {
        let resources = try instance.capacities.enumerated().map { k, c in
            try Resource(name: "resource-\(k)", capacity: c, unit: "unit")
        }
        var engine = try MechanismEngine(policy: policy, resources: resources, configuration: configuration, seed: seed)
        for id in SimulatedMarket.identifiers(count: instance.vspCount) { try engine.register(id) }
        return engine
    }

    /// Runs `engine` frozen and greedy from the equal split for `rounds` rounds and averages the
    /// last `window` of them. `engine` and `market` are copies; the caller's are untouched.
    ///
    /// With `joinRound` > 0 the VSPs at `joiners` are absent (neither registered nor bidding) for the
    /// first `joinRound` rounds and register before round `joinRound` + 1, as a VSP joining mid-run
    /// does; `window` should then be at most `rounds - joinRound`.
    public static func evaluate(
        engine: MechanismEngine, market: SimulatedMarket, rounds: Int, window: Int = 100, joiners: [Int] = [],
        joinRound: Int = 0
    ) throws -> PolicyEvaluation {
        var engine = engine
        var market = market
        engine.configuration.learns = false
        engine.resetAllocation()
        market.resetSlices()
        if joinRound > 0 {
            for i in joiners { try engine.deregister(market.ids[i]) }
            market.absent = Set(joiners)
        }
        let n = market.ids.count
        var welfare = 0.0
        var bids = [Double](repeating: 0, count: n)
        var taxes = bids
        var profits = bids
        var utilities = bids
        var taxedAboveBid = bids
        let first = Int(engine.lastRound?.value ?? 0) + 1
        let counted = min(window, rounds)
        for t in 0..<rounds {
            if joinRound > 0, t == joinRound {
                for i in joiners { try engine.register(market.ids[i]) }
                market.absent = []
            }
            let round = try market.step(engine: &engine, round: RoundNumber(UInt64(first + t)))
            if t >= rounds - counted {
                welfare += round.welfare
                for i in 0..<n {
                    bids[i] += round.bids[i]
                    taxes[i] += round.taxes[i]
                    profits[i] += round.profits[i]
                    utilities[i] += round.utilities[i]
                    if round.taxes[i] > round.bids[i] { taxedAboveBid[i] += 1 }
                }
            }
        }
        let c = Double(max(counted, 1))
        return PolicyEvaluation(
            welfare: welfare / c, meanBids: bids.map { $0 / c }, meanTaxes: taxes.map { $0 / c },
            meanProfits: profits.map { $0 / c }, meanUtilities: utilities.map { $0 / c },
            taxAboveBid: taxedAboveBid.map { $0 / c })
    }

    /// Trains a policy on `instance` with truthful bidders: episodes from the equal split, one
    /// online update per round, greedy evaluations every ``TrainingConfiguration/evaluationInterval``
    /// rounds keeping the best policy.
    ///
    /// - Parameters:
    ///   - instance: The market.
    ///   - configuration: The recipe.
    ///   - initial: The starting policy (fresh networks when nil).
    ///   - progress: Called after every round.
    public static func train(
        instance: ProblemInstance, configuration: TrainingConfiguration, initial: PolicyCheckpoint? = nil,
        progress: (TrainingProgress) -> Void = { _ in }
    ) throws -> TrainingResult {
        let optimum = try WelfareOptimizer().solve(capacities: instance.capacities, utilities: instance.utilities)
            .welfare
        let roster = SimulatedMarket.identifiers(count: instance.vspCount).map(\.rawValue)
        let architecture = PolicyArchitecture.standard(
            resourceCount: instance.resourceCount, hidden: configuration.hidden,
            jointRoster: configuration.algorithm == .maddpg ? roster : nil)
        let policy =
            initial
            ?? initialPolicy(vspCount: instance.vspCount, architecture: architecture, seed: configuration.seed)
        var mechanism = configuration.mechanism
        mechanism.learns = true
        if configuration.algorithm == .marl { mechanism.learning.meanField = false }
        var engine = try engine(policy: policy, instance: instance, configuration: mechanism, seed: configuration.seed)
        let population = try BiddingPopulation(instance: instance)
        var market = SimulatedMarket(instance: instance, population: population, seed: configuration.seed)
        var best = (ratio: -Double.infinity, round: 0, policy: policy)
        var evaluations: [(Int, Double)] = []
        var criticLoss = 0.0
        if initial != nil {
            // A continued run keeps its starting policy unless training improves on it.
            let evaluation = try evaluate(engine: engine, market: market, rounds: configuration.evaluationRounds)
            best = (evaluation.welfare / optimum, 0, policy)
            evaluations.append((0, best.ratio))
        }
        for t in 1...max(configuration.rounds, 1) {
            if (t - 1) % configuration.episodeLength == 0 {
                engine.resetAllocation()
                market.resetSlices()
            }
            let round = try market.step(engine: &engine, round: RoundNumber(UInt64(t)))
            let report = engine.learn()
            if report.updatedVSPs > 0 { criticLoss = report.criticLoss }
            if t % configuration.evaluationInterval == 0 || t == configuration.rounds {
                let evaluation = try evaluate(engine: engine, market: market, rounds: configuration.evaluationRounds)
                let ratio = evaluation.welfare / optimum
                evaluations.append((t, ratio))
                if ratio > best.ratio { best = (ratio, t, engine.checkpoint()) }
            }
            progress(
                TrainingProgress(
                    round: t, ratio: round.welfare / optimum, criticLoss: criticLoss, bestRatio: max(best.ratio, 0)))
        }
        return TrainingResult(
            policy: best.policy, bestRatio: best.ratio, bestRound: best.round, optimum: optimum,
            evaluations: evaluations,
            learnerRestarts: engine.learnerRestarts.map { (Int($0.round?.value ?? 0), $0.vsp) })
    }
}
