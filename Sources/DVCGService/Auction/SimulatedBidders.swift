import DVCGControl
import DVCGCore
import DVCGMechanism

/// The daemon's simulated VSPs (testbeds): each bids by its strategy just before a round and files its
/// financial report, from its true utility and profit noise, right after it.
struct SimulatedBidders: Sendable {
    /// The simulated VSPs on the roster.
    private(set) var vsps: [VSPID: SimulatedVSP] = [:]

    /// The simulated VSPs of a roster.
    /// - Throws: ``MechanismError`` for a definition out of range.
    init(roster: [VSPID: VSPDefinition]) throws(MechanismError) {
        for (id, definition) in roster { vsps[id] = try Self.vsp(for: definition) }
    }

    /// The simulated VSP a definition makes; `nil` for an external one.
    /// - Throws: ``MechanismError`` for a definition out of range.
    static func vsp(for definition: VSPDefinition) throws(MechanismError) -> SimulatedVSP? {
        guard case .simulated(let parameters) = definition.kind else { return nil }
        return try parameters.simulatedVSP()
    }

    /// Takes in a roster change at a boundary.
    /// - Throws: ``MechanismError`` for a definition out of range.
    mutating func apply(_ change: RosterEvent) throws(MechanismError) {
        switch change.kind {
        case .add: vsps[change.definition.id] = try Self.vsp(for: change.definition)
        case .remove: vsps[change.definition.id] = nil
        }
    }

    /// Each simulated VSP's bid for `round`, into `book`: its strategy applied to its true utility at the
    /// slice it realised last (an equal share of `vspCount` before its first round).
    /// - Throws: ``MechanismError`` when a utility cannot be evaluated.
    func placeBids(
        in book: inout BidBook, for round: RoundNumber, standings: [VSPID: VSPStanding], capacities: [Double],
        vspCount: Int
    ) throws(MechanismError) {
        for (id, vsp) in vsps {
            let slice = standings[id].map { zip($0.shares, capacities).map { $0 * $1 } }
            let truthful = try vsp.truthfulBid(lastSlice: slice, capacities: capacities, vspCount: vspCount)
            // At most the amount an external VSP may bid (1e12 VC): `scaled:C` of a large C stays in the ledger's range.
            let bid = min(vsp.strategy.bid(truthful: truthful), BidRequest.maximumAmount)
            _ = book.receive(bid, from: id, for: round, registered: true)
        }
    }

    /// The financial reports of the simulated participants of `outcome`: the utility at the realised slice and
    /// a gross profit with noise drawn from a stream of `seed`, the round and the VSP (so a restarted daemon
    /// draws what it would have drawn).
    /// - Throws: ``MechanismError`` when a utility cannot be evaluated.
    func reports(after outcome: RoundOutcome, capacities: [Double], seed: UInt64) throws(MechanismError)
        -> [FinancialReport]
    {
        var reports: [FinancialReport] = []
        for entry in outcome.entries {
            guard let vsp = vsps[entry.vsp] else { continue }
            let utility = try vsp.utility.value(at: zip(entry.realisedShares, capacities).map { $0 * $1 })
            var generator = SeededGenerator(seed: Self.stream(seed: seed, round: outcome.round, vsp: entry.vsp))
            let gross = vsp.profit.grossProfit(utility: utility, using: &generator)
            reports.append(FinancialReport(vsp: entry.vsp, round: outcome.round, utility: utility, grossProfit: gross))
        }
        return reports
    }

    /// The seed of VSP `vsp`'s profit noise in `round`: FNV-1a of its id from a basis mixed with `seed`.
    static func stream(seed: UInt64, round: RoundNumber, vsp: VSPID) -> UInt64 {
        FNV1a.hash(vsp.rawValue.utf8, basis: FNV1a.offsetBasis ^ seed) ^ (round.value &* 0x9E37_79B9_7F4A_7C15)
    }
}
