import DVCGCheckpoint
import DVCGCore
import DVCGMechanism
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
        let architecture = PolicyArchitecture.standard(resourceCount: 3, jointRoster: jointRoster)
        var generator = SeededGenerator(seed: 3)
        let checkpoint = PolicyCheckpoint(
            architecture: architecture, template: NetworkSet(architecture: architecture, using: &generator))
        try checkpoint.write(to: folder + "/policy.safetensors")
        policy = try LoadedPolicy.load(path: folder + "/policy.safetensors", resourceCount: 3)
        var yaml = """
            period: 1s
            resources: [{name: a, capacity: 1}, {name: b, capacity: 2}, {name: c, capacity: 3}]
            policy: policy.safetensors
            state_directory: state
            control: {socket: state/s.sock}
            vsps:

            """
        for i in 0..<vsps {
            yaml +=
                "  - {id: sim-\(i), utility: {beta: \(100 + 10 * i), xi: [1, 2, 3]}, profit: {alpha: 1.1, noise_sd: 0.5}}\n"
        }
        for id in external { yaml += "  - {id: \(id), kind: external}\n" }
        configuration = try ConfigurationLoader.parse(yaml, file: "test.yaml", folder: folder)
    }

    func auctioneer(ledger: Ledger? = nil) throws -> Auctioneer {
        try Auctioneer(
            configuration: configuration, configurationPath: nil, policy: policy,
            ledger: try ledger ?? Ledger(path: configuration.ledgerPath), notifier: SilentNotifier(),
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
        #expect(await first.status().lastRound == RoundNumber(1_000))
        let restarted = try fixture.auctioneer()
        #expect(await restarted.status().openRound == RoundNumber(1_001))
        #expect(await restarted.status().vsps == 4)
        let next = await restarted.runRound()
        #expect(next?.round == RoundNumber(1_001))
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
        #expect(await auctioneer.status().vsps == 3, "changes wait for the boundary")
        let restarted = try fixture.auctioneer()
        let outcome = await restarted.runRound()
        #expect(outcome?.entries.map(\.vsp.rawValue) == ["sim-1", "sim-9"])
        await #expect(throws: RosterRejection.self) { try await restarted.add(newcomer) }
    }

    @Test func aMADDPGPolicyRefusesAVSPOutsideItsRosterWhenItIsAdded() async throws {
        let fixture = try AuctionFixture(
            vsps: 2, external: ["ext-1"], jointRoster: ["sim-0", "sim-1", "ext-1", "ext-2"])
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let auctioneer = try fixture.auctioneer()
        #expect(await auctioneer.runRound()?.entries.count == 2)
        let outsider = VSPDefinition(id: try VSPID("ext-9"), kind: .external)
        await #expect(throws: EngineError.outsideJointRoster(try VSPID("ext-9"))) { try await auctioneer.add(outsider) }
        try await auctioneer.add(VSPDefinition(id: try VSPID("ext-2"), kind: .external))
        #expect(await auctioneer.runRound()?.entries.count == 2, "rounds go on")
        #expect(await auctioneer.status().vsps == 4)
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
        #expect(await auctioneer.status().lastRound == RoundNumber(1))
    }

    @Test func pausedTicksConsumeNoRoundNumber() async throws {
        let fixture = try AuctionFixture(vsps: 1)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let auctioneer = try fixture.auctioneer()
        await auctioneer.runRound()
        await auctioneer.pause()
        #expect(await auctioneer.runRound() == nil)
        await auctioneer.resume()
        #expect(await auctioneer.runRound()?.round == RoundNumber(2))
    }
}
