/// The activations of one forward pass: `activations[0]` is the input, `activations[j + 1]` the
/// output of layer j after its activation.
public struct MLPTrace: Sendable {
    /// Input, then each layer's (activated) output; [batch, size] each.
    public var activations: [Matrix]
    /// The network output [batch, outputSize].
    public var output: Matrix { activations[activations.count - 1] }
}
