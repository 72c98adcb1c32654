import DVCGCheckpoint
import DVCGCore
import DVCGMechanism
import DVCGNeural
import Foundation

/// How ``SharedPolicyTrainer`` builds a shared policy (docs/learning.md, "The shared policy").
public struct SharedTrainingConfiguration: Sendable, Equatable, Codable {
    /// Hidden layer widths of every net.
    public var hidden: [Int]
    /// Adam steps of the VoI prior on utilities of VSPs drawn from the paper's distributions.
    public var priorSteps: Int
    /// VSPs drawn per prior step (one random share vector each).
    public var priorBatch: Int
    /// The VoI nets' fixed output scale in VC (``MLP/outputScale``).
    public var voiOutputScale: Double
    /// Adam steps of the actor imitating the marginal-value rule.
    public var imitationSteps: Int
    /// Input rows per imitation step.
    public var imitationBatch: Int
    /// Reptile meta-steps on the VoI prior after its plain fit (0: none): each adapts a copy of the
    /// prior to a few reports of one drawn VSP as the bank would (level calibration, then
    /// ``metaInnerSteps`` Adam steps) and moves the prior a little toward the adapted weights, so that a
    /// VSP's first reports fit its marginal values, not only its level.
    public var metaSteps: Int
    /// Adam steps of each Reptile adaptation.
    public var metaInnerSteps: Int
    /// Seeds every draw.
    public var seed: UInt64

    /// The recipe of docs/learning.md.
    public init(
        hidden: [Int] = [64, 64], priorSteps: Int = 6_000, priorBatch: Int = 256, voiOutputScale: Double = 100,
        imitationSteps: Int = 3_000, imitationBatch: Int = 256, metaSteps: Int = 0, metaInnerSteps: Int = 16,
        seed: UInt64 = 1
    ) {
        self.metaSteps = metaSteps
        self.metaInnerSteps = metaInnerSteps
        self.hidden = hidden
        self.priorSteps = priorSteps
        self.priorBatch = priorBatch
        self.voiOutputScale = voiOutputScale
        self.imitationSteps = imitationSteps
        self.imitationBatch = imitationBatch
        self.seed = seed
    }
}

/// What ``SharedPolicyTrainer/train(configuration:resourceCount:progress:)`` reports as it goes.
public struct SharedTrainingProgress: Sendable {
    /// "prior" or "imitation".
    public var phase: String
    /// Steps done in the phase.
    public var step: Int
    /// Steps in the phase.
    public var steps: Int
    /// The phase's loss: the prior's relative RMS error, or the actor's cross-entropy.
    public var loss: Double
    /// The actor's agreement with the rule on the last batch (imitation only).
    public var agreement: Double
}

/// Builds the roster-agnostic shared policy: a VoI prior fitted to the utilities of VSPs drawn from the
/// paper's distributions (every VSP's VoI net starts from it), and one actor, for every VSP, trained to
/// imitate the marginal-value rule on the inputs it sees (relative share, marginal-value ratio). The
/// critic starts fresh: it is what online learning (and a later reinforcement phase) trains.
public enum SharedPolicyTrainer {
    /// Trains the policy.
    ///
    /// - Parameters:
    ///   - configuration: The recipe.
    ///   - resourceCount: K.
    ///   - progress: Called every 100 steps and at the end of each phase.
    public static func train(
        configuration: SharedTrainingConfiguration, resourceCount k: Int = 3,
        progress: (SharedTrainingProgress) -> Void = { _ in }
    ) -> PolicyCheckpoint {
        let architecture = PolicyArchitecture.standard(resourceCount: k, hidden: configuration.hidden, kind: .shared)
        var generator = SeededGenerator(seed: configuration.seed)
        var networks = NetworkSet(architecture: architecture, using: &generator)
        networks.voi.outputScale = Float(configuration.voiOutputScale)
        networks.voi = trainPrior(
            networks.voi, configuration: configuration, k: k, using: &generator, progress: progress)
        if configuration.metaSteps > 0 {
            networks.voi = metaTrainPrior(
                networks.voi, configuration: configuration, k: k, using: &generator, progress: progress)
        }
        networks.actor = imitateRule(
            networks.actor, levels: architecture.actionLevels, configuration: configuration, k: k,
            using: &generator, progress: progress)
        networks.actorTarget = networks.actor
        networks.criticTarget = networks.critic
        return PolicyCheckpoint(architecture: architecture, template: networks)
    }

    /// The VoI prior: MSE fit to beta (1 - exp(-xi . s)) with beta ~ U(100, 200), xi_k ~ U(0, 10) and each
    /// share log-uniform on [1e-4, 1], fresh draws every step (eq. 39, Section VI).
    static func trainPrior(
        _ net: MLP, configuration: SharedTrainingConfiguration, k: Int, using generator: inout SeededGenerator,
        progress: (SharedTrainingProgress) -> Void
    ) -> MLP {
        var net = net
        var optimizer = Adam(for: net, configuration: AdamConfiguration(learningRate: 1e-3))
        let b = configuration.priorBatch
        let logFloor = Foundation.log(1e-4)
        for step in 1...max(configuration.priorSteps, 1) {
            var inputs = Matrix(rows: b, columns: k)
            var targets = Matrix(rows: b, columns: 1)
            for r in 0..<b {
                let beta = generator.uniform(100, 200)
                var exponent = 0.0
                for c in 0..<k {
                    let xi = generator.uniform(0, 10)
                    let share = Foundation.exp(generator.uniform(logFloor, 0))
                    inputs[r, c] = Float(share)
                    exponent += xi * share
                }
                targets[r, 0] = Float(beta * (1 - Foundation.exp(-exponent)))
            }
            let trace = net.forwardTrace(inputs)
            let (loss, gradient) = Loss.meanSquaredError(prediction: trace.output, target: targets)
            optimizer.update(&net, with: net.backward(trace, outputGradient: gradient))
            if step % 100 == 0 || step == configuration.priorSteps {
                let scale = configuration.voiOutputScale
                progress(
                    SharedTrainingProgress(
                        phase: "prior", step: step, steps: configuration.priorSteps,
                        loss: Double(loss).squareRoot() / scale, agreement: 0))
            }
        }
        return net
    }

    /// Reptile (Nichol et al., 2018) on the prior: per step, one VSP from the paper's distributions and 1
    /// to 12 reports along a random walk of its share (a log-uniform start in [1e-3, 0.5] per resource,
    /// each later report the previous share times 1.3 or 1 / 1.3 per resource); a copy of the prior is
    /// calibrated to the reports' mean and takes ``SharedTrainingConfiguration/metaInnerSteps`` Adam steps
    /// (step size 3e-3, as the bank's); the prior moves by 0.1 (falling linearly to 0) of the difference.
    static func metaTrainPrior(
        _ net: MLP, configuration: SharedTrainingConfiguration, k: Int, using generator: inout SeededGenerator,
        progress: (SharedTrainingProgress) -> Void
    ) -> MLP {
        var prior = net
        let steps = configuration.metaSteps
        var error = 0.0
        for step in 1...steps {
            let beta = generator.uniform(100, 200)
            let xi = (0..<k).map { _ in generator.uniform(0, 10) }
            func utility(_ share: [Double]) -> Float {
                Float(beta * (1 - Foundation.exp(-zip(xi, share).reduce(0) { $0 + $1.0 * $1.1 })))
            }
            let count = 1 + generator.nextInt(below: 12)
            var share = (0..<k).map { _ in Foundation.exp(generator.uniform(Foundation.log(1e-3), Foundation.log(0.5)))
            }
            var inputs = Matrix(rows: count, columns: k)
            var targets = Matrix(rows: count, columns: 1)
            for r in 0..<count {
                for c in 0..<k { inputs[r, c] = Float(share[c]) }
                targets[r, 0] = utility(share)
                share = share.map { min($0 * (generator.nextUniform() < 0.5 ? 1.3 : 1 / 1.3), 1) }
            }
            var adapted = prior
            let predictions = adapted.forward(inputs)
            var gap: Float = 0
            for r in 0..<count { gap += targets[r, 0] - predictions[r, 0] }
            adapted.layers[adapted.layers.count - 1].bias[0] += gap / Float(count) / adapted.outputScale
            var optimizer = Adam(for: adapted, configuration: AdamConfiguration(learningRate: 3e-3))
            for _ in 0..<configuration.metaInnerSteps {
                let trace = adapted.forwardTrace(inputs)
                let (_, gradient) = Loss.meanSquaredError(prediction: trace.output, target: targets)
                optimizer.update(&adapted, with: adapted.backward(trace, outputGradient: gradient))
            }
            // How well the adapted net predicts the next share of the walk (out of sample).
            let next = Double(adapted.evaluate(share.map(Float.init))[0])
            error += abs(next - Double(utility(share))) / max(Double(utility(share)), 1)
            let rate = Float(0.1 * (1 - Double(step - 1) / Double(steps)))
            for j in prior.layers.indices {
                for index in prior.layers[j].weight.values.indices {
                    prior.layers[j].weight.values[index] +=
                        rate * (adapted.layers[j].weight.values[index] - prior.layers[j].weight.values[index])
                }
                for index in prior.layers[j].bias.indices {
                    prior.layers[j].bias[index] += rate * (adapted.layers[j].bias[index] - prior.layers[j].bias[index])
                }
            }
            if step % 500 == 0 || step == steps {
                progress(
                    SharedTrainingProgress(
                        phase: "meta", step: step, steps: steps,
                        loss: error / Double(step % 500 == 0 ? 500 : step % 500),
                        agreement: 0))
                error = 0
            }
        }
        return prior
    }

    /// The actor's imitation of ``MechanismEngine/ruleLevels(observation:levels:)``: cross-entropy per
    /// resource on input rows with relative shares uniform on [-3, 3] and value ratios drawn half from
    /// [-2, 2] and half from [-0.3, 0.3], where the rule's level boundaries are.
    static func imitateRule(
        _ net: MLP, levels: [Double], configuration: SharedTrainingConfiguration, k: Int,
        using generator: inout SeededGenerator, progress: (SharedTrainingProgress) -> Void
    ) -> MLP {
        var net = net
        var optimizer = Adam(for: net, configuration: AdamConfiguration(learningRate: 1e-3))
        let l = levels.count
        let b = configuration.imitationBatch
        for step in 1...max(configuration.imitationSteps, 1) {
            var inputs = Matrix(rows: b, columns: 2 * k)
            var labels = [Int](repeating: 0, count: b * k)
            for r in 0..<b {
                var row = [Float](repeating: 0, count: 2 * k)
                for c in 0..<k {
                    row[c] = Float(generator.uniform(-3, 3))
                    row[k + c] = Float(
                        generator.nextUniform() < 0.5 ? generator.uniform(-2, 2) : generator.uniform(-0.3, 0.3))
                }
                for c in 0..<(2 * k) { inputs[r, c] = row[c] }
                let rule = MechanismEngine.ruleLevels(observation: row, levels: levels)
                for c in 0..<k { labels[r * k + c] = rule[c] }
            }
            let trace = net.forwardTrace(inputs)
            let logProbabilities = GroupedSoftmax.logSoftmax(trace.output, groupSize: l)
            var gradient = Matrix(rows: b, columns: k * l)
            var loss = 0.0
            var agreed = 0
            for r in 0..<b {
                for c in 0..<k {
                    let label = labels[r * k + c]
                    loss -= Double(logProbabilities[r, c * l + label])
                    gradient[r, c * l + label] = -1 / Float(b * k)
                    var best = 0
                    for level in 1..<l where logProbabilities[r, c * l + level] > logProbabilities[r, c * l + best] {
                        best = level
                    }
                    if best == label { agreed += 1 }
                }
            }
            let logitGradient = GroupedSoftmax.logSoftmaxBackward(
                logProbabilities: logProbabilities, outputGradient: gradient, groupSize: l)
            optimizer.update(&net, with: net.backward(trace, outputGradient: logitGradient))
            if step % 100 == 0 || step == configuration.imitationSteps {
                progress(
                    SharedTrainingProgress(
                        phase: "imitation", step: step, steps: configuration.imitationSteps,
                        loss: loss / Double(b * k), agreement: Double(agreed) / Double(b * k)))
            }
        }
        return net
    }
}

/// How ``SharedPolicyTrainer/reinforce(_:configuration:progress:)`` continues a shared policy by
/// reinforcement learning over random markets (docs/learning.md, "The shared policy").
public struct SharedReinforcementConfiguration: Sendable, Equatable, Codable {
    /// Episodes, each on a fresh market.
    public var episodes: Int
    /// Rounds per episode.
    public var episodeLength: Int
    /// The roster sizes drawn (uniformly) per episode.
    public var vspRange: ClosedRange<Int>
    /// Episodes between greedy evaluations (the best evaluated policy is kept).
    public var evaluationInterval: Int
    /// The evaluation markets' sizes (seeds 101, 102, 103 each), rounds per evaluation (the last 100
    /// count).
    public var evaluationSizes: [Int]
    /// Rounds per evaluation.
    public var evaluationRounds: Int
    /// The learning recipe (exploration per VSP over its episode, one update per round).
    public var learning: LearningConfiguration
    /// Seeds the markets and the engine.
    public var seed: UInt64

    /// The recipe of docs/learning.md.
    public init(
        episodes: Int = 40, episodeLength: Int = 200, vspRange: ClosedRange<Int> = 5...100,
        evaluationInterval: Int = 10,
        evaluationSizes: [Int] = [10, 30, 50], evaluationRounds: Int = 300,
        learning: LearningConfiguration = LearningConfiguration(
            explorationStart: 0.2, explorationEnd: 0.02, explorationRounds: 200), seed: UInt64 = 1
    ) {
        self.episodes = episodes
        self.episodeLength = episodeLength
        self.vspRange = vspRange
        self.evaluationInterval = evaluationInterval
        self.evaluationSizes = evaluationSizes
        self.evaluationRounds = evaluationRounds
        self.learning = learning
        self.seed = seed
    }
}

extension SharedPolicyTrainer {
    /// The mean greedy welfare ratio (last 100 of `rounds`) of `policy` on markets of `sizes` VSPs drawn
    /// with seeds 101, 102 and 103.
    public static func evaluate(_ policy: PolicyCheckpoint, sizes: [Int], rounds: Int) throws -> Double {
        var total = 0.0
        var count = 0
        for n in sizes {
            for seed: UInt64 in [101, 102, 103] {
                let instance = ProblemInstance.paper(vspCount: n, seed: seed)
                let optimum = try WelfareOptimizer().solve(
                    capacities: instance.capacities, utilities: instance.utilities
                )
                .welfare
                let engine = try PolicyTrainer.engine(
                    policy: policy, instance: instance, configuration: MechanismConfiguration(), seed: seed)
                let market = SimulatedMarket(
                    instance: instance, population: try BiddingPopulation(instance: instance), seed: seed)
                let evaluation = try PolicyTrainer.evaluate(engine: engine, market: market, rounds: rounds)
                total += evaluation.welfare / optimum
                count += 1
            }
        }
        return total / Double(max(count, 1))
    }

    /// Continues `policy`'s shared actor and critic by online learning on fresh random markets: per episode
    /// a market of N VSPs (N uniform in the range) from the paper's distributions, every VSP exploring by
    /// its schedule, one update of the shared critic and actor per round (difference rewards, the
    /// expected-Q actor of docs/learning.md). The VoI nets of an episode's VSPs are dropped with it; the
    /// best greedy evaluation (including the starting policy) is returned.
    public static func reinforce(
        _ policy: PolicyCheckpoint, configuration: SharedReinforcementConfiguration,
        progress: (_ episode: Int, _ ratio: Double?) -> Void = { _, _ in }
    ) throws -> (policy: PolicyCheckpoint, ratio: Double, evaluations: [(episode: Int, ratio: Double)]) {
        var generator = SeededGenerator(seed: configuration.seed)
        var current = policy
        var best = (
            policy: policy,
            ratio: try evaluate(policy, sizes: configuration.evaluationSizes, rounds: configuration.evaluationRounds)
        )
        var evaluations = [(episode: 0, ratio: best.ratio)]
        progress(0, best.ratio)
        var mechanism = MechanismConfiguration(learns: true, learning: configuration.learning)
        mechanism.learning.safeguard = nil
        for episode in 1...max(configuration.episodes, 1) {
            let range = configuration.vspRange
            let n = range.lowerBound + generator.nextInt(below: range.count)
            let seed = generator.next()
            let instance = ProblemInstance.paper(vspCount: n, seed: seed)
            var engine = try PolicyTrainer.engine(
                policy: current, instance: instance, configuration: mechanism, seed: seed)
            var market = SimulatedMarket(
                instance: instance, population: try BiddingPopulation(instance: instance), seed: seed)
            for t in 1...configuration.episodeLength {
                _ = try market.step(engine: &engine, round: RoundNumber(UInt64(t)))
                engine.learn()
            }
            current = engine.checkpoint()
            current.voiNets = [:]
            current.explorationAges = [:]
            var ratio: Double? = nil
            if episode % configuration.evaluationInterval == 0 || episode == configuration.episodes {
                let score = try evaluate(
                    current, sizes: configuration.evaluationSizes, rounds: configuration.evaluationRounds)
                evaluations.append((episode, score))
                if score > best.ratio { best = (current, score) }
                ratio = score
            }
            progress(episode, ratio)
        }
        return (best.policy, best.ratio, evaluations)
    }
}
