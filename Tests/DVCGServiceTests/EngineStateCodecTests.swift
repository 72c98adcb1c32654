import DVCGCheckpoint
import DVCGCore
import DVCGMechanism
import Foundation
import Testing

@testable import DVCGService

@Suite struct EngineStateCodecTests {
    /// An engine after `rounds` rounds of 5 VSPs with financial reports, so every field is non-trivial.
    func engineState(rounds: Int) throws -> EngineState {
        let architecture = PolicyArchitecture.standard(resourceCount: 3)
        var generator = SeededGenerator(seed: 5)
        let policy = PolicyCheckpoint(
            architecture: architecture, template: NetworkSet(architecture: architecture, using: &generator))
        let resources = try (0..<3).map { try Resource(name: "r\($0)", capacity: 1, unit: "") }
        var engine = try MechanismEngine(policy: policy, resources: resources, seed: 9)
        let ids = try (0..<5).map { try VSPID("vsp.\($0)") }
        for id in ids { try engine.register(id) }
        for round in 1...rounds {
            let bids = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, 10.0 + Double($0)) })
            let outcome = try engine.runRound(round: RoundNumber(UInt64(round)), bids: bids)
            for entry in outcome.entries {
                let utility = 5 + entry.realisedShares.reduce(0, +) * 3
                try engine.record(
                    report: FinancialReport(
                        vsp: entry.vsp, round: outcome.round, utility: utility, grossProfit: 1.1 * utility + 0.1))
            }
        }
        return engine.state
    }

    @Test func aSnapshotRoundTripsExactly() throws {
        let state = try engineState(rounds: 40)
        #expect(state.vsps.values.allSatisfy { $0.alphaEstimator.count > 2 && !$0.recentShares.isEmpty })
        let decoded = try EngineStateCodec.decode(EngineStateCodec.encode(state))
        #expect(decoded == state)
    }

    @Test func anEmptyEngineRoundTrips() throws {
        let state = EngineState(lastRound: nil, maximumPool: 0, vsps: [:])
        #expect(try EngineStateCodec.decode(EngineStateCodec.encode(state)) == state)
    }

    @Test func truncatedOrForeignSnapshotsAreRefused() throws {
        let bytes = EngineStateCodec.encode(try engineState(rounds: 3))
        #expect(throws: EngineStateCodec.DecodingFailure.self) {
            try EngineStateCodec.decode(bytes.prefix(bytes.count - 1))
        }
        #expect(throws: EngineStateCodec.DecodingFailure.self) { try EngineStateCodec.decode(Data("{}".utf8)) }
        #expect(throws: EngineStateCodec.DecodingFailure.self) { try EngineStateCodec.decode(bytes + [0]) }
    }
}
