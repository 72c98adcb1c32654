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

/// `dvcg bench control`: `GET /v1/status` latency under concurrent clients while dvcgd runs rounds.
struct BenchControlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "control",
        abstract: "Measure control-socket status latency with concurrent clients while rounds run (release build).",
        discussion: """
            Starts the dvcgd built beside this dvcg on a temporary configuration (N VSPs of \
            ProblemInstance.paper(vspCount: N, seed: 1), an untrained policy, the given period), lets it run \
            alone for --seconds, then opens --clients keep-alive connections that each send GET /v1/status \
            as soon as their last answer is complete, for another --seconds (one load thread polls them all, \
            as wrk does, so the load generator leaves the daemon its CPU). Reports status latency p50/p99 \
            (target p99 < 5 ms at 64 clients and 100 ms rounds) and, from the ledger, round spacing and \
            duration p50/p99 without and with the clients (round timing should not change).
            """
    )

    @Option(help: "Concurrent clients.")
    var clients = 64

    @Option(help: "Seconds of each phase (alone, then under load).")
    var seconds = 5.0

    @Option(help: "The round period in milliseconds.")
    var periodMilliseconds = 100

    @Option(help: "VSPs on the roster.")
    var vsps = 10

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
        var requests: Int
        var failures: Int
        var statusP50Milliseconds: Double
        var statusP99Milliseconds: Double
        var requestsPerSecond: Double
        var alone: Phase
        var underLoad: Phase
    }

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dvcg-bench-control-" + String(UUID().uuidString.prefix(8))
        ).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try writeConfiguration(folder: folder)
        let socket = folder + "/state/dvcgd.sock"
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("dvcgd")
        daemon.arguments = ["--config", folder + "/dvcgd.yaml"]
        daemon.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try daemon.run()
        defer {
            kill(daemon.processIdentifier, SIGTERM)
            daemon.waitUntilExit()
        }
        let deadline = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: socket) || !StatusProbe.answers(socket: socket) {
            guard Date() < deadline, daemon.isRunning else { throw ValidationError("dvcgd did not start in \(folder)") }
            usleep(50_000)
        }
        let aloneStart = Date()
        try await Task.sleep(for: .seconds(seconds))
        let loadStart = Date()
        let (latencies, failures) = StatusProbe.load(socket: socket, clients: clients, seconds: seconds)
        let loadEnd = Date()
        let ledger = try DatabaseQueue(path: folder + "/state/ledger.sqlite")
        let alone = try phase(ledger, from: aloneStart, to: loadStart)
        let underLoad = try phase(ledger, from: loadStart, to: loadEnd)
        let sorted = latencies.sorted()
        let result = Result(
            clients: clients, requests: sorted.count, failures: failures,
            statusP50Milliseconds: percentile(sorted, 0.5) * 1e3, statusP99Milliseconds: percentile(sorted, 0.99) * 1e3,
            requestsPerSecond: Double(sorted.count) / seconds, alone: alone, underLoad: underLoad)
        if json { return try printJSON(result) }
        print(
            keyValueLines([
                ("clients", "\(result.clients)"),
                (
                    "status requests",
                    "\(result.requests) (\(format(result.requestsPerSecond, digits: 0))/s), \(failures) failed"
                ),
                (
                    "status latency",
                    "p50 \(format(result.statusP50Milliseconds, digits: 3)) ms, p99 \(format(result.statusP99Milliseconds, digits: 3)) ms"
                ),
                ("rounds alone", describe(alone)),
                ("rounds under load", describe(underLoad)),
            ]))
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

    private func writeConfiguration(folder: String) throws {
        try TestbedConfiguration.untrainedPolicy(resourceCount: 3, seed: 1).write(to: folder + "/policy.safetensors")
        try TestbedConfiguration(
            period: "\(periodMilliseconds)ms", instance: ProblemInstance.paper(vspCount: vsps, seed: 1),
            log: ("stderr", "warning")
        ).write(to: folder + "/dvcgd.yaml")
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
        descriptor = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() where index < buffer.count - 1 { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            _ = Glibc.close(descriptor)
            return nil
        }
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
