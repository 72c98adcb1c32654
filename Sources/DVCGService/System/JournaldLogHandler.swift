import CSystemd
import DVCGCore
import Foundation
import Logging

/// A swift-log handler that writes natively to journald with sd_journal_sendv(3).
///
/// Each entry has MESSAGE, PRIORITY (syslog levels), SYSLOG_IDENTIFIER, CODE_FILE, CODE_LINE,
/// CODE_FUNC, and each metadata value as a field `DVCG_<NAME>` (upper-cased, characters outside
/// [A-Z0-9_] replaced by `_`, at most 64 bytes), e.g. `round` becomes `DVCG_ROUND`. The message and the values
/// have their control characters escaped (``Swift/StringProtocol/escapingControlCharacters``), as on stderr, so
/// that `journalctl` shows one entry as one line and no value can pass for another entry.
public struct JournaldLogHandler: LogHandler {
    /// The metadata attached to every entry.
    public var metadata: Logger.Metadata = [:]
    /// The lowest level logged.
    public var logLevel: Logger.Level = .info
    private let identifier: String
    private let label: String

    /// A handler for `label` logging under SYSLOG_IDENTIFIER `identifier`.
    public init(label: String, identifier: String = "dvcgd") {
        self.label = label
        self.identifier = identifier
    }

    /// Metadata by key.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Sends one entry.
    public func log(event: LogEvent) {
        Self.send(fields(of: event))
    }

    /// The entry's fields, each `NAME=value`: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, CODE_*, DVCG_LOGGER, then the
    /// merged metadata sorted by key; message and values with their control characters escaped.
    func fields(of event: LogEvent) -> [String] {
        var fields = [
            "MESSAGE=\("\(event.message)".escapingControlCharacters)",
            "PRIORITY=\(Self.priority(event.level))",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "CODE_FILE=\(event.file)",
            "CODE_LINE=\(event.line)",
            "CODE_FUNC=\(event.function)",
            "DVCG_LOGGER=\(label)",
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            fields.append("\(Self.fieldName(key))=\("\(value)".escapingControlCharacters)")
        }
        return fields
    }

    /// The journald field for a metadata key: `DVCG_` + the key upper-cased, other characters as `_`.
    public static func fieldName(_ key: String) -> String {
        let body = key.uppercased().unicodeScalars.map { scalar -> Character in
            switch scalar {
            case "A"..."Z", "0"..."9", "_": return Character(scalar)
            default: return "_"
            }
        }
        return String(("DVCG_" + String(body)).prefix(64))
    }

    /// Whether journald's socket exists (`/run/systemd/journal/socket`).
    public static var isJournalAvailable: Bool {
        FileManager.default.fileExists(atPath: "/run/systemd/journal/socket")
    }

    /// syslog priority of a level.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    private static func send(_ fields: [String]) {
        let buffers = fields.map { Array($0.utf8) }
        var copies: [UnsafeMutableRawPointer] = []
        defer { copies.forEach { $0.deallocate() } }
        var vectors: [iovec] = []
        for buffer in buffers {
            let copy = UnsafeMutableRawPointer.allocate(byteCount: max(buffer.count, 1), alignment: 1)
            buffer.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: buffer.count) }
            copies.append(copy)
            vectors.append(iovec(iov_base: copy, iov_len: buffer.count))
        }
        _ = vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
    }
}
