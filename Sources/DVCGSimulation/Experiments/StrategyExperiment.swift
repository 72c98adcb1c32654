import DVCGCore
import DVCGLearning

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
    public static func run(
        instance: ProblemInstance, policy: PolicyCheckpoint, members: [Int], factors: [Double],
        chargesInterest: Bool, rounds: Int = 500, window: Int = 400, seeds: [UInt64] = [1, 2, 3]
    ) throws -> [Row] {
        let all = factors.contains(1) ? factors : ([1] + factors).sorted()
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
                    policy: policy, instance: instance,
                    configuration: MechanismConfiguration(chargesInterest: chargesInterest), seed: seed)
                let market = SimulatedMarket(instance: instance, population: population, seed: seed)
                let evaluation = try PolicyTrainer.evaluate(engine: engine, market: market, rounds: rounds, window: window)
                let c = Double(seeds.count)
                row.profit += members.reduce(0) { $0 + evaluation.meanProfits[$1] } / c
                row.tax += members.reduce(0) { $0 + evaluation.meanTaxes[$1] } / c
                row.welfare += evaluation.welfare / c
            }
            rows.append(row)
        }
        return rows
    }
}
