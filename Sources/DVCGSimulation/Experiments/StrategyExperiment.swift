import DVCGCheckpoint
import DVCGCore
import DVCGMechanism

/// The incentive experiments of the paper's Figs. 7 and 8: a frozen policy runs the mechanism
/// while one VSP (DSIC) or a pair (collusion) scales its bids, and their mean net profits are
/// compared with truthful bidding.
public enum StrategyExperiment {
    /// One measured setting.
    public struct Row: Sendable, Codable {
        /// dvcg or nvi.
        public var mechanism: String
        /// The bid multiple of the deviating VSP(s); 1 is truthful.
        public var factor: Double
        /// Mean net profit (G - Z) over the window, summed over the deviating VSP(s), in VC.
        public var profit: Double
        /// Mean tax, summed over the deviating VSP(s), in VC.
        public var tax: Double
        /// Mean true welfare of all VSPs in VC.
        public var welfare: Double
        /// Mean tax, summed over the VSPs that bid truthfully, in VC.
        public var othersTax: Double = 0
        /// The fraction of (round, truthful VSP) pairs in which the truthful VSP's tax exceeded its bid.
        public var othersTaxedAboveBid: Double = 0
    }

    /// Mean profits when the VSPs at `members` bid `factor` times their truthful bid (one member:
    /// a unilateral deviation, Fig. 7; two: a colluding pair with a joint profit, Fig. 8).
    ///
    /// Every setting runs the same rounds with the same seeds, so the profit noise is common and
    /// differences come from the bids alone.
    ///
    /// - Parameters:
    ///   - instance: The market.
    ///   - policy: The frozen allocation policy.
    ///   - members: The deviating VSPs' indices.
    ///   - factors: The bid multiples to measure (1 is added when missing).
    ///   - chargesInterest: DVCG (true) or NVI-DVCG (false).
    ///   - rounds: Rounds per setting; the last `window` are averaged.
    ///   - window: Rounds averaged.
    ///   - seeds: Engine and profit-noise seeds; results are averaged over them.
    ///   - joinRound: When > 0, the members join mid-run: absent for the first `joinRound` rounds,
    ///     registered before the next, and their profits averaged over every round after (`window`
    ///     is then ignored).
    ///   - silent: Whether the members file no financial reports (``SimulatedMarket/silent``).
    ///   - mechanism: The rest of the mechanism (its `chargesInterest` is replaced by the argument).
    ///   - progress: Called after each factor's row, with how many of the factors are done.
    public static func run(
        instance: ProblemInstance, policy: PolicyCheckpoint, members: [Int], factors: [Double],
        chargesInterest: Bool, rounds: Int = 500, window: Int = 400, seeds: [UInt64] = [1, 2, 3], joinRound: Int = 0,
        silent: Bool = false, mechanism: MechanismConfiguration = MechanismConfiguration(),
        progress: ((_ row: Row, _ done: Int, _ total: Int) -> Void)? = nil
    ) throws -> [Row] {
        var configuration = mechanism
        configuration.chargesInterest = chargesInterest
        let all = factors.contains(1) ? factors : ([1] + factors)
        var rows: [Row] = []
        for factor in all {
            var row = Row(mechanism: chargesInterest ? "dvcg" : "nvi", factor: factor, profit: 0, tax: 0, welfare: 0)
            for seed in seeds {
                let base = try BiddingPopulation(instance: instance)
                var vsps = base.vsps
                var groups: [CollusiveGroup] = []
                if members.count == 1 {
                    vsps[members[0]].strategy = .scaled(factor)
                } else {
                    groups.append(try CollusiveGroup(members: members, factor: factor))
                }
                let population = try BiddingPopulation(vsps: vsps, groups: groups)
                let engine = try PolicyTrainer.engine(
                    policy: policy, instance: instance, configuration: configuration, seed: seed)
                var market = SimulatedMarket(instance: instance, population: population, seed: seed)
                if silent { market.silent = Set(members) }
                let evaluation = try PolicyTrainer.evaluate(
                    engine: engine, market: market, rounds: rounds,
                    window: joinRound > 0 ? rounds - joinRound : window, joiners: members, joinRound: joinRound)
                let c = Double(seeds.count)
                row.profit += members.reduce(0) { $0 + evaluation.meanProfits[$1] } / c
                row.tax += members.reduce(0) { $0 + evaluation.meanTaxes[$1] } / c
                row.welfare += evaluation.welfare / c
                let others = (0..<instance.vspCount).filter { !members.contains($0) }
                row.othersTax += others.reduce(0) { $0 + evaluation.meanTaxes[$1] } / c
                row.othersTaxedAboveBid +=
                    others.reduce(0) { $0 + evaluation.taxAboveBid[$1] } / (Double(max(others.count, 1)) * c)
            }
            rows.append(row)
            progress?(row, rows.count, all.count)
        }
        return rows
    }
}

extension StrategyExperiment {
    /// What a learning bidder converged to.
    public struct LearnedBidding: Sendable, Codable {
        /// dvcg or nvi.
        public var mechanism: String
        /// The members' indices.
        public var members: [Int]
        /// The greedy bid multiple after learning.
        public var multiple: Double
        /// The members' mean joint net profit with the learned (greedy) multiple, in VC.
        public var learnedProfit: Double
        /// Their mean joint net profit when truthful, same seeds, in VC.
        public var truthfulProfit: Double
    }

    /// Trains a ``LearningBidder`` for `members` against a frozen policy for `rounds` rounds, then
    /// compares its greedy multiple's mean profit with truthful bidding over 500 rounds.
    public static func learnBidding(
        instance: ProblemInstance, policy: PolicyCheckpoint, members: [Int], chargesInterest: Bool,
        rounds: Int = 3_000, seed: UInt64 = 1
    ) throws -> LearnedBidding {
        let configuration = MechanismConfiguration(chargesInterest: chargesInterest)
        var engine = try PolicyTrainer.engine(
            policy: policy, instance: instance, configuration: configuration, seed: seed)
        var market = SimulatedMarket(
            instance: instance, population: try BiddingPopulation(instance: instance), seed: seed)
        var bidder = LearningBidder(members: members, resourceCount: instance.resourceCount, seed: seed)
        func state() -> [Double] {
            (0..<instance.resourceCount).map { k in
                members.reduce(0) { $0 + (engine.share(of: market.ids[$1])?[k] ?? 0) } / Double(members.count)
            }
        }
        for t in 1...rounds {
            bidder.explorationNoise = max(0.05, 0.6 * (1 - Double(t) / Double(rounds)))
            let s = state()
            let a = bidder.action(state: s, explore: true)
            for m in members { market.population.vsps[m].strategy = .scaled(LearningBidder.multiple(of: a)) }
            let round = try market.step(engine: &engine, round: RoundNumber(UInt64(t)))
            let scale = max(members.reduce(0) { $0 + round.utilities[$1] }, 1e-9)
            bidder.observe(state: s, action: a, reward: members.reduce(0) { $0 + round.profits[$1] } / scale)
            bidder.update()
        }
        let greedy = LearningBidder.multiple(of: bidder.action(state: state(), explore: false))
        let learned = try run(
            instance: instance, policy: policy, members: members, factors: [greedy], chargesInterest: chargesInterest)
        return LearnedBidding(
            mechanism: chargesInterest ? "dvcg" : "nvi", members: members, multiple: greedy,
            learnedProfit: learned.first { $0.factor == greedy }?.profit ?? .nan,
            truthfulProfit: learned.first { $0.factor == 1 }!.profit)
    }
}
