import Foundation
import Yams

/// How much of the past the ledger keeps (`ledger.retention` in dvcgd.yaml): the last `rounds` rounds, the
/// rounds of the last `days` days, or, with both, every round either keeps. Older rounds are archived
/// (gzip JSON Lines in ``LedgerConfiguration/archiveDirectory``) and then removed.
public struct LedgerRetention: Sendable, Equatable {
    /// Keep the last this many rounds (>= 1).
    public var rounds: UInt64?
    /// Keep the rounds that started in the last this many days (> 0; fractions allowed).
    public var days: Double?

    /// A retention by rounds, days or both.
    public init(rounds: UInt64? = nil, days: Double? = nil) {
        self.rounds = rounds
        self.days = days
    }
}

/// `ledger:` in dvcgd.yaml: retention and where archives go.
public struct LedgerConfiguration: Sendable, Equatable {
    /// `nil` (the default) keeps every round, as a ledger without this section always did.
    public var retention: LedgerRetention?
    /// Absolute folder of the archives the daemon writes; `nil` means `<state_directory>/archive`.
    public var archiveDirectory: String?

    /// Keep everything.
    public init(retention: LedgerRetention? = nil, archiveDirectory: String? = nil) {
        self.retention = retention
        self.archiveDirectory = archiveDirectory
    }

    /// The archive folder for a state directory.
    public func archiveDirectory(stateDirectory: String) -> String {
        archiveDirectory ?? stateDirectory + "/archive"
    }

    /// Reads `ledger:`; relative paths resolve against `folder`. Issues go to `reader`.
    static func parse(_ node: Node, reader: inout YAMLReader, folder: String) -> LedgerConfiguration? {
        guard let map = reader.mapping(node, at: "ledger", keys: ["retention", "archive_directory"]) else {
            return nil
        }
        var ledger = LedgerConfiguration()
        if let node = map["retention"],
            let values = reader.mapping(node, at: "ledger.retention", keys: ["rounds", "days"])
        {
            var retention = LedgerRetention()
            if let node = values["rounds"],
                let rounds = reader.integer(node, at: "ledger.retention.rounds", in: 1...Int.max)
            {
                retention.rounds = UInt64(rounds)
            }
            if let node = values["days"],
                let days = reader.number(node, at: "ledger.retention.days", in: 1e-6...36_500)
            {
                retention.days = days
            }
            if values.isEmpty {
                reader.report("expected rounds, days or both", at: node, path: "ledger.retention")
            }
            if retention.rounds != nil || retention.days != nil { ledger.retention = retention }
        }
        if let node = map["archive_directory"], let text = reader.string(node, at: "ledger.archive_directory") {
            if text.isEmpty {
                reader.report("expected a path, found an empty string", at: node, path: "ledger.archive_directory")
            } else {
                let url =
                    text.hasPrefix("/")
                    ? URL(fileURLWithPath: text) : URL(fileURLWithPath: folder).appendingPathComponent(text)
                ledger.archiveDirectory = url.standardizedFileURL.path
            }
        }
        return ledger
    }
}
