#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The paper's VSP utility, eq. (39): u(s) = beta (1 - exp(-sum_k xi_k s_k)).
///
/// `s` is the VSP's slice in physical units of each resource (with the paper's capacities of 1,
/// the same as its shares). The utility is in VC, concave, increasing and bounded by ``beta``.
public struct ExponentialUtility: Hashable, Sendable, Codable {
    /// The saturation level beta in VC (the paper draws it from U(100, 200)); finite, >= 0.
    public let beta: Double
    /// The per-resource sensitivities xi_k, one per resource type, in 1/unit (the paper draws
    /// them from U(0, 10)); finite, >= 0.
    public let xi: [Double]

    /// Creates a utility model.
    ///
    /// - Parameters:
    ///   - beta: Saturation level in VC, finite and >= 0.
    ///   - xi: Sensitivities, one per resource type, each finite and >= 0.
    /// - Throws: ``MechanismError/invalidUtilityParameter(name:value:)`` for a negative or
    ///   non-finite parameter.
    public init(beta: Double, xi: [Double]) throws(MechanismError) {
        guard beta.isFinite, beta >= 0 else { throw .invalidUtilityParameter(name: "beta", value: beta) }
        for (k, value) in xi.enumerated() where !(value.isFinite && value >= 0) {
            throw .invalidUtilityParameter(name: "xi[\(k)]", value: value)
        }
        self.beta = beta
        self.xi = xi
    }

    /// The number of resource types K this model expects.
    public var resourceCount: Int { xi.count }

    /// The utility u(s) of eq. (39) in VC.
    ///
    /// - Parameter slice: The VSP's slice, K amounts in units of each resource, each finite and >= 0.
    /// - Throws: ``MechanismError/resourceCountMismatch(expected:found:)`` when `slice` does not
    ///   have K entries; ``MechanismError/invalidValue(name:value:)`` for a negative or non-finite amount.
    public func value(at slice: [Double]) throws(MechanismError) -> Double {
        guard slice.count == xi.count else { throw .resourceCountMismatch(expected: xi.count, found: slice.count) }
        for (k, amount) in slice.enumerated() where !(amount.isFinite && amount >= 0) {
            throw .invalidValue(name: "slice[\(k)] (must be >= 0)", value: amount)
        }
        return value(exposure: exposure(at: slice))
    }

    /// The exposure z = sum_k xi_k s_k of `slice` (no validation; K entries assumed).
    package func exposure(at slice: some Collection<Double>) -> Double {
        var z = 0.0
        for (x, s) in zip(xi, slice) { z += x * s }
        return z
    }

    /// beta (1 - exp(-z)), computed with `expm1` so that small exposures keep full precision.
    package func value(exposure z: Double) -> Double {
        -beta * expm1(-z)
    }

    /// The marginal utilities du/ds_k = beta xi_k exp(-z), in VC per unit, at `slice`.
    ///
    /// - Throws: ``MechanismError/resourceCountMismatch(expected:found:)`` for a slice of the wrong length.
    public func gradient(at slice: [Double]) throws(MechanismError) -> [Double] {
        guard slice.count == xi.count else { throw .resourceCountMismatch(expected: xi.count, found: slice.count) }
        let scale = beta * exp(-exposure(at: slice))
        return xi.map { $0 * scale }
    }
}
