import DVCGCore
import Foundation
import Testing

@testable import DVCGSimulation

@Suite struct QuantizedVCGTests {
    /// Brute force over every feasible quantised allocation of two VSPs.
    private func bruteForce(_ utilities: [ExponentialUtility], solver: QuantizedVCG) -> Double {
        let levels = Int((1 / solver.step).rounded())
        var best = 0.0
        for a0 in 0...levels {
            for a1 in 0...levels {
                for a2 in 0...levels {
                    let first = [a0, a1, a2]
                    let second = [levels - a0, levels - a1, levels - a2]
                    best = max(best, solver.value(utilities[0], first) + solver.value(utilities[1], second))
                }
            }
        }
        return best
    }

    @Test func lagrangianDecompositionFindsTheQuantisedOptimumWithinItsCertifiedGap() throws {
        let instance = ProblemInstance.paper(vspCount: 2, seed: 5)
        let solver = QuantizedVCG(step: 0.1)
        let optimum = try WelfareOptimizer().solve(capacities: instance.capacities, utilities: instance.utilities)
        let solution = solver.solve(utilities: instance.utilities, startingPrices: optimum.prices)
        let exact = bruteForce(instance.utilities, solver: solver)
        #expect(solution.welfare <= exact + 1e-9)
        #expect(exact - solution.welfare <= solution.gapBound + 1e-9)
        #expect(solution.welfare >= exact - 1e-6, "two VSPs: the local search reaches the optimum")
        for c in 0..<3 { #expect(solution.bundles.reduce(0) { $0 + $1[c] } <= 10) }
    }

    @Test func finerGridsGetCloserToTheContinuousOptimum() throws {
        let instance = ProblemInstance.paper(vspCount: 10, seed: 1)
        let optimum = try WelfareOptimizer().solve(capacities: instance.capacities, utilities: instance.utilities)
        let coarse = QuantizedVCG(step: 0.05).solve(utilities: instance.utilities, startingPrices: optimum.prices)
        let fine = QuantizedVCG(step: 0.01).solve(
            utilities: instance.utilities, startingPrices: optimum.prices,
            candidate: coarse.bundles.map { $0.map { $0 * 5 } })
        #expect(coarse.welfare <= optimum.welfare + 1e-9)
        #expect(fine.welfare >= coarse.welfare)
        #expect(fine.welfare <= optimum.welfare + 1e-9)
        #expect(fine.welfare / optimum.welfare > 0.999)
    }

    @Test func vcgPaymentsAreNonNegativeAndBelowTheUtility() throws {
        let instance = ProblemInstance.paper(vspCount: 4, seed: 2)
        let optimum = try WelfareOptimizer().solve(capacities: instance.capacities, utilities: instance.utilities)
        let solver = QuantizedVCG(step: 0.05)
        let (solution, payments) = solver.vcg(utilities: instance.utilities, startingPrices: optimum.prices)
        for (i, payment) in payments.enumerated() {
            #expect(payment >= 0)
            // Individual rationality of VCG, up to the certified gaps of the two solves.
            #expect(payment <= solver.value(instance.utilities[i], solution.bundles[i]) + solution.gapBound + 1)
        }
    }
}
