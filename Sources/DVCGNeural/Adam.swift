import Foundation

/// Hyper-parameters of ``Adam``; the defaults are PyTorch's `torch.optim.Adam` defaults.
public struct AdamConfiguration: Sendable, Equatable, Codable {
    /// The step size lr (1e-3).
    public var learningRate: Double = 1e-3
    /// First-moment decay beta1 (0.9).
    public var beta1: Double = 0.9
    /// Second-moment decay beta2 (0.999).
    public var beta2: Double = 0.999
    /// The denominator term eps (1e-8).
    public var epsilon: Double = 1e-8

    /// A configuration; every argument defaults to PyTorch's value.
    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }
}

/// The Adam optimiser with PyTorch's semantics (no weight decay, no AMSGrad), for one ``MLP``.
///
/// Step t (from 1): m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2;
/// theta -= (lr / (1 - beta1^t)) m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
public struct Adam: Sendable {
    /// The hyper-parameters.
    public var configuration: AdamConfiguration
    /// Number of steps taken so far (PyTorch's `state["step"]`).
    public private(set) var step: Int = 0
    private var firstMoments: [DenseGradient]
    private var secondMoments: [DenseGradient]

    /// An optimiser with zero moments for a network of `network`'s shape.
    ///
    /// - Parameters:
    ///   - network: The network to be optimised (only its shape is used).
    ///   - configuration: Hyper-parameters (PyTorch defaults).
    public init(for network: MLP, configuration: AdamConfiguration = AdamConfiguration()) {
        self.configuration = configuration
        let zeros = network.layers.map {
            DenseGradient(
                weight: Matrix(rows: $0.outputSize, columns: $0.inputSize),
                bias: [Float](repeating: 0, count: $0.outputSize))
        }
        firstMoments = zeros
        secondMoments = zeros
    }

    /// Takes one Adam step on `network` with `gradients`.
    ///
    /// - Parameters:
    ///   - network: The network whose parameters are updated in place; same shape as at `init`.
    ///   - gradients: dL/d(parameters) for the current batch.
    public mutating func update(_ network: inout MLP, with gradients: MLPGradients) {
        precondition(
            gradients.layers.count == network.layers.count && network.layers.count == firstMoments.count,
            "Adam: shape mismatch")
        step += 1
        let c = configuration
        let t = Double(step)
        let stepSize = Float(c.learningRate / (1 - Foundation.pow(c.beta1, t)))
        let correction2 = Float((1 - Foundation.pow(c.beta2, t)).squareRoot())
        let beta1 = Float(c.beta1)
        let beta2 = Float(c.beta2)
        let epsilon = Float(c.epsilon)
        for j in network.layers.indices {
            Self.apply(
                &network.layers[j].weight.values, gradients.layers[j].weight.values,
                &firstMoments[j].weight.values, &secondMoments[j].weight.values,
                beta1, beta2, epsilon, stepSize, correction2)
            Self.apply(
                &network.layers[j].bias, gradients.layers[j].bias,
                &firstMoments[j].bias, &secondMoments[j].bias,
                beta1, beta2, epsilon, stepSize, correction2)
        }
    }

    private static func apply(
        _ parameters: inout [Float], _ gradients: [Float], _ m: inout [Float], _ v: inout [Float],
        _ beta1: Float, _ beta2: Float, _ epsilon: Float, _ stepSize: Float, _ correction2: Float
    ) {
        let count = parameters.count
        // The vector loop below reads and writes through raw pointers: every buffer must hold `count`.
        precondition(
            gradients.count == count && m.count == count && v.count == count, "Adam: gradient or moment count mismatch")
        gradients.withUnsafeBufferPointer { g in
            parameters.withUnsafeMutableBufferPointer { p in
                m.withUnsafeMutableBufferPointer { m in
                    v.withUnsafeMutableBufferPointer { v in
                        // Eight lanes at a time, each lane the scalar formula below (the same IEEE
                        // operations in the same order, so the result is bit for bit the scalar one).
                        let lanes = 8
                        let vectorised = count - count % lanes
                        var i = 0
                        while i < vectorised {
                            let gi = UnsafeRawPointer(g.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                            var mi = UnsafeRawPointer(m.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                            var vi = UnsafeRawPointer(v.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                            var pi = UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: SIMD8<Float>.self)
                            mi += (1 - beta1) * (gi - mi)
                            vi = beta2 * vi + (1 - beta2) * gi * gi
                            let denominator = vi.squareRoot() / correction2 + epsilon
                            pi -= stepSize * (mi / denominator)
                            UnsafeMutableRawPointer(m.baseAddress! + i).storeBytes(of: mi, as: SIMD8<Float>.self)
                            UnsafeMutableRawPointer(v.baseAddress! + i).storeBytes(of: vi, as: SIMD8<Float>.self)
                            UnsafeMutableRawPointer(p.baseAddress! + i).storeBytes(of: pi, as: SIMD8<Float>.self)
                            i += lanes
                        }
                        for i in vectorised..<count {
                            // PyTorch: exp_avg.lerp_(grad, 1 - beta1), i.e. m + (1 - beta1) (g - m).
                            m[i] += (1 - beta1) * (g[i] - m[i])
                            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                            let denominator = v[i].squareRoot() / correction2 + epsilon
                            p[i] -= stepSize * (m[i] / denominator)
                        }
                    }
                }
            }
        }
    }
}
