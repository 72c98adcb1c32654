import DVCGCore
import DVCGNeural
import Foundation
import Testing

@testable import DVCGCheckpoint

/// Parity with the real `safetensors` and `torch` packages, through committed fixtures written by
/// Fixtures/make_fixtures.py. Tolerance 1e-5 absolute unless stated.
@Suite struct PyTorchParityTests {
    @Test func tensorsWrittenByPythonSafetensorsReadBitExactly() throws {
        let archive = try SafetensorsArchive.read(from: try fixturePath("dtypes.safetensors"))
        #expect(archive.metadata == ["purpose": "dtype fixture", "unicode": "Grüße ✓"])
        let expected =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: try fixturePath("dtypes.json"))))
            as! [String: [String: Any]]
        for (name, info) in expected {
            let tensor = try archive.tensor(named: name)
            #expect(tensor.shape == info["shape"] as! [Int], "\(name)")
            let bits = info["bits"] as! [Any]
            switch tensor.dtype {
            case .f32:
                #expect(try tensor.floatValues().map(\.bitPattern) == bits.map { UInt32($0 as! Int) }, "\(name)")
            case .f64:
                #expect(try tensor.doubleValues().map(\.bitPattern) == bits.map { UInt64($0 as! String)! }, "\(name)")
            case .f16:
                let values = try tensor.floatValues()
                #expect(values.map { Float16($0).bitPattern } == bits.map { UInt16($0 as! Int) }, "\(name)")
                #expect(
                    values.map(\.bitPattern) == bits.map { Float(Float16(bitPattern: UInt16($0 as! Int))).bitPattern })
            case .bf16:
                #expect(try tensor.floatValues().map(\.bitPattern) == bits.map { UInt32($0 as! Int) << 16 }, "\(name)")
            default:
                Issue.record("unexpected dtype \(tensor.dtype) for \(name)")
            }
        }
        #expect(throws: SafetensorsError.unsupportedDType(tensor: "i32", dtype: .i32)) {
            try archive.tensor(named: "i32").floatValues()
        }
        #expect(try archive.tensor(named: "scalar").floatValues() == [42.5])
    }

    @Test(arguments: [Activation.relu, .tanh])
    func mlpForwardMatchesPyTorchWithin1e5(activation: Activation) throws {
        let archive = try SafetensorsArchive.read(from: try fixturePath("mlp.safetensors"))
        let name = activation.rawValue
        let network = try mlp(from: archive, prefix: "\(name).", layerCount: 3, activation: activation)
        let input = try matrix(archive, "input")
        let output = network.forward(input)
        #expect(maximumDifference(output.values, try matrix(archive, "\(name).output").values) <= 1e-5)
        #expect(maximumDifference(network.forwardTrace(input).output.values, output.values) == 0)
        let softmax = GroupedSoftmax.softmax(output, groupSize: 3)
        #expect(maximumDifference(softmax.values, try matrix(archive, "\(name).softmax").values) <= 1e-5)
        let logSoftmax = GroupedSoftmax.logSoftmax(output, groupSize: 3)
        #expect(maximumDifference(logSoftmax.values, try matrix(archive, "\(name).log_softmax").values) <= 1e-5)
    }

    @Test(arguments: [Activation.relu, .tanh])
    func backwardMatchesPyTorchAutogradWithin1e5(activation: Activation) throws {
        let archive = try SafetensorsArchive.read(from: try fixturePath("mlp.safetensors"))
        let name = activation.rawValue
        let network = try mlp(from: archive, prefix: "\(name).", layerCount: 3, activation: activation)
        let trace = network.forwardTrace(try matrix(archive, "input"))
        let (loss, dOutput) = Loss.meanSquaredError(prediction: trace.output, target: try matrix(archive, "target"))
        #expect(abs(loss - (try archive.tensor(named: "\(name).loss").floatValues()[0])) <= 1e-5)
        let gradients = network.backward(trace, outputGradient: dOutput)
        for j in 0..<3 {
            #expect(
                maximumDifference(
                    gradients.layers[j].weight.values, try matrix(archive, "\(name).grad.\(2 * j).weight").values)
                    <= 1e-5)
            #expect(
                maximumDifference(
                    gradients.layers[j].bias, try archive.tensor(named: "\(name).grad.\(2 * j).bias").floatValues())
                    <= 1e-5)
        }
    }

    @Test(arguments: [("plain", nil), ("clipped", 0.05)] as [(String, Double?)])
    func fiveAdamStepsMatchPyTorchWithin1e5(variant: String, maxNorm: Double?) throws {
        let archive = try SafetensorsArchive.read(from: try fixturePath("adam.safetensors"))
        var network = try mlp(from: archive, prefix: "initial.", layerCount: 3, activation: .tanh)
        var target = network
        let input = try matrix(archive, "input")
        let targetValues = try matrix(archive, "target")
        var adam = Adam(for: network, configuration: AdamConfiguration(learningRate: 0.01))
        for _ in 0..<5 {
            let trace = network.forwardTrace(input)
            let (_, dOutput) = Loss.meanSquaredError(prediction: trace.output, target: targetValues)
            var gradients = network.backward(trace, outputGradient: dOutput)
            if let maxNorm { gradients.clip(maxNorm: maxNorm) }
            adam.update(&network, with: gradients)
            target.softUpdate(toward: network, rate: 0.1)
        }
        #expect(adam.step == 5)
        let expected = try mlp(from: archive, prefix: "\(variant).final.", layerCount: 3, activation: .tanh)
        let expectedTarget = try mlp(from: archive, prefix: "\(variant).target.", layerCount: 3, activation: .tanh)
        for j in 0..<3 {
            #expect(maximumDifference(network.layers[j].weight.values, expected.layers[j].weight.values) <= 1e-5)
            #expect(maximumDifference(network.layers[j].bias, expected.layers[j].bias) <= 1e-5)
            #expect(maximumDifference(target.layers[j].weight.values, expectedTarget.layers[j].weight.values) <= 1e-5)
            #expect(maximumDifference(target.layers[j].bias, expectedTarget.layers[j].bias) <= 1e-5)
        }
        let initial = try mlp(from: archive, prefix: "initial.", layerCount: 3, activation: .tanh)
        #expect(maximumDifference(network.layers[0].weight.values, initial.layers[0].weight.values) > 1e-3)
    }

    @Test func policyWrittenByTheDocumentedPyTorchSnippetLoadsUnchanged() throws {
        let policy = try PolicyCheckpoint.load(from: try fixturePath("policy_export.safetensors"))
        let check = try SafetensorsArchive.read(from: try fixturePath("policy_export_check.safetensors"))
        #expect(policy.architecture.resourceCount == 3)
        #expect(policy.architecture.actionLevels == [-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3])
        #expect(policy.architecture.actor == [6, 16, 16, 21])
        #expect(policy.vsps.keys.sorted() == ["0", "edge-7.b"])
        #expect(policy.training.contains("\"tau\""))
        let input = try matrix(check, "input")
        for id in ["0", "edge-7.b"] {
            let set = try #require(policy.vsps[id])
            #expect(
                maximumDifference(set.actor.forward(input).values, try matrix(check, "actor_output.\(id)").values)
                    <= 1e-5)
            let shares = Matrix(
                rows: input.rows, columns: 3, values: (0..<input.rows).flatMap { Array(input.row($0)[0..<3]) })
            #expect(
                maximumDifference(set.voi.forward(shares).values, try matrix(check, "voi_output.\(id)").values) <= 1e-5)
            #expect(set.actorTarget == set.actor, "absent target nets start as copies of the online nets")
            #expect(set.criticTarget == set.critic)
        }
        #expect(
            maximumDifference(
                policy.template.actor.forward(input).values, try matrix(check, "actor_output.template").values) <= 1e-5)
    }
}
