import ArgumentParser
import DVCGCheckpoint
import DVCGCommandLine
import DVCGCore
import DVCGSimulation
import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// `dvcg bench control`: round timing and `GET /v1/status` latency while clients load the control socket.
struct BenchControlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "control",
        abstract: "Measure round timing and control-socket latency under concurrent clients (release build).",
        discussion: """
            Starts the dvcgd built beside this dvcg (or --daemon) on a temporary configuration (N VSPs of \
            the market of `dvcg instance --vsps N --seed 1`, an untrained policy, the given period), lets it run \
            alone for --seconds, then loads it for another --seconds with: --clients keep-alive connections \
            that each send GET /v1/status as soon as their last answer is complete (one load thread polls them \
            all, as wrk does, so the load generator leaves the daemon its CPU); --dumps connections that each \
            dump the whole ledger (GET /v1/ledger, --ledger-rows rows added before the start) one dump after \
            another; and --idle connections that connect and send nothing. The connection limits are raised \
            so that dvcgd holds every one of them. Reports, from the ledger, round spacing and duration p50/p99 \
            alone and under load side by side (target with 50 dumps and 500 idle connections: spacing p99 \
            within 5 % of the period), and status latency p50/p99 (target p99 < 5 ms at 64 clients and 100 ms \
            rounds).
            """
    )

    @Option(help: "Concurrent status clients.")
    var clients = 64

    @Option(help: "Concurrent ledger dumps.")
    var dumps = 0

    @Option(help: "Idle connections held open.")
    var idle = 0

    @Option(help: "Ledger rows added before the run (only with --dumps), so that a dump takes a while.")
    var ledgerRows = 100_000

    @Option(help: "Seconds of each phase (alone, then under load).")
    var seconds = 5.0

    @Option(help: "The round period in milliseconds.")
    var periodMilliseconds = 100

    @Option(help: "VSPs on the roster.")
    var vsps = 10

    @Option(help: "The dvcgd to run (default: the one beside this dvcg).")
    var daemon: String?

    @Flag(help: "Print the results as JSON.")
    var json = false

    struct Phase: Codable {
        var rounds: Int
        var spacingP50Milliseconds: Double
        var spacingP99Milliseconds: Double
        var durationP50Milliseconds: Double
        var durationP99Milliseconds: Double
    }

    struct Result: Codable {
        var clients: Int
        var dumps: Int
        var idle: Int
        var periodMilliseconds: Int
        var requests: Int
        var failures: Int
        var statusP50Milliseconds: Double
        var statusP99Milliseconds: Double
        var requestsPerSecond: Double
        var readers: ReaderLoad.Outcome
        var alone: Phase
        var underLoad: Phase
        /// Spacing p99 under load over the period, minus 1 (0.05 is 5 % late).
        var spacingP99Excess: Double
    }

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dvcg-bench-control-" + String(UUID().uuidString.prefix(8))
        ).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let executable =
            daemon
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(
                "dvcgd"
            ).path
        try writeConfiguration(folder: folder, daemon: executable)
        let socket = folder + "/state/dvcgd.sock"
        let ledgerPath = folder + "/state/ledger.sqlite"
        var process = try startDaemon(executable, folder: folder, socket: socket)
        if dumps > 0, ledgerRows > 0 {
            // Bulk rows in rounds 1 and 2, written while the daemon is stopped, as LedgerStreamTests does.
            let deadline = Date().addingTimeInterval(20)
            while try lastRound(ledgerPath) < 2 {
                guard Date() < deadline else { throw ValidationError("dvcgd committed no second round in \(folder)") }
                usleep(50_000)
            }
            try stopDaemon(process)
            try addBulkRows(ledgerPath)
            process = try startDaemon(executable, folder: folder, socket: socket)
        }
        defer { try? stopDaemon(process) }
        let aloneStart = Date()
        try await Task.sleep(for: .seconds(seconds))
        let loadStart = Date()
        let readers = ReaderLoad(socket: socket, dumps: dumps)
        readers.start(idle: idle)
        var latencies: [Double] = []
        var failures = 0
        if clients > 0 {
            (latencies, failures) = StatusProbe.load(socket: socket, clients: clients, seconds: seconds)
        } else {
            try await Task.sleep(for: .seconds(seconds))
        }
        let loadEnd = Date()
        let outcome = readers.stop()
        let ledger = try DatabaseQueue(path: ledgerPath)
        let alone = try phase(ledger, from: aloneStart, to: loadStart)
        let underLoad = try phase(ledger, from: loadStart, to: loadEnd)
        let sorted = latencies.sorted()
        let result = Result(
            clients: clients, dumps: dumps, idle: idle, periodMilliseconds: periodMilliseconds, requests: sorted.count,
            failures: failures, statusP50Milliseconds: percentile(sorted, 0.5) * 1e3,
            statusP99Milliseconds: percentile(sorted, 0.99) * 1e3,
            requestsPerSecond: Double(sorted.count) / seconds, readers: outcome, alone: alone, underLoad: underLoad,
            spacingP99Excess: underLoad.spacingP99Milliseconds / Double(periodMilliseconds) - 1)
        if json { return try printJSON(result) }
        var lines: [(String, String)] = [("period", "\(periodMilliseconds) ms, \(vsps) VSPs")]
        if clients > 0 {
            lines += [
                (
                    "status requests",
                    "\(result.requests) (\(format(result.requestsPerSecond, digits: 0))/s) from \(clients) clients, \(failures) failed"
                ),
                (
                    "status latency",
                    "p50 \(format(result.statusP50Milliseconds, digits: 3)) ms, p99 \(format(result.statusP99Milliseconds, digits: 3)) ms"
                ),
            ]
        }
        if dumps > 0 || idle > 0 {
            lines += [
                (
                    "ledger dumps",
                    "\(dumps) concurrent: \(outcome.dumpsCompleted) completed, \(format(Double(outcome.dumpBytes) / 1_048_576, digits: 1)) MiB, \(outcome.dumpFailures) failed"
                ),
                ("idle connections", "\(outcome.idleOpened) opened, \(outcome.idleHeld) held to the end"),
            ]
        }
        lines += [
            ("rounds alone", describe(alone)),
            ("rounds under load", describe(underLoad)),
            ("spacing p99 under load", "\(format(result.spacingP99Excess * 100, digits: 1)) % over the period"),
        ]
        print(keyValueLines(lines))
    }

    private func describe(_ phase: Phase) -> String {
        "\(phase.rounds) rounds; spacing p50 \(format(phase.spacingP50Milliseconds, digits: 2)) ms, p99 \(format(phase.spacingP99Milliseconds, digits: 2)) ms; duration p50 \(format(phase.durationP50Milliseconds, digits: 3)) ms, p99 \(format(phase.durationP99Milliseconds, digits: 3)) ms"
    }

    private func phase(_ ledger: DatabaseQueue, from start: Date, to end: Date) throws -> Phase {
        let rows = try ledger.read { db in
            try Row.fetchAll(
                db, sql: "SELECT started, committed FROM rounds WHERE started >= ? AND started < ? ORDER BY number",
                arguments: [start.timeIntervalSince1970, end.timeIntervalSince1970])
        }
        let starts: [Double] = rows.map { $0["started"] }
        let durations = rows.map { (($0["committed"] as Double) - ($0["started"] as Double)) * 1e3 }.sorted()
        let spacing = zip(starts.dropFirst(), starts).map { ($0 - $1) * 1e3 }.sorted()
        return Phase(
            rounds: rows.count, spacingP50Milliseconds: percentile(spacing, 0.5),
            spacingP99Milliseconds: percentile(spacing, 0.99), durationP50Milliseconds: percentile(durations, 0.5),
            durationP99Milliseconds: percentile(durations, 0.99))
    }

    /// Starts dvcgd and waits until its socket answers.
    private func startDaemon(_ executable: String, folder: String, socket: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--config", folder + "/dvcgd.yaml"]
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: socket) || !StatusProbe.answers(socket: socket) {
            guard Date() < deadline, process.isRunning else {
                throw ValidationError("dvcgd did not start in \(folder)")
            }
            usleep(50_000)
        }
        return process
    }

    private func stopDaemon(_ process: Process) throws {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

    /// The last committed round of the ledger at `path`, 0 before the first.
    private func lastRound(_ path: String) throws -> Int {
        try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT max(number) FROM rounds") ?? 0 }
    }

    /// `ledgerRows` copies of a real row under bulk ids, half in round 1 and half in round 2.
    private func addBulkRows(_ path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            // Every column of the schema as it is, round and vsp replaced.
            let columns = try db.columns(in: "round_entries").map(\.name)
            try db.execute(sql: BulkLedgerRows.insertSQL(columns: columns), arguments: [ledgerRows])
        }
        try queue.close()
    }

    private func writeConfiguration(folder: String, daemon: String) throws {
        try TestbedConfiguration.untrainedPolicy(resourceCount: 3, seed: 1).write(to: folder + "/policy.safetensors")
        // Every load connection is held: the limits are raised above what the run opens, the idle timeout past it.
        let connections = max(clients + dumps + idle + 64, 256)
        let limits = """
              max_connections: \(connections)
              max_connections_per_peer: \(connections)
              idle_timeout: \(Int(seconds * 4 + 60))s
            """
        var testbed = TestbedConfiguration(
            period: "\(periodMilliseconds)ms", instance: ProblemInstance.paper(vspCount: vsps, seed: 1),
            control: limits, log: ("stderr", "warning"))
        try testbed.write(to: folder + "/dvcgd.yaml")
        // A dvcgd from before the connection limits does not know these keys: it runs with none.
        let check = Process()
        check.executableURL = URL(fileURLWithPath: daemon)
        check.arguments = ["--check-config", "--config", folder + "/dvcgd.yaml"]
        check.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        check.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try check.run()
        check.waitUntilExit()
        if check.terminationStatus != 0 {
            testbed.control = ""
            try testbed.write(to: folder + "/dvcgd.yaml")
        }
    }
}

/// HTTP/1.1 keep-alive `GET /v1/status` requests over Unix-socket connections, each with one request in flight.
///
/// One thread drives every connection with poll(2), as wrk and h2load do: 64 client threads on a 2-core machine
/// would measure the scheduler's time slices and take the CPU the daemon needs.
struct StatusProbe {
    private static let request = Array("GET /v1/status HTTP/1.1\r\nHost: dvcgd\r\n\r\n".utf8)
    private let descriptor: Int32

    /// Connects; `nil` when nothing answers.
    init?(socket path: String) {
        guard let descriptor = UnixSocketClient.connect(to: path) else { return nil }
        self.descriptor = descriptor
    }

    /// Whether a daemon accepts connections on `path`.
    static func answers(socket path: String) -> Bool {
        guard let probe = StatusProbe(socket: path) else { return false }
        probe.close()
        return true
    }

    /// Closes the connection.
    func close() { _ = Glibc.close(descriptor) }

    /// Sends one status request; false when the connection cannot take it.
    func send() -> Bool {
        Self.request.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, 0) } == Self.request.count
    }

    /// Reads what has arrived into `received`.
    ///
    /// - Returns: `nil` while the response is incomplete, else whether it was a 200; `false` on a closed or
    ///   failed connection.
    func receive(into received: inout [UInt8], scratch: inout [UInt8]) -> Bool? {
        let count = recv(descriptor, &scratch, scratch.count, 0)
        guard count > 0 else { return false }
        received.append(contentsOf: scratch[0..<count])
        guard let (headEnd, length) = Self.head(of: received) else { return nil }
        guard received.count >= headEnd + length else { return nil }
        let ok = received.starts(with: Array("HTTP/1.1 200".utf8))
        received.removeAll(keepingCapacity: true)
        return ok
    }

    /// Where the head of a response ends and its Content-Length, once the head is complete.
    private static func head(of bytes: [UInt8]) -> (end: Int, length: Int)? {
        guard let end = bytes.firstRange(of: [13, 10, 13, 10]) else { return nil }
        let head = String(decoding: bytes[..<end.lowerBound], as: UTF8.self).lowercased()
        guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
            let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
        else { return (end.upperBound, 0) }
        return (end.upperBound, length)
    }

    /// `clients` connections requesting status for `seconds`, each sending its next request as soon as the last
    /// answer is complete; every latency in seconds and the failure count.
    static func load(socket: String, clients: Int, seconds: Double) -> (latencies: [Double], failures: Int) {
        var probes: [StatusProbe] = []
        var failures = 0
        for _ in 0..<clients {
            if let probe = StatusProbe(socket: socket) { probes.append(probe) } else { failures += 1 }
        }
        defer { probes.forEach { $0.close() } }
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: .milliseconds(Int64(seconds * 1000)))
        var started = [ContinuousClock.Instant](repeating: clock.now, count: probes.count)
        var buffers = [[UInt8]](repeating: [], count: probes.count)
        var scratch = [UInt8](repeating: 0, count: 16_384)
        var pollSet = probes.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        var latencies: [Double] = []
        latencies.reserveCapacity(Int(seconds * 50_000))
        for index in probes.indices {
            started[index] = clock.now
            if !probes[index].send() { failures += 1 }
        }
        var open = probes.count
        while open > 0 {
            let ready = poll(&pollSet, nfds_t(pollSet.count), 100)
            if ready < 0, errno != EINTR { break }
            for index in pollSet.indices where pollSet[index].revents != 0 && pollSet[index].fd >= 0 {
                guard let ok = probes[index].receive(into: &buffers[index], scratch: &scratch) else { continue }
                let now = clock.now
                if ok {
                    latencies.append(started[index].duration(to: now).inSeconds)
                } else {
                    failures += 1
                }
                if ok, now < end {
                    started[index] = now
                    if probes[index].send() { continue }
                    failures += 1
                }
                pollSet[index].fd = -1
                open -= 1
            }
        }
        return (latencies, failures)
    }
}
