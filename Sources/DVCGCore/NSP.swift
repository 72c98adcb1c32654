/// The NSP's side of the mechanism: the noise that makes the allocation random, eqs. (15)-(16).
public enum NSP {
    /// The noise scale of eq. (16) in the dimensionless form of the README's design notes:
    /// sigma = max(sum_i x_i - SW*, 0) / (N SW*).
    ///
    /// The paper's Delta is in VC while the perturbed quantities are shares; dividing by SW*
    /// makes sigma a fraction of a share, the same at any N and VC scale. Bids above the
    /// estimated welfare (over-bidding) widen the noise.
    ///
    /// - Parameters:
    ///   - bids: The sealed bids x_i in VC, each finite and >= 0.
    ///   - proposedWelfare: SW* = sum_i f_i(s*_i) in VC, finite.
    /// - Returns: sigma >= 0; 0 when SW* <= 0 (no welfare to scale against) or for no VSP.
    /// - Throws: ``MechanismError/invalidBid(vsp:amount:)`` for a bad bid,
    ///   ``MechanismError/invalidValue(name:value:)`` for a non-finite SW*.
    public static func noiseScale(bids: [Double], proposedWelfare: Double) throws(MechanismError) -> Double {
        let total = try Bank.totalBid(bids)
        guard proposedWelfare.isFinite else { throw .invalidValue(name: "SW*", value: proposedWelfare) }
        guard proposedWelfare > 0, !bids.isEmpty else { return 0 }
        return max(total - proposedWelfare, 0) / (Double(bids.count) * proposedWelfare)
    }

    /// The perturbed and normalised allocation of eq. (15): s~ = norm(s* + noise).
    ///
    /// - Parameters:
    ///   - proposal: s*, the actors' proposed allocation.
    ///   - noise: Row-major perturbations, one per share, finite.
    /// - Returns: The realised allocation; a column the noise wipes out entirely keeps the proposal's column.
    /// - Throws: ``MechanismError`` for a shape mismatch or a non-finite value.
    public static func perturbedAllocation(_ proposal: Allocation, noise: [Double]) throws(MechanismError) -> Allocation
    {
        guard noise.count == proposal.shares.count else {
            throw .vspCountMismatch(expected: proposal.vspCount, found: noise.count / proposal.resourceCount)
        }
        let raw = zip(proposal.shares, noise).map { $0 + $1 }
        return try Allocation.normalizing(
            raw, vspCount: proposal.vspCount, resourceCount: proposal.resourceCount, fallback: proposal)
    }

    /// Eq. (15) with the noise drawn from `generator`: s~ = norm(s* + N(0, sigma^2 I)).
    ///
    /// Draws N * K Gaussians in row-major order when sigma > 0 and none when sigma = 0 (the
    /// proposal is then returned unchanged).
    ///
    /// - Parameters:
    ///   - proposal: s*.
    ///   - scale: sigma from ``noiseScale(bids:proposedWelfare:)``, finite and >= 0.
    ///   - generator: The seeded generator to draw from.
    /// - Throws: ``MechanismError/invalidValue(name:value:)`` for a negative or non-finite scale.
    public static func perturbedAllocation(
        _ proposal: Allocation, scale: Double, using generator: inout SeededGenerator
    ) throws(MechanismError) -> Allocation {
        guard scale.isFinite, scale >= 0 else { throw .invalidValue(name: "noise scale (must be >= 0)", value: scale) }
        guard scale > 0 else { return proposal }
        let noise = proposal.shares.indices.map { _ in scale * generator.nextGaussian() }
        return try perturbedAllocation(proposal, noise: noise)
    }
}
