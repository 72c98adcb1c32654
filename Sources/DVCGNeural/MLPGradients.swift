/// Gradients of a loss with respect to an ``MLP``'s parameters, layer by layer.
public struct MLPGradients: Sendable {
    /// One gradient per layer, same order and shapes as ``MLP/layers``.
    public var layers: [DenseGradient]
    /// dL/d(input) [batch, inputSize], when requested from ``MLP/backward(_:outputGradient:needsInputGradient:)``.
    public var inputGradient: Matrix?

    /// The Euclidean norm of all parameter gradients together.
    public var norm: Double { layers.reduce(0) { $0 + $1.squaredNorm }.squareRoot() }

    /// Gradient-norm clipping as PyTorch's `clip_grad_norm_`: when the total norm exceeds
    /// `maxNorm`, scales every gradient by maxNorm / (norm + 1e-6).
    ///
    /// - Parameter maxNorm: The largest allowed norm, > 0.
    /// - Returns: The total norm before clipping.
    @discardableResult
    public mutating func clip(maxNorm: Double) -> Double {
        let total = norm
        let coefficient = maxNorm / (total + 1e-6)
        if coefficient < 1 {
            for j in layers.indices { layers[j].scale(by: Float(coefficient)) }
        }
        return total
    }
}
