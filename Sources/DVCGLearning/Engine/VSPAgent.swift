import DVCGCore

/// One VSP's learner inside a ``MechanismEngine``: its networks, optimisers, persisted state and
/// its part of the bill (replay rows for the critic, report rows for the VoI net).
struct VSPAgent: Sendable {
    /// Actor, critic, VoI net and the two targets.
    var networks: NetworkSet
    /// Shares, estimator, bill maximum and schedule position.
    var state: VSPState
    /// Adam for the actor.
    var actorOptimizer: Adam
    /// Adam for the critic.
    var criticOptimizer: Adam
    /// Adam for the VoI net.
    var voiOptimizer: Adam
    /// Critic inputs [s_i, one-hot a_i, mean one-hot a_-i, o-bar_i] followed by the reward.
    var bill: ExperienceBuffer
    /// [realised share (K), reported utility U].
    var reports: ExperienceBuffer

    /// A learner with fresh optimisers and empty buffers.
    init(networks: NetworkSet, state: VSPState, architecture: PolicyArchitecture, learning: LearningConfiguration) {
        self.networks = networks
        self.state = state
        let k = architecture.resourceCount
        actorOptimizer = Adam(for: networks.actor, configuration: AdamConfiguration(learningRate: learning.learningRate))
        criticOptimizer = Adam(
            for: networks.critic, configuration: AdamConfiguration(learningRate: learning.learningRate))
        voiOptimizer = Adam(for: networks.voi, configuration: AdamConfiguration(learningRate: learning.voiLearningRate))
        bill = ExperienceBuffer(width: architecture.critic[0] + 1, capacity: learning.billCapacity)
        reports = ExperienceBuffer(width: k + 1, capacity: learning.billCapacity)
    }

    /// Replaces the networks (hot reload) and resets the optimisers; state and buffers are kept.
    mutating func replaceNetworks(_ networks: NetworkSet, learning: LearningConfiguration) {
        self.networks = networks
        actorOptimizer = Adam(for: networks.actor, configuration: AdamConfiguration(learningRate: learning.learningRate))
        criticOptimizer = Adam(
            for: networks.critic, configuration: AdamConfiguration(learningRate: learning.learningRate))
        voiOptimizer = Adam(for: networks.voi, configuration: AdamConfiguration(learningRate: learning.voiLearningRate))
    }
}
