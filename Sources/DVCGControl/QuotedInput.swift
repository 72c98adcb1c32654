import DVCGCore

/// Text a client sent, as a refusal echoes it: in single quotes, control characters escaped
/// (``Swift/StringProtocol/escapingControlCharacters``) and cut with `…` after a limit, so that a message or a
/// log line naming the value stays one short line whatever the client wrote.
///
/// Echoed values are cut after 64 characters (the longest VSP id), request paths after 128.
///
/// ```swift
/// "vsp: \(QuotedInput(text)) is not a VSP id"   // vsp: 'x\ndvcgd: critical round committed…' is not a VSP id
/// ```
public struct QuotedInput: CustomStringConvertible, Sendable, Equatable {
    /// The input's first characters (at most the limit given), escaped, with `…` when it was longer.
    public let unquoted: String

    /// Quotes `text`, keeping at most `limit` characters of it.
    public init(_ text: some StringProtocol, limit: Int = 64) {
        let kept = text.prefix(limit)
        unquoted = kept.escapingControlCharacters + (kept.endIndex < text.endIndex ? "…" : "")
    }

    /// `'text'`.
    public var description: String { "'\(unquoted)'" }
}
