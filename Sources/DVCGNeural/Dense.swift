import DVCGCore

/// A fully connected layer y = x W^T + b in PyTorch `nn.Linear` layout.
///
/// `weight` is [out, in] and `bias` is [out], exactly the tensors of a PyTorch `state_dict`
/// (`<index>.weight`, `<index>.bias`), so checkpoints need no transposition.
public struct Dense: Sendable, Equatable {
    /// The weight W, shape [outputSize, inputSize].
    public var weight: Matrix
    /// The bias b, `outputSize` elements.
    public var bias: [Float]

    /// Number of input features (columns of `weight`).
    public var inputSize: Int { weight.columns }
    /// Number of output features (rows of `weight`).
    public var outputSize: Int { weight.rows }
    /// Number of trainable parameters: out x in + out.
    public var parameterCount: Int { weight.values.count + bias.count }

    /// A layer with the given parameters.
    ///
    /// - Parameters:
    ///   - weight: W [out, in].
    ///   - bias: b [out]; its count must equal `weight.rows` (precondition).
    public init(weight: Matrix, bias: [Float]) {
        precondition(bias.count == weight.rows, "Dense: bias count \(bias.count) != weight rows \(weight.rows)")
        self.weight = weight
        self.bias = bias
    }

    /// A layer initialised as PyTorch's `nn.Linear.reset_parameters`: W and b uniform on
    /// [-1/sqrt(in), 1/sqrt(in)] (Kaiming-uniform with a = sqrt(5) gives exactly this bound).
    ///
    /// Draws come from `generator.uniform(-bound, bound)`, the weight row-major first, then the bias,
    /// so a seed fixes the layer bit for bit.
    ///
    /// - Parameters:
    ///   - inputSize: in, >= 1.
    ///   - outputSize: out, >= 1.
    ///   - generator: The seeded generator to draw from.
    public init(inputSize: Int, outputSize: Int, using generator: inout SeededGenerator) {
        precondition(inputSize >= 1 && outputSize >= 1, "Dense: sizes must be >= 1")
        let bound = 1 / Double(inputSize).squareRoot()
        var w = [Float](repeating: 0, count: inputSize * outputSize)
        for i in w.indices { w[i] = Float(generator.uniform(-bound, bound)) }
        var b = [Float](repeating: 0, count: outputSize)
        for i in b.indices { b[i] = Float(generator.uniform(-bound, bound)) }
        self.init(weight: Matrix(rows: outputSize, columns: inputSize, values: w), bias: b)
    }

    /// The layer's output for a batch: Y = X W^T + b.
    ///
    /// - Parameter input: X [batch, in].
    /// - Returns: Y [batch, out].
    public func forward(_ input: Matrix) -> Matrix {
        precondition(
            input.columns == inputSize, "Dense.forward: input has \(input.columns) columns, expected \(inputSize)")
        let batch = input.rows
        let outputSize = outputSize
        let inputSize = inputSize
        var output = Matrix(rows: batch, columns: outputSize)
        output.values.withUnsafeMutableBufferPointer { y in
            bias.withUnsafeBufferPointer { b in
                for r in 0..<batch {
                    (y.baseAddress! + r * outputSize).update(from: b.baseAddress!, count: outputSize)
                }
            }
            guard batch > 0, inputSize > 0 else { return }
            input.values.withUnsafeBufferPointer { x in
                weight.values.withUnsafeBufferPointer { w in
                    if batch == 1 {
                        gemv(outputSize, inputSize, 1, w.baseAddress!, x.baseAddress!, 1, y.baseAddress!)
                    } else {
                        gemm(
                            false, true, batch, outputSize, inputSize, 1, x.baseAddress!, w.baseAddress!, 1,
                            y.baseAddress!)
                    }
                }
            }
        }
        return output
    }

    /// Back-propagates a batch through the layer.
    ///
    /// - Parameters:
    ///   - input: X [batch, in], the input of the forward pass.
    ///   - outputGradient: dL/dY [batch, out].
    ///   - needsInputGradient: Whether to compute dL/dX (skip it for the first layer).
    /// - Returns: dL/dW [out, in] = dY^T X, dL/db [out] = column sums of dY, and dL/dX [batch, in]
    ///   = dY W when requested.
    public func backward(input: Matrix, outputGradient: Matrix, needsInputGradient: Bool) -> (
        gradient: DenseGradient, inputGradient: Matrix?
    ) {
        precondition(
            input.rows == outputGradient.rows && input.columns == inputSize && outputGradient.columns == outputSize,
            "Dense.backward: shape mismatch")
        let batch = input.rows
        let outputSize = outputSize
        let inputSize = inputSize
        var gradient = DenseGradient(
            weight: Matrix(rows: outputSize, columns: inputSize), bias: [Float](repeating: 0, count: outputSize))
        var inputGradient: Matrix? = needsInputGradient ? Matrix(rows: batch, columns: inputSize) : nil
        guard batch > 0 else { return (gradient, inputGradient) }
        outputGradient.values.withUnsafeBufferPointer { dy in
            gradient.bias.withUnsafeMutableBufferPointer { db in
                for r in 0..<batch {
                    let row = dy.baseAddress! + r * outputSize
                    for o in 0..<outputSize { db[o] += row[o] }
                }
            }
            guard inputSize > 0 else { return }
            input.values.withUnsafeBufferPointer { x in
                gradient.weight.values.withUnsafeMutableBufferPointer { dw in
                    gemm(
                        true, false, outputSize, inputSize, batch, 1, dy.baseAddress!, x.baseAddress!, 0,
                        dw.baseAddress!)
                }
            }
            if inputGradient != nil {
                weight.values.withUnsafeBufferPointer { w in
                    inputGradient!.values.withUnsafeMutableBufferPointer { dx in
                        gemm(
                            false, false, batch, inputSize, outputSize, 1, dy.baseAddress!, w.baseAddress!, 0,
                            dx.baseAddress!)
                    }
                }
            }
        }
        return (gradient, inputGradient)
    }

    /// Soft target update, eqs. (37-38): theta' = tau theta + (1 - tau) theta', applied to self as theta'.
    ///
    /// - Parameters:
    ///   - online: The online layer theta, of the same shape (precondition).
    ///   - tau: The rate in [0, 1]; 1 copies `online`, 0 keeps self.
    public mutating func softUpdate(toward online: Dense, rate tau: Float) {
        precondition(online.weight.shape == weight.shape, "Dense.softUpdate: shape mismatch")
        blend(&weight.values, online.weight.values, tau)
        blend(&bias, online.bias, tau)
    }
}

/// target = tau source + (1 - tau) target, element-wise.
private func blend(_ target: inout [Float], _ source: [Float], _ tau: Float) {
    source.withUnsafeBufferPointer { s in
        target.withUnsafeMutableBufferPointer { t in
            for i in t.indices { t[i] = tau * s[i] + (1 - tau) * t[i] }
        }
    }
}
