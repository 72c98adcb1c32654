import DVCGCore

/// A multilayer perceptron: dense layers with one hidden activation between them and a linear
/// output, i.e. PyTorch's `nn.Sequential(Linear, act, Linear, act, ..., Linear)`.
///
/// Layer j of ``layers`` is the PyTorch module at index 2j of that `Sequential` (0, 2, 4, ...), which
/// is the `<layer>` part of checkpoint tensor names.
public struct MLP: Sendable, Equatable {
    /// The dense layers, first to last; layer j maps `layerSizes[j]` to `layerSizes[j + 1]` features.
    public var layers: [Dense]
    /// The activation after every layer but the last.
    public var activation: Activation
    /// A fixed factor on the output (not trained; 1 for a plain PyTorch `Sequential`). A VoI net of a
    /// shared policy predicts utilities in VC as this scale times an output of order 1, so that Adam's
    /// steps, which are of the same size in every layer, fit VC-sized targets as quickly as unit ones.
    public var outputScale: Float = 1

    /// The feature counts [in, hidden..., out]: one more entry than ``layers``.
    public var layerSizes: [Int] { [layers[0].inputSize] + layers.map(\.outputSize) }
    /// Number of input features.
    public var inputSize: Int { layers[0].inputSize }
    /// Number of output features.
    public var outputSize: Int { layers[layers.count - 1].outputSize }
    /// Total number of trainable parameters.
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// An MLP over the given layers.
    ///
    /// - Parameters:
    ///   - layers: At least one layer; each layer's input size equals the previous layer's output size
    ///     (precondition).
    ///   - activation: The hidden activation.
    ///   - outputScale: The fixed output factor (``outputScale``), finite and > 0.
    public init(layers: [Dense], activation: Activation, outputScale: Float = 1) {
        precondition(!layers.isEmpty, "MLP needs at least one layer")
        for j in 1..<layers.count {
            precondition(layers[j].inputSize == layers[j - 1].outputSize, "MLP: layer \(j) does not chain")
        }
        precondition(outputScale.isFinite && outputScale > 0, "MLP: output scale must be finite and > 0")
        self.layers = layers
        self.activation = activation
        self.outputScale = outputScale
    }

    /// An MLP with PyTorch's default initialisation (see ``Dense/init(inputSize:outputSize:using:)``),
    /// layers drawn first to last from `generator`.
    ///
    /// - Parameters:
    ///   - layerSizes: [in, hidden..., out], at least two entries, all >= 1.
    ///   - activation: The hidden activation.
    ///   - generator: The seeded generator.
    public init(layerSizes: [Int], activation: Activation, using generator: inout SeededGenerator) {
        precondition(layerSizes.count >= 2, "MLP needs at least an input and an output size")
        var layers: [Dense] = []
        for j in 0..<(layerSizes.count - 1) {
            layers.append(Dense(inputSize: layerSizes[j], outputSize: layerSizes[j + 1], using: &generator))
        }
        self.init(layers: layers, activation: activation)
    }

    /// The network's output for a batch.
    ///
    /// - Parameter input: [batch, inputSize].
    /// - Returns: [batch, outputSize], linear (no output activation).
    public func forward(_ input: Matrix) -> Matrix {
        var x = input
        for j in layers.indices {
            x = layers[j].forward(x)
            if j < layers.count - 1 { activation.apply(&x.values) }
        }
        if outputScale != 1 { for index in x.values.indices { x.values[index] *= outputScale } }
        return x
    }

    /// A forward pass that keeps every layer's activation for ``backward(_:outputGradient:needsInputGradient:)``.
    ///
    /// - Parameter input: [batch, inputSize].
    /// - Returns: The trace; its ``MLPTrace/output`` is what ``forward(_:)`` returns.
    public func forwardTrace(_ input: Matrix) -> MLPTrace {
        var activations = [input]
        activations.reserveCapacity(layers.count + 1)
        for j in layers.indices {
            var x = layers[j].forward(activations[j])
            if j < layers.count - 1 { activation.apply(&x.values) }
            if j == layers.count - 1, outputScale != 1 {
                for index in x.values.indices { x.values[index] *= outputScale }
            }
            activations.append(x)
        }
        return MLPTrace(activations: activations)
    }

    /// Back-propagates dL/d(output) through the network.
    ///
    /// - Parameters:
    ///   - trace: The trace of the forward pass on this batch, from this network's current parameters.
    ///   - outputGradient: dL/d(output) [batch, outputSize].
    ///   - needsInputGradient: Whether to compute dL/d(input) (e.g. to chain into another network).
    /// - Returns: The parameter gradients and, when requested, dL/d(input) [batch, inputSize].
    public func backward(_ trace: MLPTrace, outputGradient: Matrix, needsInputGradient: Bool = false) -> MLPGradients {
        precondition(trace.activations.count == layers.count + 1, "MLP.backward: trace from another network")
        var gradients = [DenseGradient?](repeating: nil, count: layers.count)
        var upstream = outputGradient
        if outputScale != 1 { for index in upstream.values.indices { upstream.values[index] *= outputScale } }
        var inputGradient: Matrix?
        for j in layers.indices.reversed() {
            if j < layers.count - 1 {
                activation.backward(output: trace.activations[j + 1].values, gradient: &upstream.values)
            }
            let needs = j > 0 || needsInputGradient
            let (gradient, dx) = layers[j].backward(
                input: trace.activations[j], outputGradient: upstream, needsInputGradient: needs)
            gradients[j] = gradient
            if j > 0 { upstream = dx! } else { inputGradient = dx }
        }
        return MLPGradients(layers: gradients.map { $0! }, inputGradient: inputGradient)
    }

    /// Soft target update, eqs. (37-38): theta' = tau theta + (1 - tau) theta', with self as theta'.
    ///
    /// - Parameters:
    ///   - online: The online network theta, with the same layer sizes (precondition).
    ///   - tau: The rate in [0, 1] (the paper's tau; 0.005 in our training recipe).
    public mutating func softUpdate(toward online: MLP, rate tau: Float) {
        precondition(online.layerSizes == layerSizes, "MLP.softUpdate: architectures differ")
        for j in layers.indices { layers[j].softUpdate(toward: online.layers[j], rate: tau) }
    }

    /// Whether every weight and bias is finite.
    public var isFinite: Bool { layers.allSatisfy { $0.weight.isFinite && $0.bias.allSatisfy(\.isFinite) } }
}
