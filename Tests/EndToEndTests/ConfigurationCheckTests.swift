import DVCGCheckpoint
import DVCGCore
import DVCGSimulation
import Foundation
import Testing

/// `dvcgd --check-config`: `configuration OK`, or every problem as `file:line:column: path: message`.
@Suite struct ConfigurationCheckTests {
    static let valid = """
        period: 1s
        resources:
          - {name: bandwidth, capacity: 1, unit: MHz}
          - {name: computing, capacity: 2, unit: GHz}
        policy: p.safetensors
        state_directory: state
        control:
          socket: state/s.sock
        vsps:
          - id: a
            utility: {beta: 100, xi: [1, 2]}
        """

    /// A malformed configuration and the exact lines `--check-config` must print.
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let yaml: String
        let errors: [String]
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "bad duration", yaml: valid.replacingOccurrences(of: "period: 1s", with: "period: 1 sec"),
            errors: ["1:9: period: expected a duration such as 250ms, 1s, 1.5s or 2m, found '1 sec'"]),
        Case(
            name: "every problem of a roster",
            yaml: valid.replacingOccurrences(
                of: "    utility: {beta: 100, xi: [1, 2]}",
                with: """
                        utility: {beta: 100, xi: [1]}
                        bidding: honest
                      - id: a
                        utility: {beta: 100, xi: [1, 2]}
                    """),
            // A type error does not hide the entry's other problems, and an invalid first `a` does not hide the
            // second (fifth tour).
            errors: [
                "11:30: vsps[0].utility.xi: expected 2 values (one per resource), found 1",
                "12:14: vsps[0].bidding: expected truthful, scaled:C or fixed:X with a number in [0, 1e12], found 'honest'",
                "13:9: vsps[1].id: duplicate VSP id 'a'",
            ]),
        Case(
            name: "a mistyped beta hides nothing else",
            yaml: valid.replacingOccurrences(
                of: "    utility: {beta: 100, xi: [1, 2]}",
                with: """
                        utility: {beta: abc, xi: [1, 2]}
                        profit: {alpha: -1}
                    """),
            errors: [
                "11:21: vsps[0].utility.beta: expected a number, found 'abc'",
                "12:21: vsps[0].profit.alpha: expected a finite number in (0, 1e12], found -1",
            ]),
        Case(
            name: "too long a duration", yaml: valid.replacingOccurrences(of: "period: 1s", with: "period: 1000000h"),
            errors: ["1:9: period: expected a duration of at most 31 years, found '1000000h'"]),
        Case(
            name: "zero duration", yaml: valid.replacingOccurrences(of: "period: 1s", with: "period: 0ms"),
            errors: ["1:9: period: expected a positive duration such as 250ms or 1s, found '0ms'"]),
        Case(
            name: "unknown key", yaml: valid.replacingOccurrences(of: "period: 1s", with: "period: 1s\nperod: 2s"),
            errors: [
                "2:1: perod: unknown key 'perod' (did you mean 'period'? expected one of: period, seed, resources, mechanism, policy, learning, state_directory, control, log, reload, vsps, ledger, metrics)"
            ]),
        Case(
            name: "missing key", yaml: valid.replacingOccurrences(of: "policy: p.safetensors\n", with: ""),
            errors: ["1:1: policy: missing required key 'policy'"]),
        Case(
            name: "wrong vector length", yaml: valid.replacingOccurrences(of: "xi: [1, 2]", with: "xi: [1, 2, 3]"),
            errors: ["11:30: vsps[0].utility.xi: expected 2 values (one per resource), found 3"]),
        Case(
            name: "negative capacity", yaml: valid.replacingOccurrences(of: "capacity: 2", with: "capacity: -2"),
            errors: ["4:33: resources[1].capacity: expected a number > 0, found -2"]),
        Case(
            name: "bad socket mode",
            yaml: valid.replacingOccurrences(
                of: "  socket: state/s.sock", with: "  socket: state/s.sock\n  mode: \"999\""),
            errors: ["9:9: control.mode: expected an octal file mode such as 0660, found '999'"]),
        Case(
            name: "unknown log target", yaml: valid + "\nlog: {target: syslog}",
            errors: ["12:15: log.target: expected auto, journal or stderr, found 'syslog'"]),
        Case(
            name: "a misspelt choice", yaml: valid + "\nlog: {level: warn}",
            errors: [
                "12:14: log.level: expected trace, debug, info, notice, warning, error or critical, found 'warn' (did you mean 'warning'?)"
            ]),
        Case(
            name: "a misspelt bidding strategy",
            yaml: valid + "\n  - id: b\n    utility: {beta: 100, xi: [1, 2]}\n    bidding: truthfull",
            errors: [
                "14:14: vsps[1].bidding: expected truthful, scaled:C or fixed:X with a number in [0, 1e12], found 'truthfull' (did you mean 'truthful'?)"
            ]),
        Case(
            name: "learning out of range", yaml: valid + "\nlearning: {mode: online, batch_size: 0, soft_update: 2}",
            errors: [
                "12:38: learning.batch_size: expected an integer in [1, 1000000], found 0",
                "12:54: learning.soft_update: expected a number in [0, 1], found 2",
            ]),
        Case(
            name: "YAML syntax", yaml: "period: [1s\nresources: 2\n",
            errors: ["1:9: a flow sequence begun here: did not find expected ',' or ']' at 2:10"]),
        Case(
            // The line to fix is the unclosed `{`, not where libyaml gave up (second tour of 2026-12-04).
            name: "an unclosed flow mapping",
            yaml: "period: 1s\nresources:\n  - {name: cache, capacity: 1, unit: share\nmechanism:\n  noise: true\n",
            errors: ["3:5: a flow mapping begun here: did not find expected ',' or '}' at 4:10"]),
        Case(
            name: "bad bidding strategy",
            yaml: valid + "\n  - id: b\n    utility: {beta: 100, xi: [1, 2]}\n    bidding: greedy",
            errors: [
                "14:14: vsps[1].bidding: expected truthful, scaled:C or fixed:X with a number in [0, 1e12], found 'greedy'"
            ]),
        Case(
            name: "bad VSP id", yaml: valid + "\n  - id: 'bad id'\n    kind: external",
            errors: ["12:9: vsps[1].id: 'bad id' is not a valid VSP id ([A-Za-z0-9._-], 1 to 64 characters)"]),
        Case(
            name: "duplicate VSP id", yaml: valid + "\n  - id: a\n    kind: external",
            errors: ["12:9: vsps[1].id: duplicate VSP id 'a'"]),
        Case(
            name: "external VSP with a utility",
            yaml: valid + "\n  - id: b\n    kind: external\n    utility: {beta: 1, xi: [1, 1]}",
            errors: ["14:14: vsps[1].utility: an external VSP has no 'utility' (it bids through the API)"]),
        Case(
            name: "duplicate key", yaml: valid + "\nperiod: 2s",
            errors: ["12:1: period: duplicate key 'period'"]),
        Case(
            name: "duplicate key beside other problems",
            yaml: valid + "\nperiod: 2s\nmetrics: {listen: localhost:9464}\nperiod: 3s",
            errors: [
                "12:1: period: duplicate key 'period'",
                "13:19: metrics.listen: expected HOST:PORT with an IP address and a port in [1, 65535] (e.g. 127.0.0.1:9464), found 'localhost:9464'",
                "14:1: period: duplicate key 'period'",
            ]),
        Case(
            name: "nested duplicate key beside another problem",
            yaml: valid + "\n    utility: {beta: 1, xi: [1, 1]}\nmetrics: {listen: localhost:9464}",
            errors: [
                "12:5: utility: duplicate key 'utility'",
                "13:19: metrics.listen: expected HOST:PORT with an IP address and a port in [1, 65535] (e.g. 127.0.0.1:9464), found 'localhost:9464'",
            ]),
        Case(
            name: "metrics listener on a host name", yaml: valid + "\nmetrics: {listen: localhost:9464}",
            errors: [
                "12:19: metrics.listen: expected HOST:PORT with an IP address and a port in [1, 65535] (e.g. 127.0.0.1:9464), found 'localhost:9464'"
            ]),
        Case(name: "empty file", yaml: "", errors: ["1:1: the configuration is empty"]),
        Case(name: "not a mapping", yaml: "- 1\n", errors: ["1:1: expected a mapping, found a list"]),
        Case(
            name: "several errors at once",
            yaml: valid.replacingOccurrences(of: "period: 1s", with: "period: soon")
                .replacingOccurrences(of: "beta: 100", with: "beta: lots") + "\nmechanism: {interest: maybe}",
            errors: [
                "1:9: period: expected a duration such as 250ms, 1s, 1.5s or 2m, found 'soon'",
                "11:21: vsps[0].utility.beta: expected a number, found 'lots'",
                "12:23: mechanism.interest: expected true or false, found 'maybe'",
            ]),
    ]

    @Test(arguments: cases) func malformedConfigurationGetsItsExactPositionedMessage(_ testCase: Case) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dvcgd-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("dvcgd.yaml").path
        try testCase.yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try Tool.run("dvcgd", ["--check-config", "--config", path])
        #expect(result.status == 1)
        #expect(result.stdout == "")
        let expected = testCase.errors.map { "\(path):\($0)" }.joined(separator: "\n") + "\n"
        #expect(result.stderr == expected)
    }

    @Test func aValidConfigurationPrintsConfigurationOK() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dvcgd-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("dvcgd.yaml").path
        try Self.valid.write(toFile: path, atomically: false, encoding: .utf8)
        let policy = folder.appendingPathComponent("p.safetensors").path

        // The policy is loaded as start-up would load it: missing, then for the wrong number of resources.
        var result = try Tool.run("dvcgd", ["--check-config", "--config", path])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("\(path):5:9: policy: \(policy): invalid policy: "), "\(result.stderr)")
        try Self.writePolicy(resourceCount: 3, to: policy)
        result = try Tool.run("dvcgd", ["--check-config", "--config", path])
        #expect(result.status == 1 && result.stderr.contains("resource"), "\(result.stderr)")

        try Self.writePolicy(resourceCount: 2, to: policy)
        result = try Tool.run("dvcgd", ["--check-config", "--config", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "configuration OK\n")
    }

    static func writePolicy(resourceCount: Int, to path: String) throws {
        try TestbedConfiguration.untrainedPolicy(resourceCount: resourceCount, seed: 1).write(to: path)
    }

    @Test func aMissingFileIsNamed() throws {
        let result = try Tool.run("dvcgd", ["--check-config", "--config", "/nonexistent/dvcgd.yaml"])
        #expect(result.status == 1)
        #expect(result.stderr == "/nonexistent/dvcgd.yaml: cannot read the file: No such file or directory\n")
    }
}
