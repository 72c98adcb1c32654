import DVCGControl
import DVCGCore
import Testing

@testable import DVCGService

@Suite struct ControlAccessTests {
    @Test func principalsAndGroupsResolveToIds() throws {
        var control = ControlConfiguration(socketPath: "/tmp/x.sock")
        control.principals = [
            Principal(user: "root", role: .reader), Principal(user: "4242", role: .vsp(try VSPID("acme"))),
            Principal(user: "4343", role: .admin),
        ]
        control.adminGroups = ["4444"]
        control.readerGroups = ["root"]
        let policy = try control.accessPolicy()
        #expect(policy.readerUsers == [0])
        #expect(policy.vspUsers == [4242: try VSPID("acme")])
        #expect(policy.adminUsers == [4343])
        #expect(policy.adminGroups == [4444] && policy.readerGroups == [0])
    }

    @Test func anUnknownUserIsRefusedNamingTheEntry() {
        var control = ControlConfiguration(socketPath: "/tmp/x.sock")
        control.principals = [Principal(user: "root", role: .admin), Principal(user: "no-such-user-x", role: .admin)]
        #expect(throws: AccessConfigurationError(path: "control.principals[1].user", name: "no-such-user-x")) {
            try control.accessPolicy()
        }
        control.principals = []
        control.readerGroups = ["no-such-group-x"]
        #expect(
            (try? control.accessPolicy()) == nil,
            "control.reader_groups[0]: no such user or group 'no-such-group-x'")
    }

    // The refusal of kind 'robot' is checked by ControlRouteTests (the request types refuse it while decoding),
    // and the methods of a path by DVCGControlTests (ControlAPI.methods(at:)).
    @Test func badBodiesNameTheField() throws {
        #expect(
            throws: ControlError.invalid("invalid_vsp", "utility.xi: expected 3 values (one per resource), found 2")
        ) {
            try RosterRoutes.definition(
                of: AddVSPRequest(id: try VSPID("a"), kind: .simulated, utility: UtilityBody(beta: 1, xi: [1, 2])),
                resourceCount: 3)
        }
    }
}
