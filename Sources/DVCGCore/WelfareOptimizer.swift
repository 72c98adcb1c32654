#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The exact social-welfare optimum of eq. (9)/(14) with the true utilities of eq. (39):
/// maximise sum_i u_i(s_i) subject to sum_i s_ik <= c_k and s >= 0.
///
/// The physical limit every allocation policy is measured against. The result carries a
/// *certified* bound on its distance to the true optimum: the Lagrangian dual of the problem has
/// the closed form
///
///     g(lambda) = sum_k lambda_k c_k + sum_i h_i(r_i),   r_i = min_{k: xi_ik > 0} lambda_k / xi_ik,
///     h_i(r) = beta_i - r - r ln(beta_i / r) for r < beta_i, else 0,
///
/// and by weak duality every lambda >= 0 gives g(lambda) >= OPT >= W(s) for every feasible s.
/// ``WelfareOptimum/gapBound`` is g(lambda) - W(s) at the returned prices and allocation, plus a
/// floating-point summation allowance, so OPT lies in [welfare, welfare + gapBound].
public struct WelfareOptimum: Hashable, Sendable {
    /// The optimal allocation, N rows of K physical amounts (units of each capacity); feasible:
    /// non-negative, each column sums to at most its capacity.
    public let allocation: [[Double]]
    /// The social welfare sum_i u_i(s_i) of ``allocation`` in VC.
    public let welfare: Double
    /// The certified bound on OPT - ``welfare`` in VC (>= 0).
    public let gapBound: Double
    /// The dual prices lambda_k in VC per unit of resource k that certify the bound (+infinity for
    /// a resource of capacity 0).
    public let prices: [Double]
    /// The number of Newton steps the solver took.
    public let newtonSteps: Int
}

/// The leave-one-out optima and classic VCG payments of eq. (2) with known utilities: the
/// reference mechanism DVCG approximates.
public struct VCGOutcome: Hashable, Sendable {
    /// The optimum with every VSP.
    public let optimum: WelfareOptimum
    /// SW_-i: the optimal welfare of the others when VSP i is absent, in VC, one per VSP.
    public let welfareWithout: [Double]
    /// The VCG payments z_i = SW_-i - sum_{j != i} u_j(s*_j) of eq. (2), in VC, one per VSP.
    public let payments: [Double]
    /// Bounds on the error of each payment in VC: the certified gaps of SW_-i and of the optimum,
    /// plus the disagreement between VSP i's utility at the returned allocation and the utility
    /// the optimal prices imply for it (an estimate, since the shares themselves are not certified).
    public let paymentGapBounds: [Double]
}

/// Solves the social-welfare problem exactly with a log-barrier interior-point method.
///
/// Each Newton step exploits the structure: the Hessian is block-diagonal per VSP (a diagonal
/// plus a rank-one term, inverted by Sherman-Morrison) plus the K capacity constraints coupling
/// all VSPs (handled by Woodbury), so a step costs O(N K^2 + K^3) and the whole solve O(N) per
/// barrier level. Barrier levels continue until the certified gap is below
/// ``relativeTolerance`` of the welfare.
public struct WelfareOptimizer: Sendable {
    /// The target for ``WelfareOptimum/gapBound`` relative to the welfare.
    public var relativeTolerance: Double
    /// The target absolute gap in VC used when the welfare is (near) zero.
    public var absoluteTolerance: Double

    /// Creates a solver. The defaults certify about 11 significant digits.
    public init(relativeTolerance: Double = 1e-11, absoluteTolerance: Double = 1e-11) {
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
    }

    /// Solves max sum_i u_i(s_i) s.t. sum_i s_ik <= c_k, s >= 0.
    ///
    /// - Parameters:
    ///   - capacities: c_k, K values, each finite and >= 0 (a resource of capacity 0 is allocated to nobody).
    ///   - utilities: One utility per VSP, each with K sensitivities. N = 0 gives welfare 0.
    /// - Returns: The allocation, its welfare and the certified gap.
    /// - Throws: ``MechanismError/invalidCapacity(resource:value:)`` or
    ///   ``MechanismError/resourceCountMismatch(expected:found:)`` for bad input.
    public func solve(capacities: [Double], utilities: [ExponentialUtility]) throws(MechanismError) -> WelfareOptimum {
        for (k, c) in capacities.enumerated() where !(c.isFinite && c >= 0) {
            throw .invalidCapacity(resource: k, value: c)
        }
        for u in utilities where u.resourceCount != capacities.count {
            throw .resourceCountMismatch(expected: capacities.count, found: u.resourceCount)
        }
        var problem = BarrierProblem(capacities: capacities, utilities: utilities)
        return problem.solve(relativeTolerance: relativeTolerance, absoluteTolerance: absoluteTolerance)
    }

    /// The optimum, the leave-one-out optima SW_-i and the VCG payments of eq. (2).
    ///
    /// - Parameters: as ``solve(capacities:utilities:)``; at least one VSP.
    /// - Throws: ``MechanismError/emptyRoster`` for no VSP, or as ``solve(capacities:utilities:)``.
    public func vcg(capacities: [Double], utilities: [ExponentialUtility]) throws(MechanismError) -> VCGOutcome {
        guard !utilities.isEmpty else { throw .emptyRoster }
        let optimum = try solve(capacities: capacities, utilities: utilities)
        var without: [Double] = []
        var payments: [Double] = []
        var bounds: [Double] = []
        for i in utilities.indices {
            var others = utilities
            others.remove(at: i)
            let partial = try solve(capacities: capacities, utilities: others)
            let ownUtility = try utilities[i].value(at: optimum.allocation[i])
            let othersAtOptimum = optimum.welfare - ownUtility
            without.append(partial.welfare)
            payments.append(max(0, partial.welfare - othersAtOptimum))
            // The payment also depends on VSP i's own utility at the optimum, which the welfare
            // gap does not bound; the prices imply it independently (u_i* = beta_i - r_i), so
            // their disagreement with the allocation is added as an estimate of that error.
            let impliedUtility = Self.impliedUtility(of: utilities[i], prices: optimum.prices)
            bounds.append(partial.gapBound + optimum.gapBound + abs(ownUtility - impliedUtility))
        }
        return VCGOutcome(optimum: optimum, welfareWithout: without, payments: payments, paymentGapBounds: bounds)
    }

    /// The Lagrangian dual function g(lambda) of the welfare problem (see ``WelfareOptimum``): an
    /// upper bound on the optimal welfare for every lambda >= 0.
    ///
    /// - Parameters:
    ///   - prices: lambda_k >= 0 in VC per unit; +infinity is allowed for a capacity-0 resource.
    ///   - capacities: c_k.
    ///   - utilities: The VSPs' utilities.
    /// - Returns: g(lambda) in VC.
    public static func dualBound(prices: [Double], capacities: [Double], utilities: [ExponentialUtility]) -> Double {
        var total = 0.0
        for (lambda, c) in zip(prices, capacities) where c > 0 { total += lambda * c }
        for u in utilities {
            var rate = Double.infinity
            for (lambda, xi) in zip(prices, u.xi) where xi > 0 { rate = min(rate, lambda / xi) }
            total += bestSurplus(beta: u.beta, rate: rate)
        }
        return total
    }

    /// The utility a VSP reaches at the optimum when resources cost `prices`: beta - r for
    /// r = min_k lambda_k / xi_k below beta, else 0 (from z* = ln(beta / r)).
    static func impliedUtility(of utility: ExponentialUtility, prices: [Double]) -> Double {
        var rate = Double.infinity
        for (lambda, xi) in zip(prices, utility.xi) where xi > 0 { rate = min(rate, lambda / xi) }
        return rate < utility.beta ? utility.beta - rate : 0
    }

    /// h(r) = max_{z >= 0} beta (1 - e^-z) - r z: a VSP's best surplus when exposure costs r per unit.
    static func bestSurplus(beta: Double, rate: Double) -> Double {
        guard rate < beta else { return 0 }
        guard rate > 0 else { return beta }
        return beta - rate - rate * log(beta / rate)
    }
}

/// The barrier method's working state: variables exist only where they can add welfare
/// (beta_i > 0, xi_ik > 0, c_k > 0); every other share is fixed at 0.
///
/// A resource that some VSP values is fully allocated at the optimum (that VSP's utility strictly
/// increases in it), so its capacity constraint is kept as the equality sum_i s_ik = c_k and only
/// the bounds s_ik >= 0 enter the barrier. Equality-constrained Newton steps then never form the
/// 1/slack^2 terms that make an inequality barrier lose its digits near the optimum.
private struct BarrierProblem {
    let n: Int
    let k: Int
    let capacities: [Double]
    let utilities: [ExponentialUtility]
    /// Row-major N x K: whether s_ik is a variable.
    var isVariable: [Bool]
    /// Whether resource k has at least one variable (and so an equality constraint).
    var isConstrained: [Bool]
    /// Row-major N x K amounts; 0 where not a variable. Feasible: constrained columns sum to c_k.
    var s: [Double]
    /// The multipliers of the equality constraints from the last Newton system, divided by t: the
    /// barrier's estimate of the resource prices lambda_k.
    var multipliers: [Double]
    var newtonSteps = 0

    init(capacities: [Double], utilities: [ExponentialUtility]) {
        n = utilities.count
        k = capacities.count
        self.capacities = capacities
        self.utilities = utilities
        isVariable = [Bool](repeating: false, count: n * k)
        var columnCounts = [Int](repeating: 0, count: k)
        for i in 0..<n where utilities[i].beta > 0 {
            for r in 0..<k where utilities[i].xi[r] > 0 && capacities[r] > 0 {
                isVariable[i * k + r] = true
                columnCounts[r] += 1
            }
        }
        isConstrained = columnCounts.map { $0 > 0 }
        s = [Double](repeating: 0, count: n * k)
        for i in 0..<n {
            for r in 0..<k where isVariable[i * k + r] {
                s[i * k + r] = capacities[r] / Double(columnCounts[r])
            }
        }
        multipliers = [Double](repeating: 0, count: k)
    }

    mutating func solve(relativeTolerance: Double, absoluteTolerance: Double) -> WelfareOptimum {
        let m = Double(isVariable.lazy.filter { $0 }.count)
        guard m > 0 else { return result(t: .infinity) }
        let totalBeta = utilities.reduce(0) { $0 + $1.beta }
        var t = m / max(totalBeta, 1e-300)
        var best: WelfareOptimum?
        for _ in 0..<60 {
            center(t: t)
            let candidate = result(t: t)
            if best == nil || candidate.gapBound < best!.gapBound { best = candidate }
            let target = max(relativeTolerance * candidate.welfare, absoluteTolerance)
            // The welfare is flat at the optimum, so a certified welfare can come from shares that
            // are only accurate to sqrt(gap). Going on until the barrier's own gap m/t also meets
            // the target puts the shares, and each VSP's utility, near the analytic centre of the
            // optimal face.
            if candidate.gapBound <= target && m / t <= target { break }
            // Past this level the barrier's own gap m/t is far below double precision.
            if m / t < 1e-16 * max(candidate.welfare, 1) { break }
            t *= 10
        }
        return best!
    }

    /// Minimises phi_t(s) = -t sum_i u_i(s_i) - sum log s_ik on the capacity equalities by
    /// damped, feasible Newton steps.
    mutating func center(t: Double) {
        // Centred enough when phi_t is within 1e-7 m of its minimum: f is then within 1e-7 of
        // the barrier's own gap m/t, and the decrement is still above its rounding floor.
        let tolerance = 1e-7 * Double(isVariable.lazy.filter { $0 }.count)
        var inverseBlocks = [Double](repeating: 0, count: n * k * k)
        var y = [Double](repeating: 0, count: n * k)
        var direction = [Double](repeating: 0, count: n * k)
        var rhs = [Double](repeating: 0, count: n * k)
        for _ in 0..<100 {
            newtonSteps += 1
            var coupling = [Double](repeating: 0, count: k * k)
            var ySum = [Double](repeating: 0, count: k)
            for i in 0..<n {
                let rowStart = i * k
                let u = utilities[i]
                let z = u.exposure(at: s[rowStart..<(rowStart + k)])
                let marginalScale = u.beta * exp(-z)
                let rho = t * marginalScale
                // Block B_i = diag(1/s^2) + rho xi xi^T on the variables of row i; B_i^{-1} by
                // Sherman-Morrison with p = diag(s^2) xi.
                var p = [Double](repeating: 0, count: k)
                var xiP = 0.0
                for r in 0..<k where isVariable[rowStart + r] {
                    let value = s[rowStart + r]
                    p[r] = value * value * u.xi[r]
                    xiP += u.xi[r] * p[r]
                    // -grad phi_t shifted by t lambda-hat: the Newton system solves for the price
                    // correction only, so that t du/ds and t lambda never cancel in floating point.
                    rhs[rowStart + r] = t * (marginalScale * u.xi[r] - multipliers[r]) + 1 / value
                }
                let denominator = 1 + rho * xiP
                let blockStart = i * k * k
                for a in 0..<k {
                    for b in 0..<k {
                        var entry = 0.0
                        if isVariable[rowStart + a] && isVariable[rowStart + b] {
                            if a == b {
                                // s_a^2 - rho p_a^2 / den cancels badly when rho is large; the same
                                // value is s_a^2 (1 + rho sum_{c != a} xi_c p_c) / den.
                                var others = 0.0
                                for c in 0..<k where c != a { others += u.xi[c] * p[c] }
                                entry = s[rowStart + a] * s[rowStart + a] * (1 + rho * others) / denominator
                            } else {
                                entry = -rho * p[a] * p[b] / denominator
                            }
                        }
                        inverseBlocks[blockStart + a * k + b] = entry
                        coupling[a * k + b] += entry
                    }
                }
                for a in 0..<k {
                    var value = 0.0
                    for b in 0..<k where isVariable[rowStart + b] {
                        value += inverseBlocks[blockStart + a * k + b] * rhs[rowStart + b]
                    }
                    y[rowStart + a] = value
                    ySum[a] += value
                }
            }
            // Equality-constrained Newton: dx_i = B_i^{-1}(-grad_i - nu) with sum_i dx_i = 0 gives
            // (sum_i B_i^{-1}) nu = sum_i B_i^{-1}(-grad_i), a K x K system; here in the shifted
            // form nu = t lambda-hat + delta.
            for r in 0..<k where !isConstrained[r] {
                for c in 0..<k {
                    coupling[r * k + c] = 0
                    coupling[c * k + r] = 0
                }
                coupling[r * k + r] = 1
                ySum[r] = 0
            }
            let nu = Self.solveSymmetric(coupling, ySum, size: k)
            for r in 0..<k { multipliers[r] = isConstrained[r] ? multipliers[r] + nu[r] / t : 0 }
            var decrement = 0.0
            for i in 0..<n {
                let rowStart = i * k
                let blockStart = i * k * k
                for a in 0..<k {
                    guard isVariable[rowStart + a] else {
                        direction[rowStart + a] = 0
                        continue
                    }
                    var correction = 0.0
                    for b in 0..<k { correction += inverseBlocks[blockStart + a * k + b] * nu[b] }
                    direction[rowStart + a] = y[rowStart + a] - correction
                    decrement += rhs[rowStart + a] * direction[rowStart + a]
                }
            }
            if !(decrement > tolerance) { return }
            var step = 1.0
            for index in s.indices where isVariable[index] && direction[index] < 0 {
                step = min(step, -0.99 * s[index] / direction[index])
            }
            // Backtracking on the directional derivative: at high t the barrier objective is too
            // large for an Armijo test to resolve its decrease, its slope along the direction is
            // not. phi is convex along the line and its slope starts at -decrement; a step whose
            // end slope stays below decrement / 2 still decreases phi by about step * decrement / 4.
            var accepted = false
            for _ in 0..<60 {
                if slope(t: t, at: step, along: direction) <= 0.5 * decrement {
                    accepted = true
                    break
                }
                step *= 0.5
            }
            guard accepted else { return }
            for index in s.indices where isVariable[index] { s[index] += step * direction[index] }
            if decrement < tolerance { return }
        }
    }

    /// The derivative of phi_t along `direction` at `s + step direction`: negative while the step
    /// still descends.
    func slope(t: Double, at step: Double, along direction: [Double]) -> Double {
        var total = 0.0
        for i in 0..<n {
            let rowStart = i * k
            let u = utilities[i]
            var z = 0.0
            var xiDirection = 0.0
            var shiftedPrice = 0.0
            for r in 0..<k where isVariable[rowStart + r] {
                // sum_i direction_ik = 0 per constrained column, so subtracting lambda-hat . direction
                // changes nothing but the cancellation.
                shiftedPrice += multipliers[r] * direction[rowStart + r]
                let value = s[rowStart + r] + step * direction[rowStart + r]
                if value <= 0 { return .infinity }
                z += u.xi[r] * value
                xiDirection += u.xi[r] * direction[rowStart + r]
                total -= direction[rowStart + r] / value
            }
            total -= t * (u.beta * exp(-z) * xiDirection - shiftedPrice)
        }
        return total
    }

    /// Candidate prices: the Newton multipliers nu / t, and the largest marginal utility in each
    /// column. Both are valid dual points; the better bound is kept. A resource nobody values
    /// costs 0, one of capacity 0 costs +infinity (its price enters the dual with weight 0).
    func candidatePrices() -> [[Double]] {
        var marginal = [Double](repeating: 0, count: k)
        for i in 0..<n {
            let rowStart = i * k
            let u = utilities[i]
            let scale = u.beta * exp(-u.exposure(at: s[rowStart..<(rowStart + k)]))
            for r in 0..<k where isVariable[rowStart + r] { marginal[r] = max(marginal[r], scale * u.xi[r]) }
        }
        let fix = { (prices: [Double]) in
            (0..<self.k).map { r in
                self.capacities[r] == 0 ? Double.infinity : (self.isConstrained[r] ? max(0, prices[r]) : 0)
            }
        }
        return [fix(multipliers), fix(marginal)]
    }

    /// Makes the allocation exactly feasible, evaluates the welfare and certifies it by the dual bound.
    func result(t: Double) -> WelfareOptimum {
        var allocation = [[Double]](repeating: [Double](repeating: 0, count: k), count: n)
        var columnSums = [Double](repeating: 0, count: k)
        for i in 0..<n {
            for r in 0..<k where isVariable[i * k + r] {
                allocation[i][r] = max(0, s[i * k + r])
                columnSums[r] += allocation[i][r]
            }
        }
        // Rounding in the Newton steps may let a column exceed its capacity by a few ulps. Scale
        // such a column down so the allocation is exactly feasible.
        for r in 0..<k where columnSums[r] > capacities[r] {
            let scale = capacities[r] / columnSums[r]
            for i in 0..<n { allocation[i][r] *= scale }
        }
        var welfare = 0.0
        var magnitude = 0.0
        for i in 0..<n {
            let u = utilities[i]
            let value = u.value(exposure: u.exposure(at: allocation[i]))
            welfare += value
            magnitude += abs(value)
        }
        var bestPrices = candidatePrices()[0]
        var bound = WelfareOptimizer.dualBound(prices: bestPrices, capacities: capacities, utilities: utilities)
        for prices in candidatePrices().dropFirst() {
            let candidate = WelfareOptimizer.dualBound(prices: prices, capacities: capacities, utilities: utilities)
            if candidate < bound {
                bound = candidate
                bestPrices = prices
            }
        }
        // Summation allowance: each of the two sums of (n + k) terms may carry (n + k) ulps of its magnitude.
        let allowance = Double(n + k + 2) * Double.ulpOfOne * (magnitude + abs(bound))
        let gap = max(0, bound - welfare) + allowance
        return WelfareOptimum(
            allocation: allocation, welfare: welfare, gapBound: gap, prices: bestPrices, newtonSteps: newtonSteps)
    }

    /// Solves the symmetric positive-definite K x K system by Gaussian elimination with partial pivoting.
    static func solveSymmetric(_ matrix: [Double], _ rhs: [Double], size: Int) -> [Double] {
        var a = matrix
        var b = rhs
        for column in 0..<size {
            var pivot = column
            for row in (column + 1)..<size where abs(a[row * size + column]) > abs(a[pivot * size + column]) {
                pivot = row
            }
            if pivot != column {
                for c in 0..<size { a.swapAt(column * size + c, pivot * size + c) }
                b.swapAt(column, pivot)
            }
            let diagonal = a[column * size + column]
            guard diagonal != 0 else { continue }
            for row in (column + 1)..<size {
                let factor = a[row * size + column] / diagonal
                guard factor != 0 else { continue }
                for c in column..<size { a[row * size + c] -= factor * a[column * size + c] }
                b[row] -= factor * b[column]
            }
        }
        var x = [Double](repeating: 0, count: size)
        for row in stride(from: size - 1, through: 0, by: -1) {
            var value = b[row]
            for c in (row + 1)..<size { value -= a[row * size + c] * x[c] }
            let diagonal = a[row * size + row]
            x[row] = diagonal != 0 ? value / diagonal : 0
        }
        return x
    }
}
