import DVCGCheckpoint
import DVCGCore
import DVCGMechanism
import Foundation
import Testing

@testable import DVCGService

@Suite struct EngineStateCodecTests {
    /// An engine with an untrained standard policy for K = 3 and no VSPs.
    static func engine() throws -> MechanismEngine {
        let architecture = PolicyArchitecture.standard(resourceCount: 3)
        var generator = SeededGenerator(seed: 5)
        let policy = PolicyCheckpoint(
            architecture: architecture, template: NetworkSet(architecture: architecture, using: &generator))
        let resources = try (0..<3).map { try Resource(name: "r\($0)", capacity: 1, unit: "") }
        return try MechanismEngine(policy: policy, resources: resources, seed: 9)
    }

    /// Runs `engine` one round with bids from every registered VSP and reports for every participant.
    static func round(_ number: Int, of engine: inout MechanismEngine, ids: [VSPID]) throws {
        let bids = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, 10.0 + Double($0)) })
        let outcome = try engine.runRound(round: RoundNumber(UInt64(number)), bids: bids)
        for entry in outcome.entries {
            let utility = 5 + entry.realisedShares.reduce(0, +) * 3
            try engine.record(
                report: FinancialReport(
                    vsp: entry.vsp, round: outcome.round, utility: utility, grossProfit: 1.1 * utility + 0.1))
        }
    }

    /// An engine after `rounds` rounds of 5 VSPs with financial reports, so every field is non-trivial.
    func engineState(rounds: Int) throws -> EngineState {
        var engine = try Self.engine()
        let ids = try (0..<5).map { try VSPID("vsp.\($0)") }
        for id in ids { try engine.register(id) }
        for round in 1...rounds { try Self.round(round, of: &engine, ids: ids) }
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

@Suite struct EngineStateDeltaTests {
    @Test func deltasReplayEveryRoundExactlyThroughRosterChanges() throws {
        var engine = try EngineStateCodecTests.engine()
        var ids = try (0..<5).map { try VSPID("vsp.\($0)") }
        for id in ids { try engine.register(id) }
        var replayed = try EngineStateCodec.decode(EngineStateCodec.encode(engine.state))
        var previous = engine.state
        for number in 1...50 {
            if number == 20 {
                try engine.deregister(ids.removeFirst())
                let joining = try VSPID("late.1")
                try engine.register(joining)
                ids.append(joining)
            }
            // Some rounds without one VSP's bid: its state does not change, and the delta leaves it out.
            try EngineStateCodecTests.round(number, of: &engine, ids: number % 7 == 0 ? Array(ids.dropLast()) : ids)
            let current = engine.state
            let delta = EngineStateCodec.encodeDelta(from: previous, to: current)
            try EngineStateCodec.applyDelta(delta, to: &replayed)
            #expect(replayed == current, "round \(number)")
            if number > 40 {
                // The 32 recent shares are full: a delta carries one of them, not the whole window.
                #expect(
                    delta.count * 4 < EngineStateCodec.encode(current).count, "round \(number): \(delta.count) bytes")
            }
            previous = current
        }
        // The VSPs of all 50 rounds have full windows of recent shares, which the deltas slid along.
        #expect(ids.dropLast().allSatisfy { replayed.vsps[$0]?.recentShares.count == MechanismEngine.reportWindow })
    }

    @Test func aDeltaBetweenEqualStatesChangesNothing() throws {
        let state = try EngineStateCodecTests().engineState(rounds: 4)
        var copy = state
        try EngineStateCodec.applyDelta(EngineStateCodec.encodeDelta(from: state, to: state), to: &copy)
        #expect(copy == state)
        #expect(EngineStateCodec.encodeDelta(from: state, to: state).count < 32)
    }

    @Test func truncatedOrMisappliedDeltasAreRefused() throws {
        let empty = EngineState(lastRound: nil, maximumPool: 0, vsps: [:])
        let state = try EngineStateCodecTests().engineState(rounds: 3)
        let delta = EngineStateCodec.encodeDelta(from: empty, to: state)
        var target = empty
        #expect(throws: EngineStateCodec.DecodingFailure.self) {
            try EngineStateCodec.applyDelta(delta.prefix(delta.count - 1), to: &target)
        }
        target = empty
        #expect(throws: EngineStateCodec.DecodingFailure.self) {
            try EngineStateCodec.applyDelta(delta + [0], to: &target)
        }
        target = empty
        #expect(throws: EngineStateCodec.DecodingFailure.self) {
            try EngineStateCodec.applyDelta(EngineStateCodec.encode(state), to: &target)
        }
        // Removing VSPs the state does not hold: the delta was taken from another state.
        target = empty
        #expect(throws: EngineStateCodec.DecodingFailure.self) {
            try EngineStateCodec.applyDelta(EngineStateCodec.encodeDelta(from: state, to: empty), to: &target)
        }
    }
}
