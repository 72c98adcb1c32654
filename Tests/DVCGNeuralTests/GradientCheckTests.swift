import DVCGCore
import Foundation
import Testing

@testable import DVCGNeural

/// Gradient checks: our Float32 backward passes against central finite differences of a Float64
/// reference forward pass (written independently here). Tolerance: |analytic - numeric| <=
/// 2e-4 + 2e-3 |numeric|, i.e. what Float32 accumulation leaves after a few layers; step h = 1e-6.
@Suite struct GradientCheckTests {
    /// A Float64 copy of an MLP's parameters: per layer W [out][in] and b [out].
    struct ReferenceMLP {
        var weights: [[[Double]]]
        var biases: [[Double]]
        var activation: Activation

        init(_ mlp: MLP) {
            weights = mlp.layers.map { l in
                (0..<l.outputSize).map { o in (0..<l.inputSize).map { Double(l.weight[o, $0]) } }
            }
            biases = mlp.layers.map { $0.bias.map(Double.init) }
            activation = mlp.activation
        }

        func forward(_ input: [[Double]]) -> [[Double]] {
            var x = input
            for j in weights.indices {
                x = x.map { row in
                    weights[j].indices.map { o in
                        var s = biases[j][o]
                        for i in row.indices { s += weights[j][o][i] * row[i] }
                        guard j < weights.count - 1 else { return s }
                        switch activation {
                        case .relu: return max(0, s)
                        case .tanh: return Foundation.tanh(s)
                        case .identity: return s
                        }
                    }
                }
            }
            return x
        }
    }

    static func referenceMSE(_ y: [[Double]], _ t: Matrix) -> Double {
        var sum = 0.0
        for r in y.indices { for c in y[r].indices { let d = y[r][c] - Double(t[r, c]); sum += d * d } }
        return sum / Double(t.values.count)
    }

    static func rows(_ m: Matrix) -> [[Double]] { (0..<m.rows).map { r in m.row(r).map(Double.init) } }

    static func expectClose(_ analytic: Float, _ numeric: Double, _ label: String) {
        let tolerance = 2e-4 + 2e-3 * abs(numeric)
        #expect(abs(Double(analytic) - numeric) <= tolerance, "\(label): analytic \(analytic), numeric \(numeric)")
    }

    static let h = 1e-6

    @Test(arguments: [
        (Activation.relu, [5, 8, 7, 3]), (.tanh, [5, 8, 7, 3]), (.identity, [4, 3]), (.tanh, [3, 6, 1]),
    ])
    func mlpParameterAndInputGradientsMatchFiniteDifferences(activation: Activation, sizes: [Int]) {
        var generator = SeededGenerator(seed: 11)
        let network = MLP(layerSizes: sizes, activation: activation, using: &generator)
        let input = randomMatrix(6, sizes[0], &generator)
        let target = randomMatrix(6, sizes.last!, &generator)
        let trace = network.forwardTrace(input)
        let (_, dOutput) = Loss.meanSquaredError(prediction: trace.output, target: target)
        let gradients = network.backward(trace, outputGradient: dOutput, needsInputGradient: true)
        let reference = ReferenceMLP(network)
        let x = Self.rows(input)
        for j in network.layers.indices {
            for o in 0..<network.layers[j].outputSize {
                for i in 0..<network.layers[j].inputSize {
                    var plus = reference, minus = reference
                    plus.weights[j][o][i] += Self.h
                    minus.weights[j][o][i] -= Self.h
                    let numeric =
                        (Self.referenceMSE(plus.forward(x), target) - Self.referenceMSE(minus.forward(x), target))
                        / (2 * Self.h)
                    Self.expectClose(gradients.layers[j].weight[o, i], numeric, "W\(j)[\(o),\(i)]")
                }
                var plus = reference, minus = reference
                plus.biases[j][o] += Self.h
                minus.biases[j][o] -= Self.h
                let numeric =
                    (Self.referenceMSE(plus.forward(x), target) - Self.referenceMSE(minus.forward(x), target))
                    / (2 * Self.h)
                Self.expectClose(gradients.layers[j].bias[o], numeric, "b\(j)[\(o)]")
            }
        }
        let dInput = gradients.inputGradient!
        for r in 0..<input.rows {
            for c in 0..<input.columns {
                var plus = x, minus = x
                plus[r][c] += Self.h
                minus[r][c] -= Self.h
                let numeric =
                    (Self.referenceMSE(reference.forward(plus), target)
                        - Self.referenceMSE(reference.forward(minus), target)) / (2 * Self.h)
                Self.expectClose(dInput[r, c], numeric, "dX[\(r),\(c)]")
            }
        }
    }

    @Test func meanSquaredErrorGradientMatchesFiniteDifferences() {
        var generator = SeededGenerator(seed: 12)
        let prediction = randomMatrix(4, 3, &generator)
        let target = randomMatrix(4, 3, &generator)
        let (loss, gradient) = Loss.meanSquaredError(prediction: prediction, target: target)
        let p = Self.rows(prediction)
        #expect(abs(Double(loss) - Self.referenceMSE(p, target)) < 1e-6)
        for r in 0..<4 {
            for c in 0..<3 {
                var plus = p, minus = p
                plus[r][c] += Self.h
                minus[r][c] -= Self.h
                let numeric = (Self.referenceMSE(plus, target) - Self.referenceMSE(minus, target)) / (2 * Self.h)
                Self.expectClose(gradient[r, c], numeric, "dy[\(r),\(c)]")
            }
        }
    }

    /// sum over groups of 3 columns of softmax or log-softmax, Float64.
    static func referenceGrouped(_ x: [Double], groupSize: Int, log: Bool) -> [Double] {
        var out = x
        for start in stride(from: 0, to: x.count, by: groupSize) {
            let g = x[start..<(start + groupSize)]
            let m = g.max()!
            let sum = g.reduce(0) { $0 + Foundation.exp($1 - m) }
            for i in start..<(start + groupSize) {
                out[i] = log ? x[i] - m - Foundation.log(sum) : Foundation.exp(x[i] - m) / sum
            }
        }
        return out
    }

    @Test(arguments: [false, true])
    func groupedSoftmaxGradientsMatchFiniteDifferences(logarithmic: Bool) {
        var generator = SeededGenerator(seed: 13)
        let groupSize = 7
        let logits = randomMatrix(3, 3 * groupSize, &generator, scale: 3)
        let weights = randomMatrix(3, 3 * groupSize, &generator)
        let output =
            logarithmic
            ? GroupedSoftmax.logSoftmax(logits, groupSize: groupSize)
            : GroupedSoftmax.softmax(logits, groupSize: groupSize)
        // L = sum(weights * output), so dL/d(output) = weights.
        let gradient =
            logarithmic
            ? GroupedSoftmax.logSoftmaxBackward(logProbabilities: output, outputGradient: weights, groupSize: groupSize)
            : GroupedSoftmax.softmaxBackward(probabilities: output, outputGradient: weights, groupSize: groupSize)
        let x = logits.values.map(Double.init)
        let w = weights.values.map(Double.init)
        func loss(_ x: [Double]) -> Double {
            zip(Self.referenceGrouped(x, groupSize: groupSize, log: logarithmic), w).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let reference = Self.referenceGrouped(x, groupSize: groupSize, log: logarithmic)
        for i in x.indices {
            #expect(abs(Double(output.values[i]) - reference[i]) < 1e-6)
            var plus = x, minus = x
            plus[i] += Self.h
            minus[i] -= Self.h
            Self.expectClose(gradient.values[i], (loss(plus) - loss(minus)) / (2 * Self.h), "dlogits[\(i)]")
        }
    }

    @Test func softmaxGroupsSumToOneAndSurviveLargeLogits() {
        let logits = Matrix([[1000, 0, -1000, 5, 5, 5]])
        let p = GroupedSoftmax.softmax(logits, groupSize: 3)
        #expect(p.isFinite)
        #expect(abs(p.values[0...2].reduce(0, +) - 1) < 1e-6)
        #expect(abs(p.values[3...5].reduce(0, +) - 1) < 1e-6)
        #expect(GroupedSoftmax.logSoftmax(logits, groupSize: 3).values[2] == -2000)
    }
}
