import DVCGCore
import Foundation
import Testing

@testable import DVCGNeural

@Suite struct NeuralNetworkTests {
    @Test func matrixProductMatchesTheDefinitionForEveryTransposition() {
        var generator = SeededGenerator(seed: 1)
        let a = randomMatrix(3, 4, &generator)
        let b = randomMatrix(4, 5, &generator)
        let c = a.multiplied(by: b)
        #expect(c.shape == [3, 5])
        for r in 0..<3 {
            for col in 0..<5 {
                let expected = (0..<4).reduce(Float(0)) { $0 + a[r, $1] * b[$1, col] }
                #expect(abs(c[r, col] - expected) < 1e-5)
            }
        }
        let at = Matrix(rows: 4, columns: 3, values: (0..<12).map { a[$0 % 3, $0 / 3] })
        let bt = Matrix(rows: 5, columns: 4, values: (0..<20).map { b[$0 % 4, $0 / 4] })
        #expect(maximumDifference(at.multiplied(by: b, transposeSelf: true).values, c.values) < 1e-6)
        #expect(maximumDifference(a.multiplied(by: bt, transposeOther: true).values, c.values) < 1e-6)
        #expect(Matrix(rows: 2, columns: 0).multiplied(by: Matrix(rows: 0, columns: 3)) == Matrix(rows: 2, columns: 3))
    }

    @Test func batchOfOneGivesTheSameOutputAsTheBatchPath() {
        var generator = SeededGenerator(seed: 2)
        let network = MLP(layerSizes: [6, 64, 64, 21], activation: .relu, using: &generator)
        let batch = randomMatrix(4, 6, &generator)
        let all = network.forward(batch)
        for r in 0..<4 {
            let single = network.forward(Matrix(rows: 1, columns: 6, values: batch.row(r)))
            #expect(maximumDifference(single.values, all.row(r)) < 1e-5)
        }
    }

    /// The round's workspace evaluates many nets without allocating, and gives what `evaluate` and
    /// `valueAndInputGradient` give, bit for bit (same BLAS calls, same order), for ReLU and tanh nets and any
    /// output scale; its gradient also matches central finite differences.
    @Test(arguments: [Activation.relu, .tanh])
    func aWorkspaceGivesEvaluatesValuesAndGradientsBitForBit(activation: Activation) {
        var generator = SeededGenerator(seed: 11)
        var nets = (0..<4).map { _ in MLP(layerSizes: [3, 64, 64, 1], activation: activation, using: &generator) }
        nets[1].outputScale = 250
        var workspace = MLPWorkspace(layerSizes: [3, 64, 64, 1])
        var gradient = [Double](repeating: .nan, count: 7)
        for (index, net) in nets.enumerated() {
            for _ in 0..<5 {
                let input = (0..<3).map { _ in generator.nextUniform() }
                let floats = input.map(Float.init)
                #expect(workspace.value(net, at: input) == Double(net.evaluate(floats)[0]))
                let (value, expected) = net.valueAndInputGradient(floats)
                #expect(workspace.valueAndGradient(net, at: input[...], gradient: &gradient, from: 4) == Double(value))
                #expect(Array(gradient[4..<7]) == expected.map(Double.init), "net \(index)")
                for c in 0..<3 {
                    var up = floats
                    var down = floats
                    up[c] += 1e-3
                    down[c] -= 1e-3
                    let difference = (Double(net.evaluate(up)[0]) - Double(net.evaluate(down)[0])) / 2e-3
                    #expect(abs(difference - gradient[4 + c]) <= 2e-2 * max(1, abs(difference)))
                }
            }
        }
        #expect(gradient[0..<4].allSatisfy { $0.isNaN }, "only the given range is written")
    }

    @Test func initialisationFollowsPyTorchBoundsAndIsReproducible() {
        var g1 = SeededGenerator(seed: 7)
        var g2 = SeededGenerator(seed: 7)
        let a = MLP(layerSizes: [48, 64, 64, 1], activation: .relu, using: &g1)
        let b = MLP(layerSizes: [48, 64, 64, 1], activation: .relu, using: &g2)
        #expect(a == b)
        for layer in a.layers {
            let bound = Float(1 / Double(layer.inputSize).squareRoot())
            #expect(layer.weight.values.allSatisfy { abs($0) <= bound })
            #expect(layer.bias.allSatisfy { abs($0) <= bound })
            #expect(layer.weight.values.map { abs($0) }.max()! > 0.9 * bound, "uses the whole interval")
        }
        #expect(a.parameterCount == 48 * 64 + 64 + 64 * 64 + 64 + 64 + 1)
    }

    @Test func softUpdateBlendsWithRateTau() {
        var generator = SeededGenerator(seed: 3)
        let online = MLP(layerSizes: [2, 3, 1], activation: .tanh, using: &generator)
        let original = MLP(layerSizes: [2, 3, 1], activation: .tanh, using: &generator)
        var target = original
        target.softUpdate(toward: online, rate: 0.25)
        for j in 0..<2 {
            for i in target.layers[j].weight.values.indices {
                let expected = 0.25 * online.layers[j].weight.values[i] + 0.75 * original.layers[j].weight.values[i]
                #expect(abs(target.layers[j].weight.values[i] - expected) < 1e-7)
            }
        }
        target.softUpdate(toward: online, rate: 1)
        #expect(target == online)
    }

    @Test func clippingScalesTheGradientToTheMaximumNormAndLeavesSmallOnesAlone() {
        var generator = SeededGenerator(seed: 4)
        let network = MLP(layerSizes: [3, 5, 2], activation: .relu, using: &generator)
        let trace = network.forwardTrace(randomMatrix(8, 3, &generator))
        let gradients = network.backward(trace, outputGradient: randomMatrix(8, 2, &generator, scale: 10))
        var clipped = gradients
        let before = clipped.clip(maxNorm: 0.5)
        #expect(abs(before - gradients.norm) < 1e-9)
        #expect(before > 0.5)
        #expect(abs(clipped.norm - 0.5) < 1e-5)
        var untouched = gradients
        untouched.clip(maxNorm: before * 2)
        #expect(untouched.layers == gradients.layers)
    }

    @Test func adamFirstStepMovesEachParameterByTheLearningRate() {
        // With bias correction, step 1 is lr * g / (|g| + eps) = lr * sign(g).
        var generator = SeededGenerator(seed: 5)
        var network = MLP(layerSizes: [3, 4, 2], activation: .relu, using: &generator)
        let before = network
        let trace = network.forwardTrace(randomMatrix(5, 3, &generator))
        let gradients = network.backward(trace, outputGradient: randomMatrix(5, 2, &generator))
        var adam = Adam(for: network)
        adam.update(&network, with: gradients)
        for j in 0..<2 {
            for i in network.layers[j].weight.values.indices {
                let g = gradients.layers[j].weight.values[i]
                let moved = before.layers[j].weight.values[i] - network.layers[j].weight.values[i]
                if abs(g) > 1e-4 { #expect(abs(moved - 1e-3 * (g > 0 ? 1 : -1)) < 1e-6) }
            }
        }
    }

    @Test func trainingReducesTheLossOnAFixedBatch() {
        var generator = SeededGenerator(seed: 6)
        var network = MLP(layerSizes: [3, 32, 32, 1], activation: .relu, using: &generator)
        let input = randomMatrix(64, 3, &generator)
        let target = Matrix(rows: 64, columns: 1, values: (0..<64).map { r in input[r, 0] * input[r, 1] + input[r, 2] })
        var adam = Adam(for: network, configuration: AdamConfiguration(learningRate: 1e-2))
        let first = Loss.meanSquaredError(prediction: network.forward(input), target: target).loss
        for _ in 0..<300 {
            let trace = network.forwardTrace(input)
            let (_, d) = Loss.meanSquaredError(prediction: trace.output, target: target)
            adam.update(&network, with: network.backward(trace, outputGradient: d))
        }
        let last = Loss.meanSquaredError(prediction: network.forward(input), target: target).loss
        #expect(last < first / 10)
    }
}
