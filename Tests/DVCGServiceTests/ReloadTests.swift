import DVCGCore
import DVCGMechanism
import DVCGSimulation
import Foundation
import Logging
import Synchronization
import Testing

@testable import DVCGService

#if canImport(Glibc)
    import Glibc
#endif

/// Reloads read their files off the auction's thread, regular files only, within a deadline (issue 14, case 1).
@Suite struct ReloadTests {
    /// A gate a blocked "read" waits on, opened by the test.
    final class Gate: Sendable {
        private let semaphore = DispatchSemaphore(value: 0)
        func wait() { semaphore.wait() }
        func open() { semaphore.signal() }
    }

    @Test func workPastItsDeadlineIsAbandonedAndCountedUntilItReturns() async {
        let runner = ThreadWithDeadline()
        let gate = Gate()
        let clock = ContinuousClock()
        let value = await runner.run(within: .milliseconds(100)) { () -> Int in
            gate.wait()
            return 1
        }
        // Returned while the work is still blocked (how soon is a benchmark's business, not a test's).
        #expect(value == nil)
        #expect(runner.abandonedStillRunning == 1)
        gate.open()
        let deadline = clock.now.advanced(by: .seconds(10))
        while runner.abandonedStillRunning > 0, clock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        #expect(runner.abandonedStillRunning == 0)
        #expect(await runner.run(within: .seconds(10)) { 7 } == 7)
    }

    @Test func aBlockedReadDoesNotStopRoundsAndIsRefusedAtTheDeadline() async throws {
        let fixture = try AuctionFixture(vsps: 2)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        var configuration = fixture.configuration
        configuration.reload.deadline = .milliseconds(300)
        let auctioneer = try fixture.auctioneer(configuration: configuration)
        let gate = Gate()
        let reload = Task {
            await auctioneer.reload(trigger: "test") { request in
                gate.wait()
                return request.prepare()
            }
        }
        // While the "read" blocks, rounds commit and a second reload is refused as in progress.
        try await Task.sleep(for: .milliseconds(50))
        for _ in 0..<5 { #expect(await auctioneer.runRound() != nil) }
        let second = await auctioneer.reload(trigger: "second")
        // In progress, or (on a loaded machine, past the deadline already) still blocked: refused either way.
        #expect(
            second.refusal == .inProgress
                && (second.message.contains("already in progress") || second.message.contains("still blocked")),
            "\(second)")
        let result = await reload.value
        #expect(result.refusal == .invalid)
        #expect(result.message.contains("did not finish within 0.3 seconds (reload.deadline); abandoned"), "\(result)")
        // The stuck thread still blocks: no second one is started.
        let meanwhile = await auctioneer.reload(trigger: "meanwhile")
        #expect(meanwhile.refusal == .inProgress && meanwhile.message.contains("still blocked"), "\(meanwhile)")
        gate.open()
        try await Task.sleep(for: .milliseconds(200))
        let after = await auctioneer.reload(trigger: "after")
        #expect(after.succeeded, "\(after)")
        #expect(await auctioneer.snapshot().lastRound == RoundNumber(5))
    }

    @Test func aFIFOIsRefusedAtOnceAsNotARegularFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dvcg-fifo-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fifo = folder + "/policy.safetensors"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: PolicyLoadError.self) { try LoadedPolicy.load(path: fifo, resourceCount: 3) }
        do {
            _ = try LoadedPolicy.load(path: fifo, resourceCount: 3)
        } catch {
            #expect(error.description == "\(fifo): invalid policy: cannot read: not a regular file", "the path once")
        }
        do {
            _ = try ConfigurationLoader.load(path: fifo)
        } catch {
            #expect(error.description == "\(fifo): cannot read the file: not a regular file")
        }
    }

    @Test func aPolicyOverTheSizeLimitIsRefused() throws {
        let fixture = try AuctionFixture(vsps: 1)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        do {
            _ = try LoadedPolicy.load(path: fixture.policy.path, resourceCount: 3, maximumBytes: 1000)
            Issue.record("a policy over the limit was loaded")
        } catch {
            #expect(error.reason.contains("over the limit of 1000 (reload.max_policy_bytes)"), "\(error)")
        }
    }

    /// The reload's message names what it changes (fourth tour: "reload says loaded, not what changed"), and says
    /// when the file's roster was edited, which a reload does not apply.
    @Test func theChangesOfAReloadAreNamedAndAnEditedRosterIsSaidNotApplied() throws {
        let fixture = try AuctionFixture(vsps: 2)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let old = fixture.configuration
        #expect(ReloadRequest.changes(from: old, to: old, fileVSPs: old.vsps).isEmpty)
        var new = old
        new.period = .milliseconds(300)
        new.seed = old.seed + 1
        new.mechanism.minimumShare = old.mechanism.minimumShare / 2
        #expect(
            ReloadRequest.changes(from: old, to: new, fileVSPs: old.vsps)
                == [
                    "period 1.000 s -> 0.300 s", "seed \(old.seed) -> \(old.seed + 1) (applies at the next start)",
                    "mechanism.minimum_share \(old.mechanism.minimumShare) -> \(new.mechanism.minimumShare)",
                ])
        var noNoise = old
        noNoise.mechanism.addsNoise.toggle()
        #expect(
            ReloadRequest.changes(from: old, to: noNoise, fileVSPs: old.vsps)
                == ["mechanism.noise \(old.mechanism.addsNoise) -> \(!old.mechanism.addsNoise)"])
        var learning = old
        learning.mechanism.learns.toggle()
        learning.checkpoint.every = 7
        let mode = { (learns: Bool) in learns ? "online" : "frozen" }
        #expect(
            ReloadRequest.changes(from: old, to: learning, fileVSPs: old.vsps)
                == [
                    "learning.mode \(mode(old.mechanism.learns)) -> \(mode(!old.mechanism.learns))",
                    "learning (other settings)",
                ])
        var checkpointOnly = old
        checkpointOnly.checkpoint.every = 7
        #expect(ReloadRequest.changes(from: old, to: checkpointOnly, fileVSPs: old.vsps) == ["learning"])
        let edited = ReloadRequest.changes(from: old, to: old, fileVSPs: Array(old.vsps.dropLast()))
        #expect(edited.count == 1 && edited[0].hasPrefix("vsps edited but not applied"), "\(edited)")
        var logged = old
        logged.log.level = .debug
        logged.log.floorWarningRounds = 7
        #expect(
            ReloadRequest.changes(from: old, to: logged, fileVSPs: old.vsps) == [
                "log.level \(old.log.level.rawValue) -> debug (applies at the next start)",
                "log.floor_warning_rounds \(old.log.floorWarningRounds) -> 7",
            ])
    }

    /// What applies at the next start only (the seed, the log's sink and level) stays in force after a reload, so
    /// that the simulated reports keep their seed until the restart the message promises, and a second reload
    /// is compared with what runs, not with the file the first one read (seventh tour).
    @Test func whatAppliesAtTheNextStartStaysInForceAcrossReloads() throws {
        let fixture = try AuctionFixture(vsps: 2)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let old = fixture.configuration
        let instance = try ProblemInstance(
            capacities: [1, 2, 3], beta: [100, 110], xi: [[1, 2, 3], [1, 2, 3]], alphas: [1.1, 1.1])
        let path = fixture.folder + "/edited.yaml"
        var inForce = old
        for (seed, level) in [(old.seed + 1, "debug"), (old.seed + 2, "trace")] {
            let yaml = TestbedConfiguration(
                period: "1s", seed: seed,
                resources: zip(["a", "b", "c"], [1.0, 2, 3]).map { .init(name: $0, capacity: $1) },
                instance: instance, idPrefix: "sim-", noiseStandardDeviation: 0.5, socket: "state/s.sock",
                log: ("stderr", level)
            ).yaml
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            let candidate = try ReloadRequest(configuration: inForce, configurationPath: path).prepare().get()
            #expect(candidate.configuration.seed == old.seed, "the seed in force until the next start")
            #expect(candidate.configuration.log.level == old.log.level)
            #expect(
                candidate.changes.contains("seed \(old.seed) -> \(seed) (applies at the next start)"),
                "\(candidate.changes)")
            #expect(
                candidate.changes.contains(
                    "log.level \(old.log.level.rawValue) -> \(level) (applies at the next start)"),
                "\(candidate.changes)")
            // The next reload starts from what is in force.
            inForce = candidate.configuration
        }
    }
}
