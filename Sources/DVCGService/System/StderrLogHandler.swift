import DVCGCore
import Foundation
import Logging

/// One line per entry on standard error: `dvcgd: LEVEL message key=value ...` (systemd adds time and unit).
///
/// One event is one line whatever its values hold: the message and every value have their control characters
/// escaped (``Swift/StringProtocol/escapingControlCharacters``), and a value is quoted as logfmt does
/// (`reason="a VSP principal of 'acme' may not act"`) when it is empty or holds a space, `=`, `"` or an escape.
public struct StderrLogHandler: LogHandler {
    /// Metadata attached to every entry.
    public var metadata: Logger.Metadata = [:]
    /// The lowest level logged.
    public var logLevel: Logger.Level = .info

    /// A handler.
    public init() {}

    /// Metadata by key.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one line.
    public func log(event: LogEvent) {
        let line = Self.line(event.level, "\(event.message)", metadata: event.metadata ?? [:], base: metadata)
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// The line for an entry, newline included: level, escaped message, then the merged metadata sorted by key,
    /// numbers rounded for people (``readable(_:key:)``; the journal keeps them in full).
    static func line(
        _ level: Logger.Level, _ message: String, metadata: Logger.Metadata, base: Logger.Metadata = [:]
    ) -> String {
        let merged = base.merging(metadata) { $1 }
        let fields = merged.sorted { $0.key < $1.key }.map {
            "\(logfmt($0.key))=\(logfmt(readable("\($0.value)", key: $0.key)))"
        }
        return (["dvcgd: \(level)", message.escapingControlCharacters] + fields).joined(separator: " ") + "\n"
    }

    /// Metadata keys whose values are amounts of VC.
    static let amountKeys: Set<String> = [
        "pool", "welfare_estimate", "bid", "loan", "tax", "externality", "interest", "utility", "gross_profit",
        "amount",
        "financed_bid",
    ]

    /// A value as people read it: an amount of VC (``amountKeys``) with 2 decimals, any other fractional
    /// number with 4 significant digits (`sigma=5.263e-05`), everything else (integers, text, VSP ids) as it is.
    static func readable(_ value: String, key: String) -> String {
        guard key != "vsp", value.contains(where: { $0 == "." || $0 == "e" }), let number = Double(value),
            number.isFinite
        else {
            return value
        }
        if amountKeys.contains(key) { return String(format: "%.2f", number) }
        return String(format: "%.4g", number)
    }

    /// A key or value as logfmt writes it: escaped, and in double quotes (with `"` escaped) when it is empty or
    /// holds a space, `=`, `"` or an escape.
    static func logfmt(_ text: String) -> String {
        let escaped = text.escapingControlCharacters
        let needsQuotes = escaped.isEmpty || escaped.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\\" }
        guard needsQuotes else { return escaped }
        return "\"" + escaped.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
