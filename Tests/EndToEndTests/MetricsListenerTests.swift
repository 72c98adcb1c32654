import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `metrics.listen`: Prometheus scrapes dvcgd over TCP, GET /metrics only, and promtool finds the text clean.
@Suite struct MetricsListenerTests {
    /// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's choice for port 0).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(descriptor, pointer, length) == 0 else { return -1 }
                return getsockname(descriptor, pointer, &length)
            }
        }
        try #require(bound == 0, "binding port 0: errno \(errno)")
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs `curl` and returns its standard output, or `nil` when it fails.
    static func curl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-s", "--max-time", "5"] + arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func getMetricsIsServedOnTheListenAddressAndNothingElse() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/curl") else {
            print("skipping the metrics listener test: curl is missing (apt package curl)")
            return
        }
        let port = try Self.freePort()
        let fixture = try DaemonFixture(vsps: 3, period: "50ms", extra: "metrics: {listen: 127.0.0.1:\(port)}")
        try fixture.start()
        #expect(fixture.waitForRound(3), "rounds run: \(fixture.stderr)")
        #expect(fixture.wait { fixture.stderr.contains("metrics listening") }, "\(fixture.stderr)")
        let base = "http://127.0.0.1:\(port)"

        let metrics = try Self.curl(["-f", base + "/metrics"])
        #expect(metrics.status == 0)
        #expect(metrics.output.contains("dvcg_rounds_total"))
        #expect(metrics.output.contains("dvcg_welfare_estimate"))
        #expect(metrics.output.contains("dvcg_skipped_ticks_total"))
        // The control API is not here: another path is 404, another method 405.
        #expect(try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", base + "/v1/status"]).output == "404")
        #expect(
            try Self.curl(["-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", base + "/metrics"]).output == "405")

        if FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") {
            let check = Process()
            check.executableURL = URL(fileURLWithPath: "/usr/bin/promtool")
            check.arguments = ["check", "metrics"]
            let input = Pipe()
            let output = Pipe()
            check.standardInput = input
            check.standardOutput = output
            check.standardError = output
            try check.run()
            input.fileHandleForWriting.write(Data(metrics.output.utf8))
            try input.fileHandleForWriting.close()
            let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            check.waitUntilExit()
            #expect(check.terminationStatus == 0, "promtool check metrics: \(said)")
            #expect(said.isEmpty, "promtool check metrics is clean: \(said)")
        } else {
            print("skipping promtool check metrics: promtool is missing (apt package prometheus)")
        }

        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0)
    }

    @Test func noListenerWithoutMetricsListen() throws {
        let fixture = try DaemonFixture(vsps: 2, period: "50ms")
        try fixture.start()
        #expect(fixture.waitForRound(2), "rounds run: \(fixture.stderr)")
        #expect(!fixture.stderr.contains("metrics listening"))
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0)
    }
}
