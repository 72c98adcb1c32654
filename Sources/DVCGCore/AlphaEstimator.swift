/// The bank's running estimate of a VSP's alpha (profit per unit of utility) from its financial
/// reports (U, G), eq. (34) and the README's design notes.
///
/// Keeps only running sums, so it updates in O(1) and its whole state can be persisted.
/// ``Method/ordinaryLeastSquares`` fits G = alpha U + c with an intercept (unbiased when the
/// profit noise has a non-zero mean); ``Method/ratio`` minimises the loss of eq. (34),
/// E[(G/U - alpha)^2], whose minimiser is the mean of G/U over reports with U > 0.
public struct AlphaEstimator: Hashable, Sendable, Codable {
    /// How alpha-hat is computed from the reports.
    public enum Method: String, Hashable, Sendable, Codable, CaseIterable {
        /// Least squares of G on U with intercept: alpha-hat = cov(U, G) / var(U).
        case ordinaryLeastSquares = "ols"
        /// The ratio form of eq. (34): alpha-hat = mean(G / U) over reports with U > 0.
        case ratio
    }

    /// The estimate used until a VSP has two usable reports.
    public static let prior = 1.0

    /// The number of reports recorded.
    public private(set) var count = 0
    /// Mean of the reported U.
    public private(set) var meanUtility = 0.0
    /// Mean of the reported G.
    public private(set) var meanGrossProfit = 0.0
    /// Sum of squared deviations of U from its mean (Welford's update, stable for large U).
    public private(set) var utilityDeviationSquares = 0.0
    /// Sum of co-deviations (U - mean U)(G - mean G).
    public private(set) var coDeviations = 0.0
    /// The number of reports with U > 0 (those the ratio form can use).
    public private(set) var ratioCount = 0
    /// Sum of G / U over the reports with U > 0.
    public private(set) var sumRatio = 0.0

    /// An estimator with no reports.
    public init() {}

    /// An estimator restored from its running sums (as a persisted snapshot holds them), bit for bit.
    ///
    /// - Parameters:
    ///   - count: Reports recorded, >= 0.
    ///   - meanUtility: Mean of the reported U, in VC.
    ///   - meanGrossProfit: Mean of the reported G, in VC.
    ///   - utilityDeviationSquares: Sum of (U - mean U)^2.
    ///   - coDeviations: Sum of (U - mean U)(G - mean G).
    ///   - ratioCount: Reports with U > 0.
    ///   - sumRatio: Sum of G / U over those reports.
    public init(
        count: Int, meanUtility: Double, meanGrossProfit: Double, utilityDeviationSquares: Double,
        coDeviations: Double, ratioCount: Int, sumRatio: Double
    ) {
        self.count = count
        self.meanUtility = meanUtility
        self.meanGrossProfit = meanGrossProfit
        self.utilityDeviationSquares = utilityDeviationSquares
        self.coDeviations = coDeviations
        self.ratioCount = ratioCount
        self.sumRatio = sumRatio
    }

    /// Records one financial report.
    ///
    /// - Parameters:
    ///   - utility: The VSP's reported utility U in VC, finite.
    ///   - grossProfit: Its reported gross profit G in VC, finite.
    /// - Throws: ``MechanismError/invalidValue(name:value:)`` for a non-finite value; the
    ///   estimator is then unchanged.
    public mutating func record(utility: Double, grossProfit: Double) throws(MechanismError) {
        guard utility.isFinite else { throw .invalidValue(name: "utility", value: utility) }
        guard grossProfit.isFinite else { throw .invalidValue(name: "gross profit", value: grossProfit) }
        count += 1
        let n = Double(count)
        let deltaU = utility - meanUtility
        meanUtility += deltaU / n
        meanGrossProfit += (grossProfit - meanGrossProfit) / n
        utilityDeviationSquares += deltaU * (utility - meanUtility)
        coDeviations += deltaU * (grossProfit - meanGrossProfit)
        if utility > 0 {
            ratioCount += 1
            sumRatio += grossProfit / utility
        }
    }

    /// alpha-hat by `method`; ``prior`` until two usable reports exist.
    ///
    /// Least squares falls back to the ratio form when all reported utilities are (numerically)
    /// equal, since the slope is then undetermined.
    ///
    /// A profit per unit of utility is positive: an estimate at or below 0 (reports whose gross profit falls
    /// as their utility rises, or negative profits; a VSP's own false reports could otherwise turn its tax
    /// into a payment from the bank) says the reports do not carry alpha, and ``prior`` stands.
    public func estimate(_ method: Method = .ordinaryLeastSquares) -> Double {
        let fitted = unguardedEstimate(method)
        return fitted.isFinite && fitted > 0 ? fitted : Self.prior
    }

    private func unguardedEstimate(_ method: Method) -> Double {
        switch method {
        case .ratio:
            return ratioCount >= 2 ? sumRatio / Double(ratioCount) : Self.prior
        case .ordinaryLeastSquares:
            guard count >= 2 else { return Self.prior }
            let varianceU = utilityDeviationSquares / Double(count)
            guard varianceU > 1e-12 * max(1, meanUtility * meanUtility) else { return unguardedEstimate(.ratio) }
            return coDeviations / utilityDeviationSquares
        }
    }
}
