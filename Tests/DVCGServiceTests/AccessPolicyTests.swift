import Testing

@testable import DVCGService

@Suite struct AccessPolicyTests {
    let policy = AccessPolicy(adminUsers: [1001], adminGroups: [500], readerGroups: [600], vspUsers: [2001: "vsp-3"])

    @Test func rolesComeFromUidAndGroups() {
        #expect(policy.role(of: PeerCredentials(uid: 0, gid: 0, pid: 1)) == .admin)
        #expect(policy.role(of: PeerCredentials(uid: 1001, gid: 100, pid: 1)) == .admin)
        #expect(policy.role(of: PeerCredentials(uid: 1500, gid: 100, pid: 1, groups: [500])) == .admin)
        #expect(policy.role(of: PeerCredentials(uid: 2001, gid: 600, pid: 1)) == .vsp("vsp-3"))
        #expect(policy.role(of: PeerCredentials(uid: 1600, gid: 600, pid: 1)) == .reader)
        #expect(policy.role(of: PeerCredentials(uid: 1700, gid: 100, pid: 1)) == .nobody)
    }

    @Test func readerUsersAreReadersWithoutAGroup() {
        let withReader = AccessPolicy(readerUsers: [1800])
        #expect(withReader.role(of: PeerCredentials(uid: 1800, gid: 100, pid: 1)) == .reader)
        #expect(withReader.role(of: PeerCredentials(uid: 1801, gid: 100, pid: 1)) == .nobody)
    }

    @Test func readersOnlyRead() {
        for allowed in [ControlOperation.health, .status, .listVSPs, .metrics] {
            #expect(policy.decide(allowed, for: .reader) == .allowed)
        }
        for refused in [
            ControlOperation.addVSP, .removeVSP, .reload, .pause, .resume, .runRound, .bid(vsp: "a"),
            .report(vsp: "a"), .ledger(vsp: nil),
        ] {
            #expect(policy.decide(refused, for: .reader) != .allowed)
        }
    }

    @Test func vspPrincipalsActOnlyForThemselves() {
        let role = AccessRole.vsp("vsp-3")
        #expect(policy.decide(.bid(vsp: "vsp-3"), for: role) == .allowed)
        #expect(policy.decide(.report(vsp: "vsp-3"), for: role) == .allowed)
        #expect(
            policy.decide(.bid(vsp: "vsp-4"), for: role)
                == .denied("a VSP principal of 'vsp-3' may not act for VSP 'vsp-4'"))
        #expect(policy.decide(.ledger(vsp: nil), for: role) == .allowedForVSP("vsp-3"))
        #expect(policy.decide(.ledger(vsp: "vsp-3"), for: role) == .allowedForVSP("vsp-3"))
        #expect(policy.decide(.ledger(vsp: "vsp-1"), for: role) != .allowed)
        #expect(policy.decide(.status, for: role) == .denied("VSP principal of 'vsp-3' may not read the status"))
        #expect(policy.decide(.reload, for: role) != .allowed)
    }

    @Test func nobodyGetsNothingAndAdminsEverything() {
        #expect(policy.decide(.health, for: .nobody) == .denied("no role may not read health"))
        #expect(policy.decide(.reload, for: .admin) == .allowed)
        #expect(policy.decide(.ledger(vsp: "x"), for: .admin) == .allowedForVSP("x"))
    }
}
