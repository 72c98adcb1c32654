import Foundation
import DVCGCore

/// The query of `GET /v1/ledger`: rounds `from...to`, optionally one VSP's rows, as JSON Lines or CSV.
public struct LedgerQuery: EndpointRequest, Equatable {
    /// The answer's format.
    public enum Format: String, Sendable, Equatable, CaseIterable {
        /// One ``LedgerRow`` JSON object per line.
        case jsonl
        /// A header line, then one ``LedgerRow/csvLine`` per row.
        case csv
    }

    /// The first round, inclusive; 0 when omitted.
    public var from: UInt64?
    /// The last round, inclusive; the last committed round when omitted.
    public var to: UInt64?
    /// Only this VSP's rows.
    public var vsp: VSPID?
    /// JSON Lines (the default) or CSV.
    public var format: Format

    /// Creates a query.
    public init(from: UInt64? = nil, to: UInt64? = nil, vsp: VSPID? = nil, format: Format = .jsonl) {
        self.from = from
        self.to = to
        self.vsp = vsp
        self.format = format
    }

    /// Parses the query parameters of a request (the server's side).
    ///
    /// - Throws: ``WireFieldError`` naming the parameter: a round that is not an integer in [0, 2^63 - 1], an
    ///   unknown format or a VSP id outside the rule.
    public init(parameters: [String: String]) throws(WireFieldError) {
        func round(_ name: String) throws(WireFieldError) -> UInt64? {
            guard let text = parameters[name] else { return nil }
            guard let value = UInt64(text), value <= UInt64(Int64.max) else {
                throw .malformed(
                    path: name, message: "expected a round number (integer in [0, 2^63 - 1]), found '\(text)'")
            }
            return value
        }
        from = try round("from")
        to = try round("to")
        let format = parameters["format"] ?? Format.jsonl.rawValue
        guard let chosen = Format(rawValue: format) else {
            throw .malformed(path: "format", message: "expected 'jsonl' or 'csv', found '\(format)'")
        }
        self.format = chosen
        if let text = parameters["vsp"] {
            guard let id = try? VSPID(text) else { throw .invalidVSPID(path: "vsp", text: text) }
            vsp = id
        }
    }

    /// `template?format=...&from=...&to=...&vsp=...` with the parameters given.
    public func uri(template: String) -> String {
        var items = ["format=\(format.rawValue)"]
        if let from { items.append("from=\(from)") }
        if let to { items.append("to=\(to)") }
        if let vsp { items.append("vsp=\(vsp)") }
        return template + "?" + items.joined(separator: "&")
    }

    /// No body.
    public func body() throws -> Data? { nil }
}
