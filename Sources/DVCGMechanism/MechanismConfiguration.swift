import DVCGCore

/// How a ``MechanismEngine`` runs the mechanism: the bank's tax rule, the NSP's noise, the
/// alpha-hat estimator, the counterfactual limit, the action floor and the learning recipe.
///
/// Codable, so a daemon can read it from its configuration and a checkpoint can record it.
public struct MechanismConfiguration: Sendable, Equatable, Codable {
    /// Whether the tax charges the VC interest |K_i - U*_i| of eq. (18); `false` is the NVI-DVCG
    /// ablation.
    public var chargesInterest: Bool
    /// Whether the NSP perturbs the proposal with the noise of eqs. (15)-(16).
    public var addsNoise: Bool
    /// How alpha-hat is estimated from financial reports (eq. 34 or least squares; README, "Design notes").
    public var alphaMethod: AlphaEstimator.Method
    /// The largest roster for which the counterfactual of eqs. (32)-(33) (the others' target
    /// actions recomputed as if VSP i held nothing) is computed exactly, O(N^2) per round; above
    /// it a first-order expansion keeps a round O(N) (docs/learning.md). Default 64.
    public var exactCounterfactualLimit: Int
    /// The share floor s_min of the action space (docs/learning.md, "The engine"), in (0, 1); default 1e-4.
    public var minimumShare: Double
    /// Whether rounds explore and record transitions for ``MechanismEngine/learn()``; when
    /// `false` the policy is frozen and acts greedily.
    public var learns: Bool
    /// The learning recipe (used only when ``learns`` is true).
    public var learning: LearningConfiguration
    /// How the bank fits each VSP's VoI net to its reports and when it counts as fitted (the
    /// fitting runs for shared policies in every mode; ``VoIFitConfiguration``).
    public var voiFit: VoIFitConfiguration
    /// Whether a VSP whose VoI net is not fitted yet is protected from the bank's own estimation
    /// error: its VC interest is measured against its last report instead of the unfitted net, and its
    /// tax never exceeds its bid (docs/learning.md, "No VSP pays for the bank's ignorance").
    public var protectsUnfittedVSPs: Bool
    /// Whether the externality I_i charged is at most the bank's estimate of the VSP's own utility at
    /// its realised slice, f_i(s~_i) (individual rationality of an approximate VCG payment: the bill's
    /// clamp (30) and the one-step counterfactual charge welfare fluctuations that are nobody's doing,
    /// which at large N exceed a starved VSP's whole utility; docs/learning.md). With it, a fitted VSP's
    /// tax is also at most max(alpha-hat_i * interest, U_i of its last report): a truthful VSP bids its
    /// last report's utility, so it never pays above its bid unless its own bid moved the interest.
    public var capsExternality: Bool
    /// Whether the bank finances the bid of a VSP that has filed no report yet only up to 2 F_P / N, twice
    /// the equal share of the pool (``Bank/financedBids(bids:pool:unreported:)``): such a VSP pays no interest,
    /// so nothing else deters its over-bid from shrinking the others' loans (docs/learning.md).
    public var limitsUnreportedCredit: Bool
    /// The half-life, in a VSP's rounds, of the bill's maxima F_Pmax and F^-i_Pmax of (30): each round they relax
    /// toward the round's welfare by this half-life, so one round the VoI nets overvalued (a VSP's odd report) does
    /// not raise every externality for good (docs/learning.md); 0: the all-time maxima of the paper.
    public var billHalfLife: Int
    /// VoI-net evaluations per round the bank spends tracking the VoI optimum, the denominator of
    /// the estimated efficiency (``RoundOutcome/estimatedOptimum``); 0 turns the estimate off.
    public var efficiencyBudget: Int

    /// A configuration; the defaults are the full DVCG mechanism with a frozen policy.
    public init(
        chargesInterest: Bool = true, addsNoise: Bool = true,
        alphaMethod: AlphaEstimator.Method = .ordinaryLeastSquares,
        exactCounterfactualLimit: Int = 64, minimumShare: Double = 1e-4, learns: Bool = false,
        learning: LearningConfiguration = LearningConfiguration(), voiFit: VoIFitConfiguration = VoIFitConfiguration(),
        protectsUnfittedVSPs: Bool = true, capsExternality: Bool = true, limitsUnreportedCredit: Bool = true,
        efficiencyBudget: Int = 200, billHalfLife: Int = 100
    ) {
        self.billHalfLife = billHalfLife
        self.capsExternality = capsExternality
        self.limitsUnreportedCredit = limitsUnreportedCredit
        self.chargesInterest = chargesInterest
        self.addsNoise = addsNoise
        self.alphaMethod = alphaMethod
        self.exactCounterfactualLimit = exactCounterfactualLimit
        self.minimumShare = minimumShare
        self.learns = learns
        self.learning = learning
        self.voiFit = voiFit
        self.protectsUnfittedVSPs = protectsUnfittedVSPs
        self.efficiencyBudget = efficiencyBudget
    }

    /// Checks every value.
    ///
    /// - Throws: ``EngineError/invalidConfiguration(_:)`` naming the offending field.
    public func validate() throws(EngineError) {
        guard exactCounterfactualLimit >= 0 else {
            throw .invalidConfiguration("exact_counterfactual_limit must be >= 0, got \(exactCounterfactualLimit)")
        }
        guard minimumShare.isFinite, minimumShare > 0, minimumShare < 1 else {
            throw .invalidConfiguration("minimum_share must be in (0, 1), got \(minimumShare)")
        }
        guard billHalfLife >= 0 else {
            throw .invalidConfiguration("bill_half_life must be >= 0, got \(billHalfLife)")
        }
        guard efficiencyBudget >= 0 else {
            throw .invalidConfiguration("efficiency_budget must be >= 0, got \(efficiencyBudget)")
        }
        try learning.validate()
        try voiFit.validate()
    }
}

/// How the bank fits a VSP's VoI net f_i to its financial reports (35) and judges the fit.
///
/// A report's error is judged before the net trains on it (out of sample): e = |f_i(s~) - U| /
/// max(|U|, 5 % of the VSP's largest reported |U|). A VSP's net is *fitted* once it has
/// ``minimumReports`` reports and the median error of the last ``minimumReports`` is at most
/// ``tolerance``; it stops being fitted when its reports stop agreeing.
public struct VoIFitConfiguration: Sendable, Equatable, Codable {
    /// The most recent reports a VSP's net is fitted on.
    public var window: Int
    /// Adam steps per round on the window while the net is not fitted.
    public var stepsWhileUnfitted: Int
    /// Adam steps per round once fitted.
    public var stepsWhenFitted: Int
    /// Adam steps per round over all VSPs; unfitted VSPs are served first, then the others in
    /// rotation. Bounds the bank's work per round at large N.
    public var stepBudget: Int
    /// The Adam step size.
    public var learningRate: Double
    /// Reports before a net can count as fitted.
    public var minimumReports: Int
    /// The largest median relative error of a fitted net.
    public var tolerance: Double
    /// Rounds a shared policy's VSP probes while its net is unfitted: each resource moves by the largest
    /// step up or down at random, so that its first reports identify its marginal values (0: never).
    public var probeRounds: Int
    /// The probability that a fitted VSP probes in a round (one round of random largest steps), so that
    /// its net keeps seeing reports away from where the allocation has settled (0: never).
    public var refreshProbability: Double

    /// The defaults of docs/learning.md.
    public init(
        window: Int = 64, stepsWhileUnfitted: Int = 8, stepsWhenFitted: Int = 4, stepBudget: Int = 1_024,
        learningRate: Double = 3e-3, minimumReports: Int = 5, tolerance: Double = 0.05, probeRounds: Int = 16,
        refreshProbability: Double = 0.02
    ) {
        self.probeRounds = probeRounds
        self.refreshProbability = refreshProbability
        self.window = window
        self.stepsWhileUnfitted = stepsWhileUnfitted
        self.stepsWhenFitted = stepsWhenFitted
        self.stepBudget = stepBudget
        self.learningRate = learningRate
        self.minimumReports = minimumReports
        self.tolerance = tolerance
    }

    /// Checks every value.
    ///
    /// - Throws: ``EngineError/invalidConfiguration(_:)`` naming the offending field.
    public func validate() throws(EngineError) {
        guard window >= 1, minimumReports >= 1, minimumReports <= window else {
            throw .invalidConfiguration(
                "voi_fit needs window >= 1 and 1 <= minimum_reports <= window, got \(window) and \(minimumReports)")
        }
        guard stepsWhileUnfitted >= 0, stepsWhenFitted >= 0, stepBudget >= 0, probeRounds >= 0 else {
            throw .invalidConfiguration("voi_fit steps, step_budget and probe_rounds must be >= 0")
        }
        guard learningRate.isFinite, learningRate > 0 else {
            throw .invalidConfiguration("voi_fit.learning_rate must be finite and > 0, got \(learningRate)")
        }
        guard refreshProbability.isFinite, refreshProbability >= 0, refreshProbability <= 1 else {
            throw .invalidConfiguration("voi_fit.refresh_probability must be in [0, 1], got \(refreshProbability)")
        }
        guard tolerance.isFinite, tolerance > 0 else {
            throw .invalidConfiguration("voi_fit.tolerance must be finite and > 0, got \(tolerance)")
        }
    }
}

/// The learning recipe of Algorithm 1 as we run it (Table I defaults where they learn; the
/// deviations are documented in docs/learning.md).
public struct LearningConfiguration: Sendable, Equatable, Codable {
    /// Adam step size of the actors and critics (Table I: 1e-3).
    public var learningRate: Double
    /// Adam step size of the VoI nets (3e-3: their outputs are in VC, tens to hundreds).
    public var voiLearningRate: Double
    /// Mini-batch size drawn from the bill (Table I: 128).
    public var batchSize: Int
    /// Capacity of each VSP's bill (replay buffer) in transitions (Table I: 10,000).
    public var billCapacity: Int
    /// Soft target-update rate tau of eqs. (37)-(38) (Table I: 0.005).
    public var targetRate: Double
    /// Transitions a VSP must have before its first update.
    public var warmUpTransitions: Int
    /// Exploration rate epsilon at a VSP's first round (per resource, a uniform level with
    /// probability epsilon, else a draw from the actor's categorical).
    public var explorationStart: Double
    /// Exploration rate after ``explorationRounds`` of the VSP's rounds.
    public var explorationEnd: Double
    /// Rounds (counted per VSP, from its registration) over which epsilon falls linearly.
    public var explorationRounds: Int
    /// Weight of the policy entropy bonus in the actor loss.
    public var entropyWeight: Double
    /// Largest gradient norm of an actor or critic update (PyTorch `clip_grad_norm_`).
    public var gradientClip: Double
    /// Whether a VSP's difference reward is divided by its mean share times N (1 at the equal
    /// split), so that a VSP near the s_min floor, whose multiplicative actions move little,
    /// still sees which direction pays (docs/learning.md).
    public var shareScaledReward: Bool
    /// Whether the actor sees o-bar_i and the critic the others' mean action and o-bar_i (the mean
    /// field of DVCG-MFMARL); `false` is the DVCG-MARL baseline, where each agent sees only its own
    /// observation and action (those inputs are zero).
    public var meanField: Bool
    /// Restarts a VSP's learner when its VoI net stops explaining its reports: when the running
    /// mean (rate 0.01) of the VoI net's R^2 on its report batches falls below this value after
    /// ``learnerRestartPatience`` VoI updates, the VSP's networks are replaced by the template's,
    /// its bill is emptied and its exploration schedule restarts (as if it had just registered);
    /// its reports are kept. 0 (the default) never restarts. docs/learning.md: at N = 50 a few
    /// VoI nets go flat at small shares (dead ReLUs), the difference reward then sees no gain in
    /// a larger share, and the VSP's actor starves it for good.
    public var learnerRestartFit: Double
    /// VoI updates before a VSP's fit is judged, and again after each restart.
    public var learnerRestartPatience: Int
    /// The fraction of a round's participants that may explore (the youngest first; the others act
    /// greedily); 1 (the default, as in training) lets every VSP explore by its schedule.
    public var explorationBudget: Double
    /// When set, online learning is guarded (``OnlineSafeguard``): the loaded policy or the equal split
    /// serves while the bank estimates the learner's proposal to be worse. nil (the default, as in
    /// training) serves the learner always.
    public var safeguard: SafeguardConfiguration?

    /// The recipe of docs/learning.md.
    public init(
        learningRate: Double = 1e-3, voiLearningRate: Double = 3e-3, batchSize: Int = 128, billCapacity: Int = 10_000,
        targetRate: Double = 0.005, warmUpTransitions: Int = 128, explorationStart: Double = 1,
        explorationEnd: Double = 0.1, explorationRounds: Int = 5_000, entropyWeight: Double = 0.01,
        gradientClip: Double = 10, shareScaledReward: Bool = false, meanField: Bool = true,
        learnerRestartFit: Double = 0, learnerRestartPatience: Int = 1_000, explorationBudget: Double = 1,
        safeguard: SafeguardConfiguration? = nil
    ) {
        self.explorationBudget = explorationBudget
        self.safeguard = safeguard
        self.learningRate = learningRate
        self.voiLearningRate = voiLearningRate
        self.batchSize = batchSize
        self.billCapacity = billCapacity
        self.targetRate = targetRate
        self.warmUpTransitions = warmUpTransitions
        self.explorationStart = explorationStart
        self.explorationEnd = explorationEnd
        self.explorationRounds = explorationRounds
        self.entropyWeight = entropyWeight
        self.gradientClip = gradientClip
        self.shareScaledReward = shareScaledReward
        self.meanField = meanField
        self.learnerRestartFit = learnerRestartFit
        self.learnerRestartPatience = learnerRestartPatience
    }

    /// Online learning made safe for serving (docs/learning.md, "Safe online learning"), what dvcgd's
    /// `learning.mode: online` and `dvcg experiment churn --online` start from: a safeguard that hands
    /// rounds to the loaded policy or the equal split while the learner is worse, exploration only by new
    /// VSPs (epsilon 0.5 -> 0 over their first 200 rounds) and by at most 10 % of a round's participants.
    public static var servingOnline: LearningConfiguration {
        LearningConfiguration(
            explorationStart: 0.5, explorationEnd: 0, explorationRounds: 200, explorationBudget: 0.1,
            safeguard: SafeguardConfiguration())
    }

    /// epsilon after `age` of a VSP's rounds: linear from ``explorationStart`` to
    /// ``explorationEnd`` over ``explorationRounds``, then constant.
    public func explorationRate(age: Int) -> Double {
        guard explorationRounds > 0 else { return explorationEnd }
        let fraction = min(1, Double(age) / Double(explorationRounds))
        return explorationStart + (explorationEnd - explorationStart) * fraction
    }

    /// Checks every value.
    ///
    /// - Throws: ``EngineError/invalidConfiguration(_:)`` naming the offending field.
    public func validate() throws(EngineError) {
        let positive: [(String, Double)] = [
            ("learning_rate", learningRate), ("voi_learning_rate", voiLearningRate), ("gradient_clip", gradientClip),
        ]
        for (name, value) in positive where !(value.isFinite && value > 0) {
            throw .invalidConfiguration("\(name) must be finite and > 0, got \(value)")
        }
        guard batchSize >= 1, billCapacity >= batchSize else {
            throw .invalidConfiguration("need 1 <= batch_size <= bill_capacity, got \(batchSize) and \(billCapacity)")
        }
        guard targetRate.isFinite, targetRate >= 0, targetRate <= 1 else {
            throw .invalidConfiguration("target_rate must be in [0, 1], got \(targetRate)")
        }
        for (name, value) in [("exploration_start", explorationStart), ("exploration_end", explorationEnd)]
        where !(value.isFinite && value >= 0 && value <= 1) {
            throw .invalidConfiguration("\(name) must be in [0, 1], got \(value)")
        }
        guard explorationRounds >= 0, warmUpTransitions >= 0 else {
            throw .invalidConfiguration("exploration_rounds and warm_up_transitions must be >= 0")
        }
        guard learnerRestartFit.isFinite, learnerRestartFit >= 0, learnerRestartFit <= 1, learnerRestartPatience >= 1
        else {
            throw .invalidConfiguration(
                "learner_restart_fit must be in [0, 1] and learner_restart_patience >= 1, got "
                    + "\(learnerRestartFit) and \(learnerRestartPatience)")
        }
        guard entropyWeight.isFinite, entropyWeight >= 0 else {
            throw .invalidConfiguration("entropy_weight must be finite and >= 0, got \(entropyWeight)")
        }
        guard explorationBudget.isFinite, explorationBudget >= 0, explorationBudget <= 1 else {
            throw .invalidConfiguration("exploration_budget must be in [0, 1], got \(explorationBudget)")
        }
        try safeguard?.validate()
    }
}
