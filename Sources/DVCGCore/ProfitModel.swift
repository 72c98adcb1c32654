/// A VSP's profit model, eqs. (5) and (6): gross profit G = alpha U + w with w ~ N(mu, sigma^2),
/// and net profit P = G - Z after the bank's tax Z.
///
/// The NSP and the bank never see alpha or the noise; they estimate alpha from financial reports
/// (``AlphaEstimator``).
public struct ProfitModel: Hashable, Sendable, Codable {
    /// The profit per unit of utility alpha, finite.
    public let alpha: Double
    /// The mean mu of the profit noise w, in VC, finite.
    public let noiseMean: Double
    /// The standard deviation sigma of the profit noise w, in VC, finite and >= 0.
    public let noiseStandardDeviation: Double

    /// Creates a profit model.
    ///
    /// - Throws: ``MechanismError/invalidValue(name:value:)`` when a parameter is not finite or
    ///   the standard deviation is negative.
    public init(alpha: Double, noiseMean: Double = 0, noiseStandardDeviation: Double = 0) throws(MechanismError) {
        guard alpha.isFinite else { throw .invalidValue(name: "alpha", value: alpha) }
        guard noiseMean.isFinite else { throw .invalidValue(name: "noise mean", value: noiseMean) }
        guard noiseStandardDeviation.isFinite, noiseStandardDeviation >= 0 else {
            throw .invalidValue(name: "noise standard deviation (must be >= 0)", value: noiseStandardDeviation)
        }
        self.alpha = alpha
        self.noiseMean = noiseMean
        self.noiseStandardDeviation = noiseStandardDeviation
    }

    /// Gross profit G = alpha U + w, eq. (5), with the noise w given.
    ///
    /// - Parameters:
    ///   - utility: The realised utility U in VC.
    ///   - noise: The realisation of w in VC.
    public func grossProfit(utility: Double, noise: Double) -> Double {
        alpha * utility + noise
    }

    /// Gross profit G = alpha U + w, eq. (5), drawing w ~ N(mu, sigma^2) from `generator`.
    ///
    /// Consumes one Gaussian draw even when sigma = 0, so runs stay aligned across settings.
    public func grossProfit(utility: Double, using generator: inout SeededGenerator) -> Double {
        let noise = generator.nextGaussian(mean: noiseMean, standardDeviation: noiseStandardDeviation)
        return grossProfit(utility: utility, noise: noise)
    }

    /// Net profit P = G - Z, eq. (6).
    ///
    /// - Parameters:
    ///   - grossProfit: G in VC.
    ///   - tax: The bank's tax Z in VC.
    public static func profit(grossProfit: Double, tax: Double) -> Double {
        grossProfit - tax
    }
}
