import DVCGCore
import DVCGMechanism
import Foundation
import Testing

@testable import DVCGService

/// The round summary names VSPs taxed above their bid and VSPs at the share floor for too long (issue 15).
@Suite struct AuctionStateWarningTests {
    /// An entry with these values (RoundEntry has no public initialiser; its Codable form is its fields).
    static func entry(_ id: String, bid: Double, tax: Double, shares: [Double]) throws -> RoundEntry {
        let json = """
            {"vsp": "\(id)", "bid": \(bid), "financedBid": \(bid), "loan": 0, "voi": 0, "proposedShares": \(shares), \
            "realisedShares": \(shares), "actions": [0, 0], "utilityEstimate": 0, "welfareWithout": 0, \
            "externality": 0, "interest": 0, "alphaHat": 1, "tax": \(tax), "voiFitted": true}
            """
        return try JSONDecoder().decode(RoundEntry.self, from: Data(json.utf8))
    }

    static func outcome(_ round: UInt64, _ entries: [RoundEntry]) -> RoundOutcome {
        RoundOutcome(
            round: RoundNumber(round), pool: 1, noiseScale: 0, proposedWelfare: 1, welfareEstimate: 1,
            entries: entries)
    }

    @Test func aVSPTaxedAboveItsBidIsNamedInThatRoundsSummary() throws {
        var state = AuctionState(
            recovery: Ledger.Recovery(lastRound: nil, rosterEvents: [], engineState: nil, engineStateDeltas: []),
            roster: RosterBook())
        state.commit(
            Self.outcome(
                1,
                [
                    try Self.entry("fleet-8", bid: 120, tax: 151.1, shares: [0.5, 0.5]),
                    try Self.entry("vsp-0", bid: 120, tax: 120, shares: [0.5, 0.5]),
                ]), changes: [], duration: .milliseconds(1))
        #expect(state.committed?.summary?.taxedAboveBid == [try VSPID("fleet-8")])
    }

    @Test func aVSPAtTheFloorIsNamedOnlyAfterMoreThanTheConfiguredRounds() throws {
        var state = AuctionState(
            recovery: Ledger.Recovery(lastRound: nil, rosterEvents: [], engineState: nil, engineStateDeltas: []),
            roster: RosterBook())
        let starved = try Self.entry("vsp-9", bid: 1, tax: 0, shares: [1.5e-4, 1e-4])
        let served = try Self.entry("vsp-0", bid: 1, tax: 0, shares: [0.9998, 0.9999])
        for round in 1...3 {
            state.commit(
                Self.outcome(UInt64(round), [starved, served]), changes: [], duration: .milliseconds(1), floor: 1e-4,
                floorRounds: 3)
            #expect(state.committed?.summary?.atShareFloor == [], "round \(round)")
        }
        state.commit(
            Self.outcome(4, [starved, served]), changes: [], duration: .milliseconds(1), floor: 1e-4, floorRounds: 3)
        #expect(state.committed?.summary?.atShareFloor == [try VSPID("vsp-9")])
        #expect(state.floorStreaks == [try VSPID("vsp-9"): 4])
        // A round off the floor starts the count again.
        state.commit(
            Self.outcome(5, [try Self.entry("vsp-9", bid: 1, tax: 0, shares: [0.2, 0.1]), served]), changes: [],
            duration: .milliseconds(1), floor: 1e-4, floorRounds: 3)
        #expect(state.committed?.summary?.atShareFloor == [] && state.floorStreaks.isEmpty)
    }
}
