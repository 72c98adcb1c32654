import Foundation

/// An element-wise activation between dense layers, as PyTorch's `nn.ReLU`, `nn.Tanh`, or none.
public enum Activation: String, Sendable, Codable, CaseIterable {
    /// max(0, x); its derivative is taken as 0 at x = 0, as in PyTorch.
    case relu
    /// tanh(x); derivative 1 - tanh(x)^2.
    case tanh
    /// x (used after the last layer of an MLP).
    case identity

    /// Applies the activation in place.
    ///
    /// - Parameter values: Pre-activations; overwritten with activations.
    public func apply(_ values: inout [Float]) {
        switch self {
        case .relu:
            values.withUnsafeMutableBufferPointer { v in
                // A select, not a branch, so it vectorises; NaN < 0 is false, so NaN passes through.
                for i in v.indices { v[i] = v[i] < 0 ? 0 : v[i] }
            }
        case .tanh:
            values.withUnsafeMutableBufferPointer { v in
                for i in v.indices { v[i] = Foundation.tanh(v[i]) }
            }
        case .identity:
            break
        }
    }

    /// Back-propagates through the activation, in place.
    ///
    /// - Parameters:
    ///   - output: The activation's outputs y (same count as `gradient`).
    ///   - gradient: dL/dy on entry, dL/dx on return.
    public func backward(output: [Float], gradient: inout [Float]) {
        precondition(output.count == gradient.count, "Activation.backward: count mismatch")
        switch self {
        case .relu:
            output.withUnsafeBufferPointer { y in
                gradient.withUnsafeMutableBufferPointer { g in
                    for i in g.indices { g[i] = y[i] > 0 ? g[i] : 0 }
                }
            }
        case .tanh:
            output.withUnsafeBufferPointer { y in
                gradient.withUnsafeMutableBufferPointer { g in
                    for i in g.indices { g[i] *= 1 - y[i] * y[i] }
                }
            }
        case .identity:
            break
        }
    }
}
