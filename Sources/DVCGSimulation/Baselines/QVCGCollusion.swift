import DVCGCore

/// Fig. 9: collusion under QVCG, by exhaustive search over a stated family of collusive reports.
///
/// Two colluders replace their reported utility tables (every quantised bundle's utility) by
/// those of ``Report``: u'_j(b) = valueFactor_j beta_j (1 - exp(-curvatureFactor_j xi_j . b)),
/// i.e. the true table scaled by valueFactor_j when curvatureFactor_j = 1. The others report
/// truthfully. For each scheme QVCG picks the welfare-maximising quantised allocation of the
/// reports and charges VCG payments computed from the reports; the pair's joint net profit is
/// their **true** utility of the bundles they receive minus their payments, and the social welfare
/// is the **true** utility of the chosen allocation.
///
/// Under VCG a single VSP gains nothing by misreporting, but a pair can: z_1 = OPT_q(without 1) -
/// sum_{j != 1} u'_j(b_j) contains VSP 0's report, so VSP 0 under-reporting lowers VSP 1's payment
/// at first order while costing VSP 0 only second order (and vice versa); over-reporting together
/// is the classic VCG collusion for complements. Both directions are in the grid.
public struct QVCGCollusion: Sendable {
    /// A colluder's report: its true utility with beta and xi scaled.
    public struct Report: Sendable, Equatable, Hashable {
        /// Multiplies beta (the whole table): the scheme "report f times the true utility".
        public var valueFactor: Double
        /// Multiplies xi (how fast the utility saturates); 1 for a plain scaling.
        public var curvatureFactor: Double

        /// A report; truthful is (1, 1).
        public init(valueFactor: Double, curvatureFactor: Double = 1) {
            self.valueFactor = valueFactor
            self.curvatureFactor = curvatureFactor
        }

        /// The truthful report.
        public static let truthful = Report(valueFactor: 1)

        /// The reported utility of a VSP whose true utility is `u`.
        public func reported(_ u: ExponentialUtility) throws(MechanismError) -> ExponentialUtility {
            try ExponentialUtility(beta: u.beta * valueFactor, xi: u.xi.map { $0 * curvatureFactor })
        }
    }

    /// One scheme's outcome.
    public struct Outcome: Sendable {
        /// The family the scheme belongs to ("separate-scale", "common-shape").
        public var family: String
        /// The colluders' reports, in the order of ``QVCGCollusion/colluders``.
        public var reports: [Report]
        /// The colluders' quantised bundles (grid indices per resource).
        public var bundles: [[Int]]
        /// The colluders' VCG payments in VC (computed from the reports).
        public var payments: [Double]
        /// The colluders' true utilities of their bundles in VC.
        public var utilities: [Double]
        /// True social welfare of the chosen allocation, sum_i u_i(b_i), in VC.
        public var welfare: Double
        /// The largest certified gap of the allocation and payment solves, in VC.
        public var gapBound: Double

        /// The pair's joint net profit: sum of true utility minus payment, in VC.
        public var jointProfit: Double { zip(utilities, payments).reduce(0) { $0 + $1.0 - $1.1 } }
    }

    /// The true utilities of all VSPs.
    public var utilities: [ExponentialUtility]
    /// Indices of the colluding VSPs (two in Fig. 9: VSPs 0 and 1).
    public var colluders: [Int]
    /// The QVCG solver (grid step q).
    public var solver: QuantizedVCG
    /// Whether allocations and payments are solved exactly (``QuantizedVCG/exactSolve(utilities:)``,
    /// dynamic programming, for small N) or by the Lagrangian decomposition with its certified gap.
    public var exact: Bool

    /// A search on `utilities` (shares of unit capacities) for the given colluders.
    public init(utilities: [ExponentialUtility], colluders: [Int] = [0, 1], solver: QuantizedVCG, exact: Bool = true) {
        precondition(colluders.allSatisfy { utilities.indices.contains($0) }, "QVCGCollusion: unknown colluder")
        self.utilities = utilities
        self.colluders = colluders
        self.solver = solver
        self.exact = exact
    }

    /// The grid of Fig. 9 (18 factors, 0.25 ... 4).
    public static let factorGrid = [
        0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1, 1.05, 1.1, 1.25, 1.5, 2, 3, 4,
    ]
    /// Curvature factors of the "common-shape" family.
    public static let curvatureGrid = [0.5, 0.75, 1.5, 2]

    /// The family searched: "separate-scale", every pair (f_0, f_1) of ``factorGrid`` (the
    /// diagonal is a common factor; (1, 1) is truthful; (4, 4) both over-report), and
    /// "common-shape", both colluders with value factor f of ``factorGrid`` and curvature factor g
    /// of ``curvatureGrid`` (g = 1 is already in the first family).
    public func schemes() -> [(family: String, reports: [Report])] {
        precondition(colluders.count == 2, "QVCGCollusion.schemes: the grid is for a pair")
        var list: [(String, [Report])] = []
        for f0 in Self.factorGrid {
            for f1 in Self.factorGrid {
                list.append(("separate-scale", [Report(valueFactor: f0), Report(valueFactor: f1)]))
            }
        }
        for g in Self.curvatureGrid {
            for f in Self.factorGrid {
                let report = Report(valueFactor: f, curvatureFactor: g)
                list.append(("common-shape", [report, report]))
            }
        }
        return list
    }

    /// QVCG on the colluders' reports (the others truthful): the allocation, exact or by Lagrangian
    /// decomposition warm-started at the continuous optimum's prices of the reports, and the
    /// colluders' VCG payments by re-solving without each of them.
    ///
    /// - Throws: ``MechanismError`` for a report that is not a valid utility.
    public func evaluate(family: String = "", reports: [Report]) throws(MechanismError) -> Outcome {
        precondition(reports.count == colluders.count, "QVCGCollusion.evaluate: one report per colluder")
        var reported = utilities
        for (c, j) in colluders.enumerated() { reported[j] = try reports[c].reported(utilities[j]) }
        let solution: QuantizedVCG.Solution
        let payments: [Double]
        var gap = 0.0
        if exact {
            (solution, payments) = solver.exactVCG(utilities: reported, payers: colluders)
        } else {
            let capacities = [Double](repeating: 1, count: utilities.first?.resourceCount ?? 0)
            let prices = try WelfareOptimizer().solve(capacities: capacities, utilities: reported).prices
            (solution, payments, gap) = solver.vcg(utilities: reported, startingPrices: prices, payers: colluders)
        }
        let welfare = zip(utilities, solution.bundles).reduce(0) { $0 + solver.value($1.0, $1.1) }
        return Outcome(
            family: family, reports: reports, bundles: colluders.map { solution.bundles[$0] }, payments: payments,
            utilities: colluders.map { solver.value(utilities[$0], solution.bundles[$0]) }, welfare: welfare,
            gapBound: gap)
    }

    /// Every scheme of ``schemes()``; the truthful scheme is the first entry.
    ///
    /// - Parameter progress: Called after each scheme with (done, total).
    public func search(progress: (Int, Int) -> Void = { _, _ in }) throws(MechanismError) -> [Outcome] {
        let all = [("truthful", [Report.truthful, Report.truthful])] + schemes()
        var outcomes: [Outcome] = []
        for (index, scheme) in all.enumerated() {
            outcomes.append(try evaluate(family: scheme.0, reports: scheme.1))
            progress(index + 1, all.count)
        }
        return outcomes
    }
}
