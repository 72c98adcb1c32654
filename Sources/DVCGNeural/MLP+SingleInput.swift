import COpenBLAS

extension MLP {
    /// The output for one input vector, with one allocation per layer (the round path's batch of one).
    ///
    /// - Parameter input: ``inputSize`` features.
    /// - Returns: ``outputSize`` outputs; equal to `forward` on a one-row matrix.
    package func evaluate(_ input: [Float]) -> [Float] {
        precondition(input.count == inputSize, "MLP.evaluate: \(input.count) inputs, expected \(inputSize)")
        var x = input
        for j in layers.indices { x = layerOutput(j, x) }
        if outputScale != 1 { for index in x.indices { x[index] *= outputScale } }
        return x
    }

    /// Layer `j`'s output for one input vector: W x + b, activated unless it is the last layer.
    private func layerOutput(_ j: Int, _ x: [Float]) -> [Float] {
        let layer = layers[j]
        var y = layer.bias
        x.withUnsafeBufferPointer { xp in
            layer.weight.values.withUnsafeBufferPointer { w in
                y.withUnsafeMutableBufferPointer { yp in
                    gemv(layer.outputSize, layer.inputSize, 1, w.baseAddress!, xp.baseAddress!, 1, yp.baseAddress!)
                }
            }
        }
        if j < layers.count - 1 { activation.apply(&y) }
        return y
    }

    /// The scalar output and its gradient with respect to the input, for a network with one output
    /// (the VoI net: utility in VC and marginal utilities in VC per share).
    ///
    /// - Parameter input: ``inputSize`` features.
    /// - Returns: The output and d(output)/d(input), ``inputSize`` values.
    package func valueAndInputGradient(_ input: [Float]) -> (value: Float, gradient: [Float]) {
        precondition(outputSize == 1, "MLP.valueAndInputGradient needs a scalar output")
        var activations = [input]
        var x = input
        for j in layers.indices {
            x = layerOutput(j, x)
            activations.append(x)
        }
        var upstream: [Float] = [outputScale]
        for j in layers.indices.reversed() {
            let layer = layers[j]
            if j < layers.count - 1 { activation.backward(output: activations[j + 1], gradient: &upstream) }
            var down = [Float](repeating: 0, count: layer.inputSize)
            upstream.withUnsafeBufferPointer { u in
                layer.weight.values.withUnsafeBufferPointer { w in
                    down.withUnsafeMutableBufferPointer { d in
                        _ = BLAS.configured
                        cblas_sgemv(
                            CblasRowMajor, CblasTrans, Int32(layer.outputSize), Int32(layer.inputSize), 1,
                            w.baseAddress!, Int32(layer.inputSize), u.baseAddress!, 1, 0, d.baseAddress!, 1)
                    }
                }
            }
            upstream = down
        }
        return (x[0] * outputScale, upstream)
    }
}
