import DVCGCheckpoint
import DVCGCore
import DVCGNeural

/// One VSP's learner inside a ``MechanismEngine``: its networks, optimisers, persisted state and
/// its part of the bill (replay rows for the critic, report rows for the VoI net).
///
/// Optimisers and buffers take memory only once the VSP learns, so a frozen roster of 10,000
/// VSPs holds little more than their networks.
struct VSPAgent: Sendable {
    /// The three Adam optimisers of a learning VSP.
    struct Optimizers: Sendable {
        var actor: Adam
        var critic: Adam
        var voi: Adam
    }

    /// Actor, critic, VoI net and the two targets.
    var networks: NetworkSet
    /// Shares, estimator, bill maximum and schedule position.
    var state: VSPState
    /// Created at the first update (see ``takeOptimizers(learning:)``).
    private var storedOptimizers: Optimizers?
    /// Critic inputs (mean-field [s_i, one-hot a_i, mean one-hot a_-i, o-bar_i], or the joint
    /// encoding of DVCG-MADDPG) followed by the reward.
    var bill: ExperienceBuffer
    /// [realised share (K), reported utility U]: the whole history up to the bill's capacity for a
    /// per-VSP learner, the newest ``VoIFitConfiguration/window`` for a shared policy.
    var reports: ExperienceBuffer
    /// The VoI net's optimiser when the bank fits it on its own (shared policies), created at the
    /// first fit.
    var voiOptimizer: Adam?
    /// Reports stored since the bank last fitted the VoI net (shared policies; not persisted).
    var reportsSinceFit = 0
    /// Running mean of the VoI net's R^2 on its report batches (only tracked when
    /// ``LearningConfiguration/learnerRestartFit`` > 0; not persisted).
    var voiFit = 1.0
    /// VoI updates since registration or the last restart (only counted when restarts are on).
    var voiUpdates = 0
    /// f_i(s~_i) of the VSP's realised share in the last round it took part in, by the net of that round (not
    /// persisted; used only while ``MechanismEngine/voiNetsChangedSinceRound`` is false).
    var realisedUtilityEstimate: (round: RoundNumber, value: Double)?

    /// A learner with empty buffers and no optimiser state yet.
    ///
    /// - Parameters:
    ///   - reportCapacity: Reports kept (default: the bill's capacity).
    ///   - billCapacity: Transitions kept (default: the learning configuration's; 1 for a VSP of a
    ///     shared policy, whose transitions go to the shared learner).
    init(
        networks: NetworkSet, state: VSPState, architecture: PolicyArchitecture, learning: LearningConfiguration,
        reportCapacity: Int? = nil, billCapacity: Int? = nil
    ) {
        self.networks = networks
        self.state = state
        bill = ExperienceBuffer(width: architecture.critic[0] + 1, capacity: billCapacity ?? learning.billCapacity)
        reports = ExperienceBuffer(
            width: architecture.resourceCount + 1, capacity: reportCapacity ?? learning.billCapacity)
    }

    /// Takes the optimisers out (created with zero moments on first use) so that updating them
    /// does not copy their moments; put them back with ``setOptimizers(_:)``.
    mutating func takeOptimizers(learning: LearningConfiguration) -> Optimizers {
        if let stored = storedOptimizers {
            storedOptimizers = nil
            return stored
        }
        return Optimizers(
            actor: Adam(for: networks.actor, configuration: AdamConfiguration(learningRate: learning.learningRate)),
            critic: Adam(for: networks.critic, configuration: AdamConfiguration(learningRate: learning.learningRate)),
            voi: Adam(for: networks.voi, configuration: AdamConfiguration(learningRate: learning.voiLearningRate)))
    }

    /// Stores the optimisers after an update.
    mutating func setOptimizers(_ optimizers: Optimizers) { storedOptimizers = optimizers }

    /// Starts the learner again from `networks` (the template): optimisers, bill and fit
    /// tracking reset, age 0 and an uncalibrated VoI net; shares, alpha-hat and reports are kept.
    mutating func restart(networks: NetworkSet, architecture: PolicyArchitecture, learning: LearningConfiguration) {
        self.networks = networks
        storedOptimizers = nil
        bill = ExperienceBuffer(width: architecture.critic[0] + 1, capacity: learning.billCapacity)
        state.age = 0
        state.voiCalibrated = false
        voiFit = 1
        voiUpdates = 0
    }

}
