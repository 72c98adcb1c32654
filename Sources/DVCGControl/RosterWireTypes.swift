import DVCGCore
import Foundation

/// How a VSP takes part, as the API names it.
public enum VSPKind: String, Codable, Sendable, Equatable, CaseIterable {
    /// Bids and reports through the API.
    case external
    /// Bids by its strategy and reports by its utility, inside the daemon.
    case simulated

    /// Decodes `external` or `simulated`.
    /// - Throws: ``WireFieldError/invalidValue(path:message:)`` for any other string.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let kind = Self(rawValue: text) else {
            throw WireFieldError.invalidValue(
                path: codingPathDescription(decoder.codingPath),
                message: "expected 'external' or 'simulated', found \(QuotedInput(text))")
        }
        self = kind
    }
}

/// A simulated VSP's bidding strategy, as the API takes it: `truthful` or `scaled:C`.
public enum VSPBidding: Codable, Sendable, Equatable {
    /// Bids its true utility at the slice realised last round.
    case truthful
    /// Bids C times its truthful bid, C in [0, 1e12] (the bid itself at most 1e12 VC).
    case scaled(Double)

    /// Parses `truthful` or `scaled:C`; `nil` for anything else.
    public init?(_ text: String) {
        if text == "truthful" {
            self = .truthful
            return
        }
        guard text.hasPrefix("scaled:"), let factor = Double(text.dropFirst("scaled:".count)), factor.isFinite,
            factor >= 0, factor <= BidRequest.maximumAmount
        else { return nil }
        self = .scaled(factor)
    }

    /// `truthful` or `scaled:C`.
    public var text: String {
        switch self {
        case .truthful: return "truthful"
        case .scaled(let factor): return "scaled:\(factor)"
        }
    }

    /// Decodes `truthful` or `scaled:C`.
    /// - Throws: ``WireFieldError/invalidValue(path:message:)`` for any other string.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let bidding = Self(text) else {
            throw WireFieldError.invalidValue(
                path: codingPathDescription(decoder.codingPath),
                message: "expected 'truthful' or 'scaled:C' (C >= 0), found \(QuotedInput(text))")
        }
        self = bidding
    }

    /// Encodes ``text``.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// A simulated VSP's utility of eq. (39), as sent to `POST /v1/vsps`.
public struct UtilityBody: Codable, Sendable, Equatable {
    /// Saturation level beta in VC, finite and >= 0.
    public var beta: Double
    /// Sensitivities xi_k, one per resource, each finite and >= 0.
    public var xi: [Double]

    /// Creates a utility body.
    public init(beta: Double, xi: [Double]) {
        self.beta = beta
        self.xi = xi
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case beta, xi
    }

    /// Decodes strictly: no unknown field, no null.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        beta = try container.decode(Double.self, forKey: .beta)
        xi = try container.decode([Double].self, forKey: .xi)
    }
}

/// `POST /v1/vsps`: register a VSP at the next round boundary.
///
/// An external VSP (`kind: "external"`) bids and reports through the API; a simulated one
/// (`kind: "simulated"`) needs `utility` and bids by `bidding` (`truthful` or `scaled:C`).
public struct AddVSPRequest: JSONRequest, Equatable {
    /// The new VSP's id.
    public var id: VSPID
    /// External or simulated.
    public var kind: VSPKind
    /// The utility of a simulated VSP.
    public var utility: UtilityBody?
    /// The profit per unit of utility of a simulated VSP (default 1).
    public var alpha: Double?
    /// The bidding strategy of a simulated VSP (default truthful).
    public var bidding: VSPBidding?

    /// Creates a registration request.
    public init(
        id: VSPID, kind: VSPKind, utility: UtilityBody? = nil, alpha: Double? = nil, bidding: VSPBidding? = nil
    ) {
        self.id = id
        self.kind = kind
        self.utility = utility
        self.alpha = alpha
        self.bidding = bidding
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, kind, utility, alpha, bidding
    }

    /// Decodes strictly: no unknown field, no null, a valid id.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        id = try container.decodeVSPID(forKey: .id)
        kind = try container.decode(VSPKind.self, forKey: .kind)
        utility = try container.decodeIfPresent(UtilityBody.self, forKey: .utility)
        alpha = try container.decodeIfPresent(Double.self, forKey: .alpha)
        bidding = try container.decodeIfPresent(VSPBidding.self, forKey: .bidding)
    }
}

/// Where a VSP stands on the roster.
public enum VSPStatus: String, Codable, Sendable, Equatable, CaseIterable {
    /// Takes part in rounds.
    case active
    /// Takes part from the next round.
    case joining
    /// Removed at the next round.
    case leaving
}

/// One VSP as `GET /v1/vsps` lists it.
public struct VSPInfo: Codable, Sendable, Equatable {
    /// The VSP's id.
    public var id: VSPID
    /// External or simulated.
    public var kind: VSPKind
    /// Active, joining or leaving.
    public var status: VSPStatus
    /// Its share of each resource in the last committed round, in [0, 1]; zeros when it took no part in it.
    public var share: [Double]
    /// Its last bid in VC, if any.
    public var lastBid: Double?
    /// Its last tax in VC, if any.
    public var lastTax: Double?
    /// The bank's alpha-hat for it, eq. (34), as of the last round it took part in; nil (absent in JSON) before
    /// its first round, as `lastBid`.
    public var alphaHat: Double?
    /// Whether the bank's VoI net of it is fitted to its reports (its median relative error over its
    /// newest reports within the tolerance, docs/learning.md); nil before it is on the engine's roster.
    public var voiFitted: Bool?
    /// The last round it took part in, as far as the daemon knows (the rounds since it started, and the last
    /// non-empty round before); nil when none.
    public var lastRound: UInt64?

    /// Creates a VSP entry.
    public init(
        id: VSPID, kind: VSPKind, status: VSPStatus, share: [Double], lastBid: Double?, lastTax: Double?,
        alphaHat: Double?, voiFitted: Bool? = nil, lastRound: UInt64? = nil
    ) {
        self.lastRound = lastRound
        self.id = id
        self.kind = kind
        self.status = status
        self.share = share
        self.lastBid = lastBid
        self.lastTax = lastTax
        self.alphaHat = alphaHat
        self.voiFitted = voiFitted
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, status, share
        case lastBid = "last_bid"
        case lastTax = "last_tax"
        case alphaHat = "alpha_hat"
        case voiFitted = "voi_fitted"
        case lastRound = "last_round"
    }
}

/// `GET /v1/vsps`.
public struct VSPListResponse: Codable, Sendable, Equatable {
    /// The resource names, in the order of every `share`.
    public var resources: [String]
    /// The VSPs, sorted by id.
    public var vsps: [VSPInfo]
    /// The last committed round, nil before the first: a VSP whose `last_round` is older took no part in it.
    public var round: UInt64?

    /// Creates a roster listing.
    public init(resources: [String], vsps: [VSPInfo], round: UInt64? = nil) {
        self.round = round
        self.resources = resources
        self.vsps = vsps
    }
}

/// `POST /v1/bids`: a sealed bid for a round that has not started.
public struct BidRequest: JSONRequest, Equatable {
    /// The bidding VSP.
    public var vsp: VSPID
    /// The round; the next round when omitted.
    public var round: UInt64?
    /// The amount in VC, finite and >= 0.
    public var amount: Double

    /// The largest amount of VC the daemon accepts, in a bid and, as ±, in a report.
    public static let maximumAmount = 1e12
    /// ``maximumAmount`` as the manual writes it, for messages.
    public static let maximumAmountText = "1e12"

    /// Whether `amount` is a bid the daemon accepts: finite, in [0, ``maximumAmount``].
    public static func accepts(_ amount: Double) -> Bool { amount.isFinite && amount >= 0 && amount <= maximumAmount }

    /// The refusal of an amount outside [0, 1e12], as the daemon answers it and dvcgctl says it before sending.
    public static func refusal(of amount: Double) -> String {
        "amount: expected a finite number of VC in [0, \(maximumAmountText)], found \(messageNumber(amount))"
    }

    /// Creates a bid request.
    public init(vsp: VSPID, round: UInt64?, amount: Double) {
        self.vsp = vsp
        self.round = round
        self.amount = amount
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case vsp, round, amount
    }

    /// Decodes strictly: no unknown field, no null, a valid id.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        vsp = try container.decodeVSPID(forKey: .vsp)
        round = try container.decodeRoundIfPresent(forKey: .round)
        amount = try container.decode(Double.self, forKey: .amount)
    }
}

/// The answer to an accepted bid.
public struct BidResponse: Codable, Sendable, Equatable {
    /// `accepted`, as ``ActionResponse/outcome`` names what happened.
    public var outcome: String
    /// One line for people, VC with two decimals.
    public var message: String
    /// The bidding VSP.
    public var vsp: VSPID
    /// The round the bid is for.
    public var round: UInt64
    /// The amount in VC.
    public var amount: Double
    /// The amount of the VSP's earlier bid for the same round, which this one replaces; absent for a first bid.
    public var replaced: Double?

    /// Creates the answer to an accepted bid.
    public init(vsp: VSPID, round: UInt64, amount: Double, replaced: Double? = nil) {
        self.outcome = "accepted"
        let replacing = replaced.map { " (replaces the earlier bid of \(String(format: "%.2f", $0)) VC)" } ?? ""
        self.message = "bid of \(String(format: "%.2f", amount)) VC by \(vsp) for round \(round) accepted\(replacing)"
        self.vsp = vsp
        self.round = round
        self.amount = amount
        self.replaced = replaced
    }
}

/// `POST /v1/reports`: a VSP's financial report for a round it took part in, eq. (5).
public struct ReportRequest: JSONRequest, Equatable {
    /// The reporting VSP.
    public var vsp: VSPID
    /// The round reported on.
    public var round: UInt64
    /// The realised utility U in VC, finite.
    public var utility: Double
    /// The gross profit G in VC, finite.
    public var grossProfit: Double

    /// Creates a report request.
    public init(vsp: VSPID, round: UInt64, utility: Double, grossProfit: Double) {
        self.vsp = vsp
        self.round = round
        self.utility = utility
        self.grossProfit = grossProfit
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case vsp, round, utility
        case grossProfit = "gross_profit"
    }

    /// Decodes strictly: no unknown field, no null, a valid id.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.strictContainer(keyedBy: CodingKeys.self)
        vsp = try container.decodeVSPID(forKey: .vsp)
        round = try container.decodeRound(forKey: .round)
        utility = try container.decode(Double.self, forKey: .utility)
        grossProfit = try container.decode(Double.self, forKey: .grossProfit)
    }
}

/// One row of `GET /v1/ledger`: one VSP in one round.
public struct LedgerRow: Codable, Sendable, Equatable {
    /// The round.
    public var round: UInt64
    /// The VSP.
    public var vsp: VSPID
    /// Its sealed bid x in VC.
    public var bid: Double
    /// The bid the bank financed, x^ in VC: the sealed bid up to the bank's credit line (docs/learning.md, "Bids
    /// above the pool"), what the loan (13) and the noise (16) use; `nil` for rows older than that column.
    public var financedBid: Double?
    /// Its loan K of eq. (13) in VC.
    public var loan: Double
    /// Its realised shares s~_i, one per resource, in [0, 1] (`realised_shares`, as the SQL column).
    public var realisedShares: [Double]
    /// Its tax Z of eq. (18) in VC.
    public var tax: Double
    /// The VoI estimate of its utility at the proposed slice, U*, in VC.
    public var utilityEstimate: Double
    /// Its externality I of eq. (17) in VC.
    public var externality: Double
    /// The VC interest |K - U*| in VC.
    public var interest: Double
    /// The bank's alpha-hat for it.
    public var alphaHat: Double
    /// Whether its VoI net was fitted to its reports; `nil` for rows older than that column. When not, the interest
    /// is measured against its last report moved by the net's change (docs/learning.md), not against U*.
    public var voiFitted: Bool?

    /// Creates a ledger row.
    public init(
        round: UInt64, vsp: VSPID, bid: Double, loan: Double, realisedShares: [Double], tax: Double,
        utilityEstimate: Double,
        externality: Double, interest: Double, alphaHat: Double, voiFitted: Bool? = nil, financedBid: Double? = nil
    ) {
        self.financedBid = financedBid
        self.round = round
        self.vsp = vsp
        self.bid = bid
        self.loan = loan
        self.realisedShares = realisedShares
        self.tax = tax
        self.utilityEstimate = utilityEstimate
        self.externality = externality
        self.interest = interest
        self.alphaHat = alphaHat
        self.voiFitted = voiFitted
    }

    enum CodingKeys: String, CodingKey {
        case round, vsp, bid, loan, tax, externality, interest
        case realisedShares = "realised_shares"
        case utilityEstimate = "utility_estimate"
        case alphaHat = "alpha_hat"
        case voiFitted = "voi_fitted"
        case financedBid = "financed_bid"
    }

    /// The CSV header matching ``csvLine``, in the order of `dvcgctl dump-ledger`'s table: the realised shares'
    /// columns are named after their resources, `<name>_share` (`bandwidth_share`), in the configuration's order.
    ///
    /// - Parameter resources: The resources' names, K of them.
    public static func csvHeader(resources: [String]) -> String {
        (["round", "vsp", "bid", "financed_bid", "loan"] + resources.map { "\($0)_share" }
            + ["utility_estimate", "externality", "interest", "alpha_hat", "tax", "voi_fitted"]).joined(separator: ",")
    }

    /// The row as one CSV line (no newline), in the order of ``csvHeader(resources:)``; numbers in full
    /// precision, the shortest form that reads back to the value at the precision it has (``csvNumber(_:)``).
    public var csvLine: String {
        let n = Self.csvNumber
        return
            ([String(round), vsp.rawValue, n(bid), financedBid.map(n) ?? "", n(loan)] + realisedShares.map(n)
            + [
                n(utilityEstimate), n(externality), n(interest), n(alphaHat), n(tax),
                voiFitted.map { $0 ? "true" : "false" } ?? "",
            ]).joined(separator: ",")
    }

    /// `value` in the shortest form that reads back to it at the precision it has: a value exactly representable
    /// in Float32, as what the Float32 networks compute (U* is f_i(s*)), in Float32's shortest form, `64.35893`
    /// rather than `64.35893249511719` (it reads back to the same Float32; as a Double, within Float32's
    /// rounding, 6e-8 relative, the precision the value had); any other value in Double's shortest form, which
    /// reads back to the same Double. `--json` keeps every value's Double as the daemon holds it.
    public static func csvNumber(_ value: Double) -> String {
        let single = Float(value)
        return value.isFinite && Double(single) == value ? "\(single)" : "\(value)"
    }
}

/// The answer to `POST /v1/reload`, `/v1/pause`, `/v1/resume`, `/v1/rounds`, `DELETE /v1/vsps/{id}`
/// and an accepted `POST /v1/vsps` or report: what happened, in one line.
public struct ActionResponse: Codable, Sendable, Equatable {
    /// A short machine-readable outcome, e.g. `reloaded`, `paused`, `already_paused`, `scheduled`, `recorded`.
    public var outcome: String
    /// One line for people.
    public var message: String
    /// The round the action concerns or takes effect at, when there is one.
    public var round: UInt64?
    /// `POST /v1/rounds`: the committed round, as `GET /v1/status` reports it (full precision).
    public var lastRound: LastRoundStatus?

    /// Creates an action answer.
    public init(outcome: String, message: String, round: UInt64? = nil, lastRound: LastRoundStatus? = nil) {
        self.outcome = outcome
        self.message = message
        self.round = round
        self.lastRound = lastRound
    }

    enum CodingKeys: String, CodingKey {
        case outcome, message, round
        case lastRound = "last_round"
    }
}
