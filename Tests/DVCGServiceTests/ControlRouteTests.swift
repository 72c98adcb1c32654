import DVCGControl
import DVCGCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import DVCGService

/// The control API's routes in process (HummingbirdTesting's router framework), each peer's credentials given by
/// the test; tests/EndToEndTests drive the same routes over the real socket.
@Suite struct ControlRouteTests {
    /// uid 1600 is a reader, uid 2001 the principal of `ext-1`, uid 1700 has no role, root is an admin.
    static let policy = AccessPolicy(readerUsers: [1600], vspUsers: [2001: try! VSPID("ext-1")])

    /// Runs `test` against the routes of an auction with two simulated VSPs and `ext-1`, as the peer `uid`.
    static func withRoutes(
        as uid: UInt32, _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let fixture = try AuctionFixture(vsps: 2, external: ["ext-1"])
        defer { try? FileManager.default.removeItem(atPath: fixture.folder) }
        let ledger = try Ledger(path: fixture.configuration.ledgerPath)
        let auctioneer = try fixture.auctioneer(ledger: ledger)
        await auctioneer.runRound()
        let router = ControlServer.routes(
            auctioneer: auctioneer, ledger: ledger, policy: policy,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
            peer: { _ in PeerCredentials(uid: uid, gid: uid, pid: 42) })
        try await Application(router: router).test(.router, test)
    }

    /// Sends one request through the router.
    static func send(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ body: String? = nil
    ) async throws -> TestResponse {
        try await client.executeRequest(
            uri: uri, method: method, headers: [:], body: body.map { ByteBuffer(string: $0) })
    }

    /// The `error` object of a refusal.
    static func error(_ response: TestResponse) throws -> ErrorBody.Detail {
        try JSONDecoder().decode(ErrorBody.self, from: Data(response.body.readableBytesView)).error
    }

    @Test func anUnknownKindIsRefusedNamingTheField() async throws {
        try await Self.withRoutes(as: 0) { client in
            do {
                let response = try await Self.send(client, .post, "/v1/vsps", #"{"id": "a", "kind": "robot"}"#)
                #expect(response.status == .unprocessableContent)
                #expect(
                    try Self.error(response)
                        == ErrorBody.Detail(
                            code: "invalid_vsp", message: "kind: expected 'external' or 'simulated', found 'robot'"))
            }
        }
    }

    @Test func accessIsCheckedBeforeTheBodyIsRead() async throws {
        try await Self.withRoutes(as: 1600) { client in
            // Not even JSON: a reader is refused for what it is, not for its body.
            do {
                let response = try await Self.send(client, .post, "/v1/bids", "{")
                #expect(response.status == .forbidden)
                #expect(try Self.error(response) == ErrorBody.Detail(code: "forbidden", message: "reader may not bid"))
            }
            do {
                let response = try await Self.send(client, .get, "/v1/status")
                #expect(response.status == .ok)
                let status = try JSONDecoder().decode(StatusResponse.self, from: Data(response.body.readableBytesView))
                #expect(status.state == .running && status.vspCount == 3 && status.learning == .frozen)
            }
        }
        try await Self.withRoutes(as: 1700) { client in
            do {
                let response = try await Self.send(client, .get, "/v1/health")
                #expect(try Self.error(response).message == "no role may not read health")
            }
        }
    }

    @Test func aVSPPrincipalBidsOnlyForItself() async throws {
        try await Self.withRoutes(as: 2001) { client in
            do {
                let response = try await Self.send(client, .post, "/v1/bids", #"{"vsp": "ext-1", "amount": 3}"#)
                #expect(response.status == .ok)
                let receipt = try JSONDecoder().decode(BidResponse.self, from: Data(response.body.readableBytesView))
                #expect(receipt == BidResponse(vsp: try VSPID("ext-1"), round: 2, amount: 3))
                #expect(!String(buffer: response.body).contains("replaced"), "a first bid replaces nothing")
            }
            do {
                // A second bid for the same round replaces the first, and the answer says which amount it replaced.
                let response = try await Self.send(client, .post, "/v1/bids", #"{"vsp": "ext-1", "amount": 4.5}"#)
                #expect(response.status == .ok)
                let receipt = try JSONDecoder().decode(BidResponse.self, from: Data(response.body.readableBytesView))
                #expect(receipt == BidResponse(vsp: try VSPID("ext-1"), round: 2, amount: 4.5, replaced: 3))
            }
            do {
                let response = try await Self.send(client, .post, "/v1/bids", #"{"vsp": "sim-0", "amount": 3}"#)
                #expect(response.status == .forbidden)
                #expect(try Self.error(response).message == "a VSP principal of 'ext-1' may not act for VSP 'sim-0'")
            }
            do {
                let response = try await Self.send(client, .get, "/v1/ledger?vsp=sim-0")
                #expect(
                    try Self.error(response).message == "a VSP principal of 'ext-1' may read only its own ledger rows")
            }
        }
    }

    @Test func badBodiesGetOneRefusalNamingTheField() async throws {
        let cases: [(String, HTTPResponse.Status, ErrorBody.Detail)] = [
            (
                #"{"vsp": "ext-1", "amount": 1, "tip": 2}"#, .badRequest,
                ErrorBody.Detail(code: "bad_request", message: "tip: unknown field; expected 'amount', 'round', 'vsp'")
            ),
            (
                #"{"vsp": "ext-1", "amount": null}"#, .badRequest,
                ErrorBody.Detail(code: "bad_request", message: "amount: expected a value, found null")
            ),
            (
                #"{"vsp": "ext 1", "amount": 1}"#, .unprocessableContent,
                ErrorBody.Detail(
                    code: "invalid_vsp_id",
                    message: "vsp: 'ext 1' is not a VSP id (1 to 64 characters from [A-Za-z0-9._-])")
            ),
            ("[1]", .badRequest, ErrorBody.Detail(code: "bad_request", message: "body: expected a JSON object")),
            (
                #"{"vsp": "ext-1"}"#, .badRequest,
                ErrorBody.Detail(code: "bad_request", message: "amount: missing field")
            ),
        ]
        try await Self.withRoutes(as: 0) { client in
            for (body, status, detail) in cases {
                do {
                    let response = try await Self.send(client, .post, "/v1/bids", body)
                    #expect(response.status == status, "\(body)")
                    #expect(try Self.error(response) == detail, "\(body)")
                }
            }
            do {
                let response = try await Self.send(client, .post, "/v1/bids", "{\"vsp\": ")
                #expect(try Self.error(response).message.hasPrefix("body: malformed JSON"))
            }
        }
    }

    @Test func aPathWithAnotherMethodGets405WithAllow() async throws {
        try await Self.withRoutes(as: 0) { client in
            do {
                let response = try await Self.send(client, .put, "/v1/vsps")
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, POST")
            }
            do {
                let response = try await Self.send(client, .get, "/v1/vsps/ext-1")
                #expect(response.headers[.allow] == "DELETE")
            }
            do {
                let response = try await Self.send(client, .get, "/v1/nothing")
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func rosterChangesAreScheduled() async throws {
        try await Self.withRoutes(as: 0) { client in
            let body = #"{"id": "sim-9", "kind": "simulated", "utility": {"beta": 150, "xi": [1, 2, 3]}}"#
            do {
                let response = try await Self.send(client, .post, "/v1/vsps", body)
                #expect(response.status == .accepted)
                let answer = try JSONDecoder().decode(ActionResponse.self, from: Data(response.body.readableBytesView))
                #expect(answer.message == "VSP sim-9 joins at round 2")
            }
            do {
                let response = try await Self.send(client, .delete, "/v1/vsps/sim-0")
                #expect(response.status == .accepted)
            }
            do {
                let response = try await Self.send(client, .delete, "/v1/vsps/a%20b")
                #expect(response.status == .badRequest)
                #expect(try Self.error(response).code == "invalid_vsp_id")
            }
            do {
                let response = try await Self.send(client, .get, "/v1/vsps")
                let list = try JSONDecoder().decode(VSPListResponse.self, from: Data(response.body.readableBytesView))
                #expect(list.vsps.map(\.status) == [.active, .leaving, .active, .joining])
            }
        }
    }
}
