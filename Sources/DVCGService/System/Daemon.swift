import DVCGControl
import DVCGCore
import DVCGMechanism
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `dvcgd` as a library: start-up checks, then one `ServiceGroup` (auction loop, control server, reload).
public enum Daemon {
    /// Why the daemon refused to start.
    public struct StartupError: Error, CustomStringConvertible {
        /// One line (or one per configuration issue).
        public var description: String
    }

    /// Checks a configuration file: `configuration OK`, or every issue, including users and groups of
    /// `control:` that this host does not have, then loads the policy it names as start-up would.
    ///
    /// - Returns: The text to print and whether the file is valid.
    public static func checkConfiguration(path: String) -> (text: String, valid: Bool) {
        let configuration: DaemonConfiguration
        do {
            configuration = try ConfigurationLoader.load(path: path, checksHostNames: true)
        } catch {
            return (error.description, false)
        }
        do {
            _ = try LoadedPolicy.load(
                path: configuration.policyPath, resourceCount: configuration.resources.count,
                maximumBytes: configuration.reload.maximumPolicyBytes)
        } catch {
            return (ConfigurationLoader.issue(at: "policy", file: path, message: error.description).description, false)
        }
        // What the start would refuse: something other than a socket where the control socket goes.
        do { try ControlSocket.refuseNonSocket(at: configuration.control.socketPath) } catch {
            return (
                ConfigurationLoader.issue(at: "control.socket", file: path, message: error.description).description,
                false
            )
        }
        return ("configuration OK", true)
    }

    /// Puts the rows of an archive file back into the ledger (`dvcgd --restore-archive`), while no daemon runs.
    ///
    /// - Returns: One line saying what was restored.
    /// - Throws: ``StartupError`` when a daemon answers on the control socket, or the ledger's error.
    public static func restoreArchive(configuration: DaemonConfiguration, file: String) throws -> String {
        do {
            try ControlSocket.prepare(path: configuration.control.socketPath)
        } catch {
            throw StartupError(description: "\(error); stop it first (systemctl stop dvcgd)")
        }
        let plan = try Ledger(path: configuration.ledgerPath).restoreArchive(from: file)
        let range = plan.firstRound.map { "rounds \($0)...\(plan.lastRound ?? $0)" } ?? "no rounds"
        return "restored \(range) from \(file): \(plan.rounds) rounds, \(plan.entries) entries, \(plan.reports) reports"
    }

    /// Whether the log handler for `configuration` writes to journald.
    public static func logsToJournal(_ configuration: LogConfiguration) -> Bool {
        switch configuration.target {
        case .journal: return true
        case .stderr: return false
        case .auto: return JournaldLogHandler.isJournalAvailable
        }
    }

    /// The log handler for a configuration: journald, stderr, or journald when present (auto).
    public static func logHandler(label: String, configuration: LogConfiguration) -> any LogHandler {
        var handler: any LogHandler =
            logsToJournal(configuration) ? JournaldLogHandler(label: label) : StderrLogHandler()
        handler.logLevel = configuration.level
        return handler
    }

    /// Loads everything, refuses to start on any error, then runs until SIGTERM or SIGINT.
    ///
    /// Order: configuration, policy, ledger (restoring the auction), control socket; READY=1 follows. First of
    /// all, SIGABRT (systemd's watchdog signal) gets the kernel's default action back (``WatchdogSignal``), and
    /// SIGTERM or SIGINT before the service group runs says so on stderr (``StartupSignals``).
    /// - Throws: ``StartupError`` naming what is wrong.
    public static func run(
        configuration: DaemonConfiguration, configurationPath: String?, logger: Logger,
        notifier: any ServiceNotifier = SystemdNotifier()
    ) async throws {
        WatchdogSignal.restoreDefaultAction()
        StartupSignals.install()
        let policy: LoadedPolicy
        do {
            // A live daemon on the socket means this one must not touch the ledger at all.
            try ControlSocket.prepare(path: configuration.control.socketPath)
            // Online learning resumes from its own latest checkpoint, not from the policy it started with.
            var path = configuration.policyPath
            if configuration.mechanism.learns, FileManager.default.fileExists(atPath: configuration.checkpointPath) {
                path = configuration.checkpointPath
                logger.info("resuming online learning from its checkpoint", metadata: ["policy": "\(path)"])
            }
            policy = try LoadedPolicy.load(
                path: path, resourceCount: configuration.resources.count,
                maximumBytes: configuration.reload.maximumPolicyBytes)
        } catch {
            throw StartupError(description: "\(error)")
        }
        if policy.isUntrained { Auctioneer.warnUntrained(policy, logger: logger) }
        let ledger: Ledger
        let auctioneer: Auctioneer
        do {
            ledger = try Ledger(path: configuration.ledgerPath)
            // An archive's deletion a crash cut short is finished before the first round.
            try ledger.resumeArchiveDeletions()
            auctioneer = try Auctioneer(
                configuration: configuration, configurationPath: configurationPath, policy: policy, ledger: ledger,
                notifier: notifier, logger: logger)
        } catch {
            throw StartupError(description: "\(error)")
        }
        do {
            try ledger.recordPolicyEvent(
                path: policy.path, checksum: policy.checksum, outcome: "loaded", message: "start")
        } catch {
            // A full disk at start: serve degraded (status says why) rather than refuse to start.
            await auctioneer.noteLedgerFailure(error, during: "recording the policy loaded at start")
        }
        let readiness = Readiness()
        let control: any Service
        do {
            control = try ControlServer.application(
                configuration: configuration.control, auctioneer: auctioneer, ledger: ledger, readiness: readiness,
                logger: logger)
        } catch {
            throw StartupError(description: "\(error)")
        }
        defer { ControlSocket.remove(path: configuration.control.socketPath) }
        let loop = AuctionService(
            auctioneer: auctioneer, clock: ContinuousClock(), notifier: notifier, readiness: readiness, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: loop, successTerminationBehavior: .gracefullyShutdownGroup),
            .init(service: control),
            .init(service: ReloadService(auctioneer: auctioneer)),
            .init(
                service: WatchdogService(
                    auctioneer: auctioneer, interval: notifier.watchdogInterval, clock: ContinuousClock()),
                successTerminationBehavior: .ignore),
        ]
        if let address = configuration.metrics.listen {
            services.append(
                .init(
                    service: MetricsListener.application(
                        address: address, metrics: auctioneer.metrics, logger: logger)))
        }
        if let retention = configuration.ledger.retention {
            let directory = configuration.ledger.archiveDirectory(stateDirectory: configuration.stateDirectory)
            services.append(
                .init(
                    service: ArchiveService(ledger: ledger, retention: retention, directory: directory, logger: logger))
            )
        }
        // swift-service-lifecycle's own lines at debug ("Starting service sl-service=AuctionService<...>(...)")
        // print whole service values, and say "Service finished" of services that ended as designed: at
        // log.level debug they would bury our own lines, so the group logs from info up.
        var groupLogger = logger
        groupLogger.logLevel = max(logger.logLevel, .info)
        let group = ServiceGroup(
            configuration: .init(
                services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: groupLogger))
        try await group.run()
    }
}
