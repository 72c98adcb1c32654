import ArgumentParser
import DVCGCommandLine
import DVCGCore
import DVCGLearning
import DVCGSimulation
import Foundation
import GRDB
import Synchronization

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
            alone for --seconds, then has --clients threads each send GET /v1/status over its own keep-alive \
            connection as fast as answers come for another --seconds. Reports status latency p50/p99 \
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
        while !FileManager.default.fileExists(atPath: socket) || StatusProbe(socket: socket) == nil {
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
        let architecture = PolicyArchitecture.standard(resourceCount: 3)
        var generator = SeededGenerator(seed: 1)
        let template = NetworkSet(architecture: architecture, using: &generator)
        try PolicyCheckpoint(architecture: architecture, template: template).write(to: folder + "/policy.safetensors")
        let instance = ProblemInstance.paper(vspCount: vsps, seed: 1)
        var yaml = """
            period: \(periodMilliseconds)ms
            seed: 1
            resources:
              - {name: bandwidth, capacity: 1, unit: share}
              - {name: computing, capacity: 1, unit: share}
              - {name: cache, capacity: 1, unit: share}
            policy: policy.safetensors
            state_directory: state
            control:
              socket: state/dvcgd.sock
            log:
              target: stderr
              level: warning
            vsps:

            """
        for (index, utility) in instance.utilities.enumerated() {
            yaml += """
                  - id: vsp-\(index)
                    utility: {beta: \(utility.beta), xi: [\(utility.xi.map { String($0) }.joined(separator: ", "))]}
                    profit: {alpha: \(instance.alphas[index]), noise_mean: 0, noise_sd: 1}

                """
        }
        try yaml.write(toFile: folder + "/dvcgd.yaml", atomically: true, encoding: .utf8)
    }
}

/// Blocking HTTP/1.1 keep-alive requests of `GET /v1/status` over a Unix socket, one connection per client thread.
struct StatusProbe {
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

    /// Closes the connection.
    func close() { _ = Glibc.close(descriptor) }

    /// One request; false when the answer is not a whole 200.
    func status() -> Bool {
        let request = Array("GET /v1/status HTTP/1.1\r\nHost: dvcgd\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(descriptor, $0.baseAddress, $0.count, 0) }) == request.count else {
            return false
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { return false }
            received += buffer[0..<count]
            guard let end = received.firstRange(of: Array("\r\n\r\n".utf8)) else { continue }
            let head = String(decoding: received[..<end.lowerBound], as: UTF8.self).lowercased()
            guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
            else { return false }
            if received.count >= end.upperBound + length { return head.hasPrefix("http/1.1 200") }
        }
    }

    /// `clients` threads requesting status for `seconds`; every latency in seconds and the failure count.
    static func load(socket: String, clients: Int, seconds: Double) -> (latencies: [Double], failures: Int) {
        final class Collected: Sendable {
            let state = Mutex<(latencies: [Double], failures: Int)>(([], 0))
        }
        let collected = Collected()
        let group = DispatchGroup()
        let end = Date().addingTimeInterval(seconds)
        for _ in 0..<clients {
            group.enter()
            Thread.detachNewThread {
                var mine: [Double] = []
                var failed = 0
                if let probe = StatusProbe(socket: socket) {
                    let clock = ContinuousClock()
                    while Date() < end {
                        let start = clock.now
                        if probe.status() {
                            let elapsed = start.duration(to: clock.now).components
                            mine.append(Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18)
                        } else {
                            failed += 1
                            break
                        }
                    }
                    probe.close()
                } else {
                    failed += 1
                }
                collected.state.withLock {
                    $0.latencies += mine
                    $0.failures += failed
                }
                group.leave()
            }
        }
        group.wait()
        return collected.state.withLock { ($0.latencies, $0.failures) }
    }
}
