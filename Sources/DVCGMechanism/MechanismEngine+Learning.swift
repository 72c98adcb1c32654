import DVCGCheckpoint
import DVCGCore
import DVCGNeural
import Foundation

/// What one ``MechanismEngine/learn()`` step did.
public struct LearningReport: Sendable, Equatable, Codable {
    /// VSPs whose actor and critic were updated (they had enough transitions).
    public var updatedVSPs: Int
    /// Mean critic loss (36) over the updated VSPs (MSE, in squared reward units).
    public var criticLoss: Double
    /// Mean VoI loss (35) over the VSPs with reports (MSE in VC^2).
    public var voiLoss: Double

    /// Creates a report.
    public init(updatedVSPs: Int, criticLoss: Double, voiLoss: Double) {
        self.updatedVSPs = updatedVSPs
        self.criticLoss = criticLoss
        self.voiLoss = voiLoss
    }
}

extension MechanismEngine {
    /// One online update for every registered VSP (docs/learning.md, "What the learner does"; Algorithm 1 lines 14-20):
    /// the VoI net on its reports (35), the critic on a batch from its bill (36, gamma = 0 with the
    /// difference reward), the actor through the critic (expected-Q with per-resource advantage
    /// and an entropy bonus, docs/learning.md), then the soft target updates (37)-(38).
    ///
    /// A VSP with fewer than ``LearningConfiguration/warmUpTransitions`` transitions only trains
    /// its VoI net. Does nothing unless ``MechanismConfiguration/learns``.
    @discardableResult
    public mutating func learn() -> LearningReport {
        guard configuration.learns else { return LearningReport(updatedVSPs: 0, criticLoss: 0, voiLoss: 0) }
        voiNetsChangedSinceRound = true
        if var learner = shared {
            // One update of the shared actor and critic; the bank fits the VoI nets at each round.
            shared = nil
            defer { shared = learner }
            guard learner.bill.count >= max(configuration.learning.warmUpTransitions, 1) else {
                return LearningReport(updatedVSPs: 0, criticLoss: 0, voiLoss: 0)
            }
            let batch = learner.bill.sample(configuration.learning.batchSize, using: &learningGenerator)
            let loss = trainCritic(&learner, batch: batch)
            trainActor(&learner, batch: batch)
            let tau = Float(configuration.learning.targetRate)
            learner.networks.criticTarget.softUpdate(toward: learner.networks.critic, rate: tau)
            learner.networks.actorTarget.softUpdate(toward: learner.networks.actor, rate: tau)
            return LearningReport(updatedVSPs: roster.count, criticLoss: loss, voiLoss: 0)
        }
        var updated = 0
        var criticLoss = 0.0
        var voiLoss = 0.0
        var voiCount = 0
        for id in roster {
            var agent = agents.removeValue(forKey: id)!
            if let loss = trainVoI(&agent) {
                voiLoss += loss
                voiCount += 1
                let learning = configuration.learning
                if learning.learnerRestartFit > 0, agent.voiUpdates >= learning.learnerRestartPatience,
                    agent.voiFit < learning.learnerRestartFit
                {
                    agent.restart(networks: template, architecture: architecture, learning: learning)
                    learnerRestarts.append((round: lastRound, vsp: id))
                }
            }
            if agent.bill.count >= max(configuration.learning.warmUpTransitions, 1) {
                let batch = agent.bill.sample(configuration.learning.batchSize, using: &learningGenerator)
                criticLoss += trainCritic(&agent, batch: batch)
                trainActor(&agent, batch: batch)
                let tau = Float(configuration.learning.targetRate)
                agent.networks.criticTarget.softUpdate(toward: agent.networks.critic, rate: tau)
                agent.networks.actorTarget.softUpdate(toward: agent.networks.actor, rate: tau)
                updated += 1
            }
            agents[id] = agent
        }
        return LearningReport(
            updatedVSPs: updated, criticLoss: updated > 0 ? criticLoss / Double(updated) : 0,
            voiLoss: voiCount > 0 ? voiLoss / Double(voiCount) : 0)
    }

    /// One Adam step of the VoI net on its (share, utility) reports, eq. (35); the first call sets
    /// the output bias so the net starts at the mean reported utility (its output is in VC, far
    /// from an initialised net's scale).
    private mutating func trainVoI(_ agent: inout VSPAgent) -> Double? {
        let k = resourceCount
        guard agent.reports.count > 0 else { return nil }
        if !agent.state.voiCalibrated {
            var gap = 0.0
            for r in 0..<agent.reports.count {
                let row = agent.reports.row(r)
                gap += Double(row[k] - agent.networks.voi.evaluate(Array(row[0..<k]))[0])
            }
            let last = agent.networks.voi.layers.count - 1
            agent.networks.voi.layers[last].bias[0] +=
                Float(gap / Double(agent.reports.count)) / agent.networks.voi.outputScale
            agent.state.voiCalibrated = true
        }
        let (inputs, targets) = Self.voiBatch(
            agent.reports.sample(configuration.learning.batchSize, using: &learningGenerator), resourceCount: k)
        let b = inputs.rows
        let trace = agent.networks.voi.forwardTrace(inputs)
        let (loss, gradient) = Loss.meanSquaredError(prediction: trace.output, target: targets)
        if configuration.learning.learnerRestartFit > 0 {
            // R^2 of this batch (before the step); a batch without spread says nothing.
            var mean = 0.0
            for r in 0..<b { mean += Double(targets[r, 0]) }
            mean /= Double(b)
            var spread = 0.0
            for r in 0..<b { spread += (Double(targets[r, 0]) - mean) * (Double(targets[r, 0]) - mean) }
            spread /= Double(b)
            if spread > 1e-6 {
                agent.voiFit += 0.01 * ((1 - Double(loss) / spread) - agent.voiFit)
            }
            agent.voiUpdates += 1
        }
        let gradients = agent.networks.voi.backward(trace, outputGradient: gradient)
        var optimizers = agent.takeOptimizers(learning: configuration.learning)
        optimizers.voi.update(&agent.networks.voi, with: gradients)
        agent.setOptimizers(optimizers)
        return Double(loss)
    }

    /// One Adam step of the critic towards the stored rewards (36) with gamma = 0.
    private mutating func trainCritic(_ agent: inout VSPAgent, batch: Matrix) -> Double {
        let width = architecture.critic[0]
        let b = batch.rows
        var inputs = Matrix(rows: b, columns: width)
        var targets = Matrix(rows: b, columns: 1)
        for r in 0..<b {
            for c in 0..<width { inputs[r, c] = batch[r, c] }
            targets[r, 0] = batch[r, width]
        }
        let trace = agent.networks.critic.forwardTrace(inputs)
        let (loss, gradient) = Loss.meanSquaredError(prediction: trace.output, target: targets)
        var gradients = agent.networks.critic.backward(trace, outputGradient: gradient)
        gradients.clip(maxNorm: configuration.learning.gradientClip)
        var optimizers = agent.takeOptimizers(learning: configuration.learning)
        optimizers.critic.update(&agent.networks.critic, with: gradients)
        agent.setOptimizers(optimizers)
        return Double(loss)
    }

    /// One Adam step of the actor through the critic: per resource c, Q_c(l) is the critic with
    /// the VSP's level for c set to each l (the other inputs as stored); the advantage
    /// A_c(l) = Q_c(l) - sum_l pi_c(l) Q_c(l), scaled by its standard deviation over the batch, is
    /// held constant while sum_l pi_c(l) A_c(l) + entropyWeight H(pi_c) is maximised.
    private mutating func trainActor(_ agent: inout VSPAgent, batch: Matrix) {
        let k = resourceCount
        let l = levelCount
        let b = batch.rows
        let width = architecture.critic[0]
        let q = Self.actionValues(critic: agent.networks.critic, batch: batch, inputWidth: width, k: k, l: l)
        var actorInputs = Matrix(rows: b, columns: 2 * k)
        for r in 0..<b {
            for c in 0..<k {
                actorInputs[r, c] = batch[r, c]
                // o-bar_i is the critic input's last K values in both encodings.
                actorInputs[r, k + c] = batch[r, width - k + c]
            }
        }
        let trace = agent.networks.actor.forwardTrace(actorInputs)
        let probabilities = GroupedSoftmax.softmax(trace.output, groupSize: l)
        var advantages = Matrix(rows: b, columns: k * l)
        var squares = 0.0
        for r in 0..<b {
            for c in 0..<k {
                var mean: Float = 0
                for level in 0..<l { mean += probabilities[r, c * l + level] * q[(c * l + level) * b + r] }
                for level in 0..<l {
                    let a = q[(c * l + level) * b + r] - mean
                    advantages[r, c * l + level] = a
                    squares += Double(a * a)
                }
            }
        }
        let scale = Float(1 / ((squares / Double(b * k * l)).squareRoot() + 1e-8))
        let beta = Float(configuration.learning.entropyWeight)
        var probabilityGradient = Matrix(rows: b, columns: k * l)
        for index in probabilityGradient.values.indices {
            let p = max(probabilities.values[index], 1e-12)
            let objective = advantages.values[index] * scale - beta * (Foundation.log(p) + 1)
            probabilityGradient.values[index] = -objective / Float(b)
        }
        let logitGradient = GroupedSoftmax.softmaxBackward(
            probabilities: probabilities, outputGradient: probabilityGradient, groupSize: l)
        var gradients = agent.networks.actor.backward(trace, outputGradient: logitGradient)
        gradients.clip(maxNorm: configuration.learning.gradientClip)
        var optimizers = agent.takeOptimizers(learning: configuration.learning)
        optimizers.actor.update(&agent.networks.actor, with: gradients)
        agent.setOptimizers(optimizers)
    }

    /// Q for every (resource c, level l, row r), laid out as `[(c * L + l) * B + r]`: the critic's
    /// first layer is evaluated once per row and shifted by the weight columns of the swapped
    /// one-hot entries, so the K L variants cost only the deeper layers.
    static func actionValues(critic: MLP, batch: Matrix, inputWidth: Int, k: Int, l: Int) -> [Float] {
        let b = batch.rows
        var inputs = Matrix(rows: b, columns: inputWidth)
        var stored = [Int](repeating: 0, count: b * k)
        for r in 0..<b {
            for c in 0..<inputWidth { inputs[r, c] = batch[r, c] }
            for c in 0..<k {
                var best = 0
                for level in 1..<l where batch[r, k + c * l + level] > batch[r, k + c * l + best] { best = level }
                stored[r * k + c] = best
            }
        }
        let first = critic.layers[0]
        let hidden = first.outputSize
        let base = first.forward(inputs)
        // The first layer's weight columns as rows, so a one-hot swap adds two contiguous vectors.
        var columns = [Float](repeating: 0, count: inputWidth * hidden)
        for h in 0..<hidden {
            for c in 0..<inputWidth { columns[c * hidden + h] = first.weight.values[h * inputWidth + c] }
        }
        var variants = Matrix(rows: k * l * b, columns: hidden)
        variants.values.withUnsafeMutableBufferPointer { v in
            base.values.withUnsafeBufferPointer { basePointer in
                columns.withUnsafeBufferPointer { w in
                    for c in 0..<k {
                        for level in 0..<l {
                            let column = (k + c * l + level) * hidden
                            for r in 0..<b {
                                let old = (k + c * l + stored[r * k + c]) * hidden
                                let offset = ((c * l + level) * b + r) * hidden
                                let row = r * hidden
                                for h in 0..<hidden {
                                    v[offset + h] = basePointer[row + h] + w[column + h] - w[old + h]
                                }
                            }
                        }
                    }
                }
            }
        }
        guard critic.layers.count > 1 else { return variants.values }
        critic.activation.apply(&variants.values)
        let rest = MLP(layers: Array(critic.layers[1...]), activation: critic.activation)
        return rest.forward(variants).values
    }
}
