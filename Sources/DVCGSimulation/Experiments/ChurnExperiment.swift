import DVCGCheckpoint
import DVCGCore
import DVCGMechanism
import Foundation

/// A simulated market whose roster changes while the mechanism runs: scripted and Poisson arrivals
/// and departures of truthful VSPs drawn from the paper's distributions (docs/learning.md, "Churn").
public struct ChurnExperiment: Sendable {
    /// A scripted roster change.
    public struct Event: Sendable, Equatable {
        /// The round before which it happens (1-based).
        public var round: Int
        /// VSPs added (> 0) or removed (< 0); removals take the oldest VSPs first.
        public var change: Int

        /// Creates an event.
        public init(round: Int, change: Int) {
            self.round = round
            self.change = change
        }

        /// Parses "ROUND:+COUNT" or "ROUND:-COUNT".
        public init?(_ text: some StringProtocol) {
            let parts = text.split(separator: ":")
            guard parts.count == 2, let round = Int(parts[0]), round >= 1, let change = Int(parts[1]), change != 0
            else { return nil }
            self.init(round: round, change: change)
        }
    }

    /// One round of the run.
    public struct Row: Sendable {
        /// The round number.
        public var round: Int
        /// VSPs registered.
        public var vsps: Int
        /// True welfare sum_i u_i(s~_i) in VC.
        public var welfare: Double
        /// The certified optimum of the roster of this round, in VC.
        public var optimum: Double
        /// The equal split's true welfare for this roster, in VC.
        public var equalSplit: Double
        /// The bank's VoI welfare of the realised allocation, in VC.
        public var welfareEstimate: Double
        /// The bank's VoI optimum estimate, in VC (0 when off).
        public var optimumEstimate: Double
        /// VSPs whose VoI net was fitted.
        public var fittedVSPs: Int
        /// Whether a roster change happened just before this round.
        public var changed: Bool
        /// What the safeguard served while learning online (`nil` when frozen).
        public var serving: ServingPolicy? = nil
    }

    /// Tax against bid and true utility, per VSP age bucket.
    public struct TaxTally: Sendable {
        /// Bucket label (rounds since the VSP joined).
        public var age: String
        /// VSP-rounds.
        public var rounds: Int
        /// VSP-rounds with tax > bid (+ 1e-9).
        public var aboveBid: Int
        /// VSP-rounds with tax > true utility (+ 1e-9).
        public var aboveUtility: Int
        /// VSP-rounds whose VoI net was not fitted.
        public var unfitted: Int
        /// VSP-rounds with tax > bid among the unfitted.
        public var unfittedAboveBid: Int
    }

    /// The whole run.
    public struct Result: Sendable {
        /// One row per round.
        public var rows: [Row]
        /// The rounds right after a roster change (the first round the new roster takes part).
        public var changes: [Int]
        /// The tax tallies, youngest bucket first.
        public var taxes: [TaxTally]
    }

    /// The policy.
    public var policy: PolicyCheckpoint
    /// The mechanism's settings.
    public var mechanism: MechanismConfiguration
    /// VSPs at the start.
    public var initialVSPs: Int
    /// Seeds the VSPs' utilities, the arrivals and the mechanism.
    public var seed: UInt64
    /// Rounds to run.
    public var rounds: Int
    /// Scripted changes.
    public var events: [Event]
    /// Expected arrivals per round (Poisson).
    public var arrivalRate: Double
    /// Expected departures per round (Poisson), never emptying the market.
    public var departureRate: Double

    /// An experiment.
    public init(
        policy: PolicyCheckpoint, mechanism: MechanismConfiguration = MechanismConfiguration(), initialVSPs: Int,
        seed: UInt64, rounds: Int, events: [Event], arrivalRate: Double = 0, departureRate: Double = 0
    ) {
        self.policy = policy
        self.mechanism = mechanism
        self.initialVSPs = initialVSPs
        self.seed = seed
        self.rounds = rounds
        self.events = events
        self.arrivalRate = arrivalRate
        self.departureRate = departureRate
    }

    /// The issue's schedule: after 300 rounds one VSP joins, then 5, then N/2, each 300 rounds apart; then
    /// as many leave in the same steps (the oldest first).
    public static func standardEvents(initialVSPs n: Int) -> [Event] {
        let half = max(n / 2, 1)
        return [1, 5, half, -1, -5, -half].enumerated().map { Event(round: 301 + 300 * $0, change: $1) }
    }

    private struct Member {
        var id: VSPID
        var vsp: SimulatedVSP
        var joined: Int
        var lastSlice: [Double]?
    }

    /// Runs the experiment.
    ///
    /// - Parameter progress: Called after each round with (round, rounds).
    public func run(progress: (Int, Int) -> Void = { _, _ in }) throws -> Result {
        var generator = SeededGenerator(seed: seed)
        var profitNoise = SeededGenerator(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
        let capacities = [Double](repeating: 1, count: policy.architecture.resourceCount)
        let resources = try capacities.enumerated().map { k, c in
            try Resource(name: "resource-\(k)", capacity: c, unit: "unit")
        }
        var engine = try MechanismEngine(policy: policy, resources: resources, configuration: mechanism, seed: seed)
        var members: [Member] = []
        var next = 0
        func draw(joined: Int) throws -> Member {
            let beta = generator.uniform(100, 200)
            let xi = capacities.map { _ in generator.uniform(0, 10) }
            let alpha = generator.uniform(0.8, 1.2)
            let id = try VSPID("vsp-\(next)")
            next += 1
            let vsp = SimulatedVSP(
                utility: try ExponentialUtility(beta: beta, xi: xi),
                profit: try ProfitModel(alpha: alpha, noiseMean: 0, noiseStandardDeviation: 1))
            return Member(id: id, vsp: vsp, joined: joined, lastSlice: nil)
        }
        for _ in 0..<initialVSPs {
            let member = try draw(joined: 1)
            try engine.register(member.id)
            members.append(member)
        }
        var rows: [Row] = []
        var changes: [Int] = []
        let buckets: [(String, ClosedRange<Int>)] = [
            ("0-4", 0...4), ("5-9", 5...9), ("10-49", 10...49), ("50-299", 50...299), ("300+", 300...Int.max),
        ]
        var taxes = buckets.map {
            TaxTally(age: $0.0, rounds: 0, aboveBid: 0, aboveUtility: 0, unfitted: 0, unfittedAboveBid: 0)
        }
        var optimum = 0.0
        var equalSplit = 0.0
        var rosterChanged = true
        for t in 1...max(rounds, 1) {
            var change = events.filter { $0.round == t }.reduce(0) { $0 + $1.change }
            if arrivalRate > 0 { change += Self.poisson(arrivalRate, using: &generator) }
            if departureRate > 0 { change -= Self.poisson(departureRate, using: &generator) }
            if change > 0 {
                for _ in 0..<change {
                    let member = try draw(joined: t)
                    try engine.register(member.id)
                    members.append(member)
                }
            } else if change < 0 {
                for _ in 0..<min(-change, members.count - 1) {
                    try engine.deregister(members.removeFirst().id)
                }
            }
            if change != 0 || rosterChanged {
                optimum = try WelfareOptimizer().solve(capacities: capacities, utilities: members.map(\.vsp.utility))
                    .welfare
                let equal = capacities.map { $0 / Double(members.count) }
                equalSplit = try members.reduce(0.0) { $0 + (try $1.vsp.utility.value(at: equal)) }
                if t > 1 { changes.append(t) }
            }
            rosterChanged = false
            var bids: [VSPID: Double] = [:]
            for member in members {
                bids[member.id] = try member.vsp.truthfulBid(
                    lastSlice: member.lastSlice, capacities: capacities, vspCount: members.count)
            }
            let outcome = try engine.runRound(round: RoundNumber(UInt64(t)), bids: bids)
            let index = Dictionary(uniqueKeysWithValues: members.enumerated().map { ($1.id, $0) })
            var welfare = 0.0
            var fitted = 0
            for entry in outcome.entries {
                let i = index[entry.vsp]!
                let slice = zip(entry.realisedShares, capacities).map { $0 * $1 }
                let utility = try members[i].vsp.utility.value(at: slice)
                let gross = members[i].vsp.profit.grossProfit(utility: utility, using: &profitNoise)
                try engine.record(
                    report: FinancialReport(vsp: entry.vsp, round: outcome.round, utility: utility, grossProfit: gross))
                members[i].lastSlice = slice
                welfare += utility
                if entry.voiFitted { fitted += 1 }
                let age = t - members[i].joined
                let bucket = buckets.firstIndex { $0.1.contains(age) }!
                taxes[bucket].rounds += 1
                if entry.tax > entry.bid + 1e-9 { taxes[bucket].aboveBid += 1 }
                if entry.tax > utility + 1e-9 { taxes[bucket].aboveUtility += 1 }
                if !entry.voiFitted {
                    taxes[bucket].unfitted += 1
                    if entry.tax > entry.bid + 1e-9 { taxes[bucket].unfittedAboveBid += 1 }
                }
            }
            if engine.configuration.learns { engine.learn() }
            rows.append(
                Row(
                    round: t, vsps: members.count, welfare: welfare, optimum: optimum, equalSplit: equalSplit,
                    welfareEstimate: outcome.welfareEstimate, optimumEstimate: outcome.optimumEstimate ?? 0,
                    fittedVSPs: fitted, changed: changes.last == t, serving: outcome.serving))
            progress(t, rounds)
        }
        return Result(rows: rows, changes: changes, taxes: taxes)
    }

    /// A Poisson draw (Knuth's method; rates here are small).
    static func poisson(_ rate: Double, using generator: inout SeededGenerator) -> Int {
        let limit = Foundation.exp(-rate)
        var product = generator.nextUniform()
        var count = 0
        while product > limit {
            count += 1
            product *= generator.nextUniform()
        }
        return count
    }
}

extension ChurnExperiment.Result {
    /// What happened after each roster change: the rounds until the welfare ratio first reached 0.95,
    /// the lowest ratio minus the equal split's from the 10th round after the change to the next
    /// change, and the mean ratio over rounds 100-300 after the change (nil when the run is shorter).
    public struct Recovery: Sendable {
        /// The first round of the new roster.
        public var round: Int
        /// VSPs after the change.
        public var vsps: Int
        /// Rounds (0 = the change's own round) until welfare / optimum >= 0.95; nil if never.
        public var roundsTo95: Int?
        /// min over rounds 10 ..< next change of (welfare - equal split) / optimum.
        public var lowestMarginOverEqualSplit: Double
        /// Mean welfare / optimum over rounds 100 ..< 300 after the change.
        public var meanRatio100to300: Double?
        /// The equal split's ratio for this roster.
        public var equalSplitRatio: Double
    }

    /// The recoveries, one per change (and one for the start, at round 1).
    public var recoveries: [Recovery] {
        let starts = [1] + changes
        return starts.enumerated().map { index, start in
            let end = index + 1 < starts.count ? starts[index + 1] : rows.count + 1
            let segment = rows[(start - 1)..<(end - 1)]
            let ratios = segment.map { $0.welfare / $0.optimum }
            let reached = ratios.firstIndex { $0 >= 0.95 }.map { $0 - ratios.startIndex }
            let tail = segment.dropFirst(10)
            let margin = tail.map { ($0.welfare - $0.equalSplit) / $0.optimum }.min() ?? .nan
            let window = Array(ratios.dropFirst(100).prefix(200))
            return Recovery(
                round: start, vsps: segment.first!.vsps, roundsTo95: reached, lowestMarginOverEqualSplit: margin,
                meanRatio100to300: window.count == 200 ? window.reduce(0, +) / 200 : nil,
                equalSplitRatio: segment.first!.equalSplit / segment.first!.optimum)
        }
    }

    /// One CSV line per round: round, vsps, welfare, optimum, ratio, equal_split, equal_split_ratio,
    /// estimated_welfare, estimated_optimum, estimated_efficiency, fitted_vsps, change, serving (what the safeguard
    /// served while learning online: learner, baseline or equal_split; empty when frozen).
    public var csv: String {
        var text =
            "round,vsps,welfare,optimum,ratio,equal_split,equal_split_ratio,estimated_welfare,estimated_optimum,"
            + "estimated_efficiency,fitted_vsps,change,serving\n"
        for row in rows {
            let efficiency = row.optimumEstimate > 0 ? row.welfareEstimate / row.optimumEstimate : 0
            text +=
                "\(row.round),\(row.vsps),\(row.welfare),\(row.optimum),\(row.welfare / row.optimum),\(row.equalSplit),"
                + "\(row.equalSplit / row.optimum),\(row.welfareEstimate),\(row.optimumEstimate),\(efficiency),"
                + "\(row.fittedVSPs),\(row.changed ? 1 : 0),\(row.serving?.rawValue ?? "")\n"
        }
        return text
    }
}
