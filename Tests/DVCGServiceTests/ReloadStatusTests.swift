import DVCGCheckpoint
import DVCGCore
import Foundation
import Logging
import Testing

@testable import DVCGService

/// STATUS= after a refused reload: `systemctl status` must show it until a reload succeeds.
@Suite struct ReloadStatusTests {
    @Test func aRefusedReloadStaysInTheStatusLineUntilAReloadSucceeds() async throws {
        let fixture = try AuctionFixture(vsps: 1)
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        // The fixture's configuration, as a file the reload re-reads.
        let path = fixture.folder + "/dvcgd.yaml"
        try """
        period: 1s
        resources: [{name: a, capacity: 1}, {name: b, capacity: 2}, {name: c, capacity: 3}]
        policy: policy.safetensors
        state_directory: state
        control: {socket: state/s.sock}
        vsps: [{id: sim-0, utility: {beta: 100, xi: [1, 2, 3]}}]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let auctioneer = try Auctioneer(
            configuration: try ConfigurationLoader.load(path: path), configurationPath: path, policy: fixture.policy,
            ledger: try Ledger(path: fixture.configuration.ledgerPath), notifier: SilentNotifier(),
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let shipped = try Data(contentsOf: URL(fileURLWithPath: fixture.folder + "/policy.safetensors"))
        let architecture = PolicyArchitecture.standard(resourceCount: 2, jointRoster: nil)
        var generator = SeededGenerator(seed: 5)
        try PolicyCheckpoint(
            architecture: architecture, template: NetworkSet(architecture: architecture, using: &generator)
        )
        .write(to: fixture.folder + "/policy.safetensors")

        #expect(await auctioneer.reload(trigger: "test").succeeded == false)
        for _ in 0..<3 { await auctioneer.runRound() }
        let refused = await auctioneer.snapshot().statusLine
        #expect(refused.hasPrefix("round 3: 1 VSP, welfare estimate "))
        #expect(refused.contains("; reload failed, serving the previous policy: "))
        #expect(refused.contains("K = 2"))

        try shipped.write(to: URL(fileURLWithPath: fixture.folder + "/policy.safetensors"))
        #expect(await auctioneer.reload(trigger: "test").succeeded)
        await auctioneer.runRound()
        #expect(await auctioneer.snapshot().statusLine.hasPrefix("round 4: 1 VSP, welfare estimate "))
        #expect(await !auctioneer.snapshot().statusLine.contains("reload failed"))

        // A change that needs a restart is refused at the key's value, as configuration errors are.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "capacity: 3}", with: "capacity: 4}")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let restart = await auctioneer.reload(trigger: "test")
        #expect(restart.succeeded == false)
        #expect(restart.message == "\(path):2:12: resources: changing it needs a restart", "\(restart.message)")
    }
}
