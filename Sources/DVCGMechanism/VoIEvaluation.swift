import DVCGCheckpoint
import DVCGNeural

/// The bank's evaluations of the participants' VoI nets in a round: row r of an input, K shares, by the VoI net of
/// participant `participants[r]`, with the input gradient when asked.
///
/// Each VSP has its own net, so a pass over N VSPs is N small products rather than one large one; one
/// ``MLPWorkspace`` serves the whole pass, so that it allocates only its results (the per-layer arrays of
/// ``MLP/evaluate(_:)`` were about 400,000 allocations a round at N = 10,000). The values are those of
/// ``MLP/evaluate(_:)`` and ``MLP/valueAndInputGradient(_:)``, bit for bit.
enum VoIEvaluation {
    /// f_j(x_r) per row r, and df_j/dx_r (row-major, K per row) when `gradients`.
    ///
    /// - Parameters:
    ///   - nets: The participants' networks.
    ///   - inputs: Row-major, `k` values per row.
    ///   - k: Values per row.
    ///   - participants: The participant whose net evaluates each row; nil for row r by participant r.
    ///   - gradients: Whether to compute the input gradients (else `gradients` is empty).
    static func evaluate(
        _ nets: [NetworkSet], inputs: [Double], k: Int, participants: [Int]? = nil, gradients: Bool
    ) -> (values: [Double], gradients: [Double]) {
        let rows = inputs.count / k
        guard rows > 0 else { return ([], []) }
        var workspace = MLPWorkspace(layerSizes: nets[participants?[0] ?? 0].voi.layerSizes)
        var derivatives = [Double](repeating: 0, count: gradients ? rows * k : 0)
        let values = (0..<rows).map { r in
            let net = nets[participants?[r] ?? r].voi
            let input = inputs[(r * k)..<((r + 1) * k)]
            return gradients
                ? workspace.valueAndGradient(net, at: input, gradient: &derivatives, from: r * k)
                : workspace.value(net, at: input)
        }
        return (values, derivatives)
    }
}
