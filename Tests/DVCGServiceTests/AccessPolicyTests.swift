import DVCGControl
import DVCGCore
import Testing

@testable import DVCGService

@Suite struct AccessPolicyTests {
    static let vsp3 = try! VSPID("vsp-3")
    let policy = AccessPolicy(adminUsers: [1001], adminGroups: [500], readerGroups: [600], vspUsers: [2001: vsp3])

    @Test func rolesComeFromUidAndGroups() {
        #expect(policy.role(of: PeerCredentials(uid: 0, gid: 0, pid: 1)) == .admin)
        #expect(policy.role(of: PeerCredentials(uid: 1001, gid: 100, pid: 1)) == .admin)
        #expect(policy.role(of: PeerCredentials(uid: 1500, gid: 100, pid: 1, groups: [500])) == .admin)
        #expect(policy.role(of: PeerCredentials(uid: 2001, gid: 600, pid: 1)) == .vsp(Self.vsp3))
        #expect(policy.role(of: PeerCredentials(uid: 1600, gid: 600, pid: 1)) == .reader)
        #expect(policy.role(of: PeerCredentials(uid: 1700, gid: 100, pid: 1)) == .nobody)
    }

    @Test func readerUsersAreReadersWithoutAGroup() {
        let withReader = AccessPolicy(readerUsers: [1800])
        #expect(withReader.role(of: PeerCredentials(uid: 1800, gid: 100, pid: 1)) == .reader)
        #expect(withReader.role(of: PeerCredentials(uid: 1801, gid: 100, pid: 1)) == .nobody)
    }

    @Test func readersOnlyRead() {
        let allowed: [any Endpoint.Type] = [
            ControlAPI.Health.self, ControlAPI.Status.self, ControlAPI.ListVSPs.self, ControlAPI.Metrics.self,
        ]
        for endpoint in allowed {
            #expect(policy.decide(endpoint.access, activity: endpoint.activity, for: .reader) == .allowed)
        }
        let refused: [any Endpoint.Type] = [
            ControlAPI.AddVSP.self, ControlAPI.RemoveVSP.self, ControlAPI.Reload.self, ControlAPI.Pause.self,
            ControlAPI.Resume.self, ControlAPI.RunRound.self, ControlAPI.SubmitBid.self, ControlAPI.FileReport.self,
            ControlAPI.ReadLedger.self,
        ]
        for endpoint in refused {
            #expect(policy.decide(endpoint.access, activity: endpoint.activity, for: .reader) != .allowed)
        }
        #expect(policy.decide(ControlAPI.SubmitBid.self, for: .reader) == .denied("reader may not bid"))
    }

    @Test func vspPrincipalsActOnlyForThemselves() throws {
        let role = AccessRole.vsp(Self.vsp3)
        #expect(policy.decide(ControlAPI.SubmitBid.self, for: role) == .allowed)
        #expect(policy.decide(ControlAPI.FileReport.self, for: role) == .allowed)
        #expect(policy.decide(actingFor: Self.vsp3, as: role) == .allowed)
        #expect(
            policy.decide(actingFor: try VSPID("vsp-4"), as: role)
                == .denied("a VSP principal of 'vsp-3' may not act for VSP 'vsp-4'"))
        #expect(policy.decide(ControlAPI.ReadLedger.self, for: role) == .allowed)
        #expect(policy.decide(ledgerOf: nil, for: role) == .allowedForVSP(Self.vsp3))
        #expect(policy.decide(ledgerOf: Self.vsp3, for: role) == .allowedForVSP(Self.vsp3))
        #expect(policy.decide(ledgerOf: try VSPID("vsp-1"), for: role) != .allowed)
        #expect(policy.decide(ledgerOf: try VSPID("vsp-1"), for: role) != .allowedForVSP(Self.vsp3))
        #expect(
            policy.decide(ControlAPI.Status.self, for: role)
                == .denied("VSP principal of 'vsp-3' may not read the status"))
        #expect(policy.decide(ControlAPI.Reload.self, for: role) != .allowed)
    }

    @Test func nobodyGetsNothingAndAdminsEverything() throws {
        #expect(policy.decide(ControlAPI.Health.self, for: .nobody) == .denied("no role may not read health"))
        #expect(policy.decide(ControlAPI.Reload.self, for: .admin) == .allowed)
        for endpoint in ControlAPI.endpoints {
            #expect(policy.decide(endpoint.access, activity: endpoint.activity, for: .admin) == .allowed)
        }
        #expect(policy.decide(actingFor: try VSPID("x"), as: .admin) == .allowed)
        #expect(policy.decide(ledgerOf: try VSPID("x"), for: .admin) == .allowedForVSP(try VSPID("x")))
    }
}
