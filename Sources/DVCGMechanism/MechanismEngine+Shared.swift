import DVCGCheckpoint
import DVCGCore
import DVCGNeural
import Foundation

/// What the NSP's shared actor sees of one VSP and resource, besides its share: the bank's marginal
/// VoI value of the VSP's slice relative to the resource's price (docs/learning.md, "What crosses from
/// the bank to the NSP").
///
/// m_ic = df_i/ds_ic, the input gradient of VSP i's VoI net at its share s_ic (VC per unit of share),
/// and lambda_c = sum_j s_jc m_jc, the share-weighted mean marginal value of resource c. Neither
/// reports nor networks leave the bank: only these N K numbers and the K prices.
public struct MarginalValues: Sendable, Equatable {
    /// f_i(s_i) per VSP, in VC.
    public var values: [Double]
    /// m_ic, row-major N x K, in VC per unit of share.
    public var marginals: [Double]
    /// lambda_c, K values.
    public var prices: [Double]

    /// The bank's marginal values of `allocation` from the VSPs' VoI nets.
    static func of(_ allocation: Allocation, nets: [NetworkSet]) -> MarginalValues {
        let n = allocation.vspCount
        let k = allocation.resourceCount
        let (values, marginals) = VoIEvaluation.evaluate(nets, inputs: allocation.shares, k: k, gradients: true)
        var prices = [Double](repeating: 0, count: k)
        for i in 0..<n {
            for c in 0..<k { prices[c] += allocation[i, c] * marginals[i * k + c] }
        }
        return MarginalValues(values: values, marginals: marginals, prices: prices)
    }
}

extension MechanismEngine {
    /// The shared actor's first input for one VSP and resource: log(N s_ic) / 4, clipped to [-3, 3]
    /// (0 at the equal split).
    static func relativeShareFeature(share: Double, count: Int) -> Float {
        Float(min(max(Foundation.log(max(Double(count) * share, 1e-9)) / 4, -3), 3))
    }

    /// The shared actor's second input for one VSP and resource: log(m_ic / lambda_c) / 2, clipped to
    /// [-2, 2]; a marginal value at or below 0 reads as the smallest ratio, a price at or below 0 (no
    /// VSP values the resource) as ratio 1.
    static func valueRatioFeature(marginal: Double, price: Double) -> Float {
        guard price > 0 else { return 0 }
        return Float(min(max(Foundation.log(max(marginal, 1e-9 * price) / price) / 2, -2), 2))
    }

    /// The shared actor's input rows [relative shares (K), marginal-value ratios (K)] of every VSP of
    /// `allocation`, given their marginal values and the prices.
    static func sharedObservations(_ allocation: Allocation, marginals: [Double], prices: [Double]) -> [[Float]] {
        let n = allocation.vspCount
        let k = allocation.resourceCount
        return (0..<n).map { i in
            var row = [Float](repeating: 0, count: 2 * k)
            for c in 0..<k {
                row[c] = relativeShareFeature(share: allocation[i, c], count: n)
                row[k + c] = valueRatioFeature(marginal: marginals[i * k + c], price: prices[c])
            }
            return row
        }
    }

    /// The level the fixed marginal-value rule picks for an input row (docs/learning.md, "A rule that
    /// needs no training"): per resource the action log(m / lambda) (gain 1), clipped to the largest
    /// levels and rounded to the nearest level. It is the teacher the shared actor is first trained to
    /// imitate.
    ///
    /// - Returns: K level indices.
    public static func ruleLevels(observation: [Float], levels: [Double]) -> [Int] {
        let k = observation.count / 2
        let lowest = levels.min()!
        let highest = levels.max()!
        return (0..<k).map { c in
            let target = min(max(2 * Double(observation[k + c]), lowest), highest)
            var best = 0
            for (index, level) in levels.enumerated() where abs(level - target) < abs(levels[best] - target) {
                best = index
            }
            return best
        }
    }

    /// The shared target actor's greedy levels (row-major N x K) on the round's actor inputs, for the approximate
    /// counterfactual of ``sharedCounterfactualWelfare(nets:previous:marginals:levels:atProposal:)``: the learner's
    /// own greedy levels from `actorLogits` when the two actors are equal (a frozen policy).
    func sharedTargetLevels(_ observations: [[Float]], actorLogits: [ArraySlice<Float>]) -> [Int] {
        let networks = shared!.networks
        let k = resourceCount
        let l = levelCount
        if networks.actorTarget == networks.actor { return Self.greedyLevels(actorLogits, k: k, l: l) }
        let n = observations.count
        let logits = networks.actorTarget.forward(
            Matrix(rows: n, columns: 2 * k, values: observations.flatMap { $0 }))
        return Self.greedyLevels(
            (0..<n).map { logits.values[($0 * k * l)..<(($0 + 1) * k * l)] }, k: k, l: l)
    }

    /// SW'_-i of eqs. (31)-(33) under a shared policy: as ``counterfactualWelfare(nets:previous:)``, with
    /// the shared target actor acting on the counterfactual inputs (the others' shares renormalised
    /// without i, N - 1 VSPs, prices recomputed without i from the marginal values at the actual shares).
    ///
    /// - Parameters:
    ///   - levels: Above ``MechanismConfiguration/exactCounterfactualLimit`` VSPs, the target actor's levels on the
    ///     round's inputs (``sharedTargetLevels(_:actorLogits:)``), for the first-order approximation; nil for the
    ///     exact rollout.
    ///   - atProposal: The VoI values and gradients at the allocation `levels` give, when the caller has them (it
    ///     is the round's proposal when the levels are its actions).
    func sharedCounterfactualWelfare(
        nets: [NetworkSet], previous: Allocation, marginals: [Double], levels: [Int]?,
        atProposal: (values: [Double], gradients: [Double])? = nil
    ) -> [Double] {
        let n = previous.vspCount
        guard n > 1 else { return [0] }
        let k = resourceCount
        let l = levelCount
        let target = shared!.networks.actorTarget
        if let levels {
            return approximateCounterfactualWelfare(nets: nets, previous: previous, levels: levels, at: atProposal)
        }
        // Row r = i * (n - 1) + position of j among the others: VSP j's inputs when i is absent.
        var rows: [Float] = []
        rows.reserveCapacity(n * (n - 1) * 2 * k)
        var shares = [[Double]](repeating: [], count: n)
        for i in 0..<n {
            var prices = [Double](repeating: 0, count: k)
            var renormalised = [Double](repeating: 0, count: n * k)
            for j in 0..<n where j != i {
                for c in 0..<k {
                    let rest = 1 - previous[i, c]
                    let s = rest > 1e-12 ? previous[j, c] / rest : 1 / Double(n - 1)
                    renormalised[j * k + c] = s
                    prices[c] += s * marginals[j * k + c]
                }
            }
            for j in 0..<n where j != i {
                for c in 0..<k { rows.append(Self.relativeShareFeature(share: renormalised[j * k + c], count: n - 1)) }
                for c in 0..<k { rows.append(Self.valueRatioFeature(marginal: marginals[j * k + c], price: prices[c])) }
            }
            shares[i] = renormalised
        }
        let logits = target.forward(Matrix(rows: n * (n - 1), columns: 2 * k, values: rows))
        var scaled = [[Double]](repeating: [Double](repeating: 0, count: n * k), count: n)
        var r = 0
        for i in 0..<n {
            for j in 0..<n where j != i {
                for c in 0..<k {
                    let start = r * k * l + c * l
                    let level = argmax(logits.values[start..<(start + l)])
                    scaled[i][j * k + c] = max(
                        shares[i][j * k + c] * (1 + actionSpace.levels[level]), actionSpace.minimumShare)
                }
                r += 1
            }
        }
        return counterfactualSums(nets: nets, scaled: scaled)
    }
}
