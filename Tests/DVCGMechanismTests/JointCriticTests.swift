import DVCGCheckpoint
import DVCGCore
import DVCGNeural
import Foundation
import Testing

@testable import DVCGMechanism

/// A DVCG-MADDPG policy over `roster` (small nets) and an engine that registers `registered`.
private func makeJointEngine(
    roster: [String], registered: [String], configuration: MechanismConfiguration = MechanismConfiguration(learns: true)
) throws -> MechanismEngine {
    var generator = SeededGenerator(seed: 5)
    let architecture = PolicyArchitecture.standard(hidden: [8], jointRoster: roster)
    let template = NetworkSet(architecture: architecture, using: &generator)
    var vsps: [String: NetworkSet] = [:]
    for id in roster { vsps[id] = NetworkSet(architecture: architecture, using: &generator) }
    let policy = PolicyCheckpoint(architecture: architecture, template: template, vsps: vsps)
    var engine = try MechanismEngine(
        policy: policy, resources: Resource.paperDefaults, configuration: configuration, seed: 5)
    for id in registered { try engine.register(VSPID(id)) }
    return engine
}

@Suite struct JointCriticTests {
    @Test func theJointCriticInputIsNTimesKPlusKLPlusK() throws {
        let architecture = PolicyArchitecture.standard(jointRoster: ["a", "b", "c", "d", "e"])
        #expect(architecture.critic == [5 * (3 + 21) + 3, 64, 64, 1])
        #expect(PolicyArchitecture.standard().critic[0] == 3 + 42 + 3)
        try architecture.validate()
    }

    @Test func theEncodingPutsTheOwnSlotFirstThenTheRosterThenOBar() {
        // Roster a, b, c; only c and a take part (b has no bid): K = 2, L = 3.
        let k = 2
        let l = 3
        let observations: [[Float]] = [[0.6, 0.3, 0.4, 0.7], [0.4, 0.7, 0.6, 0.3]]  // a, c: [o_i, o-bar_i]
        let actions = [2, 0, 1, 1]  // a: levels 2, 0; c: levels 1, 1
        let rows = MechanismEngine.jointCriticInputs(
            roster: ["a", "b", "c"], ids: [try! VSPID("a"), try! VSPID("c")], observations: observations,
            actions: actions, k: k, l: l)
        // Slot = K + K L = 8 values; width 3 x 8 + 2 = 26.
        let a: [Float] = [0.6, 0.3, /* a_0 */ 0, 0, 1, /* a_1 */ 1, 0, 0]
        let c: [Float] = [0.4, 0.7, /* a_0 */ 0, 1, 0, /* a_1 */ 0, 1, 0]
        let absent = [Float](repeating: 0, count: 8)
        #expect(rows.count == 2)
        #expect(rows[0] == a + absent + c + [0.4, 0.7])
        #expect(rows[1] == c + a + absent + [0.6, 0.3])
    }

    @Test func theBillHoldsTheJointEncodingOfEachRound() throws {
        var engine = try makeJointEngine(roster: ["v0", "v1", "v2", "v3"], registered: ["v0", "v1", "v2", "v3"])
        let bids = Dictionary(uniqueKeysWithValues: (0..<3).map { (try! VSPID("v\($0)"), 100.0) })  // v3 sits out
        let raw = (0..<3).map { engine.share(of: try! VSPID("v\($0)"))! }
        let before = raw.map { row in (0..<3).map { c in row[c] / raw.reduce(0) { $0 + $1[c] } } }
        let outcome = try engine.runRound(round: RoundNumber(1), bids: bids)
        let k = 3
        let l = 7
        let slot = k + k * l
        for (i, entry) in outcome.entries.enumerated() {
            let row = try #require(engine.agents[entry.vsp]).bill.row(0)
            #expect(row.count == 4 * slot + k + 1)
            // The others in roster order, skipping i: participants' slots, then v3's empty slot.
            let order = (0..<3).filter { $0 != i }
            for (position, j) in ([i] + order).enumerated() {
                for c in 0..<k {
                    #expect(abs(Double(row[position * slot + c]) - before[j][c]) < 1e-6)
                    for level in 0..<l {
                        let expected: Float = outcome.entries[j].actions[c] == level ? 1 : 0
                        #expect(row[position * slot + k + c * l + level] == expected)
                    }
                }
            }
            #expect(row[(3 * slot)..<(4 * slot)].allSatisfy { $0 == 0 })
            for c in 0..<k {
                #expect(abs(Double(row[4 * slot + c]) - (1 - before[i][c]) / 2) < 1e-6)
            }
            #expect(row.last!.isFinite)
        }
        // One update runs through the joint critic (expected-Q actor with the own slot first).
        var learning = engine
        learning.configuration.learning.warmUpTransitions = 1
        learning.configuration.learning.batchSize = 4
        let old = try #require(learning.networks(of: VSPID("v0")))
        #expect(learning.learn().updatedVSPs == 3)
        #expect(try #require(learning.networks(of: VSPID("v0"))).actor != old.actor)
    }

    @Test func aJointPolicyAdmitsOnlyItsRoster() throws {
        var engine = try makeJointEngine(roster: ["v0", "v1"], registered: ["v0"])
        #expect(throws: EngineError.outsideJointRoster(try VSPID("late"))) { try engine.register(VSPID("late")) }
        try engine.register(VSPID("v1"))
        try engine.deregister(VSPID("v1"))
        try engine.register(VSPID("v1"))
        var state = engine.state
        state.vsps[try VSPID("late")] = state.vsps[try VSPID("v0")]
        #expect(throws: EngineError.outsideJointRoster(try VSPID("late"))) { try engine.restore(state) }
        // A mean-field policy cannot replace a joint one.
        var generator = SeededGenerator(seed: 1)
        let meanField = PolicyArchitecture.standard(hidden: [8])
        let policy = PolicyCheckpoint(
            architecture: meanField, template: NetworkSet(architecture: meanField, using: &generator))
        #expect(throws: EngineError.self) { try engine.replacePolicy(policy) }
        #expect("\(EngineError.outsideJointRoster(try VSPID("late")))".contains("joint-critic roster"))
    }

    @Test func aJointPolicyRoundTripsThroughItsFileAndAMeanFieldFileHasNoRosterKeys() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let engine = try makeJointEngine(roster: ["v0", "v1", "v2"], registered: ["v0", "v1"])
        let policy = engine.checkpoint()
        try policy.write(to: folder + "/joint.safetensors")
        let back = try PolicyCheckpoint.load(from: folder + "/joint.safetensors")
        #expect(back.architecture.jointRoster == ["v0", "v1", "v2"])
        #expect(back.architecture.critic == [3 * 24 + 3, 8, 1])
        #expect(
            back
                == PolicyCheckpoint(
                    architecture: policy.architecture, template: policy.template, vsps: policy.vsps,
                    training: policy.training, created: back.created))
        let metadata = policy.archive().metadata
        #expect(metadata["critic_input"] == "joint")
        #expect(metadata["roster"] == #"["v0","v1","v2"]"#)
        #expect(smallPolicy().archive().metadata["critic_input"] == nil)
        #expect(smallPolicy().archive().metadata["roster"] == nil)
    }

    @Test func jointRosterMetadataIsValidated() throws {
        let policy = try makeJointEngine(roster: ["v0", "v1"], registered: []).checkpoint()
        func loading(_ change: (inout [String: String]) -> Void) -> PolicyCheckpointError? {
            var archive = policy.archive()
            change(&archive.metadata)
            do {
                _ = try loadPolicy(archive)
                return nil
            } catch { return error }
        }
        #expect(loading { _ in } == nil)
        #expect(loading { $0["critic_input"] = nil }.map { "\($0)" }?.contains("only a joint critic") == true)
        #expect(loading { $0["roster"] = nil } == .missingMetadata(key: "roster"))
        #expect(loading { $0["roster"] = #"["v0","v0"]"# }.map { "\($0)" }?.contains("more than once") == true)
        #expect(loading { $0["roster"] = #"["v0","v1","v2"]"# }.map { "\($0)" }?.contains("joint critic") == true)
        #expect(loading { $0["roster"] = #"["v0","x"]"# }.map { "\($0)" }?.contains("'v1'") == true)
        #expect(loading { $0["critic_input"] = "full" }.map { "\($0)" }?.contains("mean_field or joint") == true)
    }
}
