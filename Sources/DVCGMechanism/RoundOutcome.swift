import DVCGCore

/// What one round of the mechanism decided (docs/learning.md, "One round", steps 1-5).
///
/// Amounts are in VC, shares are fractions of each resource's capacity (multiply by the
/// capacity for the physical slice).
public struct RoundOutcome: Sendable, Equatable, Codable {
    /// The round t.
    public var round: RoundNumber
    /// The VC pool F_P(t) = sum of the participants' VoI, eqs. (12), (29).
    public var pool: Double
    /// The noise scale sigma of eq. (16) (dimensionless; 0 when the noise is off).
    public var noiseScale: Double
    /// SW* = sum_i f_i(s*_i), the VoI nets' welfare of the proposal, in VC.
    public var proposedWelfare: Double
    /// The welfare estimate sum_i f_i(s~_i): the VoI nets' welfare of the realised allocation, in VC.
    public var welfareEstimate: Double
    /// One entry per participating VSP, sorted by id.
    public var entries: [RoundEntry]
    /// The optimum estimate: the bank's estimate of the best VoI welfare of this round's participants,
    /// max_s sum_i f_i(s_i) over allocations s, in VC (tracked by ``VoIOptimumTracker``; never below
    /// ``welfareEstimate``); nil when the estimate is off.
    public var optimumEstimate: Double?
    /// While learning online with a safeguard: what served this round (the learner, the loaded policy or
    /// the equal split); nil otherwise.
    public var serving: ServingPolicy?
    /// Whether this round switched what serves.
    public var servingSwitched: Bool

    /// Creates an outcome.
    public init(
        round: RoundNumber, pool: Double, noiseScale: Double, proposedWelfare: Double, welfareEstimate: Double,
        entries: [RoundEntry], optimumEstimate: Double? = nil, serving: ServingPolicy? = nil,
        servingSwitched: Bool = false
    ) {
        self.serving = serving
        self.servingSwitched = servingSwitched
        self.round = round
        self.pool = pool
        self.noiseScale = noiseScale
        self.proposedWelfare = proposedWelfare
        self.welfareEstimate = welfareEstimate
        self.entries = entries
        self.optimumEstimate = optimumEstimate
    }

    /// The efficiency estimate: the bank's estimate of the allocation's efficiency, the welfare estimate
    /// over the optimum estimate, in [0, 1] when both are positive (its own estimate of regret; no true
    /// utility is needed); nil without an optimum estimate.
    public var efficiencyEstimate: Double? {
        guard let optimumEstimate, optimumEstimate > 0 else { return nil }
        return welfareEstimate / optimumEstimate
    }
}

/// One VSP's part of a round: its bid and loan, its slice, and the bank's tax with every term.
public struct RoundEntry: Sendable, Equatable, Codable {
    /// The VSP.
    public var vsp: VSPID
    /// Its sealed bid x_i in VC.
    public var bid: Double
    /// The bid the bank financed, x^_i in VC: the sealed bid up to the credit line
    /// (``Bank/financedBids(bids:pool:unreported:)``); loans (13) and the noise (16) use it.
    public var financedBid: Double
    /// Its loan K_i = F_P x_i / sum_j x_j in VC, eq. (13).
    public var loan: Double
    /// VoI_i = f_i(s~_{i,t-1}) in VC, its contribution to the pool (12).
    public var voi: Double
    /// The proposed shares s*_i, K values.
    public var proposedShares: [Double]
    /// The realised shares s~_i after the noise of eq. (15), K values.
    public var realisedShares: [Double]
    /// The actor's action level index per resource (K values, 0 ..< L).
    public var actions: [Int]
    /// The utility estimate U*_i = f_i(s*_i): the VoI net's value at the proposed shares, in VC.
    public var utilityEstimate: Double
    /// SW_-i in VC after the clamp of eq. (30).
    public var welfareWithout: Double
    /// The externality I_i of eq. (17) in VC.
    public var externality: Double
    /// The VC interest |K_i - U*_i| of eq. (18) (reported even when NVI drops it from the tax).
    public var interest: Double
    /// alpha-hat_i used for the tax (eq. 34; README, "Design notes").
    public var alphaHat: Double
    /// The tax Z_i = alpha-hat_i (I_i + interest) of eq. (18) in VC; for a VSP whose VoI net is not
    /// fitted, at most its bid (``MechanismConfiguration/protectsUnfittedVSPs``).
    public var tax: Double
    /// Whether the bank's VoI net of this VSP was fitted to its reports when the round ran
    /// (``VoIFitState/isFitted(_:)``).
    public var voiFitted: Bool = true
}

/// A VSP's financial report for one round: realised utility U and gross profit G (eq. 5), both
/// in VC. Feeds alpha-hat (34) and the VoI net (35).
public struct FinancialReport: Sendable, Equatable, Codable {
    /// The reporting VSP.
    public var vsp: VSPID
    /// The round the report is for.
    public var round: RoundNumber
    /// The realised utility U in VC.
    public var utility: Double
    /// The gross profit G in VC.
    public var grossProfit: Double

    /// Creates a report.
    public init(vsp: VSPID, round: RoundNumber, utility: Double, grossProfit: Double) {
        self.vsp = vsp
        self.round = round
        self.utility = utility
        self.grossProfit = grossProfit
    }
}
