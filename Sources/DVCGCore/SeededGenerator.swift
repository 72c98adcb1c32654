/// A seeded pseudo-random number generator that reproduces a run bit for bit on any machine.
///
/// The generator is xoshiro256** (Blackman and Vigna, 2018), seeded by expanding a 64-bit seed
/// through SplitMix64 so that nearby seeds give unrelated streams. Every draw uses only integer
/// operations and correctly rounded IEEE 754 arithmetic (`+`, `-`, `*`, `/`, `squareRoot()`), and
/// the logarithm needed for Gaussian draws is ``deterministicLog(_:)``, our own, not the
/// platform's `log`, whose last bit may differ between C libraries. The same seed therefore gives
/// the same sequence of `UInt64`, `Double` and Gaussian values on every platform.
///
/// It conforms to `RandomNumberGenerator`, but note that the standard library's
/// `Double.random(in:using:)` and `shuffle(using:)` are not documented to be stable across Swift
/// releases; use ``nextUniform()``, ``uniform(_:_:)``, ``nextGaussian()`` and ``nextInt(below:)``
/// when bit-for-bit reproducibility matters.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// Creates a generator whose whole future stream is determined by `seed`.
    ///
    /// - Parameter seed: Any 64-bit value, 0 included.
    public init(seed: UInt64) {
        var splitMix = seed
        func nextSplitMix() -> UInt64 {
            splitMix &+= 0x9E37_79B9_7F4A_7C15
            var z = splitMix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (nextSplitMix(), nextSplitMix(), nextSplitMix(), nextSplitMix())
    }

    /// Two generators are equal when their future streams are identical.
    public static func == (lhs: SeededGenerator, rhs: SeededGenerator) -> Bool {
        lhs.state == rhs.state
    }

    /// The next 64 uniformly distributed bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, by: 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotateLeft(state.3, by: 45)
        return result
    }

    /// A uniform draw from [0, 1) with 53 random bits: `(next() >> 11) * 2^-53`.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform draw from [`lower`, `upper`): `lower + (upper - lower) * nextUniform()`.
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * nextUniform()
    }

    /// A uniform integer in 0..<`bound` without modulo bias (Lemire's multiply-and-reject).
    ///
    /// - Parameter bound: The exclusive upper bound, at least 1.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold {
                product = next().multipliedFullWidth(by: range)
            }
        }
        return Int(product.high)
    }

    /// A standard normal draw N(0, 1) by Marsaglia's polar method.
    ///
    /// Each call consumes an even number of 64-bit words and returns one value; the second value of
    /// the pair is discarded so that the stream position depends only on the number of calls.
    public mutating func nextGaussian() -> Double {
        while true {
            let u = 2 * nextUniform() - 1
            let v = 2 * nextUniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                return u * (-2 * deterministicLog(s) / s).squareRoot()
            }
        }
    }

    /// A normal draw N(`mean`, `standardDeviation`^2).
    ///
    /// - Parameters:
    ///   - mean: The mean.
    ///   - standardDeviation: The standard deviation, >= 0.
    public mutating func nextGaussian(mean: Double, standardDeviation: Double) -> Double {
        mean + standardDeviation * nextGaussian()
    }

    private func rotateLeft(_ x: UInt64, by k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}

/// The natural logarithm computed with correctly rounded IEEE 754 operations only, so that its
/// result is identical on every platform (unlike the C library's `log`, whose last bit may differ).
///
/// Splits x = m 2^e with m in [sqrt(1/2), sqrt(2)), then ln m = 2 atanh(f) with f = (m - 1)/(m + 1),
/// |f| < 0.172, summed as a series to below one ulp. Within 4 ulps of the correctly rounded value (tested
/// against glibc); used for Gaussian draws, not as a general replacement of `log`.
///
/// - Parameter x: A finite value > 0.
/// - Returns: ln x; `-infinity` for 0 and `nan` for negative or non-finite input.
public func deterministicLog(_ x: Double) -> Double {
    guard x.isFinite, x > 0 else { return x == 0 ? -.infinity : .nan }
    var exponent = Int(x.exponent)
    var mantissa = x.significand  // in [1, 2)
    if mantissa > 1.414_213_562_373_095_1 {
        mantissa /= 2
        exponent += 1
    }
    let f = (mantissa - 1) / (mantissa + 1)
    let f2 = f * f
    // 2 atanh(f) = 2 (f + f^3/3 + f^5/5 + ...); with |f| < 0.1716, 20 terms are far below 1 ulp.
    var term = f
    var sum = 0.0
    var k = 1.0
    for _ in 0..<20 {
        sum += term / k
        term *= f2
        k += 2
    }
    let ln2Hi = 6.931_471_803_691_238_164_90e-01
    let ln2Lo = 1.908_214_929_270_587_700_02e-10
    let e = Double(exponent)
    return e * ln2Hi + (2 * sum + e * ln2Lo)
}
