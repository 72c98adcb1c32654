import DVCGCore

/// Switches of the mechanism, for ablations (`mechanism:` in dvcgd.yaml).
public struct MechanismConfiguration: Sendable, Equatable, Codable {
    /// Charge the interest term |K_i - U*_i| in the tax (18); `false` is the NVI-DVCG ablation.
    public var interest: Bool = true
    /// Perturb the proposed slice with the noise of (15-16).
    public var noise: Bool = true
    /// How alpha-hat of (34) is estimated.
    public var alphaEstimator: AlphaEstimator.Method = .ordinaryLeastSquares
    /// Largest N for which the counterfactual mean fields of (32-33) are computed exactly (DESIGN.md).
    public var exactCounterfactualsUpTo: Int = 64

    /// The defaults: interest and noise on, least-squares alpha-hat, exact counterfactuals up to N = 64.
    public init() {}
}
