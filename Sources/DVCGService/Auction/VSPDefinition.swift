import DVCGControl
import DVCGCore
import DVCGMechanism

/// One roster entry: a VSP the daemon auctions for (`vsps:` in dvcgd.yaml, or added at run time).
///
/// Stored as JSON in the ledger's `roster_events`, so the roster survives restarts. Both sources make one with
/// ``validated(_:resourceCount:naming:)``, so dvcgd.yaml and the control API hold VSPs to the same rules.
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

    /// The largest utility level, sensitivity or alpha accepted, as for bids (1e12).
    public static let maximumValue = 1e12
    /// ``maximumValue`` as the manual writes it, for messages.
    static let maximumText = "1e12"

    /// Checks a roster entry as written and makes the definition.
    ///
    /// The rules: an external VSP has no utility, profit or bidding; a simulated one has a utility whose
    /// beta and K sensitivities xi are finite numbers in [0, 1e12], an alpha in (0, 1e12] (default 1), a
    /// finite noise mean (default 0), a noise standard deviation in [0, 1e12] (default 0), and a valid
    /// strategy (default truthful).
    ///
    /// - Parameters:
    ///   - draft: The entry's fields as given.
    ///   - resourceCount: K, the length `xi` must have; `nil` when unknown (the configuration's resources are
    ///     themselves invalid).
    ///   - naming: How the source names the fields in issues.
    /// - Throws: ``VSPDefinitionError`` with every issue, in field order.
    public static func validated(_ draft: VSPDraft, resourceCount: Int?, naming: VSPDraft.Naming)
        throws(VSPDefinitionError) -> VSPDefinition
    {
        var issues: [VSPIssue] = []
        func issue(_ field: VSPDraft.Field, _ message: String) {
            issues.append(VSPIssue(path: naming.path(of: field), message: message))
        }
        func check(_ value: Double, _ field: VSPDraft.Field, in range: ClosedRange<Double>, _ expected: String) {
            if !value.isFinite || !range.contains(value) {
                issue(field, "expected \(expected), found \(messageNumber(value))")
            }
        }
        switch draft.kind {
        case .external:
            for field in draft.simulatedFields {
                let key = naming.key(of: field)
                issues.append(VSPIssue(path: key, message: "an external VSP has no '\(key)' (it bids through the API)"))
            }
            guard issues.isEmpty else { throw VSPDefinitionError(issues: issues) }
            return VSPDefinition(id: draft.id, kind: .external)
        case .simulated:
            let range = 0...maximumValue
            let numbers = "a number in [0, \(maximumText)]"
            guard let beta = draft.beta, let xi = draft.xi else {
                throw VSPDefinitionError(issues: [
                    VSPIssue(path: naming.path(of: .utility), message: "required for a simulated VSP")
                ])
            }
            check(beta, .beta, in: range, numbers)
            if let resourceCount, xi.count != resourceCount {
                issue(
                    .xi(nil),
                    "expected \(counted(resourceCount, "value")) (one per resource), found \(xi.count)"
                )
            } else {
                for (index, value) in xi.enumerated() { check(value, .xi(index), in: range, numbers) }
            }
            let alpha = draft.alpha ?? 1
            if !alpha.isFinite || alpha <= 0 || alpha > maximumValue {
                issue(.alpha, "expected a finite number in (0, \(maximumText)], found \(messageNumber(alpha))")
            }
            let noiseMean = draft.noiseMean ?? 0
            check(noiseMean, .noiseMean, in: -maximumValue...maximumValue, "a finite number")
            let noiseStandardDeviation = draft.noiseStandardDeviation ?? 0
            check(noiseStandardDeviation, .noiseStandardDeviation, in: range, numbers)
            let bidding = draft.bidding ?? .truthful
            do { try bidding.validate() } catch { issue(.bidding, error.description) }
            guard issues.isEmpty else { throw VSPDefinitionError(issues: issues) }
            let parameters = SimulatedVSPConfiguration(
                beta: beta, xi: xi, alpha: alpha, noiseMean: noiseMean,
                noiseStandardDeviation: noiseStandardDeviation, bidding: bidding)
            do { _ = try parameters.simulatedVSP() } catch {
                throw VSPDefinitionError(issues: [VSPIssue(path: naming.path(of: .utility), message: error.description)]
                )
            }
            return VSPDefinition(id: draft.id, kind: .simulated(parameters))
        }
    }
}

/// A roster entry as written, before ``VSPDefinition/validated(_:resourceCount:naming:)``: the fields of an item
/// of `vsps:` in dvcgd.yaml or of a `POST /v1/vsps` body, each `nil` when not given.
public struct VSPDraft: Sendable, Equatable {
    /// A field of the entry, for issues.
    public enum Field: Sendable, Equatable {
        case utility, beta, alpha, noiseMean, noiseStandardDeviation, bidding
        /// `xi`, or one of its values.
        case xi(Int?)
    }

    /// How a source names the fields.
    public enum Naming: Sendable {
        /// dvcgd.yaml: `utility.beta`, `profit.alpha`, `profit.noise_sd`, ...
        case configuration
        /// The control API: `utility.beta`, `alpha`, ...
        case api

        /// The field's path in the entry, e.g. `utility.xi[2]` or `profit.alpha`.
        public func path(of field: Field) -> String {
            let profit = self == .configuration ? "profit." : ""
            switch field {
            case .utility: return "utility"
            case .beta: return "utility.beta"
            case .xi(let index): return "utility.xi" + (index.map { "[\($0)]" } ?? "")
            case .alpha: return profit + "alpha"
            case .noiseMean: return profit + "noise_mean"
            case .noiseStandardDeviation: return profit + "noise_sd"
            case .bidding: return "bidding"
            }
        }

        /// The top-level key holding the field, e.g. `profit` for the noise in dvcgd.yaml.
        func key(of field: Field) -> String {
            String(path(of: field).prefix { $0 != "." && $0 != "[" })
        }
    }

    /// The id (already a valid one: each source reports a bad id in its own terms).
    public var id: VSPID
    /// External or simulated.
    public var kind: VSPKind
    /// beta of eq. (39), in VC.
    public var beta: Double?
    /// xi of eq. (39), one per resource.
    public var xi: [Double]?
    /// alpha of eq. (5).
    public var alpha: Double?
    /// Mean of the profit noise, in VC.
    public var noiseMean: Double?
    /// Standard deviation of the profit noise, in VC.
    public var noiseStandardDeviation: Double?
    /// The bidding strategy.
    public var bidding: BiddingStrategy?

    /// A draft with only an id and a kind.
    public init(id: VSPID, kind: VSPKind) {
        self.id = id
        self.kind = kind
    }

    /// The fields only a simulated VSP has that were given, the first of each top-level key.
    var simulatedFields: [Field] {
        var fields: [Field] = []
        if beta != nil || xi != nil { fields.append(.utility) }
        if alpha != nil {
            fields.append(.alpha)
        } else if noiseMean != nil {
            fields.append(.noiseMean)
        } else if noiseStandardDeviation != nil {
            fields.append(.noiseStandardDeviation)
        }
        if bidding != nil { fields.append(.bidding) }
        return fields
    }
}

/// One problem with a roster entry: the field's path in the entry and what is wrong.
public struct VSPIssue: Sendable, Equatable, CustomStringConvertible {
    /// E.g. `utility.xi` or `profit.alpha`.
    public var path: String
    /// What is wrong, e.g. `expected 3 values (one per resource), found 2`.
    public var message: String

    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}

/// Why a roster entry is refused: every issue found.
public struct VSPDefinitionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The issues, in field order; never empty.
    public var issues: [VSPIssue]

    /// The issues, one per line.
    public var description: String { issues.map(\.description).joined(separator: "\n") }
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
    /// Bidding strategy, stored as `truthful`, `scaled:C` or `fixed:X`.
    public var bidding: BiddingStrategy

    /// A simulated VSP's parameters.
    public init(
        beta: Double, xi: [Double], alpha: Double, noiseMean: Double, noiseStandardDeviation: Double,
        bidding: BiddingStrategy
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
    /// - Throws: ``MechanismError`` when a parameter is out of range.
    public func simulatedVSP() throws(MechanismError) -> SimulatedVSP {
        let utility = try ExponentialUtility(beta: beta, xi: xi)
        let profit = try ProfitModel(alpha: alpha, noiseMean: noiseMean, noiseStandardDeviation: noiseStandardDeviation)
        try bidding.validate()
        return SimulatedVSP(utility: utility, profit: profit, strategy: bidding)
    }
}
