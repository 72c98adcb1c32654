import DVCGCore
import Foundation

/// QVCG (Ge & Berry): every VSP reports its utility for every quantised bundle (shares on a grid of
/// step q per resource); the mechanism picks the welfare-maximising quantised allocation and
/// charges VCG payments.
///
/// The winner determination is solved by Lagrangian decomposition over the K capacity
/// constraints instead of an N x M^K integer programme: for prices lambda each VSP's best bundle
/// max_b u_i(b) - lambda . b is found on the grid (the last resource in closed form, since u is
/// concave along it, so only the two grid neighbours of the continuous maximiser are checked);
/// the dual g(lambda) = sum_k lambda_k + sum_i max_b (u_i(b) - lambda . b) is minimised by a
/// subgradient method warm-started at the continuous optimum's prices; the best dual responses
/// are repaired to a feasible allocation greedily. By weak duality g(lambda) >= OPT_q >= W(b), so
/// the gap ``Solution/gapBound`` certifies the result.
public struct QuantizedVCG: Sendable {
    /// The grid step q (0.05 and 0.01 in the paper).
    public let step: Double
    /// Subgradient iterations per solve.
    public var iterations: Int

    /// A solver for grid step `step`.
    public init(step: Double, iterations: Int = 150) {
        precondition(step > 0 && step <= 1, "QVCG step must be in (0, 1]")
        self.step = step
        self.iterations = iterations
    }

    /// A quantised allocation with its certificate.
    public struct Solution: Sendable {
        /// Grid indices per VSP and resource (share = index x step).
        public var bundles: [[Int]]
        /// Its welfare sum_i u_i(b_i) in VC.
        public var welfare: Double
        /// A certified bound on OPT_q - welfare, in VC.
        public var gapBound: Double
        /// The best dual prices found.
        public var prices: [Double]
    }

    /// The welfare-maximising quantised allocation of `utilities` (capacities 1 in shares).
    ///
    /// - Parameters:
    ///   - utilities: The VSPs' reported utilities.
    ///   - startingPrices: Dual prices to start from (the continuous optimum's are close).
    ///   - candidate: A feasible allocation on this grid to start the primal search from (e.g. a
    ///     coarser grid's solution).
    public func solve(utilities: [ExponentialUtility], startingPrices: [Double], candidate: [[Int]]? = nil) -> Solution
    {
        let k = utilities.first?.resourceCount ?? 0
        let levels = Int((1 / step).rounded())
        var lambda = startingPrices.map { max($0, 1e-9) }
        var bestDual = Double.infinity
        var bestLambda = lambda
        var bestPrimal: (bundles: [[Int]], welfare: Double)? = nil
        var scale = max(lambda.max() ?? 1, 1) * 0.05
        for iteration in 0..<max(iterations, 1) {
            var dual = lambda.reduce(0, +)
            var usage = [Double](repeating: 0, count: k)
            var bundles: [[Int]] = []
            for u in utilities {
                let (bundle, surplus) = bestResponse(u, prices: lambda, levels: levels)
                dual += surplus
                for c in 0..<k { usage[c] += Double(bundle[c]) * step }
                bundles.append(bundle)
            }
            if dual < bestDual {
                bestDual = dual
                bestLambda = lambda
            }
            let primal = repair(bundles, utilities: utilities, levels: levels)
            if primal.welfare > (bestPrimal?.welfare ?? -.infinity) { bestPrimal = primal }
            // Subgradient of g: 1 - usage; step shrinks as 1/sqrt(t).
            let rate = scale / (Double(iteration) + 1).squareRoot()
            for c in 0..<k { lambda[c] = max(0, lambda[c] - rate * (1 - usage[c])) }
            if iteration % 50 == 49 { scale *= 0.5 }
        }
        if let candidate, candidate.count == utilities.count {
            let welfare = zip(utilities, candidate).reduce(0) { $0 + value($1.0, $1.1) }
            if welfare > bestPrimal!.welfare { bestPrimal = (candidate, welfare) }
        }
        let primal = improve(bestPrimal!.bundles, utilities: utilities)
        return Solution(
            bundles: primal.bundles, welfare: primal.welfare, gapBound: max(0, bestDual - primal.welfare),
            prices: bestLambda)
    }

    /// VCG on the quantised problem: the allocation, and each VSP's payment
    /// z_i = OPT_q(without i) - sum_{j != i} u_j(b_j).
    public func vcg(utilities: [ExponentialUtility], startingPrices: [Double]) -> (Solution, [Double]) {
        let (all, payments, _) = vcg(
            utilities: utilities, startingPrices: startingPrices, payers: Array(utilities.indices))
        return (all, payments)
    }

    /// VCG on the quantised problem with the payments of `payers` only (one re-solve each).
    ///
    /// - Returns: The allocation, the payments in the order of `payers`, and the largest certified
    ///   gap of the solves (a payment is exact up to the gaps of its two solves).
    public func vcg(utilities: [ExponentialUtility], startingPrices: [Double], payers: [Int]) -> (
        Solution, [Double], Double
    ) {
        let all = solve(utilities: utilities, startingPrices: startingPrices)
        var payments: [Double] = []
        var gap = all.gapBound
        for i in payers {
            var others = utilities
            others.remove(at: i)
            let without = solve(utilities: others, startingPrices: all.prices)
            let othersWelfare = all.welfare - value(utilities[i], all.bundles[i])
            payments.append(max(0, without.welfare - othersWelfare))
            gap = max(gap, without.gapBound)
        }
        return (all, payments, gap)
    }

    /// The exact welfare-maximising quantised allocation by dynamic programming over the grid of
    /// used quanta: f_j(t) = max_{b <= t} f_{j-1}(t - b) + u_j(b), over (1/q + 1)^K states and,
    /// per state pair, every bundle that fits; the last VSP only at full use. Cost about
    /// N ((1/q + 1)(1/q + 2)/2)^K evaluations: 12 million per VSP at q = 0.05, K = 3 (a fraction of
    /// a second), so it is for small markets (the collusion search of Fig. 9) and for checking
    /// the Lagrangian solver; ``Solution/gapBound`` is 0 and ``Solution/prices`` empty.
    public func exactSolve(utilities: [ExponentialUtility]) -> Solution {
        let k = utilities.first?.resourceCount ?? 0
        let levels = Int((1 / step).rounded())
        let side = levels + 1
        var strides = [Int](repeating: 1, count: k)
        for c in stride(from: k - 2, through: 0, by: -1) { strides[c] = strides[c + 1] * side }
        let states = k == 0 ? 1 : strides[0] * side
        func digits(_ index: Int) -> [Int] { (0..<k).map { (index / strides[$0]) % side } }
        let tables = utilities.map { u in (0..<states).map { value(u, digits($0)) } }
        guard let first = tables.first else { return Solution(bundles: [], welfare: 0, gapBound: 0, prices: []) }
        var best = first
        var choices: [[Int]] = []
        for j in 1..<max(tables.count, 1) {
            let table = tables[j]
            let isLast = j == tables.count - 1
            var next = [Double](repeating: -.infinity, count: states)
            var choice = [Int](repeating: 0, count: states)
            for t in (isLast ? (states - 1)..<states : 0..<states) {
                let limit = digits(t)
                // Visit every bundle b <= t (per resource); t - b has index t - b in mixed radix.
                var b = [Int](repeating: 0, count: k)
                var bIndex = 0
                var value = -Double.infinity
                var argument = 0
                while true {
                    let candidate = best[t - bIndex] + table[bIndex]
                    if candidate > value {
                        value = candidate
                        argument = bIndex
                    }
                    var c = k - 1
                    while c >= 0 && b[c] == limit[c] {
                        bIndex -= b[c] * strides[c]
                        b[c] = 0
                        c -= 1
                    }
                    if c < 0 { break }
                    b[c] += 1
                    bIndex += strides[c]
                }
                next[t] = value
                choice[t] = argument
            }
            best = next
            choices.append(choice)
        }
        var t = (0..<states).max { best[$0] < best[$1] }!
        let welfare = best[t]
        var bundles = [[Int]](repeating: [], count: tables.count)
        for j in stride(from: tables.count - 1, through: 1, by: -1) {
            let b = choices[j - 1][t]
            bundles[j] = digits(b)
            t -= b
        }
        bundles[0] = digits(t)
        return Solution(bundles: bundles, welfare: welfare, gapBound: 0, prices: [])
    }

    /// VCG on the quantised problem solved exactly (``exactSolve(utilities:)``): the allocation
    /// and the payments of `payers`, in their order.
    public func exactVCG(utilities: [ExponentialUtility], payers: [Int]) -> (Solution, [Double]) {
        let all = exactSolve(utilities: utilities)
        let payments = payers.map { i in
            var others = utilities
            others.remove(at: i)
            let othersWelfare = all.welfare - value(utilities[i], all.bundles[i])
            return max(0, exactSolve(utilities: others).welfare - othersWelfare)
        }
        return (all, payments)
    }

    func value(_ u: ExponentialUtility, _ bundle: [Int]) -> Double {
        var z = 0.0
        for (c, b) in bundle.enumerated() { z += u.xi[c] * Double(b) * step }
        return u.beta * -expm1(-z)
    }

    /// max_b u(b) - lambda . b over the grid.
    func bestResponse(_ u: ExponentialUtility, prices: [Double], levels: Int) -> ([Int], Double) {
        let k = u.resourceCount
        var best = [Int](repeating: 0, count: k)
        var bestValue = 0.0
        var prefix = [Int](repeating: 0, count: k)
        // Enumerate all resources but the last; the last in closed form.
        func visit(_ c: Int, _ exposure: Double, _ cost: Double) {
            if c == k - 1 {
                let xi = u.xi[c]
                let p = prices[c]
                var candidates = [0, levels]
                if xi > 0 && p > 0 {
                    // d/ds [beta (1 - e^{-(z + xi s)}) - p s] = 0  =>  s = (ln(beta xi / p) - z) / xi.
                    let s = (log(u.beta * xi / p) - exposure) / xi
                    if s > 0 {
                        let index = Int((s / step).rounded(.down))
                        candidates += [min(index, levels), min(index + 1, levels)]
                    }
                }
                for index in candidates {
                    let s = Double(index) * step
                    let v = u.beta * -expm1(-(exposure + xi * s)) - cost - p * s
                    if v > bestValue {
                        bestValue = v
                        prefix[c] = index
                        best = prefix
                    }
                }
                return
            }
            for index in 0...levels {
                prefix[c] = index
                let s = Double(index) * step
                visit(c + 1, exposure + u.xi[c] * s, cost + prices[c] * s)
            }
            prefix[c] = 0
        }
        visit(0, 0, 0)
        return (best, bestValue)
    }

    /// Local search: per resource, move one quantum from the VSP that loses least to the VSP that
    /// gains most while that raises the welfare.
    func improve(_ bundles: [[Int]], utilities: [ExponentialUtility]) -> (bundles: [[Int]], welfare: Double) {
        var b = bundles
        let k = utilities.first?.resourceCount ?? 0
        var moved = true
        var passes = 0
        while moved && passes < 10_000 {
            moved = false
            passes += 1
            for c in 0..<k {
                var donor = -1
                var loss = Double.infinity
                var receiver = -1
                var gain = -Double.infinity
                for i in b.indices {
                    let here = value(utilities[i], b[i])
                    if b[i][c] > 0 {
                        var smaller = b[i]
                        smaller[c] -= 1
                        let l = here - value(utilities[i], smaller)
                        if l < loss {
                            loss = l
                            donor = i
                        }
                    }
                    var larger = b[i]
                    larger[c] += 1
                    let g = value(utilities[i], larger) - here
                    if g > gain {
                        gain = g
                        receiver = i
                    }
                }
                if donor >= 0, receiver >= 0, donor != receiver, gain - loss > 1e-9 {
                    b[donor][c] -= 1
                    b[receiver][c] += 1
                    moved = true
                }
            }
        }
        return (b, zip(utilities, b).reduce(0) { $0 + value($1.0, $1.1) })
    }

    /// Makes dual responses feasible (each resource's grid indices sum to at most 1/step): while a
    /// resource is over, take one quantum from the VSP that loses least; then give leftover quanta
    /// to the VSP that gains most.
    func repair(_ bundles: [[Int]], utilities: [ExponentialUtility], levels: Int) -> (bundles: [[Int]], welfare: Double)
    {
        var b = bundles
        let k = utilities.first?.resourceCount ?? 0
        for c in 0..<k {
            var used = b.reduce(0) { $0 + $1[c] }
            while used > levels {
                var choice = -1
                var loss = Double.infinity
                for i in b.indices where b[i][c] > 0 {
                    var smaller = b[i]
                    smaller[c] -= 1
                    let l = value(utilities[i], b[i]) - value(utilities[i], smaller)
                    if l < loss {
                        loss = l
                        choice = i
                    }
                }
                b[choice][c] -= 1
                used -= 1
            }
            while used < levels && !b.isEmpty {
                var choice = 0
                var gain = -Double.infinity
                for i in b.indices {
                    var larger = b[i]
                    larger[c] += 1
                    let g = value(utilities[i], larger) - value(utilities[i], b[i])
                    if g > gain {
                        gain = g
                        choice = i
                    }
                }
                if gain <= 0 { break }
                b[choice][c] += 1
                used += 1
            }
        }
        let welfare = zip(utilities, b).reduce(0) { $0 + value($1.0, $1.1) }
        return (b, welfare)
    }
}
