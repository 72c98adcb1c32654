import DVCGControl
import DVCGCheckpoint
import DVCGCore
import DVCGMechanism
import DVCGSimulation
import Foundation
import Logging
import Testing

@testable import DVCGService

/// A notifier that drops everything.
struct SilentNotifier: ServiceNotifier {
    func notify(_ state: String) {}
    var watchdogInterval: Duration? { nil }
}

/// A temporary state folder, an untrained policy and a configuration with simulated VSPs.
struct AuctionFixture {
    let folder: String
    let configuration: DaemonConfiguration
    let policy: LoadedPolicy

    /// - Parameter jointRoster: Makes the policy a DVCG-MADDPG one with a joint critic over these ids.
    init(vsps: Int, external: [String] = [], jointRoster: [String]? = nil) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("dvcg-auction-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try TestbedConfiguration.untrainedPolicy(resourceCount: 3, seed: 3, jointRoster: jointRoster)
            .write(to: folder + "/policy.safetensors")
        policy = try LoadedPolicy.load(path: folder + "/policy.safetensors", resourceCount: 3)
        let instance = try ProblemInstance(
            capacities: [1, 2, 3], beta: (0..<vsps).map { 100 + 10 * Double($0) },
            xi: Array(repeating: [1, 2, 3], count: vsps), alphas: Array(repeating: 1.1, count: vsps))
        let yaml = TestbedConfiguration(
            period: "1s", resources: zip(["a", "b", "c"], [1.0, 2, 3]).map { .init(name: $0, capacity: $1) },
            instance: instance, idPrefix: "sim-", noiseStandardDeviation: 0.5, external: external,
            socket: "state/s.sock", log: nil
        ).yaml
        configuration = try ConfigurationLoader.parse(yaml, file: "test.yaml", folder: folder)
    }

    /// - Parameter configuration: Replaces the fixture's configuration (the same state folder).
    func auctioneer(ledger: Ledger? = nil, configuration: DaemonConfiguration? = nil) throws -> Auctioneer {
        try Auctioneer(
            configuration: configuration ?? self.configuration, configurationPath: nil, policy: policy,
            ledger: try ledger ?? Ledger(path: self.configuration.ledgerPath), notifier: SilentNotifier(),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
    }
}

@Suite struct AuctioneerTests {
    @Test func aThousandRoundsRunWithoutAClockAndARestartContinuesAtTheNextNumber() async throws {
        let fixture = try AuctionFixture(vsps: 4)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let first = try fixture.auctioneer()
        for _ in 0..<1_000 {
            let outcome = await first.runRound()
            #expect(outcome?.entries.count == 4)
        }
        #expect(await first.snapshot().lastRound == RoundNumber(1_000))
        let restarted = try fixture.auctioneer()
        // Round 993 wrote the last full snapshot; the restart applies the deltas of rounds 994 ... 1,000 to it.
        #expect(await restarted.engine.state == first.engine.state)
        #expect(try Ledger(path: fixture.configuration.ledgerPath).recover().engineStateDeltas.count == 7)
        #expect(await restarted.snapshot().openRound == RoundNumber(1_001))
        #expect(await restarted.snapshot().vsps == 4)
        // Status says the restored round's figures are the ledger's (its duration without the commit), and
        // the next round's are measured again.
        let restoredStatus = StatusResponse(await restarted.snapshot(), now: Date())
        #expect(restoredStatus.lastRound?.round == 1_000 && restoredStatus.lastRound?.restored == true)
        let next = await restarted.runRound()
        #expect(next?.round == RoundNumber(1_001))
        let measured = StatusResponse(await restarted.snapshot(), now: Date())
        #expect(measured.lastRound?.round == 1_001 && measured.lastRound?.restored == nil)
    }

    @Test func rosterChangesApplyAtTheNextBoundaryAndSurviveARestart() async throws {
        let fixture = try AuctionFixture(vsps: 2, external: ["ext-1"])
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let auctioneer = try fixture.auctioneer()
        #expect(await auctioneer.runRound()?.entries.count == 2, "an external VSP without a bid takes no part")
        #expect(await auctioneer.receiveBid(5, from: try VSPID("ext-1"), for: RoundNumber(2)) == .accepted)
        #expect(await auctioneer.receiveBid(5, from: try VSPID("ext-1"), for: RoundNumber(1)) != .accepted)
        #expect(await auctioneer.runRound()?.entries.map(\.vsp.rawValue) == ["ext-1", "sim-0", "sim-1"])
        let newcomer = VSPDefinition(
            id: try VSPID("sim-9"),
            kind: .simulated(
                SimulatedVSPConfiguration(
                    beta: 150, xi: [3, 2, 1], alpha: 1, noiseMean: 0, noiseStandardDeviation: 0, bidding: .scaled(0.8)))
        )
        try await auctioneer.add(newcomer)
        try await auctioneer.remove(try VSPID("sim-0"))
        #expect(await auctioneer.snapshot().vsps == 3, "changes wait for the boundary")
        let restarted = try fixture.auctioneer()
        let outcome = await restarted.runRound()
        #expect(outcome?.entries.map(\.vsp.rawValue) == ["sim-1", "sim-9"])
        await #expect(throws: RosterChangeError.rejected(.alreadyRegistered(try VSPID("sim-9")))) {
            try await restarted.add(newcomer)
        }
    }

    @Test func aMADDPGPolicyRefusesAVSPOutsideItsRosterWhenItIsAdded() async throws {
        let fixture = try AuctionFixture(
            vsps: 2, external: ["ext-1"], jointRoster: ["sim-0", "sim-1", "ext-1", "ext-2"])
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let auctioneer = try fixture.auctioneer()
        #expect(await auctioneer.runRound()?.entries.count == 2)
        let outsider = VSPDefinition(id: try VSPID("ext-9"), kind: .external)
        await #expect(throws: RosterChangeError.outsideJointRoster(try VSPID("ext-9"))) {
            try await auctioneer.add(outsider)
        }
        try await auctioneer.add(VSPDefinition(id: try VSPID("ext-2"), kind: .external))
        #expect(await auctioneer.runRound()?.entries.count == 2, "rounds go on")
        #expect(await auctioneer.snapshot().vsps == 4)
    }

    @Test func aVSPAddedForTheNextRoundMayBidForIt() async throws {
        let fixture = try AuctionFixture(vsps: 1)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let auctioneer = try fixture.auctioneer()
        await auctioneer.runRound()
        let boundary = try await auctioneer.add(VSPDefinition(id: try VSPID("ext-2"), kind: .external))
        #expect(boundary == RoundNumber(2))
        #expect(await auctioneer.receiveBid(7, from: try VSPID("ext-2"), for: boundary) == .accepted)
        #expect(await auctioneer.runRound()?.entries.map(\.vsp.rawValue) == ["ext-2", "sim-0"])
    }

    @Test func aRoundWithNoBiddersIsRecordedAsEmpty() async throws {
        let fixture = try AuctionFixture(vsps: 0, external: ["ext-1"])
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let auctioneer = try fixture.auctioneer()
        let outcome = try #require(await auctioneer.runRound())
        #expect(outcome.entries.isEmpty)
        #expect(await auctioneer.snapshot().lastRound == RoundNumber(1))
    }

    @Test func pausedTicksConsumeNoRoundNumber() async throws {
        let fixture = try AuctionFixture(vsps: 1)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let auctioneer = try fixture.auctioneer()
        await auctioneer.runRound()
        try await auctioneer.pause()
        #expect(await auctioneer.runRound() == nil)
        try await auctioneer.resume()
        #expect(await auctioneer.runRound()?.round == RoundNumber(2))
    }
}

@Suite struct AuctionStateTests {
    @Test func aCommittedRoundIsOneRecordAndStandingsFollowTheRoster() async throws {
        let fixture = try AuctionFixture(vsps: 2)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let auctioneer = try fixture.auctioneer()
        #expect(await auctioneer.snapshot().statusLine == "waiting for round 1; 2 VSPs")
        let outcome = try #require(await auctioneer.runRound())
        let snapshot = await auctioneer.snapshot()
        #expect(snapshot.state.committed?.round == RoundNumber(1))
        #expect(snapshot.state.committed?.summary?.participants == 2)
        #expect(snapshot.state.committed?.summary?.welfareEstimate == outcome.welfareEstimate)
        #expect(snapshot.state.standings[try VSPID("sim-0")]?.shares == outcome.entries[0].realisedShares)
        #expect(snapshot.statusLine.hasPrefix("round 1: 2 VSPs, welfare estimate "))

        var state = snapshot.state
        let removal = RosterEvent(
            kind: .remove, boundary: RoundNumber(2), definition: VSPDefinition(id: try VSPID("sim-0"), kind: .external))
        var next = outcome
        next.round = RoundNumber(2)
        next.entries = [outcome.entries[1]]
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        state.commit(next, changes: [removal], duration: .milliseconds(3), at: at)
        #expect(state.standings[try VSPID("sim-0")] == nil, "a removed VSP has no standing")
        #expect(
            state.committed
                == CommittedRound(
                    round: RoundNumber(2),
                    summary: RoundSummary(
                        participants: 1, welfareEstimate: next.welfareEstimate, pool: next.pool,
                        noiseScale: next.noiseScale,
                        duration: .milliseconds(3), efficiencyEstimate: next.efficiencyEstimate,
                        fittedVSPs: next.entries.filter(\.voiFitted).count, committedAt: at)))
    }

    @Test func simulatedBiddersBidBeforeTheRoundAndReportAfterIt() async throws {
        let fixture = try AuctionFixture(vsps: 2)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let bidders = try SimulatedBidders(
            roster: Dictionary(uniqueKeysWithValues: fixture.configuration.vsps.map { ($0.id, $0) }))
        var book = BidBook(openRound: RoundNumber(1))
        try bidders.placeBids(
            in: &book, for: RoundNumber(1), standings: [:], capacities: [1, 2, 3], vspCount: 2)
        #expect(book.bids.count == 2 && book.bids.values.allSatisfy { $0 > 0 }, "truthful bids at an equal share")
        let outcome = try #require(await fixture.auctioneer().runRound())
        let reports = try bidders.reports(after: outcome, capacities: [1, 2, 3], seed: 7)
        #expect(reports.map(\.vsp) == outcome.entries.map(\.vsp))
        #expect(
            try bidders.reports(after: outcome, capacities: [1, 2, 3], seed: 7) == reports,
            "the same seed draws the same noise")
    }

    @Test func statusCarriesSkippedTicksAndTheLastReload() async throws {
        let fixture = try AuctionFixture(vsps: 1)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let auctioneer = try fixture.auctioneer()
        await auctioneer.recordSkippedTicks(3)
        _ = await auctioneer.reload(trigger: "test")
        let status = StatusResponse(await auctioneer.snapshot(), now: Date())
        #expect(status.skippedTicks == 3)
        #expect(status.lastReload?.outcome == .ok && status.lastReload?.message.hasPrefix("policy ") == true)
        let text = String(decoding: ControlServer.encodedBody(status), as: UTF8.self)
        #expect(text.contains(#""skipped_ticks":3"#) && text.contains(#""last_reload":{"at":"#))
    }
}
