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

    /// Every feasible allocation of three VSPs on the grid, by brute force (independent of both
    /// solvers): the best welfare, with VSP 2 taking what is left (utilities increase).
    private func bruteForceOptimum(_ utilities: [ExponentialUtility], levels: Int, solver: QuantizedVCG) -> (
        welfare: Double, bundles: [[Int]]
    ) {
        if utilities.count == 2 {
            var best = (welfare: -Double.infinity, bundles: [[Int]]())
            for a0 in 0...levels {
                for a1 in 0...levels {
                    for a2 in 0...levels {
                        let b = [[a0, a1, a2], [levels - a0, levels - a1, levels - a2]]
                        let w = solver.value(utilities[0], b[0]) + solver.value(utilities[1], b[1])
                        if w > best.welfare { best = (w, b) }
                    }
                }
            }
            return best
        }
        var best = (welfare: -Double.infinity, bundles: [[Int]]())
        let range = 0...levels
        for a0 in range {
            for a1 in range {
                for a2 in range {
                    for c0 in 0...(levels - a0) {
                        for c1 in 0...(levels - a1) {
                            for c2 in 0...(levels - a2) {
                                let b = [
                                    [a0, a1, a2], [c0, c1, c2], [levels - a0 - c0, levels - a1 - c1, levels - a2 - c2],
                                ]
                                let w = zip(utilities, b).reduce(0) { $0 + solver.value($1.0, $1.1) }
                                if w > best.welfare { best = (w, b) }
                            }
                        }
                    }
                }
            }
        }
        return best
    }

    @Test func theExactSolverMatchesBruteForceAndBoundsTheLagrangianOne() throws {
        let instance = ProblemInstance.paper(vspCount: 3, seed: 4)
        let solver = QuantizedVCG(step: 0.2)
        let exact = solver.exactSolve(utilities: instance.utilities)
        let brute = bruteForceOptimum(instance.utilities, levels: 5, solver: solver)
        #expect(abs(exact.welfare - brute.welfare) < 1e-9)
        #expect(
            abs(zip(instance.utilities, exact.bundles).reduce(0) { $0 + solver.value($1.0, $1.1) } - exact.welfare)
                < 1e-9)
        for c in 0..<3 { #expect(exact.bundles.reduce(0) { $0 + $1[c] } <= 5) }
        let optimum = try WelfareOptimizer().solve(capacities: instance.capacities, utilities: instance.utilities)
        let lagrangian = solver.solve(utilities: instance.utilities, startingPrices: optimum.prices)
        #expect(lagrangian.welfare <= exact.welfare + 1e-9)
        #expect(exact.welfare - lagrangian.welfare <= lagrangian.gapBound + 1e-9)
    }

    @Test func aCollusiveSchemesPaymentsMatchAnIndependentBruteForce() throws {
        // N = 3, q = 0.2: VSPs 0 and 1 report 0.5 and 2 times their utility.
        let instance = ProblemInstance.paper(vspCount: 3, seed: 4)
        let solver = QuantizedVCG(step: 0.2)
        let search = QVCGCollusion(utilities: instance.utilities, colluders: [0, 1], solver: solver)
        let reports = [QVCGCollusion.Report(valueFactor: 0.5), QVCGCollusion.Report(valueFactor: 2)]
        let outcome = try search.evaluate(reports: reports)
        let reported = [
            try ExponentialUtility(beta: instance.utilities[0].beta * 0.5, xi: instance.utilities[0].xi),
            try ExponentialUtility(beta: instance.utilities[1].beta * 2, xi: instance.utilities[1].xi),
            instance.utilities[2],
        ]
        let all = bruteForceOptimum(reported, levels: 5, solver: solver)
        #expect(outcome.bundles == [all.bundles[0], all.bundles[1]])
        for (position, i) in [0, 1].enumerated() {
            var others = reported
            others.remove(at: i)
            let without = bruteForceOptimum(others, levels: 5, solver: solver).welfare
            let othersAtChoice = all.welfare - solver.value(reported[i], all.bundles[i])
            #expect(abs(outcome.payments[position] - (without - othersAtChoice)) < 1e-9)
            #expect(abs(outcome.utilities[position] - solver.value(instance.utilities[i], all.bundles[i])) < 1e-12)
        }
        let trueWelfare = zip(instance.utilities, all.bundles).reduce(0) { $0 + solver.value($1.0, $1.1) }
        #expect(abs(outcome.welfare - trueWelfare) < 1e-9)
        #expect(outcome.gapBound == 0)
    }

    @Test(arguments: [true, false]) func theSearchsTruthfulPointIsPlainQVCG(exact: Bool) throws {
        let instance = ProblemInstance.paper(vspCount: 4, seed: 2)
        let solver = QuantizedVCG(step: 0.1)
        let search = QVCGCollusion(utilities: instance.utilities, colluders: [0, 1], solver: solver, exact: exact)
        let truthful = try search.evaluate(reports: [.truthful, .truthful])
        let (solution, payments): (QuantizedVCG.Solution, [Double])
        if exact {
            (solution, payments) = solver.exactVCG(utilities: instance.utilities, payers: [0, 1, 2, 3])
        } else {
            let optimum = try WelfareOptimizer().solve(capacities: instance.capacities, utilities: instance.utilities)
            (solution, payments) = solver.vcg(utilities: instance.utilities, startingPrices: optimum.prices)
        }
        #expect(truthful.bundles == [solution.bundles[0], solution.bundles[1]])
        #expect(truthful.payments == [payments[0], payments[1]])
        #expect(truthful.welfare == solution.welfare || abs(truthful.welfare - solution.welfare) < 1e-9)
        #expect(search.schemes().count == 18 * 18 + 4 * 18)
        #expect(search.schemes().contains { $0.reports == [.truthful, .truthful] })
    }
}
