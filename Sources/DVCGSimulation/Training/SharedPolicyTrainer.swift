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
    /// Seeds every draw.
    public var seed: UInt64

    /// The recipe of docs/learning.md.
    public init(
        hidden: [Int] = [64, 64], priorSteps: Int = 6_000, priorBatch: Int = 256, voiOutputScale: Double = 100,
        imitationSteps: Int = 3_000, imitationBatch: Int = 256, seed: UInt64 = 1
    ) {
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
        networks.voi = trainPrior(networks.voi, configuration: configuration, k: k, using: &generator, progress: progress)
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
                    row[k + c] = Float(generator.nextUniform() < 0.5 ? generator.uniform(-2, 2) : generator.uniform(-0.3, 0.3))
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
