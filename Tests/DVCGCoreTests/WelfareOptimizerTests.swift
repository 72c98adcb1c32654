import Foundation
import Testing

@testable import DVCGCore

/// A certified reference case, kept in Fixtures.
struct ReferenceCase: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let capacities: [Double]
    let beta: [Double]
    let xi: [[Double]]
    let optimal_welfare: Double
    let gap_bound: Double
    let welfare_without: [Double]
    let vcg_payments: [Double]

    var testDescription: String { name }

    var utilities: [ExponentialUtility] {
        zip(beta, xi).map { try! ExponentialUtility(beta: $0, xi: $1) }
    }

    static let all: [ReferenceCase] = {
        let url = Bundle.module.url(forResource: "optimum-public", withExtension: "json", subdirectory: "Fixtures")!
        return try! JSONDecoder().decode([ReferenceCase].self, from: Data(contentsOf: url))
    }()
}

/// An independent reference: min over lambda >= 0 of the closed-form dual g(lambda) equals the
/// optimum (strong duality, Slater holds). Minimised by nested golden-section search over the K
/// prices (the partial minimum of a convex function is convex), each to about 1e-12 of its range.
func dualReferenceOptimum(capacities: [Double], utilities: [ExponentialUtility]) -> Double {
    let k = capacities.count
    // Beyond max_i beta_i xi_ik nobody buys resource k: the optimal price lies below.
    let upper = (0..<k).map { r in utilities.map { $0.beta * $0.xi[r] }.max() ?? 0 }
    var prices = [Double](repeating: 0, count: k)
    let ratio = (5.0.squareRoot() - 1) / 2
    func minimize(_ r: Int) -> Double {
        if r == k { return WelfareOptimizer.dualBound(prices: prices, capacities: capacities, utilities: utilities) }
        if capacities[r] == 0 {
            prices[r] = .infinity
            return minimize(r + 1)
        }
        func value(_ x: Double) -> Double {
            prices[r] = x
            return minimize(r + 1)
        }
        var lo = 0.0
        var hi = upper[r]
        var a = hi - ratio * (hi - lo)
        var b = lo + ratio * (hi - lo)
        var fa = value(a)
        var fb = value(b)
        for _ in 0..<58 {
            if fa <= fb {
                hi = b; b = a; fb = fa
                a = hi - ratio * (hi - lo); fa = value(a)
            } else {
                lo = a; a = b; fa = fb
                b = lo + ratio * (hi - lo); fb = value(b)
            }
        }
        return min(fa, fb, value((lo + hi) / 2))
    }
    return minimize(0)
}

@Suite struct WelfareOptimizerTests {
    let solver = WelfareOptimizer()

    func expectFeasible(_ optimum: WelfareOptimum, capacities: [Double]) {
        for (r, c) in capacities.enumerated() {
            let used = optimum.allocation.reduce(0) { $0 + $1[r] }
            #expect(used <= c, "resource \(r) over capacity: \(used) > \(c)")
        }
        #expect(optimum.allocation.allSatisfy { $0.allSatisfy { $0 >= 0 } })
    }

    @Test(arguments: ReferenceCase.all)
    func optimumMatchesCertifiedReference(_ reference: ReferenceCase) throws {
        let optimum = try solver.solve(capacities: reference.capacities, utilities: reference.utilities)
        expectFeasible(optimum, capacities: reference.capacities)
        // Both solutions are certified: |ours - theirs| <= our gap + their gap, and relative 1e-8 is the bar.
        #expect(optimum.gapBound <= 1e-9 * optimum.welfare)
        #expect(
            abs(optimum.welfare - reference.optimal_welfare) <= optimum.gapBound + reference.gap_bound + 1e-12
                * optimum.welfare)
        #expect(abs(optimum.welfare - reference.optimal_welfare) / reference.optimal_welfare < 1e-8)
    }

    @Test(arguments: ReferenceCase.all.filter { $0.beta.count <= 12 })
    func welfareWithoutAndPaymentsMatchReference(_ reference: ReferenceCase) throws {
        let outcome = try solver.vcg(capacities: reference.capacities, utilities: reference.utilities)
        for i in reference.beta.indices {
            #expect(abs(outcome.welfareWithout[i] - reference.welfare_without[i]) / reference.welfare_without[i] < 1e-8)
            // Payments are differences of two optima, so their error is absolute: gap bounds plus 1e-7 VC.
            #expect(abs(outcome.payments[i] - reference.vcg_payments[i]) <= outcome.paymentGapBounds[i] + 1e-9)
        }
    }

    @Test(arguments: ReferenceCase.all.filter { $0.beta.count <= 6 })
    func optimumMatchesIndependentDualMinimum(_ reference: ReferenceCase) throws {
        let optimum = try solver.solve(capacities: reference.capacities, utilities: reference.utilities)
        let dual = dualReferenceOptimum(capacities: reference.capacities, utilities: reference.utilities)
        #expect(abs(optimum.welfare - dual) / dual < 1e-9)
    }

    @Test func singleVSPTakesEverything() throws {
        let u = try ExponentialUtility(beta: 150, xi: [2, 0.5, 3])
        let capacities = [1.0, 2.0, 0.5]
        let optimum = try solver.solve(capacities: capacities, utilities: [u])
        let exact = 150 * (1 - exp(-(2 * 1 + 0.5 * 2 + 3 * 0.5)))
        #expect(abs(optimum.welfare - exact) <= optimum.gapBound + 1e-12)
        #expect(optimum.gapBound < 1e-9)
    }

    @Test func vspThatValuesNothingGetsNothing() throws {
        let utilities = [
            try ExponentialUtility(beta: 120, xi: [0, 0, 0]),
            try ExponentialUtility(beta: 180, xi: [1, 2, 3]),
        ]
        let optimum = try solver.solve(capacities: [1, 1, 1], utilities: utilities)
        #expect(optimum.allocation[0] == [0, 0, 0])
        #expect(abs(optimum.welfare - 180 * (1 - exp(-6))) <= optimum.gapBound + 1e-12)
    }

    @Test func singleResourceVSPsSplitByEqualMarginalUtility() throws {
        // Two VSPs value resource 0 only: beta1 xi1 e^{-xi1 s} = beta2 xi2 e^{-xi2 (1 - s)}
        // gives s = (ln(beta1 xi1 / (beta2 xi2)) + xi2) / (xi1 + xi2).
        let (b1, x1, b2, x2) = (150.0, 4.0, 110.0, 6.0)
        let utilities = [
            try ExponentialUtility(beta: b1, xi: [x1, 0, 0]), try ExponentialUtility(beta: b2, xi: [x2, 0, 0]),
        ]
        let optimum = try solver.solve(capacities: [1, 1, 1], utilities: utilities)
        let share = (log(b1 * x1 / (b2 * x2)) + x2) / (x1 + x2)
        let exact = b1 * (1 - exp(-x1 * share)) + b2 * (1 - exp(-x2 * (1 - share)))
        #expect(abs(optimum.welfare - exact) <= optimum.gapBound + 1e-12)
        #expect(abs(optimum.allocation[0][0] - share) < 1e-9)
        #expect(optimum.allocation[0][1] == 0 && optimum.allocation[1][2] == 0)
    }

    @Test func zeroCapacityResourceIsAllocatedToNobody() throws {
        let utilities = [
            try ExponentialUtility(beta: 100, xi: [1, 5, 1]), try ExponentialUtility(beta: 200, xi: [2, 1, 9]),
        ]
        let optimum = try solver.solve(capacities: [1, 0, 1], utilities: utilities)
        #expect(optimum.allocation.allSatisfy { $0[1] == 0 })
        let dual = dualReferenceOptimum(capacities: [1, 0, 1], utilities: utilities)
        #expect(abs(optimum.welfare - dual) / dual < 1e-9)
    }

    @Test func unequalCapacitiesAgreeWithDualReference() throws {
        var generator = SeededGenerator(seed: 7)
        let utilities = try (0..<5).map { _ in
            try ExponentialUtility(beta: generator.uniform(100, 200), xi: (0..<3).map { _ in generator.uniform(0, 10) })
        }
        let capacities = [3.0, 0.25, 1.5]
        let optimum = try solver.solve(capacities: capacities, utilities: utilities)
        expectFeasible(optimum, capacities: capacities)
        let dual = dualReferenceOptimum(capacities: capacities, utilities: utilities)
        #expect(abs(optimum.welfare - dual) / dual < 1e-9)
        #expect(optimum.gapBound <= 1e-9 * optimum.welfare)
    }

    @Test func noVSPsGiveZeroWelfare() throws {
        let optimum = try solver.solve(capacities: [1, 1, 1], utilities: [])
        #expect(optimum.welfare == 0)
        #expect(optimum.gapBound < 1e-15)
    }

    @Test func vcgPaymentOfSoleVSPIsZero() throws {
        let outcome = try solver.vcg(
            capacities: [1, 1, 1], utilities: [try ExponentialUtility(beta: 150, xi: [1, 2, 3])])
        #expect(outcome.welfareWithout == [0])
        #expect(outcome.payments == [0])
    }

    @Test func largeInstanceIsCertified() throws {
        var generator = SeededGenerator(seed: 11)
        let utilities = try (0..<1000).map { _ in
            try ExponentialUtility(beta: generator.uniform(100, 200), xi: (0..<3).map { _ in generator.uniform(0, 10) })
        }
        let optimum = try solver.solve(capacities: [1, 1, 1], utilities: utilities)
        expectFeasible(optimum, capacities: [1, 1, 1])
        #expect(optimum.gapBound <= 1e-9 * optimum.welfare)
    }

    @Test func invalidInputsAreTypedErrors() {
        #expect(throws: MechanismError.invalidCapacity(resource: 1, value: -1)) {
            try solver.solve(capacities: [1, -1, 1], utilities: [])
        }
        #expect(throws: MechanismError.resourceCountMismatch(expected: 3, found: 2)) {
            try solver.solve(capacities: [1, 1, 1], utilities: [try ExponentialUtility(beta: 1, xi: [1, 1])])
        }
        #expect(throws: MechanismError.emptyRoster) { try solver.vcg(capacities: [1], utilities: []) }
        #expect(throws: MechanismError.invalidUtilityParameter(name: "xi[1]", value: -.infinity)) {
            try ExponentialUtility(beta: 1, xi: [1, -.infinity])
        }
    }
}
