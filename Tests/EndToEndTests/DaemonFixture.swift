import DVCGCheckpoint
import DVCGCore
import DVCGSimulation
import Foundation
import GRDB
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The repository's root (this file is Tests/EndToEndTests/DaemonFixture.swift).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// A temporary dvcgd installation: configuration, policies, state folder and socket, and the running daemon.
final class DaemonFixture {
    let folder: String
    var configPath: String { folder + "/dvcgd.yaml" }
    var policyPath: String { folder + "/policy.safetensors" }
    var statePath: String { folder + "/state" }
    var socketPath: String { folder + "/state/dvcgd.sock" }
    var ledgerPath: String { statePath + "/ledger.sqlite" }
    var stderrPath: String { folder + "/stderr.log" }
    private(set) var process: Process?

    /// A fixture with `vsps` simulated VSPs from the paper's distributions, a seeded untrained policy and `period`.
    /// `control` holds extra lines of the `control:` mapping, each indented by two spaces.
    /// `external` adds external VSPs with these ids.
    init(
        vsps: Int = 4, period: String = "100ms", logTarget: String = "stderr", extra: String = "", control: String = "",
        external: [String] = []
    )
        throws
    {
        folder = "/tmp/dvcgd-e2e-" + String(UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Self.writePolicy(seed: 1, to: policyPath)
        let testbed = TestbedConfiguration(
            period: period, seed: 7, instance: ProblemInstance.paper(vspCount: vsps, seed: 11), external: external,
            control: control, log: (logTarget, "info"), extra: extra)
        try testbed.write(to: configPath)
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Writes an untrained, valid policy (template networks from a seeded Kaiming init).
    static func writePolicy(seed: UInt64, to path: String) throws {
        // Written beside, then renamed, as an operator deploying a policy would.
        try TestbedConfiguration.untrainedPolicy(resourceCount: 3, seed: seed).write(to: path + ".new")
        try FileManager.default.removeItemIfPresent(atPath: path)
        try FileManager.default.moveItem(atPath: path + ".new", toPath: path)
    }

    /// Puts the shipped policy (etc/policy/default.safetensors) in place of the untrained one, before ``start(environment:)``.
    func serveShippedPolicy() throws {
        try FileManager.default.removeItem(atPath: policyPath)
        try FileManager.default.copyItem(
            atPath: repositoryRoot.appendingPathComponent("etc/policy/default.safetensors").path, toPath: policyPath)
    }

    /// `POST /v1/vsps` with `body`, which must be accepted (202); returns the round boundary it joins at.
    func addVSP(_ body: String) throws -> Int64 {
        let added = try #require(UnixHTTP.request("POST", "/v1/vsps", body: body, socket: socketPath))
        #expect(added.status == 202, "\(added.body)")
        return try #require(
            (try JSONSerialization.jsonObject(with: Data(added.body.utf8)) as? [String: Any])?["round"] as? Int64)
    }

    /// Starts dvcgd on the fixture's configuration.
    func start(environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = Tool.binaries.appendingPathComponent("dvcgd")
        process.arguments = ["--config", configPath]
        var env = ProcessInfo.processInfo.environment
        env["NOTIFY_SOCKET"] = nil
        env["WATCHDOG_USEC"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if !FileManager.default.fileExists(atPath: stderrPath) {
            _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        handle.seekToEndOfFile()
        process.standardError = handle
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    /// Sends a signal to the daemon.
    func signal(_ signal: Int32) {
        if let process { kill(process.processIdentifier, signal) }
    }

    /// Waits for the daemon to exit and returns its status (or -1 after `timeout` seconds).
    func waitForExit(timeout: Double = 10) -> Int32 {
        guard let process else { return -1 }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        guard !process.isRunning else { return -1 }
        return process.terminationStatus
    }

    /// The daemon's standard error so far.
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Reads the ledger (read-only, beside the running daemon).
    func query<T>(_ body: (Database) throws -> T) throws -> T {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: ledgerPath, configuration: configuration)
        return try queue.read(body)
    }

    /// The last committed round number, 0 when none.
    func lastRound() -> Int64 {
        guard FileManager.default.fileExists(atPath: ledgerPath) else { return 0 }
        return (try? query { try Int64.fetchOne($0, sql: "SELECT max(number) FROM rounds") ?? 0 }) ?? 0
    }

    /// Waits until round `round` is committed; false after `timeout` seconds.
    func waitForRound(_ round: Int64, timeout: Double = 15) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if lastRound() >= round { return true }
            usleep(20_000)
        }
        return false
    }

    /// Adds `count` copies of a real `round_entries` row under bulk ids, half in round 1 and half in round 2, while
    /// the daemon is stopped; returns the rows of rounds 1 and 2 after.
    @discardableResult
    func addBulkRows(_ count: Int) throws -> Int {
        let queue = try DatabaseQueue(path: ledgerPath)
        defer { try? queue.close() }
        return try queue.write { db in
            // Every column of the schema as it is (a later migration's too), round and vsp replaced.
            let columns = try db.columns(in: "round_entries").map(\.name)
            try db.execute(sql: BulkLedgerRows.insertSQL(columns: columns), arguments: [count])
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM round_entries WHERE round <= 2") ?? 0
        }
    }

    /// Waits until `condition` holds; false after `timeout` seconds.
    func wait(timeout: Double = 10, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return false
    }
}

extension FileManager {
    func removeItemIfPresent(atPath path: String) throws {
        if fileExists(atPath: path) { try removeItem(atPath: path) }
    }
}

/// A `NOTIFY_SOCKET` receiver: a Unix datagram socket bound in a temporary folder, drained by a thread
/// as the service manager does (a datagram queue holds only a few messages, and sd_notify blocks when full).
final class NotifyReceiver: @unchecked Sendable {
    // @unchecked: `received` is only touched under `lock`; `descriptor` is immutable.
    let path: String
    private let descriptor: Int32
    private let lock = NSLock()
    private var received: [String] = []
    private var stopped = false

    init(folder: String) throws {
        path = folder + "/notify.sock"
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else { throw POSIXError(.EADDRINUSE) }
        var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while !lock.withLock({ stopped }) {
                let count = recv(descriptor, &buffer, buffer.count, 0)
                if count > 0 {
                    let message = String(decoding: buffer[0..<count], as: UTF8.self)
                    lock.withLock { received.append(message) }
                }
            }
        }
    }

    deinit { close(descriptor) }

    /// Stops the reader thread.
    func stop() { lock.withLock { stopped = true } }

    /// Every datagram received so far, in order.
    func drain() -> [String] {
        usleep(100_000)
        return lock.withLock { received }
    }
}

/// A minimal HTTP/1.1 client over a Unix socket (what `curl --unix-socket` does).
enum UnixHTTP {
    /// Sends a request and returns the status code and body; `nil` when nothing answers.
    static func request(_ method: String, _ path: String, body: String = "", socket socketPath: String)
        -> (status: Int, body: String)?
    {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { return nil }
        let request = Array(
            "\(method) \(path) HTTP/1.1\r\nHost: dvcgd\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
                .utf8)
        _ = request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            response += buffer[0..<count]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let statusLine = text.split(separator: "\r\n").first, statusLine.split(separator: " ").count >= 2,
            let status = Int(statusLine.split(separator: " ")[1])
        else { return nil }
        let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        return (status, body)
    }
}
