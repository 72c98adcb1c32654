import Foundation

/// Softmax and log-softmax over consecutive groups of columns: the actor's categorical policy per
/// resource. With K resources and L action levels, a row of logits has K x L columns and group k
/// is columns k L ..< (k + 1) L, i.e. PyTorch's `logits.view(batch, K, L).softmax(-1)`.
public enum GroupedSoftmax {
    /// Row-wise softmax over each group, max-shifted for stability.
    ///
    /// - Parameters:
    ///   - logits: [batch, K x L].
    ///   - groupSize: L, >= 1, dividing the column count (precondition).
    /// - Returns: Probabilities [batch, K x L]; each group sums to 1.
    public static func softmax(_ logits: Matrix, groupSize: Int) -> Matrix {
        var result = logits
        transform(&result, groupSize: groupSize, log: false)
        return result
    }

    /// Row-wise log-softmax over each group: x - max - log(sum exp(x - max)).
    ///
    /// - Parameters:
    ///   - logits: [batch, K x L].
    ///   - groupSize: L, >= 1, dividing the column count (precondition).
    /// - Returns: Log-probabilities [batch, K x L].
    public static func logSoftmax(_ logits: Matrix, groupSize: Int) -> Matrix {
        var result = logits
        transform(&result, groupSize: groupSize, log: true)
        return result
    }

    /// Back-propagates through ``softmax(_:groupSize:)``: dx = p (dy - sum_group(dy p)).
    ///
    /// - Parameters:
    ///   - probabilities: The softmax output p [batch, K x L].
    ///   - outputGradient: dL/dp, same shape.
    ///   - groupSize: L.
    /// - Returns: dL/d(logits), same shape.
    public static func softmaxBackward(probabilities: Matrix, outputGradient: Matrix, groupSize: Int) -> Matrix {
        precondition(
            probabilities.shape == outputGradient.shape && probabilities.columns % groupSize == 0,
            "softmaxBackward: shape mismatch")
        var dx = outputGradient
        let p = probabilities.values
        for start in stride(from: 0, to: p.count, by: groupSize) {
            var dot: Float = 0
            for i in start..<(start + groupSize) { dot += outputGradient.values[i] * p[i] }
            for i in start..<(start + groupSize) { dx.values[i] = p[i] * (outputGradient.values[i] - dot) }
        }
        return dx
    }

    /// Back-propagates through ``logSoftmax(_:groupSize:)``: dx = dy - exp(y) sum_group(dy).
    ///
    /// - Parameters:
    ///   - logProbabilities: The log-softmax output y [batch, K x L].
    ///   - outputGradient: dL/dy, same shape.
    ///   - groupSize: L.
    /// - Returns: dL/d(logits), same shape.
    public static func logSoftmaxBackward(logProbabilities: Matrix, outputGradient: Matrix, groupSize: Int) -> Matrix {
        precondition(
            logProbabilities.shape == outputGradient.shape && logProbabilities.columns % groupSize == 0,
            "logSoftmaxBackward: shape mismatch")
        var dx = outputGradient
        let y = logProbabilities.values
        for start in stride(from: 0, to: y.count, by: groupSize) {
            var sum: Float = 0
            for i in start..<(start + groupSize) { sum += outputGradient.values[i] }
            for i in start..<(start + groupSize) {
                dx.values[i] = outputGradient.values[i] - Foundation.exp(y[i]) * sum
            }
        }
        return dx
    }

    private static func transform(_ m: inout Matrix, groupSize: Int, log: Bool) {
        precondition(
            groupSize >= 1 && m.columns % groupSize == 0,
            "GroupedSoftmax: \(m.columns) columns are not groups of \(groupSize)")
        m.values.withUnsafeMutableBufferPointer { v in
            for start in stride(from: 0, to: v.count, by: groupSize) {
                var maximum = -Float.infinity
                for i in start..<(start + groupSize) { maximum = max(maximum, v[i]) }
                var sum: Float = 0
                for i in start..<(start + groupSize) { sum += Foundation.exp(v[i] - maximum) }
                if log {
                    let logSum = Foundation.log(sum)
                    for i in start..<(start + groupSize) { v[i] = v[i] - maximum - logSum }
                } else {
                    for i in start..<(start + groupSize) { v[i] = Foundation.exp(v[i] - maximum) / sum }
                }
            }
        }
    }
}
