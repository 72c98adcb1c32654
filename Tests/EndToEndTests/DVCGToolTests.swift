import Foundation
import Testing

/// Runs the real `dvcg` binary built beside the tests.
struct Tool {
    static let binaries: URL = {
        // The test bundle lives in .build/<config>/; the executables are beside it.
        var url = Bundle.main.bundleURL
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: url.appendingPathComponent("dvcg").path) {
            url.deleteLastPathComponent()
        }
        return url
    }()

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs `name` with `arguments`, with `input` on its standard input when given (from a file, so that no
    /// pipe can fill).
    static func run(_ name: String, _ arguments: [String], input: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = name.hasPrefix("/") ? URL(fileURLWithPath: name) : binaries.appendingPathComponent(name)
        process.arguments = arguments
        if let input {
            let path = try temporaryFile(input)
            defer { try? FileManager.default.removeItem(atPath: path) }
            process.standardInput = FileHandle(forReadingAtPath: path)
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func temporaryFile(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dvcg-test-\(UUID().uuidString).json")
            .path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

@Suite struct DVCGToolTests {
    @Test func instanceThenOptimumRoundTripsAsJSON() throws {
        let instance = try Tool.run("dvcg", ["instance", "--vsps", "6", "--seed", "104"])
        #expect(instance.status == 0)
        let path = try Tool.temporaryFile(instance.stdout)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try Tool.run("dvcg", ["optimum", "--instance", path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["welfare", "allocation", "welfare_without", "vcg_payments", "gap_bound"])
        let welfare = try #require(object["welfare"] as? Double)
        let gap = try #require(object["gap_bound"] as? Double)
        #expect(gap >= 0 && gap < 1e-8 * welfare)
        #expect((object["allocation"] as? [[Double]])?.count == 6)
        #expect((object["vcg_payments"] as? [Double])?.allSatisfy { $0 >= 0 } == true)
    }

    @Test func sameSeedWritesTheSameInstance() throws {
        let a = try Tool.run("dvcg", ["instance", "--vsps", "3", "--seed", "9"])
        let b = try Tool.run("dvcg", ["instance", "--vsps", "3", "--seed", "9"])
        #expect(a.stdout == b.stdout && !a.stdout.isEmpty)
    }

    @Test func humanOutputShowsWelfareAndPayments() throws {
        let path = try Tool.temporaryFile(#"{"capacities": [1, 1, 1], "beta": [150], "xi": [[1, 2, 3]]}"#)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try Tool.run("dvcg", ["optimum", "--instance", path])
        #expect(result.status == 0)
        // 150 (1 - e^-6) = 149.6282, in VC with 2 decimals
        #expect(result.stdout.contains("social welfare   149.63 VC"))
        #expect(result.stdout.contains("VCG payment (VC)"))
    }

    static let badFiles: [(contents: String, message: String)] = [
        ("not json", "not a JSON object"),
        (#"{"capacities": [1], "beta": [1]}"#, "missing key 'xi'"),
        (#"{"capacities": [1, 1], "beta": [1], "xi": [[1]]}"#, "xi[0]: expected 2 values (one per capacity), found 1"),
        (#"{"capacities": [-1], "beta": [1], "xi": [[1]]}"#, "capacities[0]: expected a finite number in [0, 1e12]"),
        (#"{"capacities": [1], "beta": [1e999], "xi": [[1]]}"#, "1e999"),
        (#"{"capacities": [1], "beta": [true], "xi": [[1]]}"#, "beta[0]: expected a number"),
    ]

    @Test(arguments: badFiles)
    func badInstanceFilesExitTwoWithOneLine(_ file: (contents: String, message: String)) throws {
        let path = try Tool.temporaryFile(file.contents)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try Tool.run("dvcg", ["optimum", "--instance", path])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("dvcg: optimum: \(path): "))
        #expect(result.stderr.contains(file.message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test func missingFileAndUsageErrorsExitTwo() throws {
        #expect(try Tool.run("dvcg", ["optimum", "--instance", "/nonexistent/instance.json"]).status == 2)
        #expect(try Tool.run("dvcg", ["optimum"]).status == 2)
        #expect(try Tool.run("dvcg", ["instance", "--vsps", "0", "--seed", "1"]).status == 2)
        #expect(try Tool.run("dvcg", ["no-such-verb"]).status == 2)
        #expect(try Tool.run("dvcg", ["--help"]).status == 0)
    }
}

@Suite struct InitPolicyTests {
    @Test func initPolicyWritesAValidCheckpointThatDvcgdAccepts() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dvcg-init-\(UUID().uuidString).safetensors"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let written = try Tool.run("dvcg", ["init-policy", "--out", path, "--seed", "4", "--vsp", "a", "b.1"])
        #expect(written.status == 0, "\(written.stderr)")
        let inspected = try Tool.run("dvcg", ["inspect", path])
        #expect(inspected.status == 0)
        #expect(inspected.stdout.contains("verdict  valid"), "\(inspected.stdout)")
        let refused = try Tool.run("dvcg", ["init-policy", "--out", path, "--vsp", "bad id"])
        #expect(refused.status == 2)
    }

    @Test func initPolicySaysWhatItWroteAndInspectJudgesKAsTheDaemonDoes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dvcg-k2-\(UUID().uuidString).safetensors"
        ).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let written = try Tool.run("dvcg", ["init-policy", "--resources", "2", "--out", path])
        #expect(
            written.stdout == "wrote \(path): untrained policy for K = 2 resources, template networks only (seed 1)\n")
        let refused = try Tool.run("dvcg", ["inspect", path])
        #expect(refused.status == 1)
        #expect(
            refused.stdout.contains("verdict  invalid: the policy is for K = 2 resources, not the 3 of --resources"))
        #expect(refused.stderr.hasPrefix("dvcg: inspect: \(path): the policy is for K = 2 resources"))
        let accepted = try Tool.run("dvcg", ["inspect", "--resources", "2", path])
        #expect(accepted.status == 0 && accepted.stdout.contains("verdict  valid"), "\(accepted.stdout)")
    }
}
