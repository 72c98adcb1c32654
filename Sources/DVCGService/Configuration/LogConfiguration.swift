import Logging

/// Where and how much the daemon logs (`log:` in dvcgd.yaml).
public struct LogConfiguration: Sendable, Equatable {
    /// The log sink.
    public enum Target: String, Sendable, Equatable, CaseIterable {
        /// journald when its socket `/run/systemd/journal/socket` exists, else stderr.
        case auto
        /// journald, natively (sd_journal_sendv).
        case journal
        /// Standard error, one line per entry.
        case stderr
    }

    /// The sink.
    public var target: Target = .auto
    /// Lowest level logged.
    public var level: Logger.Level = .info
    /// A VSP whose proposed shares sit at the floor s_min (at most twice it, every resource) for more than this
    /// many rounds in a row gets a warning in the log and in status (`log.floor_warning_rounds`).
    public var floorWarningRounds: Int = 100

    /// auto, info, a floor warning after 100 rounds.
    public init() {}
}
