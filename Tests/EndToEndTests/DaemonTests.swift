import DVCGCheckpoint
import DVCGCore
import Foundation
import GRDB
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The round the ledger's engine state is at: its last full snapshot's, or the newest delta's after it.
let engineStateRound = """
    SELECT max(round) FROM (SELECT round FROM engine_state UNION ALL SELECT round FROM engine_state_deltas)
    """

/// The real dvcgd with temporary configuration, state and socket.
@Suite(.serialized) struct DaemonTests {
    @Test func roundsAdvanceAtThePeriodAndTheSocketAnswers() throws {
        let fixture = try DaemonFixture(vsps: 4, period: "200ms")
        try fixture.start()
        #expect(fixture.waitForRound(1), "\(fixture.stderr)")
        let health = try #require(UnixHTTP.request("GET", "/v1/health", socket: fixture.socketPath))
        #expect(health.status == 200)
        #expect(health.body.contains(#""live":true"#))
        var info = stat()
        #expect(stat(fixture.socketPath, &info) == 0 && info.st_mode & 0o777 == 0o660)
        #expect(fixture.waitForRound(12), "\(fixture.stderr)")
        let status = try #require(UnixHTTP.request("GET", "/v1/status", socket: fixture.socketPath))
        #expect(status.status == 200 && status.body.contains(#""vsp_count":4"#), "\(status.body)")
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0, "\(fixture.stderr)")
        #expect(!FileManager.default.fileExists(atPath: fixture.socketPath), "the socket is removed on shutdown")
        let starts = try fixture.query { try Double.fetchAll($0, sql: "SELECT started FROM rounds ORDER BY number") }
        let gaps = zip(starts.dropFirst(), starts).map { $0 - $1 }.sorted()
        let median = gaps[gaps.count / 2]
        #expect(abs(median - 0.2) < 0.02, "median spacing \(median) s for a 200 ms period")
        // No drift: the n-th round starts n periods after the first, within a tick's jitter.
        let span = starts.last! - starts.first!
        #expect(abs(span - 0.2 * Double(starts.count - 1)) < 0.1, "span \(span) s over \(starts.count) rounds")
        let entries = try fixture.query { try Int.fetchOne($0, sql: "SELECT count(*) FROM round_entries") ?? 0 }
        #expect(entries == 4 * starts.count)
    }

    @Test func killNineThenRestartKeepsTheLedgerContinuous() throws {
        let fixture = try DaemonFixture(vsps: 5, period: "50ms")
        try fixture.start()
        #expect(fixture.waitForRound(8), "\(fixture.stderr)")
        fixture.signal(SIGKILL)
        #expect(fixture.waitForExit() == SIGKILL)
        let before = fixture.lastRound()
        #expect(FileManager.default.fileExists(atPath: fixture.socketPath), "a killed daemon leaves its socket")
        try fixture.start()
        #expect(fixture.waitForRound(before + 8), "\(fixture.stderr)")
        fixture.signal(SIGKILL)
        _ = fixture.waitForExit()
        try fixture.start()
        #expect(fixture.waitForRound(fixture.lastRound() + 5), "\(fixture.stderr)")
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0, "\(fixture.stderr)")
        try fixture.query { db in
            let numbers = try Int64.fetchAll(db, sql: "SELECT number FROM rounds ORDER BY number")
            #expect(numbers == Array(1...Int64(numbers.count)), "round numbers are 1...n with no gap or duplicate")
            let incomplete = try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM rounds r
                    WHERE (SELECT count(*) FROM round_entries e WHERE e.round = r.number) != 5
                    """)
            #expect(incomplete == 0, "every committed round has all its entries")
            let orphans = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM round_entries WHERE round NOT IN (SELECT number FROM rounds)")
            #expect(orphans == 0)
            // The last full snapshot, and a delta for each round after it.
            let stateRound = try Int64.fetchOne(db, sql: engineStateRound)
            #expect(stateRound == numbers.last, "the engine state (snapshot and deltas) is the last round's")
            let reports = try Int.fetchOne(db, sql: "SELECT count(*) FROM reports")
            #expect(reports == 5 * numbers.count, "simulated VSPs report after every round")
            let rosterEvents = try Int.fetchOne(db, sql: "SELECT count(*) FROM roster_events")
            #expect(rosterEvents == 5, "the YAML roster is seeded once, not on every restart")
        }
        #expect(fixture.stderr.contains("next_round=\(before + 1)"), "the restart resumes at the next round")
    }

    @Test func killNineAtRandomMomentsNeverLeavesAPartialRound() throws {
        let fixture = try DaemonFixture(vsps: 40, period: "20ms")
        var generator = SeededGenerator(seed: 17)
        for _ in 0..<6 {
            try fixture.start()
            #expect(fixture.waitForRound(fixture.lastRound() + 1), "\(fixture.stderr)")
            usleep(UInt32(generator.nextInt(below: 150_000)))
            fixture.signal(SIGKILL)
            #expect(fixture.waitForExit() == SIGKILL)
        }
        try fixture.start()
        #expect(fixture.waitForRound(fixture.lastRound() + 3), "\(fixture.stderr)")
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0)
        try fixture.query { db in
            let numbers = try Int64.fetchAll(db, sql: "SELECT number FROM rounds ORDER BY number")
            #expect(numbers == Array(1...Int64(numbers.count)))
            let sizes = try Int.fetchAll(db, sql: "SELECT count(*) FROM round_entries GROUP BY round")
            #expect(sizes.count == numbers.count && sizes.allSatisfy { $0 == 40 })
            #expect(try Int64.fetchOne(db, sql: engineStateRound) == numbers.last)
        }
    }

    @Test func sighupSwapsAGoodPolicyAndKeepsTheOldOneOnACorruptOne() throws {
        let fixture = try DaemonFixture(vsps: 3, period: "50ms")
        try fixture.start()
        #expect(fixture.waitForRound(3), "\(fixture.stderr)")
        let first = try fixture.query {
            try String.fetchOne($0, sql: "SELECT policy_checksum FROM rounds WHERE number = 1")
        }
        try DaemonFixture.writePolicy(seed: 2, to: fixture.policyPath)
        fixture.signal(SIGHUP)
        #expect(
            fixture.wait {
                (try? fixture.query {
                    try Int.fetchOne(
                        $0,
                        sql: "SELECT count(*) FROM policy_events WHERE outcome = 'loaded' AND message LIKE 'SIGHUP%'")
                }) == 1
            }, "\(fixture.stderr)")
        let swapped = try fixture.query {
            try String.fetchOne($0, sql: "SELECT checksum FROM policy_events ORDER BY seq DESC LIMIT 1")
        }
        #expect(swapped != nil && swapped != first)
        let afterSwap = fixture.lastRound() + 2
        #expect(fixture.waitForRound(afterSwap))
        let served = try fixture.query {
            try String.fetchOne($0, sql: "SELECT policy_checksum FROM rounds WHERE number = ?", arguments: [afterSwap])
        }
        #expect(served == swapped, "rounds after the reload are served by the new policy")

        // A corrupt file: truncated safetensors.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixture.policyPath))
        try bytes.prefix(1000).write(to: URL(fileURLWithPath: fixture.policyPath))
        fixture.signal(SIGHUP)
        #expect(
            fixture.wait {
                (try? fixture.query {
                    try Int.fetchOne($0, sql: "SELECT count(*) FROM policy_events WHERE outcome = 'refused'")
                }) == 1
            }, "\(fixture.stderr)")
        let refusal = try fixture.query {
            try String.fetchOne($0, sql: "SELECT message FROM policy_events WHERE outcome = 'refused'")
        }
        #expect(refusal?.contains("invalid policy") == true, "\(refusal ?? "")")
        let status = try #require(UnixHTTP.request("GET", "/v1/status", socket: fixture.socketPath))
        #expect(
            status.body.contains(#""checksum":"\#(swapped ?? "")""#),
            "status still shows the previous policy: \(status.body)")
        let afterRefusal = fixture.lastRound() + 2
        #expect(fixture.waitForRound(afterRefusal), "rounds go on after a failed reload")
        let still = try fixture.query {
            try String.fetchOne(
                $0, sql: "SELECT policy_checksum FROM rounds WHERE number = ?", arguments: [afterRefusal])
        }
        #expect(still == swapped, "the previous policy keeps serving")
        #expect(fixture.stderr.contains("reload failed; keeping the previous configuration and policy"))

        // The control API reloads too, and reports the failure with a 422.
        let viaAPI = try #require(UnixHTTP.request("POST", "/v1/reload", socket: fixture.socketPath))
        #expect(viaAPI.status == 422 && viaAPI.body.contains("invalid policy"), "\(viaAPI.body)")
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0)
    }

    @Test func notifySequenceIsReadyStatusReloadingReadyWatchdogStopping() throws {
        let fixture = try DaemonFixture(vsps: 2, period: "100ms")
        let receiver = try NotifyReceiver(folder: fixture.folder)
        try fixture.start(environment: ["NOTIFY_SOCKET": receiver.path, "WATCHDOG_USEC": "400000"])
        #expect(fixture.waitForRound(3), "\(fixture.stderr)")
        fixture.signal(SIGHUP)
        #expect(fixture.wait { fixture.stderr.contains("reloaded") })
        #expect(fixture.waitForRound(fixture.lastRound() + 3))
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0, "\(fixture.stderr)")
        let messages = receiver.drain()
        receiver.stop()
        // Collapse to kinds, dropping watchdog pings and per-round STATUS repeats between milestones.
        func kind(_ message: String) -> String {
            let keys = message.split(separator: "\n").map { $0.split(separator: "=").first.map(String.init) ?? "" }
            if keys.contains("RELOADING") { return "RELOADING" }
            if keys.contains("READY") { return "READY" }
            if keys.contains("STOPPING") { return "STOPPING" }
            if keys.contains("WATCHDOG") { return "WATCHDOG" }
            return keys.first ?? ""
        }
        let kinds = messages.map(kind)
        // Rounds go on while a reload reads its files, so their STATUS= may come between RELOADING=1 and READY=1.
        var collapsed: [String] = []
        for kind in kinds where kind != "WATCHDOG" && collapsed.last != kind {
            if kind == "STATUS", collapsed.last == "RELOADING" { continue }
            collapsed.append(kind)
        }
        #expect(collapsed == ["READY", "STATUS", "RELOADING", "READY", "STATUS", "STOPPING"], "\(messages)")
        #expect(kinds.last == "STOPPING")
        #expect(kinds.filter { $0 == "WATCHDOG" }.count >= 2, "WATCHDOG=1 every 200 ms (half of WATCHDOG_USEC)")
        let reloading = try #require(messages.first { $0.hasPrefix("RELOADING=1") })
        let usec = reloading.split(separator: "\n").first { $0.hasPrefix("MONOTONIC_USEC=") }
        #expect(usec.flatMap { UInt64($0.dropFirst("MONOTONIC_USEC=".count)) } != nil, "\(reloading)")
        let ready = messages.filter { $0.hasPrefix("READY=1") }
        #expect(ready.count == 2 && ready[1].contains("STATUS=reloaded"), "\(ready)")
        #expect(messages.contains { $0.hasPrefix("STATUS=round ") })
    }

    @Test func secondDaemonOnTheSameSocketRefusesAndAStaleSocketIsReplaced() throws {
        let fixture = try DaemonFixture(vsps: 2, period: "100ms")
        try fixture.start()
        #expect(fixture.waitForRound(1), "\(fixture.stderr)")
        let second = try Tool.run("dvcgd", ["--config", fixture.configPath])
        #expect(second.status == 1)
        #expect(second.stderr.contains("another dvcgd is answering on this control socket"), "\(second.stderr)")
        fixture.signal(SIGKILL)
        _ = fixture.waitForExit()
        try fixture.start()
        #expect(
            fixture.waitForRound(fixture.lastRound() + 2),
            "a stale socket file does not stop a restart: \(fixture.stderr)")
        fixture.signal(SIGINT)
        #expect(fixture.waitForExit() == 0)
    }

    @Test func rosterChangesThroughTheSocketApplyAtTheNextBoundaryAndSurviveARestart() throws {
        let fixture = try DaemonFixture(vsps: 2, period: "100ms")
        try fixture.start()
        #expect(fixture.waitForRound(1), "\(fixture.stderr)")
        let boundary = try fixture.addVSP(
            #"{"id": "new-1", "kind": "simulated", "utility": {"beta": 150, "xi": [1, 2, 3]}, "bidding": "scaled:0.9"}"#
        )
        #expect(fixture.waitForRound(boundary))
        let members = { (round: Int64) in
            try fixture.query {
                try String.fetchAll(
                    $0, sql: "SELECT vsp FROM round_entries WHERE round = ? ORDER BY vsp", arguments: [round])
            }
        }
        #expect(try members(boundary) == ["new-1", "vsp-0", "vsp-1"])
        #expect(try members(boundary - 1) == ["vsp-0", "vsp-1"], "the change waits for the round boundary")
        let duplicate = try #require(
            UnixHTTP.request(
                "POST", "/v1/vsps", body: #"{"id": "new-1", "kind": "external"}"#, socket: fixture.socketPath))
        #expect(duplicate.status == 409 && duplicate.body.contains("already_registered"), "\(duplicate.body)")
        let malformed = try #require(
            UnixHTTP.request(
                "POST", "/v1/vsps", body: #"{"id": "x", "kind": "simulated", "utility": {"beta": 1, "xi": [1]}}"#,
                socket: fixture.socketPath))
        #expect(
            malformed.status == 422
                && malformed.body.contains("utility.xi: expected 3 values (one per resource), found 1"),
            "\(malformed.body)")
        let removed = try #require(UnixHTTP.request("DELETE", "/v1/vsps/vsp-0", socket: fixture.socketPath))
        #expect(removed.status == 202, "\(removed.body)")
        fixture.signal(SIGKILL)
        _ = fixture.waitForExit()
        try fixture.start()
        let next = fixture.lastRound() + 1
        #expect(fixture.waitForRound(next), "\(fixture.stderr)")
        #expect(try members(next) == ["new-1", "vsp-1"], "added and removed VSPs survive a kill -9 and a restart")
        let paused = try #require(UnixHTTP.request("POST", "/v1/pause", socket: fixture.socketPath))
        #expect(paused.status == 200 && paused.body.contains(#""outcome":"paused""#))
        let pausedAt = fixture.lastRound()
        usleep(400_000)
        #expect(fixture.lastRound() == pausedAt, "no rounds while paused")
        _ = UnixHTTP.request("POST", "/v1/resume", socket: fixture.socketPath)
        #expect(fixture.waitForRound(pausedAt + 2))
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0)
    }

    @Test func aBidFarAboveThePoolIsFinancedUpToTheCreditLineWithOneWarning() throws {
        // The shipped policy, whose VoI nets value slices well above 0 (an untrained policy's pool can be <= 0,
        // which sets no credit line).
        let fixture = try DaemonFixture(vsps: 4, period: "100ms")
        try fixture.serveShippedPolicy()
        try fixture.start()
        #expect(fixture.waitForRound(1), "\(fixture.stderr)")
        let boundary = try fixture.addVSP(
            #"{"id": "greedy", "kind": "simulated", "utility": {"beta": 150, "xi": [1, 2, 3]}, "bidding": "scaled:1e7"}"#
        )
        #expect(fixture.waitForRound(boundary + 6), "\(fixture.stderr)")
        // The reference: the credit line max(F_P, sum of the others' bids, each up to F_P), from the ledger.
        let rows = try fixture.query {
            try Row.fetchAll(
                $0,
                sql: """
                    SELECT e.round, e.vsp, e.bid, e.financed_bid, e.loan, r.pool FROM round_entries e
                    JOIN rounds r ON r.number = e.round
                    WHERE e.round BETWEEN ? AND ? ORDER BY e.round, e.vsp
                    """, arguments: [boundary, boundary + 5])
        }
        let byRound = Dictionary(grouping: rows) { $0["round"] as Int64 }
        #expect(byRound.count == 6)
        for (round, entries) in byRound {
            let pool: Double = entries[0]["pool"]
            let greedy = try #require(entries.first { ($0["vsp"] as String) == "greedy" })
            let others = entries.filter { ($0["vsp"] as String) != "greedy" }
            // Its first round, before any report: first the line of 2 F_P / N for a VSP the bank knows nothing of.
            let line =
                round == Int64(boundary)
                ? 2 * pool / Double(entries.count)
                : max(pool, others.reduce(0.0) { $0 + min($1["bid"] as Double, pool) })
            let financedTotal = line + others.reduce(0.0) { $0 + ($1["bid"] as Double) }
            #expect(pool > 0)
            #expect((greedy["bid"] as Double) > 1e3 * pool)
            #expect(abs((greedy["loan"] as Double) - pool * line / financedTotal) <= 1e-9 * pool)
            // The ledger keeps what was financed beside the bid, so the loan can be checked from it alone.
            #expect(abs((greedy["financed_bid"] as Double) - line) <= 1e-9 * line)
            for other in others { #expect((other["financed_bid"] as Double) == (other["bid"] as Double)) }
            let ledgerTotal = entries.reduce(0.0) { $0 + ($1["financed_bid"] as Double) }
            #expect(
                abs((greedy["loan"] as Double) - pool * (greedy["financed_bid"] as Double) / ledgerTotal) <= 1e-9 * pool
            )
        }
        let warnings = fixture.stderr.components(separatedBy: "\n").filter {
            $0.contains("VSP bid above the bank's credit line, financed up to it")
        }
        #expect(warnings.count == 1, "one warning for the stretch: \(warnings)")
        #expect(warnings.first?.contains("vsp=greedy") == true)
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0)
    }

    @Test func onlineLearningCheckpointsEveryNRoundsAndOnShutdownThenResumesFromIt() throws {
        let fixture = try DaemonFixture(
            vsps: 3, period: "50ms", extra: "learning: {mode: online, checkpoint_every: 5, warm_up: 4, batch_size: 4}")
        let checkpoint = fixture.statePath + "/policy-online.safetensors"
        try fixture.start()
        #expect(fixture.waitForRound(6), "\(fixture.stderr)")
        #expect(fixture.wait { FileManager.default.fileExists(atPath: checkpoint) }, "a checkpoint after 5 rounds")
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0, "\(fixture.stderr)")
        let written = try PolicyCheckpoint.load(from: checkpoint)
        #expect(written.vsps.keys.sorted() == ["vsp-0", "vsp-1", "vsp-2"])
        try fixture.start()
        #expect(fixture.waitForRound(fixture.lastRound() + 1), "\(fixture.stderr)")
        #expect(fixture.stderr.contains("resuming online learning from its checkpoint"))
        fixture.signal(SIGTERM)
        #expect(fixture.waitForExit() == 0)
    }

    @Test func anInvalidPolicyRefusesToStartWithAClearError() throws {
        let fixture = try DaemonFixture(vsps: 2)
        try Data("not a checkpoint".utf8).write(to: URL(fileURLWithPath: fixture.policyPath))
        let result = try Tool.run("dvcgd", ["--config", fixture.configPath])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(fixture.policyPath): invalid policy:"), "\(result.stderr)")
    }

    @Test func theShippedTestbedConfigurationIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let result = try Tool.run(
            "dvcgd", ["--check-config", "--config", root.appendingPathComponent("etc/dvcgd.yaml").path])
        #expect(result.status == 0 && result.stdout == "configuration OK\n", "\(result.stderr)")
    }
}
