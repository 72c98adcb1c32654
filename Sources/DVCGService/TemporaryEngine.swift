import DVCGCore
import DVCGLearning
import Foundation

// TEMPORARY ADAPTER (issue 5): stands in for issue 4's mechanism engine until it is merged.
// It serves a frozen policy greedily with DVCGCore's equations and approximates SW_-i by the others'
// welfare at the proposed slice; it does not learn. Delete it once the engine of issue 4 is wired in.

/// A stand-in ``AuctionEngine`` that serves a policy without learning (temporary, see the file's header).
struct TemporaryEngine: AuctionEngine {
    /// Errors of the stand-in engine.
    enum Failure: Error, CustomStringConvertible {
        case alreadyRegistered(VSPID)
        case unknownVSP(VSPID)
        case policyMismatch(String)

        var description: String {
            switch self {
            case .alreadyRegistered(let id): return "VSP \(id) is already registered"
            case .unknownVSP(let id): return "VSP \(id) is not registered"
            case .policyMismatch(let reason): return "the policy does not fit: \(reason)"
            }
        }
    }

    /// What survives a restart.
    struct State: Codable {
        var shares: [VSPID: [Double]] = [:]
        var estimators: [VSPID: AlphaEstimator] = [:]
    }

    private(set) var policy: PolicyCheckpoint
    private let mechanism: MechanismConfiguration
    private let resourceCount: Int
    private let seed: UInt64
    private var networks: [VSPID: NetworkSet] = [:]
    private var state = State()

    /// - Throws: ``Failure/policyMismatch(_:)`` when the policy's K differs from the resources'.
    init(policy: PolicyCheckpoint, resourceCount: Int, mechanism: MechanismConfiguration, seed: UInt64) throws {
        guard policy.architecture.resourceCount == resourceCount else {
            throw Failure.policyMismatch(
                "it is for K = \(policy.architecture.resourceCount) resources, the configuration has \(resourceCount)")
        }
        self.policy = policy
        self.mechanism = mechanism
        self.resourceCount = resourceCount
        self.seed = seed
    }

    var registeredVSPs: [VSPID] { networks.keys.sorted() }

    mutating func register(_ vsp: VSPID) throws {
        guard networks[vsp] == nil else { throw Failure.alreadyRegistered(vsp) }
        networks[vsp] = policy.vsps[vsp.rawValue] ?? policy.template
    }

    mutating func deregister(_ vsp: VSPID) {
        networks[vsp] = nil
        state.shares[vsp] = nil
        state.estimators[vsp] = nil
    }

    mutating func runRound(round: RoundNumber, bids: [VSPID: Double]) throws -> RoundOutcome {
        let ids = bids.keys.filter { networks[$0] != nil }.sorted()
        guard !ids.isEmpty else { return .empty(round) }
        let n = ids.count
        let k = resourceCount
        let bidValues = ids.map { bids[$0]! }
        // Last realised shares renormalised over the participants; a newcomer starts at 1/N.
        var raw: [Double] = []
        for id in ids { raw += state.shares[id] ?? [Double](repeating: 1 / Double(n), count: k) }
        let current = try Allocation.normalizing(raw, vspCount: n, resourceCount: k)
        let voi = try ids.indices.map { i in try value(of: ids[i], at: Array(current.shares(of: i))) }
        let pool = try Bank.pool(voi: voi)
        let loans = try Bank.loans(bids: bidValues, pool: pool)
        var actions: [Int] = []
        let levels = policy.architecture.actionLevels.count
        for (i, id) in ids.enumerated() {
            let input = Array(current.shares(of: i)) + current.meanShareOfOthers(than: i)
            let logits = networks[id]!.actor.forward(Matrix(rows: 1, columns: 2 * k, values: input.map(Float.init)))
            for r in 0..<k {
                let row = (0..<levels).map { logits[0, r * levels + $0] }
                actions.append(row.indices.max { row[$0] < row[$1] } ?? 0)
            }
        }
        let space = try ActionSpace(levels: policy.architecture.actionLevels, minimumShare: 1e-4)
        let proposal = try space.apply(actions, to: current)
        let proposedUtilities = try ids.indices.map { i in try value(of: ids[i], at: Array(proposal.shares(of: i))) }
        let proposedWelfare = proposedUtilities.reduce(0, +)
        let sigma = mechanism.noise ? try NSP.noiseScale(bids: bidValues, proposedWelfare: proposedWelfare) : 0
        var generator = SeededGenerator(seed: seed ^ (round.value &* 0x9E37_79B9_7F4A_7C15))
        let realised = try NSP.perturbedAllocation(proposal, scale: sigma, using: &generator)
        let realisedUtilities = try ids.indices.map { i in try value(of: ids[i], at: Array(realised.shares(of: i))) }
        let realisedWelfare = realisedUtilities.reduce(0, +)
        var entries: [VSPRoundEntry] = []
        for (i, id) in ids.enumerated() {
            let without = proposedWelfare - proposedUtilities[i]
            let externality = try Bank.externality(
                welfareWithout: without, othersWelfare: realisedWelfare - realisedUtilities[i])
            let interest = mechanism.interest ? try Bank.interest(loan: loans[i], proposedUtility: proposedUtilities[i]) : 0
            let alphaHat = (state.estimators[id] ?? AlphaEstimator()).estimate(mechanism.alphaEstimator)
            let tax = try Bank.tax(
                alphaHat: alphaHat, externality: externality, interest: interest, chargesInterest: mechanism.interest)
            entries.append(
                VSPRoundEntry(
                    vsp: id, bid: bidValues[i], loan: loans[i], voi: voi[i], proposedShares: Array(proposal.shares(of: i)),
                    realisedShares: Array(realised.shares(of: i)), proposedUtility: proposedUtilities[i],
                    welfareWithout: without, externality: externality, interest: interest, alphaHat: alphaHat, tax: tax))
        }
        for (i, id) in ids.enumerated() { state.shares[id] = Array(realised.shares(of: i)) }
        return RoundOutcome(
            round: round, pool: pool, sigma: sigma, proposedWelfare: proposedWelfare, welfareEstimate: realisedWelfare,
            entries: entries)
    }

    mutating func record(report: FinancialReport) throws {
        guard networks[report.vsp] != nil else { throw Failure.unknownVSP(report.vsp) }
        var estimator = state.estimators[report.vsp] ?? AlphaEstimator()
        try estimator.record(utility: report.utility, grossProfit: report.grossProfit)
        state.estimators[report.vsp] = estimator
    }

    mutating func learn() throws {}

    func checkpoint() -> PolicyCheckpoint {
        var checkpoint = policy
        for (id, nets) in networks { checkpoint.vsps[id.rawValue] = nets }
        return checkpoint
    }

    mutating func replacePolicy(_ policy: PolicyCheckpoint) throws {
        guard policy.architecture.resourceCount == resourceCount else {
            throw Failure.policyMismatch(
                "it is for K = \(policy.architecture.resourceCount) resources, the configuration has \(resourceCount)")
        }
        self.policy = policy
        for id in networks.keys { networks[id] = policy.vsps[id.rawValue] ?? policy.template }
    }

    func stateSnapshot() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(state)
    }

    mutating func restoreState(_ data: Data) throws {
        state = try JSONDecoder().decode(State.self, from: data)
        for id in state.shares.keys where networks[id] == nil { state.shares[id] = nil }
    }

    /// The VoI net's estimate f_i(s) in VC.
    private func value(of id: VSPID, at shares: [Double]) throws -> Double {
        let output = networks[id]!.voi.forward(Matrix(rows: 1, columns: shares.count, values: shares.map(Float.init)))
        let value = Double(output[0, 0])
        guard value.isFinite else { throw MechanismError.invalidValue(name: "VoI of \(id)", value: value) }
        return value
    }
}
