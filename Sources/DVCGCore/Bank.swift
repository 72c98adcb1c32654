/// The bank's side of the mechanism: the VC pool, loans, externalities, interest and taxes,
/// eqs. (12)-(13), (17)-(18), (29)-(30).
///
/// All amounts are in VoI currency (VC). Inputs are in roster order; every function validates
/// its inputs and throws ``MechanismError`` instead of trapping.
public enum Bank {
    /// The VC pool, eqs. (12) and (29): F_P(t) = sum_i VoI_i, the VoI networks' estimates of each
    /// VSP's utility at its previous slice.
    ///
    /// - Parameter voi: VoI_i in VC, one per VSP, each finite (a VoI network may estimate below 0;
    ///   such values are kept, not clipped, so the pool is the networks' honest sum).
    /// - Returns: F_P in VC; 0 for no VSP.
    /// - Throws: ``MechanismError/invalidValue(name:value:)`` for a non-finite VoI.
    public static func pool(voi: [Double]) throws(MechanismError) -> Double {
        var sum = 0.0
        for (i, value) in voi.enumerated() {
            guard value.isFinite else { throw .invalidValue(name: "VoI of VSP #\(i)", value: value) }
            sum += value
        }
        return sum
    }

    /// The bids the bank finances. Each VSP applies for a loan equal to its bid (13) and the bank
    /// lends from a pool of F_P(t), so it finances a bid up to the larger of the pool and what the
    /// other VSPs bid together (each of their bids counted up to the pool):
    /// x^_i = min(x_i, max(F_P, sum_{j != i} min(x_j, F_P))) when F_P > 0; bids are unchanged when
    /// F_P <= 0 (no pool, no credit line).
    ///
    /// Loans (13) and the noise of (15)-(16) use x^. A truthful bid, a VSP's utility at its slice, is
    /// below the pool (the sum of every VSP's VoI) while the VoI nets are unbiased, and below the
    /// others' bids together while they are truthful and it is not the larger part of the market; either
    /// keeps it unchanged, so an unfitted bank that underestimates the pool does not cut truthful bids.
    /// A bid of 10^9 VC counts as a bid of about the pool instead of taking the whole pool as its loan
    /// and randomising every VSP's slice (docs/learning.md, "Bids above the pool").
    ///
    /// Several over-bidders would each count the others' over-bids in their line (a pair at 10^9 is financed
    /// about the pool plus the other's pool each): the financed bids together are held to 2 max(F_P, M), M the
    /// market as its median bid sees it, sum_j min(x_j, median x), water-filled from the top (the largest are
    /// cut to a common level). Truthful bids stay below it (they sum to about F_P, or to about M when the pool
    /// is underestimated), and so does a single over-bidder's line; a pair at 10^9 among ten VSPs is financed
    /// about 0.6 F_P each instead of 1.8 F_P.
    ///
    /// A VSP the bank knows nothing of yet (no financial report) is financed up to twice the equal share of
    /// the pool, 2 F_P / N, before that rule: it pays no interest (its U* is its loan), so the interest cannot
    /// deter it from an over-bid that shrinks the others' loans and widens the noise.
    ///
    /// - Parameters:
    ///   - bids: Sealed bids x_i in VC, one per VSP, each finite and >= 0.
    ///   - pool: The VC pool F_P(t) in VC, finite.
    ///   - unreported: Per VSP, whether it has filed no report yet; nil: the line of 2 F_P / N for nobody.
    /// - Returns: x^ in the order of `bids`.
    /// - Throws: ``MechanismError/invalidBid(vsp:amount:)`` for a negative or non-finite bid;
    ///   ``MechanismError/invalidValue(name:value:)`` for a non-finite pool.
    public static func financedBids(bids: [Double], pool: Double, unreported: [Bool]? = nil) throws(MechanismError)
        -> [Double]
    {
        guard pool.isFinite else { throw .invalidValue(name: "pool", value: pool) }
        _ = try totalBid(bids)
        guard pool > 0 else { return bids }
        var applied = bids
        if let unreported {
            let line = 2 * pool / Double(bids.count)
            for i in applied.indices where unreported[i] { applied[i] = min(applied[i], line) }
        }
        let capped = applied.map { min($0, pool) }
        let total = capped.reduce(0, +)
        let lined = zip(applied, capped).map { bid, own in min(bid, max(pool, total - own)) }
        // Several over-bidders each count the others' over-bids in their own line (a pair at 10^9 is financed
        // about pool + the other's pool each): the financed bids together are held to twice the larger of the
        // pool and the market as its median bid sees it, water-filled from the top.
        let sorted = applied.sorted()
        let middle = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        let market = applied.reduce(0) { $0 + min($1, median) }
        let ceiling = Self.waterLevel(of: lined, total: 2 * max(pool, market))
        return lined.map { min($0, ceiling) }
    }

    /// The level c at which sum_i min(v_i, c) = `total`, or +infinity when the values sum to at most `total`.
    static func waterLevel(of values: [Double], total: Double) -> Double {
        guard values.reduce(0, +) > total else { return .infinity }
        var remaining = total
        let sorted = values.sorted()
        for (k, value) in sorted.enumerated() {
            let level = remaining / Double(sorted.count - k)
            if value >= level { return level }
            remaining -= value
        }
        return .infinity
    }

    /// Loans granted by the bank, eq. (13): K_i = F_P x_i / sum_j x_j.
    ///
    /// - Parameters:
    ///   - bids: Sealed bids x_i in VC, one per VSP, each finite and >= 0.
    ///   - pool: The VC pool F_P(t) in VC, finite.
    /// - Returns: Loans in VC, in the order of `bids`; all zero when no VSP bids above 0.
    /// - Throws: ``MechanismError/invalidBid(vsp:amount:)`` for a negative or non-finite bid;
    ///   ``MechanismError/invalidValue(name:value:)`` for a non-finite pool.
    public static func loans(bids: [Double], pool: Double) throws(MechanismError) -> [Double] {
        guard pool.isFinite else { throw .invalidValue(name: "pool", value: pool) }
        let total = try totalBid(bids)
        guard total > 0 else { return [Double](repeating: 0, count: bids.count) }
        return bids.map { pool * $0 / total }
    }

    /// The sum of the bids, checking each.
    ///
    /// - Throws: ``MechanismError/invalidBid(vsp:amount:)`` for a negative or non-finite bid.
    public static func totalBid(_ bids: [Double]) throws(MechanismError) -> Double {
        var total = 0.0
        for (i, bid) in bids.enumerated() {
            guard bid.isFinite, bid >= 0 else { throw .invalidBid(vsp: i, amount: bid) }
            total += bid
        }
        return total
    }

    /// The estimate of the optimal welfare without VSP i, clamped by eq. (30):
    /// SW_-i = min(F_Pmax, max(SW'_-i, F^-i_Pmax)).
    ///
    /// - Parameters:
    ///   - estimate: SW'_-i of eq. (31) in VC (from the target critic), finite.
    ///   - maximumPool: F_Pmax, the largest sum of all VSPs' utilities in the bill, in VC.
    ///   - maximumPoolWithout: F^-i_Pmax, the largest sum of the others' utilities in the bill, in VC.
    /// - Throws: ``MechanismError/invalidValue(name:value:)`` for a non-finite input.
    public static func clampedWelfareWithout(
        estimate: Double, maximumPool: Double, maximumPoolWithout: Double
    ) throws(MechanismError) -> Double {
        guard estimate.isFinite else { throw .invalidValue(name: "SW'_-i estimate", value: estimate) }
        guard maximumPool.isFinite else { throw .invalidValue(name: "F_Pmax", value: maximumPool) }
        guard maximumPoolWithout.isFinite else { throw .invalidValue(name: "F^-i_Pmax", value: maximumPoolWithout) }
        return min(maximumPool, max(estimate, maximumPoolWithout))
    }

    /// The externality VSP i imposes on the others, eq. (17):
    /// I_i = max(0, SW_-i - sum_{j != i} f_j(s~_j)).
    ///
    /// Clipped at 0: an estimate of the others' optimum below what they realised means VSP i
    /// displaced nobody.
    ///
    /// - Parameters:
    ///   - welfareWithout: SW_-i in VC (eq. 30).
    ///   - othersWelfare: sum_{j != i} f_j(s~_j), the others' estimated utilities at the realised
    ///     slices, in VC.
    /// - Throws: ``MechanismError/invalidValue(name:value:)`` for a non-finite input.
    public static func externality(welfareWithout: Double, othersWelfare: Double) throws(MechanismError) -> Double {
        guard welfareWithout.isFinite else { throw .invalidValue(name: "SW_-i", value: welfareWithout) }
        guard othersWelfare.isFinite else { throw .invalidValue(name: "others' welfare", value: othersWelfare) }
        return max(0, welfareWithout - othersWelfare)
    }

    /// The VC interest of eq. (18): |K_i - U*_i|, the distance between VSP i's loan and the VoI
    /// estimate of its utility at the proposed slice.
    ///
    /// - Parameters:
    ///   - loan: K_i in VC (eq. 13).
    ///   - utilityEstimate: U*_i = f_i(s*_i) in VC.
    /// - Throws: ``MechanismError/invalidValue(name:value:)`` for a non-finite input.
    public static func interest(loan: Double, utilityEstimate: Double) throws(MechanismError) -> Double {
        guard loan.isFinite else { throw .invalidValue(name: "loan", value: loan) }
        guard utilityEstimate.isFinite else { throw .invalidValue(name: "U*", value: utilityEstimate) }
        return abs(loan - utilityEstimate)
    }

    /// The tax of eq. (18): Z_i = alpha-hat_i (I_i + |K_i - U*_i|).
    ///
    /// With `chargesInterest` false the interest term is dropped: the NVI-DVCG ablation.
    ///
    /// - Parameters:
    ///   - alphaHat: The bank's estimate of VSP i's profit per unit of utility, finite.
    ///   - externality: I_i in VC, finite and >= 0.
    ///   - interest: |K_i - U*_i| in VC, finite and >= 0.
    ///   - chargesInterest: Whether the VC interest term is part of the tax (true in DVCG).
    /// - Returns: Z_i in VC.
    /// - Throws: ``MechanismError/invalidValue(name:value:)`` for a non-finite or negative input.
    public static func tax(
        alphaHat: Double, externality: Double, interest: Double, chargesInterest: Bool = true
    ) throws(MechanismError) -> Double {
        guard alphaHat.isFinite else { throw .invalidValue(name: "alpha-hat", value: alphaHat) }
        guard externality.isFinite, externality >= 0 else {
            throw .invalidValue(name: "externality (must be >= 0)", value: externality)
        }
        guard interest.isFinite, interest >= 0 else {
            throw .invalidValue(name: "interest (must be >= 0)", value: interest)
        }
        return alphaHat * (externality + (chargesInterest ? interest : 0))
    }
}
