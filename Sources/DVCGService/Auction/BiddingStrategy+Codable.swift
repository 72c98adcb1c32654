import DVCGControl
import DVCGMechanism

/// A simulated VSP's strategy as dvcgd.yaml and the ledger's roster events write it: `truthful`, `scaled:C` or
/// `fixed:X`, C and X finite numbers in [0, 1e12]; a simulated bid is at most 1e12 VC, as an external one.
extension BiddingStrategy: Codable {
    /// Parses `truthful`, `scaled:C` or `fixed:X`; `nil` for anything else or a number outside [0, 1e12].
    public init?(text: String) {
        if text == "truthful" {
            self = .truthful
            return
        }
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let value = Double(parts[1]), value.isFinite, value >= 0,
            value <= BidRequest.maximumAmount
        else { return nil }
        switch parts[0] {
        case "scaled": self = .scaled(value)
        case "fixed": self = .fixed(value)
        default: return nil
        }
    }

    /// The strategy a `POST /v1/vsps` body names (the API takes `truthful` and `scaled:C` only).
    public init(_ bidding: VSPBidding) {
        switch bidding {
        case .truthful: self = .truthful
        case .scaled(let factor): self = .scaled(factor)
        }
    }

    /// `truthful`, `scaled:C` or `fixed:X`.
    public var text: String {
        switch self {
        case .truthful: return "truthful"
        case .scaled(let factor): return "scaled:\(factor)"
        case .fixed(let amount): return "fixed:\(amount)"
        }
    }

    /// Decodes ``init(text:)``'s forms.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let strategy = Self(text: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected truthful, scaled:C or fixed:X, found '\(text)'")
        }
        self = strategy
    }

    /// Encodes ``text``.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
