import Foundation
import GRDB
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// dvcgctl and the control API against the real dvcgd: every verb, curl, bad input, principals.
@Suite(.serialized) struct ControlAPITests {
    /// Runs dvcgctl on the fixture's socket, as root or (with `user`) as that user with only its own groups.
    static func ctl(_ fixture: DaemonFixture, _ arguments: [String], as user: TestUser? = nil) throws -> Tool.Result {
        let binary = Tool.binaries.appendingPathComponent("dvcgctl").path
        guard let user else { return try Tool.run("dvcgctl", ["--socket", fixture.socketPath] + arguments) }
        return try Tool.run(
            "/usr/bin/setpriv",
            ["--reuid=\(user.uid)", "--regid=\(user.gid)", "--init-groups", binary, "--socket", fixture.socketPath]
                + arguments)
    }

    /// A fixture whose ledger has an external VSP `ext-1` that took part in a round, then paused.
    static func pausedFixtureWithExternalVSP(control: String = "") throws -> (DaemonFixture, externalRound: Int64) {
        let fixture = try DaemonFixture(vsps: 2, period: "200ms", control: control)
        try fixture.start()
        #expect(fixture.waitForRound(1), "\(fixture.stderr)")
        #expect(try ctl(fixture, ["pause"]).status == 0)
        #expect(try ctl(fixture, ["add-vsp", "ext-1", "--external"]).status == 0)
        #expect(try ctl(fixture, ["round"]).status == 0, "the roster change applies at this round")
        let bid = try ctl(fixture, ["bid", "ext-1", "40"])
        #expect(bid.status == 0, "\(bid.stderr)")
        let round = try ctl(fixture, ["round", "--json"])
        let number = try #require(
            (try JSONSerialization.jsonObject(with: Data(round.stdout.utf8)) as? [String: Any])?["round"] as? Int64)
        return (fixture, number)
    }

    @Test func everyVerbAnswersForPeopleAndForScriptsWithItsExitCode() throws {
        let (fixture, round) = try Self.pausedFixtureWithExternalVSP()
        let status = try Self.ctl(fixture, ["status"])
        #expect(status.status == 0)
        #expect(status.stdout.contains("state           paused"), "\(status.stdout)")
        #expect(status.stdout.contains("VSPs            3"), "\(status.stdout)")
        let statusJSON = try Self.ctl(fixture, ["status", "--json"])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(statusJSON.stdout.utf8)) as? [String: Any])
        #expect(object["state"] as? String == "paused" && object["vsp_count"] as? Int == 3)
        #expect(object["next_round"] as? Int64 == round + 1)
        // --json before the verb works as after it.
        #expect(try Self.ctl(fixture, ["--json", "status"]).stdout.contains(#""vsp_count" : 3"#))

        let vsps = try Self.ctl(fixture, ["vsps"])
        #expect(vsps.status == 0 && vsps.stdout.contains("ext-1") && vsps.stdout.contains("external"), "\(vsps.stdout)")
        #expect(try Self.ctl(fixture, ["vsps", "--json"]).stdout.contains(#""id" : "ext-1""#))

        #expect(try Self.ctl(fixture, ["health"]).stdout == "live true, ready true\n")
        #expect(try Self.ctl(fixture, ["health", "--json"]).stdout.contains(#""ready" : true"#))

        let bid = try Self.ctl(fixture, ["bid", "ext-1", "12.5"])
        #expect(bid.stdout.contains("by ext-1 for round \(round + 1) accepted"), "\(bid.stdout)\(bid.stderr)")
        #expect(try Self.ctl(fixture, ["bid", "ext-1", "12.5", "--json"]).stdout.contains(#""amount" : 12.5"#))

        let report = try Self.ctl(
            fixture, ["report", "ext-1", "--round", "\(round)", "--utility", "30", "--gross-profit", "28"])
        #expect(report.status == 0 && report.stdout == "report of VSP ext-1 for round \(round) recorded\n")
        let again = try Self.ctl(
            fixture, ["report", "ext-1", "--round", "\(round)", "--utility", "30", "--gross-profit", "28"])
        #expect(again.status == 1 && again.stderr.contains("already reported"), "\(again.stderr)")

        let table = try Self.ctl(fixture, ["dump-ledger", "--vsp", "ext-1"])
        #expect(
            table.status == 0 && table.stdout.hasPrefix("round") && table.stdout.contains("ext-1"), "\(table.stdout)")
        let jsonl = try Self.ctl(fixture, ["dump-ledger", "--json", "--vsp", "ext-1"])
        let lines = jsonl.stdout.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains(#""round":\#(round)"#), "\(jsonl.stdout)")
        let csv = try Self.ctl(fixture, ["dump-ledger", "--format", "csv", "--from", "1", "--to", "1"])
        #expect(
            csv.stdout.hasPrefix(
                "round,vsp,bid,financed_bid,loan,bandwidth_share,computing_share,cache_share,utility_estimate,"
                    + "externality,interest,alpha_hat,tax,voi_fitted\n"), "\(csv.stdout)")
        #expect(csv.stdout.split(separator: "\n").count == 3, "a header and round 1's two rows")

        let added = try Self.ctl(fixture, ["add-vsp", "sim-9", "--beta", "150", "--xi", "1,2,3"])
        #expect(
            added.status == 0 && added.stdout == "VSP sim-9 joins at round \(round + 1)\n",
            "\(added.stdout)\(added.stderr)")
        let removed = try Self.ctl(fixture, ["remove-vsp", "sim-9", "--json"])
        #expect(removed.status == 0 && removed.stdout.contains(#""outcome" : "scheduled""#), "\(removed.stdout)")
        let ran = try Self.ctl(fixture, ["round"])
        #expect(ran.status == 0 && ran.stdout.hasPrefix("round \(round + 1): "), "\(ran.stdout)")
        #expect(try Self.ctl(fixture, ["resume"]).stdout.contains("runs at the next tick"))
        #expect(try Self.ctl(fixture, ["pause", "--json"]).stdout.contains(#""outcome" : "paused""#))
        // A second pause changes nothing, and says so to a script too (eighth tour).
        #expect(try Self.ctl(fixture, ["pause", "--json"]).stdout.contains(#""outcome" : "already_paused""#))
        // round --json carries the round's figures at full precision, as status does.
        let ranJSON = try Self.ctl(fixture, ["round", "--json"])
        let ranObject =
            try JSONSerialization.jsonObject(with: Data(ranJSON.stdout.utf8)) as? [String: Any] ?? [:]
        let figures = ranObject["last_round"] as? [String: Any] ?? [:]
        #expect(
            ranObject["outcome"] as? String == "committed" && figures["round"] as? Int == ranObject["round"] as? Int
                && figures["welfare_estimate"] as? Double != nil && figures["participants"] as? Int != nil,
            "\(ranJSON.stdout)")
        let reload = try Self.ctl(fixture, ["reload"])
        #expect(reload.status == 0 && reload.stdout.contains("policy"), "\(reload.stdout)\(reload.stderr)")

        // Exit codes: 1 refused by the daemon, 2 usage, 3 unreachable.
        let unknown = try Self.ctl(fixture, ["remove-vsp", "nobody-here"])
        #expect(
            unknown.status == 1
                && unknown.stderr.contains("dvcgctl: remove-vsp: VSP 'nobody-here' is not on the roster"),
            "\(unknown.stderr)")
        #expect(try Self.ctl(fixture, ["bid", "ext-1", "-3"]).status == 2)
        #expect(try Tool.run("dvcgctl", ["--socket", fixture.folder + "/none.sock", "status"]).status == 3)
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0)
    }

    @Test func curlSpeaksToTheSocket() throws {
        let (fixture, _) = try Self.pausedFixtureWithExternalVSP()
        let curl = try Tool.run(
            "/usr/bin/curl",
            ["-s", "-w", "\n%{http_code}", "--unix-socket", fixture.socketPath, "http://localhost/v1/status"])
        #expect(curl.stdout.hasSuffix("\n200") && curl.stdout.contains(#""state":"paused""#), "\(curl.stdout)")
        let metrics = try Tool.run(
            "/usr/bin/curl", ["-s", "--unix-socket", fixture.socketPath, "http://localhost/metrics"])
        for name in [
            "dvcg_rounds_total", "dvcg_round_duration_seconds_bucket", "dvcg_welfare_estimate", "dvcg_pool",
            "dvcg_vsps 3", "dvcg_reloads_total", "dvcg_control_rejected_requests_total",
        ] {
            #expect(metrics.stdout.contains(name), "\(name) in \(metrics.stdout)")
        }
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0)
    }

    /// One bad request: what it sends, the status it must get and the field its message must name.
    struct BadInput: CustomStringConvertible {
        let name: String
        let method: String
        let path: String
        let body: String
        let status: Int
        let field: String
        var description: String { name }
    }

    static func badInputs(round: Int64) -> [BadInput] {
        [
            BadInput(
                name: "malformed JSON", method: "POST", path: "/v1/bids", body: #"{"vsp": "#, status: 400, field: "body"
            ),
            BadInput(name: "not an object", method: "POST", path: "/v1/bids", body: "[1]", status: 400, field: "body"),
            BadInput(
                name: "wrong type", method: "POST", path: "/v1/bids", body: #"{"vsp": "ext-1", "amount": "ten"}"#,
                status: 400, field: "amount"),
            BadInput(
                name: "missing field", method: "POST", path: "/v1/bids", body: #"{"vsp": "ext-1"}"#, status: 400,
                field: "amount"),
            BadInput(
                name: "unknown field", method: "POST", path: "/v1/bids",
                body: #"{"vsp": "ext-1", "amount": 1, "tip": 2}"#, status: 400, field: "tip"),
            BadInput(
                name: "body over 1 MiB", method: "POST", path: "/v1/bids",
                body: String(repeating: " ", count: 1_100_000) + "{}", status: 413, field: "body"),
            BadInput(
                name: "NaN", method: "POST", path: "/v1/bids", body: #"{"vsp": "ext-1", "amount": NaN}"#, status: 400,
                field: "body"),
            BadInput(
                name: "infinite", method: "POST", path: "/v1/bids", body: #"{"vsp": "ext-1", "amount": 1e999}"#,
                status: 400, field: "body"),
            BadInput(
                name: "negative bid", method: "POST", path: "/v1/bids", body: #"{"vsp": "ext-1", "amount": -1}"#,
                status: 422, field: "amount"),
            BadInput(
                name: "a field twice", method: "POST", path: "/v1/bids",
                body: #"{"vsp": "ext-1", "amount": 1, "amount": 2}"#, status: 400, field: "amount"),
            BadInput(
                name: "negative round", method: "POST", path: "/v1/bids",
                body: #"{"vsp": "ext-1", "round": -1, "amount": 1}"#, status: 400, field: "round"),
            BadInput(
                name: "bid for a simulated VSP", method: "POST", path: "/v1/bids",
                body: #"{"vsp": "vsp-0", "amount": 1}"#,
                status: 409, field: "vsp"),
            BadInput(
                name: "absurd bid", method: "POST", path: "/v1/bids", body: #"{"vsp": "ext-1", "amount": 1e15}"#,
                status: 422, field: "amount"),
            BadInput(
                name: "unknown VSP bids", method: "POST", path: "/v1/bids", body: #"{"vsp": "ghost", "amount": 1}"#,
                status: 404, field: "vsp"),
            BadInput(
                name: "id with a space", method: "POST", path: "/v1/bids", body: #"{"vsp": "ext 1", "amount": 1}"#,
                status: 422, field: "vsp"),
            BadInput(
                name: "bid for a closed round", method: "POST", path: "/v1/bids",
                body: #"{"vsp": "ext-1", "round": 1, "amount": 1}"#, status: 409, field: "round"),
            BadInput(
                name: "bid for a future round", method: "POST", path: "/v1/bids",
                body: #"{"vsp": "ext-1", "round": \#(round + 5), "amount": 1}"#, status: 409, field: "round"),
            BadInput(
                name: "duplicate VSP", method: "POST", path: "/v1/vsps", body: #"{"id": "ext-1", "kind": "external"}"#,
                status: 409, field: "id"),
            BadInput(
                name: "id with a slash", method: "POST", path: "/v1/vsps", body: #"{"id": "a/b", "kind": "external"}"#,
                status: 422, field: "id"),
            BadInput(
                name: "id of 65 characters", method: "POST", path: "/v1/vsps",
                body: #"{"id": "\#(String(repeating: "a", count: 65))", "kind": "external"}"#, status: 422, field: "id"),
            BadInput(
                name: "wrong xi count", method: "POST", path: "/v1/vsps",
                body: #"{"id": "s", "kind": "simulated", "utility": {"beta": 1, "xi": [1]}}"#, status: 422,
                field: "utility.xi"),
            BadInput(
                name: "remove unknown VSP", method: "DELETE", path: "/v1/vsps/ghost", body: "", status: 404, field: "id"
            ),
            BadInput(
                name: "report for a round it was not in", method: "POST", path: "/v1/reports",
                body: #"{"vsp": "ext-1", "round": 1, "utility": 1, "gross_profit": 1}"#, status: 409, field: "round"),
            BadInput(
                name: "report for a future round", method: "POST", path: "/v1/reports",
                body: #"{"vsp": "ext-1", "round": \#(round + 9), "utility": 1, "gross_profit": 1}"#, status: 409,
                field: "round"),
            BadInput(
                name: "report by an unknown VSP", method: "POST", path: "/v1/reports",
                body: #"{"vsp": "ghost", "round": 1, "utility": 1, "gross_profit": 1}"#, status: 404, field: "vsp"),
            BadInput(
                name: "absurd utility", method: "POST", path: "/v1/reports",
                body: #"{"vsp": "ext-1", "round": \#(round), "utility": 1e300, "gross_profit": 1}"#, status: 422,
                field: "utility"),
            BadInput(
                name: "ledger from not a number", method: "GET", path: "/v1/ledger?from=x", body: "", status: 400,
                field: "from"),
            BadInput(
                name: "ledger format", method: "GET", path: "/v1/ledger?format=xml", body: "", status: 400,
                field: "format"),
        ]
    }

    @Test func badInputGetsA4xxNamingTheFieldAndChangesNothing() throws {
        let (fixture, round) = try Self.pausedFixtureWithExternalVSP()
        func snapshot() throws -> [Int] {
            try fixture.query { db in
                try ["rounds", "round_entries", "reports", "roster_events", "policy_events"].map {
                    try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)") ?? -1
                }
            }
        }
        let before = try snapshot()
        let roster = UnixHTTP.request("GET", "/v1/vsps", socket: fixture.socketPath)?.body
        for bad in Self.badInputs(round: round) {
            let answer = try #require(
                UnixHTTP.request(bad.method, bad.path, body: bad.body, socket: fixture.socketPath), "\(bad)")
            #expect(answer.status == bad.status, "\(bad): \(answer.body)")
            let error =
                (try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: [String: String]])?[
                    "error"]
            #expect(error?["code"] != nil, "\(bad): \(answer.body)")
            #expect(error?["message"]?.hasPrefix(bad.field) == true, "\(bad) names '\(bad.field)': \(answer.body)")
        }
        #expect(try snapshot() == before, "the ledger is unchanged")
        #expect(
            UnixHTTP.request("GET", "/v1/vsps", socket: fixture.socketPath)?.body == roster, "the roster is unchanged")
        // Every refusal is logged with the peer's uid and pid (this process), its status and the reason.
        let refusals = fixture.stderr.split(separator: "\n").filter { $0.contains("control request refused") }
        let cases = Self.badInputs(round: round)
        #expect(refusals.count == cases.count, "\(fixture.stderr)")
        for (line, bad) in zip(refusals, cases) {
            #expect(
                line.contains("uid=\(getuid())") && line.contains("pid=\(getpid())")
                    && line.contains("status=\(bad.status)") && line.contains("reason=\"\(bad.field)"),
                "\(bad): \(line)")
        }
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0, "\(fixture.stderr)")
    }

    @Test(.enabled(if: getuid() == 0, "creates users; runs as root in CI"))
    func readersAndVSPPrincipalsAreHeldToTheirRights() throws {
        let reader = try TestUser(name: "dvcgtest-reader")
        let vsp = try TestUser(name: "dvcgtest-vsp")
        let stranger = try TestUser(name: "dvcgtest-none")
        defer { for user in [reader, vsp, stranger] { user.remove() } }
        let (fixture, round) = try Self.pausedFixtureWithExternalVSP(
            control: """
                  mode: "0666"
                  principals:
                    - {user: dvcgtest-reader, role: read-only}
                    - {user: dvcgtest-vsp, role: vsp, vsp: ext-1}
                """)
        // The test's state folder is private to root; let the other users reach the socket.
        chmod(fixture.statePath, 0o711)
        chmod(fixture.folder, 0o711)

        #expect(try Self.ctl(fixture, ["status"], as: reader).status == 0)
        #expect(try Self.ctl(fixture, ["vsps"], as: reader).status == 0)
        #expect(try Self.ctl(fixture, ["health"], as: reader).status == 0)
        for verb in [["pause"], ["bid", "ext-1", "1"], ["dump-ledger"], ["round"], ["remove-vsp", "vsp-0"]] {
            let refused = try Self.ctl(fixture, verb, as: reader)
            #expect(refused.status == 1 && refused.stderr.contains("reader may not"), "\(verb): \(refused.stderr)")
        }

        let own = try Self.ctl(fixture, ["bid", "ext-1", "5"], as: vsp)
        #expect(own.status == 0, "\(own.stderr)")
        let other = try Self.ctl(fixture, ["bid", "vsp-0", "5"], as: vsp)
        #expect(other.status == 1 && other.stderr.contains("may not act for VSP 'vsp-0'"), "\(other.stderr)")
        let rows = try Self.ctl(fixture, ["dump-ledger", "--json"], as: vsp)
        let vspsSeen = Set(
            rows.stdout.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["vsp"] as? String
            })
        #expect(rows.status == 0 && vspsSeen == ["ext-1"], "a VSP principal sees only its own rows: \(rows.stdout)")
        #expect(try Self.ctl(fixture, ["dump-ledger", "--vsp", "vsp-0"], as: vsp).status == 1)
        #expect(try Self.ctl(fixture, ["status"], as: vsp).status == 1)
        let report = try Self.ctl(
            fixture, ["report", "ext-1", "--round", "\(round)", "--utility", "3", "--gross-profit", "2"], as: vsp)
        #expect(report.status == 0, "\(report.stderr)")

        let nobody = try Self.ctl(fixture, ["health"], as: stranger)
        #expect(nobody.status == 1 && nobody.stderr.contains("no role may not"), "\(nobody.stderr)")
        #expect(fixture.stderr.contains("control request refused"), "refusals are logged")
        let refusal = fixture.stderr.split(separator: "\n").first { $0.contains("uid=\(stranger.uid)") }
        #expect(
            refusal?.contains("control request refused") == true && refusal?.contains("pid=") == true,
            "\(fixture.stderr)")
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0)
    }
}

/// A system user created for one test and removed after it.
struct TestUser {
    let name: String
    let uid: UInt32
    let gid: UInt32

    init(name: String) throws {
        _ = try Tool.run("/usr/sbin/userdel", [name])
        let created = try Tool.run("/usr/sbin/useradd", ["--no-create-home", "--user-group", name])
        guard created.status == 0, let entry = getpwnam(name) else {
            throw POSIXError(.EPERM)
        }
        self.name = name
        uid = entry.pointee.pw_uid
        gid = entry.pointee.pw_gid
    }

    func remove() { _ = try? Tool.run("/usr/sbin/userdel", [name]) }
}
