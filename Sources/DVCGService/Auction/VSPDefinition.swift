import DVCGCore
import DVCGMechanism

/// One roster entry: a VSP the daemon auctions for (`vsps:` in dvcgd.yaml, or added at run time).
///
/// Stored as JSON in the ledger's `roster_events`, so the roster survives restarts.
public struct VSPDefinition: Sendable, Equatable, Codable {
    /// How the VSP takes part.
    public enum Kind: Sendable, Equatable, Codable {
        /// A simulated VSP (testbeds): bids by its strategy each round and files its report after it.
        case simulated(SimulatedVSPConfiguration)
        /// A real VSP that bids and reports through the control API.
        case external
    }

    /// The VSP's id.
    public var id: VSPID
    /// Simulated or external.
    public var kind: Kind

    /// A roster entry.
    public init(id: VSPID, kind: Kind) {
        self.id = id
        self.kind = kind
    }
}

/// A simulated VSP's true utility (39), profit model (5-6) and bidding strategy.
public struct SimulatedVSPConfiguration: Sendable, Equatable, Codable {
    /// beta_i of (39), in VC.
    public var beta: Double
    /// xi_i of (39), one per resource.
    public var xi: [Double]
    /// alpha_i of (5).
    public var alpha: Double
    /// Mean of the profit noise w.
    public var noiseMean: Double
    /// Standard deviation of the profit noise w.
    public var noiseStandardDeviation: Double
    /// Bidding strategy: `truthful`, `scaled:C` or `fixed:X`.
    public var bidding: String

    /// A simulated VSP's parameters.
    public init(
        beta: Double, xi: [Double], alpha: Double, noiseMean: Double, noiseStandardDeviation: Double, bidding: String
    ) {
        self.beta = beta
        self.xi = xi
        self.alpha = alpha
        self.noiseMean = noiseMean
        self.noiseStandardDeviation = noiseStandardDeviation
        self.bidding = bidding
    }

    /// The simulation's VSP.
    ///
    /// - Throws: ``MechanismError`` when a parameter is out of range, or `.invalidValue` for an unknown strategy.
    public func simulatedVSP() throws(MechanismError) -> SimulatedVSP {
        let utility = try ExponentialUtility(beta: beta, xi: xi)
        let profit = try ProfitModel(alpha: alpha, noiseMean: noiseMean, noiseStandardDeviation: noiseStandardDeviation)
        guard let strategy = Self.strategy(bidding) else {
            throw .invalidValue(name: "bidding strategy '\(bidding)'", value: .nan)
        }
        try strategy.validate()
        return SimulatedVSP(utility: utility, profit: profit, strategy: strategy)
    }

    /// Parses `truthful`, `scaled:C` or `fixed:X`; `nil` when malformed.
    public static func strategy(_ text: String) -> BiddingStrategy? {
        if text == "truthful" { return .truthful }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let value = Double(parts[1]), value.isFinite, value >= 0 else { return nil }
        switch parts[0] {
        case "scaled": return .scaled(value)
        case "fixed": return .fixed(value)
        default: return nil
        }
    }
}
