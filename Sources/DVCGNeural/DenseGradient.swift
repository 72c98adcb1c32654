/// The gradient of a loss with respect to one ``Dense`` layer's parameters (same shapes).
public struct DenseGradient: Sendable, Equatable {
    /// dL/dW, [out, in].
    public var weight: Matrix
    /// dL/db, [out].
    public var bias: [Float]

    /// Sum of squares of all elements, accumulated in Float64.
    public var squaredNorm: Double {
        var sum: Double = 0
        for v in weight.values { sum += Double(v) * Double(v) }
        for v in bias { sum += Double(v) * Double(v) }
        return sum
    }

    /// Multiplies every element by `factor`.
    public mutating func scale(by factor: Float) {
        weight.values.withUnsafeMutableBufferPointer { w in for i in w.indices { w[i] *= factor } }
        bias.withUnsafeMutableBufferPointer { b in for i in b.indices { b[i] *= factor } }
    }
}
