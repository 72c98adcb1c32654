import Foundation
import Logging

/// One line per entry on standard error: `LEVEL message key=value ...` (systemd adds time and unit).
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
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let line = (["dvcgd: \(event.level)", "\(event.message)"] + fields).joined(separator: " ") + "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
