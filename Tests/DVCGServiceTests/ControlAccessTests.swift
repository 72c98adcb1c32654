import DVCGControl
import Testing

@testable import DVCGService

@Suite struct ControlAccessTests {
    @Test func principalsAndGroupsResolveToIds() throws {
        var control = ControlConfiguration(socketPath: "/tmp/x.sock")
        control.principals = [
            Principal(user: "root", role: .readOnly), Principal(user: "4242", role: .vsp("acme")),
            Principal(user: "4343", role: .admin),
        ]
        control.adminGroups = ["4444"]
        control.readerGroups = ["root"]
        let policy = try control.accessPolicy()
        #expect(policy.readerUsers == [0])
        #expect(policy.vspUsers == [4242: "acme"])
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

    @Test func badBodiesNameTheField() {
        #expect(
            throws: ControlError.invalid("invalid_vsp", "utility.xi: expected 3 values, found 2")
        ) {
            try ControlServer.definition(
                of: AddVSPRequest(id: "a", kind: "simulated", utility: UtilityBody(beta: 1, xi: [1, 2])),
                resourceCount: 3)
        }
        #expect(throws: ControlError.invalid("invalid_vsp", "kind: expected 'external' or 'simulated', found 'robot'"))
        {
            try ControlServer.definition(of: AddVSPRequest(id: "a", kind: "robot"), resourceCount: 3)
        }
        #expect(ControlServer.methods(of: "/v1/vsps/acme") == "DELETE")
        #expect(ControlServer.methods(of: "/v1/nothing") == nil)
    }
}
