import COpenBLAS

/// Scratch memory for evaluating many nets of one shape one input at a time, without allocating: the
/// round's N VoI nets, each evaluated at one share vector per pass (at N = 10,000 the arrays that
/// ``MLP/evaluate(_:)`` and ``MLP/valueAndInputGradient(_:)`` allocate per layer were about 400,000
/// allocations a round).
///
/// The results are those of ``MLP/evaluate(_:)`` and ``MLP/valueAndInputGradient(_:)``, bit for bit:
/// the same BLAS calls on the same operands in the same order.
package struct MLPWorkspace: Sendable {
    /// Every layer's activations, the input first: layer j's output at `offsets[j + 1]`.
    private var activations: [Float]
    private var offsets: [Int]
    private var upstream: [Float]
    private var down: [Float]
    private let layerSizes: [Int]

    /// A workspace for nets with the feature counts `layerSizes` ([in, hidden..., out]).
    package init(layerSizes: [Int]) {
        precondition(layerSizes.count >= 2, "MLPWorkspace needs an input and an output size")
        self.layerSizes = layerSizes
        var offsets = [0]
        for size in layerSizes { offsets.append(offsets.last! + size) }
        self.offsets = offsets
        activations = [Float](repeating: 0, count: offsets.last!)
        let widest = layerSizes.max()!
        upstream = [Float](repeating: 0, count: widest)
        down = [Float](repeating: 0, count: widest)
    }

    /// The first output of `net` at `input`, as a Double: `Double(net.evaluate(input)[0])`.
    ///
    /// - Parameters:
    ///   - net: A net of this workspace's layer sizes (precondition).
    ///   - input: ``MLP/inputSize`` features, converted to Float.
    package mutating func value(_ net: MLP, at input: some Collection<Double>) -> Double {
        forward(net, input)
        return Double(activations[offsets[net.layers.count]] * net.outputScale)
    }

    /// The output of a one-output `net` at `input` and its gradient with respect to the input, written
    /// to `gradient` (``MLP/inputSize`` values): ``MLP/valueAndInputGradient(_:)`` as Doubles.
    ///
    /// - Parameters:
    ///   - net: A net of this workspace's layer sizes with one output (precondition).
    ///   - input: ``MLP/inputSize`` features, converted to Float.
    ///   - gradient: Receives d(output)/d(input) at `gradient[start..<(start + inputSize)]`.
    ///   - start: Where in `gradient` the input's first derivative goes.
    package mutating func valueAndGradient(
        _ net: MLP, at input: some Collection<Double>, gradient: inout [Double], from start: Int = 0
    ) -> Double {
        precondition(net.outputSize == 1, "MLPWorkspace.valueAndGradient needs a scalar output")
        forward(net, input)
        let count = net.layers.count
        upstream[0] = net.outputScale
        activations.withUnsafeBufferPointer { a in
            upstream.withUnsafeMutableBufferPointer { u in
                down.withUnsafeMutableBufferPointer { d in
                    var up = u.baseAddress!
                    var dn = d.baseAddress!
                    net.layers.withUnsafeBufferPointer { layers in
                        for j in (0..<count).reversed() {
                            let rows = layers[j].weight.rows
                            let columns = layers[j].weight.columns
                            if j < count - 1 {
                                let output = a.baseAddress! + offsets[j + 1]
                                if net.activation == .relu {
                                    for index in 0..<rows where !(output[index] > 0) { up[index] = 0 }
                                } else {
                                    Self.backward(net.activation, output: output, gradient: up, count: rows)
                                }
                            }
                            layers[j].weight.values.withUnsafeBufferPointer { w in
                                _ = BLAS.configured
                                cblas_sgemv(
                                    CblasRowMajor, CblasTrans, Int32(rows), Int32(columns), 1, w.baseAddress!,
                                    Int32(columns), up, 1, 0, dn, 1)
                            }
                            swap(&up, &dn)
                        }
                    }
                    for c in 0..<layerSizes[0] { gradient[start + c] = Double(up[c]) }
                }
            }
        }
        return Double(activations[offsets[count]] * net.outputScale)
    }

    /// Fills the activations of every layer for `input`.
    private mutating func forward(_ net: MLP, _ input: some Collection<Double>) {
        precondition(net.layers.count == layerSizes.count - 1, "MLPWorkspace: a net of another depth")
        precondition(input.count == layerSizes[0], "MLPWorkspace: \(input.count) inputs, expected \(layerSizes[0])")
        let count = net.layers.count
        let offsets = offsets
        activations.withUnsafeMutableBufferPointer { a in
            var position = 0
            for value in input {
                a[position] = Float(value)
                position += 1
            }
            // Through the layers' own storage: a copy of each Dense would retain its arrays at every evaluation.
            net.layers.withUnsafeBufferPointer { layers in
                for j in 0..<count {
                    let x = a.baseAddress! + offsets[j]
                    let y = a.baseAddress! + offsets[j + 1]
                    let rows = layers[j].weight.rows
                    let columns = layers[j].weight.columns
                    precondition(
                        columns == layerSizes[j] && rows == layerSizes[j + 1], "MLPWorkspace: a net of another shape")
                    layers[j].bias.withUnsafeBufferPointer { b in y.update(from: b.baseAddress!, count: rows) }
                    layers[j].weight.values.withUnsafeBufferPointer { w in
                        gemv(rows, columns, 1, w.baseAddress!, x, 1, y)
                    }
                    if j < count - 1 { Self.activate(net.activation, y, count: rows) }
                }
            }
        }
    }

    /// ``Activation/apply(_:)`` on `count` values in place.
    private static func activate(_ activation: Activation, _ values: UnsafeMutablePointer<Float>, count: Int) {
        if activation == .relu {
            for i in 0..<count { values[i] = values[i] < 0 ? 0 : values[i] }
            return
        }
        var buffer = Array(UnsafeBufferPointer(start: values, count: count))
        activation.apply(&buffer)
        values.update(from: buffer, count: count)
    }

    /// ``Activation/backward(output:gradient:)`` for activations other than ReLU (whose mask the caller applies).
    private static func backward(
        _ activation: Activation, output: UnsafePointer<Float>, gradient: UnsafeMutablePointer<Float>, count: Int
    ) {
        var buffer = Array(UnsafeBufferPointer(start: gradient, count: count))
        activation.backward(output: Array(UnsafeBufferPointer(start: output, count: count)), gradient: &buffer)
        gradient.update(from: buffer, count: count)
    }
}
