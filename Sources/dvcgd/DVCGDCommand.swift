import ArgumentParser
import DVCGCommandLine
import DVCGService
import Foundation
import Logging

/// `dvcgd`: parses arguments and hands over to ``Daemon`` (DVCGService).
@main
struct DVCGDCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dvcgd",
        abstract: "Runs the dual-currency VCG auction every period and serves its control socket.",
        discussion: """
            dvcgd allocates resource slices among vehicle service providers every period, keeps the ledger in \
            SQLite under the state directory and answers on a Unix control socket. It reloads its configuration \
            and policy on SIGHUP and stops gracefully on SIGTERM or SIGINT. Exit status: 0 after a clean stop, \
            1 when the configuration, policy, ledger or socket is unusable, 2 for a usage error.
            """,
        version: programVersion)

    /// Runs the daemon: 0 after a clean stop, 1 when something it needs is unusable, 2 for a usage error.
    static func main() async {
        await runWithExitCodes()
    }

    @Option(name: .long, help: "The configuration file (dvcgd.yaml(5)).")
    var config: String = "/etc/dvcg/dvcgd.yaml"

    @Flag(name: .long, help: "Check the configuration, print 'configuration OK' or every error, and exit.")
    var checkConfig = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Put the rows of an archive file (dvcgctl archive) back into the ledger, then exit.",
            discussion: "dvcgd must not be running on this configuration; nothing is restored if any row is there.",
            valueName: "file"))
    var restoreArchive: String?

    func validate() throws {
        if checkConfig, restoreArchive != nil {
            throw ValidationError("--check-config and --restore-archive exclude each other")
        }
    }

    func run() async throws {
        if checkConfig {
            let (text, valid) = Daemon.checkConfiguration(path: config)
            if valid { print(text) } else { FileHandle.standardError.write(Data((text + "\n").utf8)) }
            throw ExitCode(valid ? 0 : 1)
        }
        let configuration: DaemonConfiguration
        do {
            configuration = try ConfigurationLoader.load(path: config)
        } catch {
            FileHandle.standardError.write(Data("\(error.description)\n".utf8))
            throw ExitCode(1)
        }
        if let restoreArchive {
            do {
                print(try Daemon.restoreArchive(configuration: configuration, file: restoreArchive))
                return
            } catch {
                FileHandle.standardError.write(Data("dvcgd: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
        LoggingSystem.bootstrap { label in Daemon.logHandler(label: label, configuration: configuration.log) }
        let logger = Logger(label: "dvcgd")
        do {
            // Absolute, so that a reload's messages name the file wherever dvcgd was started from.
            let absolute = URL(fileURLWithPath: config).standardizedFileURL.path
            try await Daemon.run(configuration: configuration, configurationPath: absolute, logger: logger)
        } catch {
            // stderr always gets the reason (a terminal, or the journal under systemd); the journal also gets it
            // as a structured entry when dvcgd logs there natively.
            if Daemon.logsToJournal(configuration.log) { logger.critical("dvcgd cannot start: \(error)") }
            FileHandle.standardError.write(Data("dvcgd: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
