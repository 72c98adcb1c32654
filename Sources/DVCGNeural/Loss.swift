/// Losses with their gradients.
public enum Loss {
    /// Mean squared error as PyTorch's `nn.MSELoss()` (reduction "mean"): L = mean((y - t)^2) over
    /// all elements, used for the critic (36) and the VoI net (35).
    ///
    /// - Parameters:
    ///   - prediction: y [batch, n].
    ///   - target: t, same shape (precondition).
    /// - Returns: The loss and dL/dy = 2 (y - t) / (batch n); a 0 loss and gradient for an empty batch.
    public static func meanSquaredError(prediction: Matrix, target: Matrix) -> (loss: Float, gradient: Matrix) {
        precondition(
            prediction.shape == target.shape, "meanSquaredError: shapes \(prediction.shape) and \(target.shape) differ")
        let count = prediction.values.count
        var gradient = Matrix(rows: prediction.rows, columns: prediction.columns)
        guard count > 0 else { return (0, gradient) }
        var sum: Double = 0
        let scale = 2 / Float(count)
        for i in 0..<count {
            let d = prediction.values[i] - target.values[i]
            sum += Double(d) * Double(d)
            gradient.values[i] = scale * d
        }
        return (Float(sum / Double(count)), gradient)
    }
}
