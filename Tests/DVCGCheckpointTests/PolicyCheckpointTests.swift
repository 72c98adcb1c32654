import DVCGCore
import DVCGNeural
import Foundation
import Testing

@testable import DVCGCheckpoint

@Suite struct PolicyCheckpointTests {
    static func smallPolicy(ids: [String] = ["0", "vsp-b.2"]) -> PolicyCheckpoint {
        var generator = SeededGenerator(seed: 21)
        let architecture = PolicyArchitecture.standard(hidden: [8, 8])
        let template = NetworkSet(architecture: architecture, using: &generator)
        var vsps: [String: NetworkSet] = [:]
        for id in ids { vsps[id] = NetworkSet(architecture: architecture, using: &generator) }
        return PolicyCheckpoint(
            architecture: architecture, template: template, vsps: vsps, training: #"{"lr":0.001}"#,
            created: "2026-01-01T00:00:00Z")
    }

    /// Writes `archive` to a temporary file and loads it as a policy.
    static func load(_ archive: SafetensorsArchive) throws(PolicyCheckpointError) -> PolicyCheckpoint {
        let folder = try! temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try! archive.write(to: folder + "/p.safetensors")
        return try PolicyCheckpoint.load(from: folder + "/p.safetensors")
    }

    @Test func writtenPolicyLoadsBackIdentically() throws {
        let policy = Self.smallPolicy()
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try policy.write(to: folder + "/policy.safetensors")
        try policy.write(to: folder + "/policy.safetensors")  // replaces atomically
        let back = try PolicyCheckpoint.load(from: folder + "/policy.safetensors")
        #expect(back == policy)
        #expect(back.architecture.actor == [6, 8, 8, 21])
        #expect(back.architecture.critic == [48, 8, 8, 1])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["policy.safetensors"])
    }

    @Test func standardArchitectureMatchesTheLearningNotes() throws {
        let a = PolicyArchitecture.standard()
        #expect(a.actor == [6, 64, 64, 21])
        #expect(a.critic == [48, 64, 64, 1])
        #expect(a.voi == [3, 64, 64, 1])
        try a.validate()
    }

    @Test(arguments: ["a", "A-z_0.9", String(repeating: "x", count: 64)])
    func validVSPIdentifiersAreAccepted(_ id: String) {
        #expect(VSPID.isValid(id))
    }

    @Test(arguments: ["", "a b", "é", "a/b", String(repeating: "x", count: 65)])
    func invalidVSPIdentifiersAreRejected(_ id: String) {
        #expect(!VSPID.isValid(id))
    }

    /// A mutation of a valid policy archive and the error it must produce.
    struct Corruption: Sendable, CustomTestStringConvertible {
        var label: String
        var mutate: @Sendable (inout SafetensorsArchive) -> Void
        var expected: PolicyCheckpointError
        var testDescription: String { label }
    }

    static let corruptions: [Corruption] = [
        Corruption(
            label: "NaN weight",
            mutate: { a in
                var values = try! a.tensors["vsp.0.actor.2.weight"]!.floatValues()
                values[5] = .nan
                a.tensors["vsp.0.actor.2.weight"] = SafetensorsTensor(
                    name: "vsp.0.actor.2.weight", shape: [8, 8], values: values)
            }, expected: .nonFiniteValue(tensor: "vsp.0.actor.2.weight", index: 5, value: "nan")),
        Corruption(
            label: "infinite bias",
            mutate: { a in
                a.tensors["template.voi.4.bias"] = SafetensorsTensor(
                    name: "template.voi.4.bias", shape: [1], values: [-.infinity])
            }, expected: .nonFiniteValue(tensor: "template.voi.4.bias", index: 0, value: "-inf")),
        Corruption(
            label: "wrong shape",
            mutate: { a in
                a.tensors["vsp.0.actor.0.weight"] = SafetensorsTensor(
                    name: "vsp.0.actor.0.weight", shape: [8, 5], values: [Float](repeating: 0, count: 40))
            }, expected: .shapeMismatch(tensor: "vsp.0.actor.0.weight", found: [8, 5], expected: [8, 6])),
        Corruption(
            label: "transposed weight",
            mutate: { a in
                a.tensors["vsp.0.critic.4.weight"] = SafetensorsTensor(
                    name: "vsp.0.critic.4.weight", shape: [8, 1], values: [Float](repeating: 0, count: 8))
            }, expected: .shapeMismatch(tensor: "vsp.0.critic.4.weight", found: [8, 1], expected: [1, 8])),
        Corruption(
            label: "integer dtype",
            mutate: { a in
                a.tensors["vsp.0.voi.4.bias"] = SafetensorsTensor(
                    name: "vsp.0.voi.4.bias", dtype: .i32, shape: [1], bytes: [0, 0, 0, 0])
            }, expected: .unsupportedDType(tensor: "vsp.0.voi.4.bias", dtype: .i32)),
        Corruption(
            label: "bad VSP id",
            mutate: { a in
                a.tensors["vsp.bad id.actor.0.weight"] = a.tensors["vsp.0.actor.0.weight"]
            }, expected: .invalidVSPIdentifier(tensor: "vsp.bad id.actor.0.weight", identifier: "bad id")),
        Corruption(
            label: "unknown net",
            mutate: { a in
                a.tensors["vsp.0.policy.0.weight"] = a.tensors["vsp.0.actor.0.weight"]
            },
            expected: .unexpectedTensor(
                name: "vsp.0.policy.0.weight",
                reason: "unknown net 'policy' (actor, actor_target, critic, critic_target, voi)")),
        Corruption(
            label: "activation index as layer",
            mutate: { a in
                a.tensors["vsp.0.actor.1.weight"] = a.tensors["vsp.0.actor.0.weight"]
            },
            expected: .unexpectedTensor(
                name: "vsp.0.actor.1.weight",
                reason: "'1' is not a Linear layer index of the declared architecture (0, 2, 4)")),
        Corruption(
            label: "stray tensor",
            mutate: { a in
                a.tensors["optimizer.step"] = SafetensorsTensor(name: "optimizer.step", shape: [], values: [1])
            },
            expected: .unexpectedTensor(
                name: "optimizer.step", reason: "name does not start with 'template.' or 'vsp.'")),
        Corruption(
            label: "missing required net",
            mutate: { a in
                for name in a.names where name.hasPrefix("vsp.0.critic.") { a.tensors[name] = nil }
            }, expected: .missingNetwork(owner: "vsp.0", role: .critic)),
        Corruption(
            label: "missing template voi",
            mutate: { a in
                for name in a.names where name.hasPrefix("template.voi.") { a.tensors[name] = nil }
            }, expected: .missingNetwork(owner: "template", role: .voi)),
        Corruption(
            label: "missing layer bias",
            mutate: { a in
                a.tensors["vsp.vsp-b.2.actor_target.2.bias"] = nil
            }, expected: .missingTensor("vsp.vsp-b.2.actor_target.2.bias")),
        Corruption(
            label: "missing metadata key", mutate: { a in a.metadata["layers"] = nil },
            expected: .missingMetadata(key: "layers")),
        Corruption(
            label: "future format", mutate: { a in a.metadata["format_version"] = "2" },
            expected: .unsupportedFormatVersion("2")),
        Corruption(
            label: "K inconsistent with layers", mutate: { a in a.metadata["k"] = "4" },
            expected: .invalidMetadata(
                key: "layers", reason: "actor: input size 6 does not match K = 4, L = 7 (expected 8)")),
        Corruption(
            label: "levels not JSON", mutate: { a in a.metadata["action_levels"] = "-0.3,0.3" },
            expected: .invalidMetadata(
                key: "action_levels", reason: "not JSON (byte 4: unexpected data after the JSON value)")),
        Corruption(
            label: "bad activation", mutate: { a in a.metadata["activation"] = "gelu" },
            expected: .invalidMetadata(key: "activation", reason: "'gelu' is not relu or tanh")),
        Corruption(
            label: "training not an object", mutate: { a in a.metadata["training"] = "[]" },
            expected: .invalidMetadata(key: "training", reason: "not a JSON object")),
    ]

    @Test(arguments: corruptions)
    func invalidPoliciesGiveTheRightTypedError(_ corruption: Corruption) {
        var archive = Self.smallPolicy().archive()
        corruption.mutate(&archive)
        #expect(throws: corruption.expected) { try Self.load(archive) }
    }

    @Test func containerErrorsAreWrapped() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try writeTemporaryFile([1, 2, 3], in: folder)
        #expect(throws: PolicyCheckpointError.file(.fileTooSmall(size: 3))) { try PolicyCheckpoint.load(from: path) }
    }

    @Test func absentTargetNetsStartAsCopiesAndOtherDTypesConvert() throws {
        var archive = Self.smallPolicy().archive()
        for name in archive.names where name.contains("_target.") { archive.tensors[name] = nil }
        // Store one tensor as F64 and one as BF16, as a PyTorch export might.
        let weight = archive.tensors["vsp.0.voi.0.weight"]!
        let doubles = try weight.floatValues().map(Double.init)
        archive.tensors["vsp.0.voi.0.weight"] = SafetensorsTensor(
            name: weight.name, dtype: .f64, shape: weight.shape,
            bytes: doubles.flatMap { d in (0..<8).map { UInt8(truncatingIfNeeded: d.bitPattern >> (8 * UInt64($0))) } })
        archive.tensors["template.actor.4.bias"] = SafetensorsTensor(
            name: "template.actor.4.bias", dtype: .bf16, shape: [21],
            bytes: (0..<21).flatMap { _ in [0x80, 0x3F] as [UInt8] })
        let policy = try Self.load(archive)
        let original = Self.smallPolicy()
        #expect(policy.vsps["0"]!.actorTarget == policy.vsps["0"]!.actor)
        #expect(policy.vsps["0"]!.criticTarget == original.vsps["0"]!.critic)
        #expect(policy.vsps["0"]!.voi == original.vsps["0"]!.voi)
        #expect(policy.template.actor.layers[2].bias == [Float](repeating: 1, count: 21))
    }

    @Test func f64ValuesBeyondFloat32RangeAreRejected() {
        var archive = Self.smallPolicy().archive()
        let bits = (1e300).bitPattern
        archive.tensors["template.critic.4.bias"] = SafetensorsTensor(
            name: "template.critic.4.bias", dtype: .f64, shape: [1],
            bytes: (0..<8).map { UInt8(truncatingIfNeeded: bits >> (8 * UInt64($0))) })
        #expect(throws: PolicyCheckpointError.nonFiniteValue(tensor: "template.critic.4.bias", index: 0, value: "inf"))
        { try Self.load(archive) }
    }

    @Test func errorDescriptionsNameTheTensorAndTheRule() {
        #expect(
            PolicyCheckpointError.shapeMismatch(tensor: "vsp.3.actor.0.weight", found: [64, 5], expected: [64, 6])
                .description
                == "tensor 'vsp.3.actor.0.weight': shape [64, 5] does not match the declared architecture [64, 6]")
        #expect(
            SafetensorsError.hole(tensor: "b", begin: 8, expected: 4).description
                == "tensor 'b': data begins at 8, leaving a hole after offset 4")
    }
}

@Suite struct PolicyCheckpointRobustnessTests {
    @Test func mutatedPolicyFilesNeverCrashTheLoader() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let valid = try PolicyCheckpointTests.smallPolicy().archive().serialized()
        var generator = SeededGenerator(seed: 7)
        var refused = 0
        for trial in 0..<200 {
            var bytes = valid
            if trial % 2 == 0 {
                bytes = Array(bytes.prefix(generator.nextInt(below: bytes.count)))
            } else {
                for _ in 0..<4 { bytes[generator.nextInt(below: bytes.count)] = UInt8(generator.nextInt(below: 256)) }
            }
            let path = try writeTemporaryFile(bytes, in: folder)
            do { _ = try PolicyCheckpoint.load(from: path) } catch { refused += 1 }
        }
        #expect(refused > 100)
    }

    @Test func nonCanonicalLayerIndicesAreRejected() throws {
        for index in ["00", "+0", "-0", "6", "3"] {
            var archive = PolicyCheckpointTests.smallPolicy().archive()
            archive.tensors["vsp.0.actor.\(index).weight"] = archive.tensors["vsp.0.actor.0.weight"]
            #expect(throws: PolicyCheckpointError.self) { try PolicyCheckpointTests.load(archive) }
        }
    }
}
