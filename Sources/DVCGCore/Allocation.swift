/// An allocation of K resource types among N VSPs, as shares of each resource's capacity.
///
/// Shares are stored row-major, one row of K shares per VSP in roster order. Every share is in
/// [0, 1] and every resource column sums to at most 1 (within 1e-9), so `share * capacity` is
/// the VSP's physical slice.
public struct Allocation: Hashable, Sendable {
    /// The number of VSPs N (rows).
    public let vspCount: Int
    /// The number of resource types K (columns).
    public let resourceCount: Int
    /// The shares, row-major: `shares[i * resourceCount + k]` is VSP i's share of resource k.
    public private(set) var shares: [Double]

    /// Tolerance on a column sum above 1, for rounding in normalisation.
    public static let columnSumTolerance = 1e-9

    /// Creates an allocation from one row of K shares per VSP.
    ///
    /// - Parameter rows: N rows of K shares each.
    /// - Throws: ``MechanismError/emptyRoster`` for no rows or K = 0,
    ///   ``MechanismError/resourceCountMismatch(expected:found:)`` for rows of unequal length,
    ///   ``MechanismError/invalidShare(vsp:resource:value:)`` for a share outside [0, 1] or a
    ///   column summing to more than 1.
    public init(rows: [[Double]]) throws(MechanismError) {
        guard let first = rows.first, !first.isEmpty else { throw .emptyRoster }
        var flat: [Double] = []
        flat.reserveCapacity(rows.count * first.count)
        for row in rows {
            guard row.count == first.count else {
                throw .resourceCountMismatch(expected: first.count, found: row.count)
            }
            flat.append(contentsOf: row)
        }
        try self.init(vspCount: rows.count, resourceCount: first.count, shares: flat)
    }

    /// Creates an allocation from row-major shares.
    ///
    /// - Throws: as ``init(rows:)``; ``MechanismError/vspCountMismatch(expected:found:)`` when
    ///   `shares` does not hold `vspCount * resourceCount` values.
    public init(vspCount: Int, resourceCount: Int, shares: [Double]) throws(MechanismError) {
        guard vspCount > 0, resourceCount > 0 else { throw .emptyRoster }
        guard shares.count == vspCount * resourceCount else {
            throw .vspCountMismatch(expected: vspCount, found: shares.count / resourceCount)
        }
        var columnSums = [Double](repeating: 0, count: resourceCount)
        for i in 0..<vspCount {
            for k in 0..<resourceCount {
                let value = shares[i * resourceCount + k]
                guard value.isFinite, value >= 0, value <= 1 else {
                    throw .invalidShare(vsp: i, resource: k, value: value)
                }
                columnSums[k] += value
            }
        }
        for (k, sum) in columnSums.enumerated() where sum > 1 + Self.columnSumTolerance {
            throw .invalidShare(vsp: vspCount - 1, resource: k, value: sum)
        }
        self.vspCount = vspCount
        self.resourceCount = resourceCount
        self.shares = shares
    }

    private init(unchecked shares: [Double], vspCount: Int, resourceCount: Int) {
        self.vspCount = vspCount
        self.resourceCount = resourceCount
        self.shares = shares
    }

    /// The equal split: every VSP holds 1/N of every resource (the naive reference, and the state
    /// a newly registered VSP starts from).
    ///
    /// - Throws: ``MechanismError/emptyRoster`` when `vspCount` or `resourceCount` is 0.
    public static func equalSplit(vspCount: Int, resourceCount: Int) throws(MechanismError) -> Allocation {
        guard vspCount > 0, resourceCount > 0 else { throw .emptyRoster }
        let share = 1 / Double(vspCount)
        return Allocation(
            unchecked: [Double](repeating: share, count: vspCount * resourceCount),
            vspCount: vspCount, resourceCount: resourceCount)
    }

    /// VSP `vsp`'s share of resource `resource`.
    public subscript(vsp: Int, resource: Int) -> Double {
        shares[vsp * resourceCount + resource]
    }

    /// The K shares of VSP `vsp`.
    public func shares(of vsp: Int) -> ArraySlice<Double> {
        shares[(vsp * resourceCount)..<((vsp + 1) * resourceCount)]
    }

    /// The physical slice of VSP `vsp`: share times capacity, per resource, in each resource's unit.
    ///
    /// - Parameter capacities: K capacities.
    public func slice(of vsp: Int, capacities: [Double]) -> [Double] {
        (0..<resourceCount).map { self[vsp, $0] * capacities[$0] }
    }

    /// The mean share of every VSP but `vsp`, per resource: o-bar_i of docs/learning.md, computed as the
    /// leave-one-out mean (column sum - own share)/(N - 1); all zero when N = 1.
    public func meanShareOfOthers(than vsp: Int) -> [Double] {
        guard vspCount > 1 else { return [Double](repeating: 0, count: resourceCount) }
        let columnSums = self.columnSums
        return (0..<resourceCount).map { (columnSums[$0] - self[vsp, $0]) / Double(vspCount - 1) }
    }

    /// The sum of each resource column (at most 1).
    public var columnSums: [Double] {
        var sums = [Double](repeating: 0, count: resourceCount)
        for i in 0..<vspCount {
            for k in 0..<resourceCount { sums[k] += shares[i * resourceCount + k] }
        }
        return sums
    }

    /// norm() of eq. (15) (README, "Design notes"): clip every raw value at 0, then divide each resource
    /// column by its sum so that it sums to 1.
    ///
    /// A column whose clipped values are all 0 cannot be scaled; it takes the column of
    /// `fallback` when one is given (the unperturbed proposal in eq. (15)), else the equal split.
    ///
    /// - Parameters:
    ///   - raw: Row-major values, `vspCount * resourceCount` of them, finite.
    ///   - vspCount: N > 0.
    ///   - resourceCount: K > 0.
    ///   - fallback: An allocation of the same shape used for all-zero columns.
    /// - Throws: ``MechanismError/invalidValue(name:value:)`` for a non-finite value;
    ///   ``MechanismError/emptyRoster`` or a count mismatch for bad shapes.
    public static func normalizing(
        _ raw: [Double], vspCount: Int, resourceCount: Int, fallback: Allocation? = nil
    ) throws(MechanismError) -> Allocation {
        guard vspCount > 0, resourceCount > 0 else { throw .emptyRoster }
        guard raw.count == vspCount * resourceCount else {
            throw .vspCountMismatch(expected: vspCount, found: raw.count / resourceCount)
        }
        if let fallback, fallback.vspCount != vspCount || fallback.resourceCount != resourceCount {
            throw .vspCountMismatch(expected: vspCount, found: fallback.vspCount)
        }
        var shares = raw
        var sums = [Double](repeating: 0, count: resourceCount)
        for index in shares.indices {
            guard shares[index].isFinite else {
                throw .invalidValue(name: "allocation[\(index)]", value: shares[index])
            }
            shares[index] = max(shares[index], 0)
            sums[index % resourceCount] += shares[index]
        }
        for k in 0..<resourceCount {
            if sums[k] > 0 {
                for i in 0..<vspCount { shares[i * resourceCount + k] /= sums[k] }
            } else {
                for i in 0..<vspCount {
                    shares[i * resourceCount + k] = fallback.map { $0[i, k] } ?? 1 / Double(vspCount)
                }
            }
        }
        return Allocation(unchecked: shares, vspCount: vspCount, resourceCount: resourceCount)
    }
}
