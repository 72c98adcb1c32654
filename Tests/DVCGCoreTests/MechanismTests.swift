import Foundation
import Testing

@testable import DVCGCore

@Suite struct UtilityAndProfitTests {
    @Test func utilityFollowsEquation39() throws {
        let u = try ExponentialUtility(beta: 150, xi: [2, 4, 0])
        // z = 2 * 0.25 + 4 * 0.5 + 0 * 1 = 2.5; u = 150 (1 - e^-2.5) = 137.6873...
        let value = try u.value(at: [0.25, 0.5, 1])
        #expect(abs(value - 137.687_250_206_415_2) < 1e-12)
        #expect(try u.value(at: [0, 0, 0]) == 0)
        let gradient = try u.gradient(at: [0.25, 0.5, 1])
        #expect(abs(gradient[0] - 2 * 150 * exp(-2.5)) < 1e-12)
        #expect(gradient[2] == 0)
    }

    @Test func utilityRejectsBadSlices() throws {
        let u = try ExponentialUtility(beta: 150, xi: [2, 4, 0])
        #expect(throws: MechanismError.resourceCountMismatch(expected: 3, found: 2)) { try u.value(at: [0, 0]) }
        #expect(throws: MechanismError.self) { try u.value(at: [0, -0.1, 0]) }
        #expect(throws: MechanismError.self) { try u.value(at: [0, .nan, 0]) }
        #expect(throws: MechanismError.invalidUtilityParameter(name: "beta", value: -1)) {
            try ExponentialUtility(beta: -1, xi: [1])
        }
    }

    @Test func grossProfitAndProfitFollowEquations5And6() throws {
        let model = try ProfitModel(alpha: 1.5, noiseMean: 2, noiseStandardDeviation: 0)
        #expect(model.grossProfit(utility: 100, noise: 3) == 153)
        #expect(ProfitModel.profit(grossProfit: 153, tax: 40) == 113)
        var generator = SeededGenerator(seed: 1)
        // sigma = 0: w is exactly mu.
        #expect(model.grossProfit(utility: 100, using: &generator) == 152)
        #expect(throws: MechanismError.self) { try ProfitModel(alpha: 1, noiseStandardDeviation: -1) }
    }

    @Test func profitNoiseHasTheConfiguredMoments() throws {
        let model = try ProfitModel(alpha: 1, noiseMean: 5, noiseStandardDeviation: 2)
        var generator = SeededGenerator(seed: 99)
        let draws = (0..<100_000).map { _ in model.grossProfit(utility: 0, using: &generator) }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws.count - 1)
        // Standard errors: 2 / sqrt(1e5) = 0.0063 for the mean; about 0.018 for the variance of 4.
        #expect(abs(mean - 5) < 0.03)
        #expect(abs(variance - 4) < 0.1)
    }
}

@Suite struct BankTests {
    @Test func poolSumsTheVoIEstimates() throws {
        #expect(try Bank.pool(voi: [10, 20.5, 30]) == 60.5)
        #expect(try Bank.pool(voi: []) == 0)
        #expect(throws: MechanismError.invalidValue(name: "VoI of VSP #1", value: .infinity)) {
            try Bank.pool(voi: [1, .infinity])
        }
    }

    @Test func loansSplitThePoolInProportionToBids() throws {
        // K_i = F_P x_i / sum x = 120 * (10, 30, 20) / 60.
        // min(x_i, max(F_P, sum_{j != i} min(x_j, F_P))), by hand.
        #expect(try Bank.financedBids(bids: [10, 1e9, 120, 0], pool: 120) == [10, 130, 120, 0])
        #expect(try Bank.financedBids(bids: [1e9, 1e9, 50], pool: 100) == [150, 150, 50])
        #expect(try Bank.financedBids(bids: [1e9], pool: 100) == [100])
        // An unfitted bank's low pool: each bid is below the others' together.
        #expect(try Bank.financedBids(bids: [150, 120, 130, 140], pool: 100) == [150, 120, 130, 140])
        #expect(try Bank.financedBids(bids: [10, 1e9], pool: -5) == [10, 1e9])  // no credit line
        // A pair over-bidding in a market of ten, by hand: each line is max(120, 8 x 12 + 120) = 216, together
        // 528 against twice max(pool 120, the market by its median bid 10 x 12 = 120) = 240: water-filled to
        // 8 x 12 + 2 x 72. One over-bidder alone keeps its line of 120 (9 x 12 + 120 = 228 <= 240).
        let twelves = [Double](repeating: 12, count: 8)
        #expect(try Bank.financedBids(bids: twelves + [1e9, 1e9], pool: 120) == twelves + [72, 72])
        #expect(try Bank.financedBids(bids: twelves + [12, 1e9], pool: 120) == twelves + [12, 120])
        #expect(Bank.waterLevel(of: [1, 2, 3], total: 6) == .infinity)
        #expect(Bank.waterLevel(of: [1, 5, 5], total: 7) == 3)
        // A VSP without reports first at 2 F_P / N = 2 * 120 / 4 = 60, by hand; the others as before,
        // counting its financed 60: min(1e9, max(120, 60 + 120 + 0)) = 180 for the second, reported, one.
        #expect(
            try Bank.financedBids(bids: [1e9, 1e9, 120, 0], pool: 120, unreported: [true, false, false, false])
                == [60, 180, 120, 0])
        #expect(try Bank.financedBids(bids: [50, 1e9], pool: 120, unreported: [true, true]) == [50, 120])
        #expect(try Bank.financedBids(bids: [10, 1e9], pool: -5, unreported: [true, true]) == [10, 1e9])
        #expect(throws: MechanismError.invalidBid(vsp: 1, amount: -1)) {
            try Bank.financedBids(bids: [1, -1], pool: 10)
        }
        #expect(try Bank.loans(bids: [10, 30, 20], pool: 120) == [20, 60, 40])
        #expect(try Bank.loans(bids: [0, 0], pool: 120) == [0, 0])
        #expect(throws: MechanismError.invalidBid(vsp: 1, amount: -1)) { try Bank.loans(bids: [1, -1], pool: 10) }
        let error = #expect(throws: MechanismError.self) { try Bank.loans(bids: [.nan], pool: 10) }
        #expect(error?.description == "bid of VSP #0 must be finite and >= 0, got nan")
    }

    @Test func welfareWithoutIsClampedByEquation30() throws {
        #expect(try Bank.clampedWelfareWithout(estimate: 50, maximumPool: 100, maximumPoolWithout: 60) == 60)
        #expect(try Bank.clampedWelfareWithout(estimate: 150, maximumPool: 100, maximumPoolWithout: 60) == 100)
        #expect(try Bank.clampedWelfareWithout(estimate: 80, maximumPool: 100, maximumPoolWithout: 60) == 80)
        #expect(throws: MechanismError.self) {
            try Bank.clampedWelfareWithout(estimate: .nan, maximumPool: 100, maximumPoolWithout: 60)
        }
    }

    @Test func externalityIsClippedAtZero() throws {
        #expect(try Bank.externality(welfareWithout: 500, othersWelfare: 470) == 30)
        #expect(try Bank.externality(welfareWithout: 450, othersWelfare: 470) == 0)
    }

    @Test func taxFollowsEquation18AndNVIDropsInterest() throws {
        let interest = try Bank.interest(loan: 40, utilityEstimate: 55)
        #expect(interest == 15)
        #expect(try Bank.tax(alphaHat: 1.2, externality: 30, interest: interest) == 1.2 * 45)
        #expect(try Bank.tax(alphaHat: 1.2, externality: 30, interest: interest, chargesInterest: false) == 1.2 * 30)
        #expect(throws: MechanismError.self) { try Bank.tax(alphaHat: 1, externality: -1, interest: 0) }
    }
}

@Suite struct NSPTests {
    @Test func noiseScaleIsDimensionless() throws {
        // sigma = max(sum x - SW*, 0) / (N SW*) = (300 - 200) / (3 * 200).
        #expect(try NSP.noiseScale(bids: [100, 100, 100], proposedWelfare: 200) == 100.0 / 600.0)
        #expect(try NSP.noiseScale(bids: [50, 50], proposedWelfare: 200) == 0)
        #expect(try NSP.noiseScale(bids: [50, 50], proposedWelfare: 0) == 0)
        // Doubling every bid and the welfare leaves sigma unchanged.
        #expect(try NSP.noiseScale(bids: [200, 200, 200], proposedWelfare: 400) == 100.0 / 600.0)
    }

    @Test func perturbedAllocationClipsAndNormalises() throws {
        let proposal = try Allocation(rows: [[0.5, 0.2], [0.5, 0.8]])
        let realised = try NSP.perturbedAllocation(proposal, noise: [0.1, -0.3, -0.1, 0.2])
        // Column 0: (0.6, 0.4) sums to 1. Column 1: (max(-0.1, 0), 1.0) -> (0, 1).
        #expect(abs(realised[0, 0] - 0.6) < 1e-15 && abs(realised[1, 0] - 0.4) < 1e-15)
        #expect(realised[0, 1] == 0 && realised[1, 1] == 1)
        // A column wiped out by the noise keeps the proposal's column.
        let wiped = try NSP.perturbedAllocation(proposal, noise: [0, -1, 0, -1])
        #expect(wiped[0, 1] == 0.2 && wiped[1, 1] == 0.8)
    }

    @Test func zeroNoiseReturnsTheProposalAndDrawsNothing() throws {
        let proposal = try Allocation.equalSplit(vspCount: 4, resourceCount: 3)
        var generator = SeededGenerator(seed: 5)
        let before = generator
        #expect(try NSP.perturbedAllocation(proposal, scale: 0, using: &generator) == proposal)
        #expect(generator == before)
        let noisy = try NSP.perturbedAllocation(proposal, scale: 0.05, using: &generator)
        #expect(noisy.columnSums.allSatisfy { abs($0 - 1) < 1e-12 })
        #expect(noisy != proposal)
    }
}

@Suite struct AllocationTests {
    @Test func equalSplitGivesEachVSPOneNth() throws {
        let allocation = try Allocation.equalSplit(vspCount: 4, resourceCount: 3)
        #expect(allocation.shares.allSatisfy { $0 == 0.25 })
        #expect(allocation.meanShareOfOthers(than: 0) == [0.25, 0.25, 0.25])
        #expect(throws: MechanismError.emptyRoster) { try Allocation.equalSplit(vspCount: 0, resourceCount: 3) }
    }

    @Test func sharesOutsideTheUnitIntervalAreRejected() {
        #expect(throws: MechanismError.invalidShare(vsp: 1, resource: 0, value: 1.5)) {
            try Allocation(rows: [[0, 0], [1.5, 0]])
        }
        #expect(throws: MechanismError.invalidShare(vsp: 0, resource: 1, value: -0.1)) {
            try Allocation(rows: [[0, -0.1]])
        }
        #expect(throws: MechanismError.resourceCountMismatch(expected: 2, found: 3)) {
            try Allocation(rows: [[0, 0], [0, 0, 0]])
        }
        #expect(throws: MechanismError.emptyRoster) { try Allocation(rows: []) }
        // Column 0 sums to 1.2.
        #expect(throws: MechanismError.self) { try Allocation(rows: [[0.6, 0], [0.6, 0]]) }
    }

    @Test func slicesAreSharesTimesCapacity() throws {
        let allocation = try Allocation(rows: [[0.25, 0.5], [0.75, 0.5]])
        #expect(allocation.slice(of: 1, capacities: [100, 8]) == [75, 4])
        #expect(allocation.meanShareOfOthers(than: 0) == [0.75, 0.5])
    }
}

@Suite struct ActionSpaceTests {
    @Test func standardSpaceHasSevenLevels() {
        #expect(ActionSpace.standard.levels == [-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3])
        #expect(ActionSpace.standard.neutralLevel == 3)
        #expect(ActionSpace.standard.minimumShare == 1e-4)
    }

    @Test func actionsScaleSharesThenNormalise() throws {
        let allocation = try Allocation(rows: [[0.5, 0.5], [0.5, 0.5]])
        // VSP 0: +0.3 on resource 0, -0.3 on resource 1; VSP 1: no change.
        let next = try ActionSpace.standard.apply([6, 0, 3, 3], to: allocation)
        // Column 0: (0.65, 0.5) / 1.15; column 1: (0.35, 0.5) / 0.85.
        #expect(abs(next[0, 0] - 0.65 / 1.15) < 1e-15)
        #expect(abs(next[1, 1] - 0.5 / 0.85) < 1e-15)
    }

    @Test func starvedVSPIsLiftedToTheFloor() throws {
        let allocation = try Allocation(rows: [[0, 1], [1, 0]])
        let next = try ActionSpace.standard.apply([3, 3, 3, 3], to: allocation)
        // max(0 * 1, 1e-4) = 1e-4, then the column (1e-4, 1) is normalised.
        #expect(abs(next[0, 0] - 1e-4 / 1.0001) < 1e-15)
        #expect(next[0, 0] > 0 && next[1, 1] > 0)
    }

    @Test func outOfRangeLevelIsATypedError() throws {
        let allocation = try Allocation.equalSplit(vspCount: 2, resourceCount: 2)
        #expect(throws: MechanismError.invalidActionLevel(vsp: 1, resource: 0, level: 7)) {
            try ActionSpace.standard.apply([3, 3, 7, 3], to: allocation)
        }
        #expect(throws: MechanismError.self) { try ActionSpace.standard.apply([3], to: allocation) }
    }
}

@Suite struct AlphaEstimatorTests {
    @Test func priorHoldsUntilTwoReports() throws {
        var estimator = AlphaEstimator()
        #expect(estimator.estimate() == 1)
        try estimator.record(utility: 100, grossProfit: 150)
        #expect(estimator.estimate() == 1)
        #expect(estimator.estimate(.ratio) == 1)
    }

    @Test func leastSquaresWithInterceptRecoversAlphaDespiteNoiseMean() throws {
        var estimator = AlphaEstimator()
        // G = 1.5 U + 20 exactly: OLS slope 1.5; the ratio form is biased by 20 / U.
        for u in [80.0, 100, 120, 140] { try estimator.record(utility: u, grossProfit: 1.5 * u + 20) }
        #expect(abs(estimator.estimate(.ordinaryLeastSquares) - 1.5) < 1e-12)
        let ratio = (1.5 + 20 / 80.0 + 1.5 + 20 / 100.0 + 1.5 + 20 / 120.0 + 1.5 + 20 / 140.0) / 4
        #expect(abs(estimator.estimate(.ratio) - ratio) < 1e-12)
    }

    @Test func leastSquaresFallsBackToRatioWhenUtilityNeverVaries() throws {
        var estimator = AlphaEstimator()
        try estimator.record(utility: 100, grossProfit: 120)
        try estimator.record(utility: 100, grossProfit: 140)
        #expect(abs(estimator.estimate() - 1.3) < 1e-15)
    }

    @Test func anEstimateAtOrBelowZeroGivesThePrior() throws {
        // Gross profit falling as utility rises: slope -0.5 by hand, which would make a tax a payment.
        var falling = AlphaEstimator()
        for u in [80.0, 100, 120] { try falling.record(utility: u, grossProfit: 200 - 0.5 * u) }
        #expect(falling.estimate(.ordinaryLeastSquares) == AlphaEstimator.prior)
        // A negative utility's report (dvcgctl report --utility -5) and a loss: mean G/U is -0.2 - 0.6 < 0.
        var losses = AlphaEstimator()
        try losses.record(utility: 5, grossProfit: -1)
        try losses.record(utility: 5, grossProfit: -3)
        #expect(losses.estimate(.ratio) == AlphaEstimator.prior)
        #expect(losses.estimate(.ordinaryLeastSquares) == AlphaEstimator.prior, "no variance of U: the ratio form")
    }

    @Test func nonFiniteReportLeavesEstimatorUnchanged() throws {
        var estimator = AlphaEstimator()
        try estimator.record(utility: 10, grossProfit: 12)
        let before = estimator
        #expect(throws: MechanismError.self) { try estimator.record(utility: .nan, grossProfit: 1) }
        #expect(estimator == before)
    }
}

@Suite struct VSPIDTests {
    @Test(arguments: ["vsp-1", "A.b_c", String(repeating: "x", count: 64)])
    func validIdentifiersAreAccepted(_ text: String) throws {
        #expect(try VSPID(text).rawValue == text)
    }

    @Test(arguments: ["", "a b", "ä", "x/y", String(repeating: "x", count: 65)])
    func invalidIdentifiersAreRejected(_ text: String) {
        #expect(throws: MechanismError.invalidVSPID(text)) { try VSPID(text) }
    }
}

// The rule of a bid (finite, >= 0) is the bid book's; StateMachineTests checks it, infinity included.
@Suite struct RoundNumberTests {
    @Test func roundsAdvanceByOne() {
        #expect(RoundNumber(3).next == RoundNumber(4))
    }
}
