import DVCGCore
import DVCGMechanism
import DVCGNeural
import Foundation

/// A profit-maximising bidder that learns its bid (the paper's Sec. VI strategic VSPs): DDPG with
/// a deterministic actor for the bid multiple and a critic of the net profit, gamma 0.
///
/// One bidder controls one VSP, or a colluding pair that bids a common multiple of their truthful
/// bids and is rewarded with their joint net profit. The action a = tanh(actor(state)) in [-1, 1]
/// gives the multiple m = 4^a in [0.25, 4]; the state is the members' mean share of each resource.
public struct LearningBidder: Sendable {
    /// The controlled VSPs' indices in the market.
    public let members: [Int]
    var actor: MLP
    var critic: MLP
    var actorOptimizer: Adam
    var criticOptimizer: Adam
    var buffer: ExperienceBuffer
    var generator: SeededGenerator
    let stateSize: Int
    /// The standard deviation of the Gaussian exploration noise on the action (pre-tanh scale).
    public var explorationNoise = 0.5

    /// A bidder with fresh networks (hidden [32, 32]).
    public init(members: [Int], resourceCount: Int, seed: UInt64) {
        self.members = members
        self.stateSize = resourceCount
        var generator = SeededGenerator(seed: seed)
        actor = MLP(layerSizes: [resourceCount, 32, 32, 1], activation: .relu, using: &generator)
        critic = MLP(layerSizes: [resourceCount + 1, 32, 32, 1], activation: .relu, using: &generator)
        actorOptimizer = Adam(for: actor)
        criticOptimizer = Adam(for: critic)
        buffer = ExperienceBuffer(width: resourceCount + 2, capacity: 5_000)
        self.generator = generator
    }

    /// The action in [-1, 1] for `state`, with exploration noise when `explore`.
    public mutating func action(state: [Double], explore: Bool) -> Double {
        var u = Double(actor.evaluate(state.map(Float.init))[0])
        if explore { u += explorationNoise * generator.nextGaussian() }
        return tanh(u)
    }

    /// The bid multiple of an action: 4^a.
    public static func multiple(of action: Double) -> Double { pow(4, action) }

    /// Stores a transition (reward: the members' joint net profit over their joint truthful bid).
    public mutating func observe(state: [Double], action: Double, reward: Double) {
        buffer.append(state.map(Float.init) + [Float(action), Float(reward)])
    }

    /// One DDPG update on a batch of 64: critic to the reward (gamma 0), actor along dQ/da.
    public mutating func update() {
        guard buffer.count >= 64 else { return }
        let batch = buffer.sample(64, using: &generator)
        let k = stateSize
        var inputs = Matrix(rows: 64, columns: k + 1)
        var targets = Matrix(rows: 64, columns: 1)
        var states = Matrix(rows: 64, columns: k)
        for r in 0..<64 {
            for c in 0...k { inputs[r, c] = batch[r, c] }
            for c in 0..<k { states[r, c] = batch[r, c] }
            targets[r, 0] = batch[r, k + 1]
        }
        let trace = critic.forwardTrace(inputs)
        let (_, gradient) = Loss.meanSquaredError(prediction: trace.output, target: targets)
        var gradients = critic.backward(trace, outputGradient: gradient)
        gradients.clip(maxNorm: 10)
        criticOptimizer.update(&critic, with: gradients)

        let actorTrace = actor.forwardTrace(states)
        var proposed = inputs
        var slopes = [Float](repeating: 0, count: 64)
        for r in 0..<64 {
            let a = tanh(Double(actorTrace.output[r, 0]))
            proposed[r, k] = Float(a)
            slopes[r] = Float(1 - a * a)
        }
        let criticTrace = critic.forwardTrace(proposed)
        let ones = Matrix(rows: 64, columns: 1, repeating: 1)
        let dQ = critic.backward(criticTrace, outputGradient: ones, needsInputGradient: true).inputGradient!
        var actorGradient = Matrix(rows: 64, columns: 1)
        for r in 0..<64 { actorGradient[r, 0] = -dQ[r, k] * slopes[r] / 64 }
        var actorGradients = actor.backward(actorTrace, outputGradient: actorGradient)
        actorGradients.clip(maxNorm: 10)
        actorOptimizer.update(&actor, with: actorGradients)
    }
}
