import DVCGControl
import DVCGCore
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The control API over the Unix socket (HTTP/1.1 + JSON), as a Hummingbird application; docs/openapi.yaml is
/// its contract and docs/control.md its guide.
///
/// Every endpoint of ``ControlAPI`` is registered once, by the route collection of its concern. Each route asks
/// ``AccessPolicy`` with the peer's SO_PEERCRED credentials first, before its body is read (403 and a log line
/// with uid and pid on refusal), then decodes and validates its input completely before anything changes: bad
/// input gets a 4xx with `{"error": {"code", "message"}}` naming the field, and the ledger and roster stay as
/// they were.
public enum ControlServer {
    /// The largest request body accepted; larger ones get 413.
    public static let maximumBodySize = 1 << 20
    /// Bids above this many VC are refused as absurd (422); reports outside ± this many.
    public static let maximumBid = BidRequest.maximumAmount
    /// ``maximumBid`` as the manual writes it, for messages.
    static let maximumBidText = BidRequest.maximumAmountText

    /// Everything the routes share.
    struct Environment: Sendable {
        let auctioneer: Auctioneer
        let ledger: Ledger
        let policy: AccessPolicy
        let logger: Logger
        /// The credentials of a connection's peer (SO_PEERCRED; in-process tests give their own).
        let peer: @Sendable (any Channel) async -> PeerCredentials?
    }

    /// The router with every route of the API.
    ///
    /// - Parameters:
    ///   - auctioneer: The auction.
    ///   - ledger: The ledger, read directly (WAL readers) for `GET /v1/ledger` and report checks.
    ///   - policy: Who may do what.
    ///   - logger: Where refusals are logged.
    public static func routes(auctioneer: Auctioneer, ledger: Ledger, policy: AccessPolicy, logger: Logger)
        -> Router<ControlRequestContext>
    {
        routes(
            auctioneer: auctioneer, ledger: ledger, policy: policy, logger: logger,
            peer: PeerCredentialReader.credentials(of:))
    }

    /// The router with every route of the API, reading each peer's credentials with `peer` (in-process tests
    /// give their own).
    static func routes(
        auctioneer: Auctioneer, ledger: Ledger, policy: AccessPolicy, logger: Logger,
        peer: @escaping @Sendable (any Channel) async -> PeerCredentials?
    ) -> Router<ControlRequestContext> {
        let environment = Environment(
            auctioneer: auctioneer, ledger: ledger, policy: policy, logger: logger, peer: peer)
        let router = Router(context: ControlRequestContext.self)
        router.add(middleware: ErrorBodyMiddleware(environment: environment))
        router.addRoutes(ObservationRoutes(environment: environment).collection)
        router.addRoutes(RosterRoutes(environment: environment).collection)
        router.addRoutes(MarketRoutes(environment: environment).collection)
        router.addRoutes(LedgerRoutes(environment: environment).collection)
        router.addRoutes(OperationRoutes(environment: environment).collection)
        router.addRoutes(ArchiveRoutes(environment: environment).collection)
        return router
    }

    /// The one event-loop thread that reads and writes every control connection (handlers run on Swift's pool).
    ///
    /// One local socket needs no more, and fewer threads contend for the cores (docs/control.md, "Decisions",
    /// has the measurement).
    static let eventLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// The application bound to the configured socket; raises `readiness` once it listens with its mode set.
    ///
    /// Its connections are ``ControlChannel``s: admitted under `control.max_connections` and
    /// `max_connections_per_peer`, closed after `control.idle_timeout` and `header_timeout`.
    ///
    /// - Throws: ``ControlSocketError`` when a live daemon answers on the path or a stale file cannot go, or
    ///   ``AccessConfigurationError`` for a principal or group that does not exist.
    public static func application(
        configuration: ControlConfiguration, auctioneer: Auctioneer, ledger: Ledger, readiness: Readiness,
        logger: Logger
    ) throws -> some Service {
        let policy = try configuration.accessPolicy()
        try ControlSocket.prepare(path: configuration.socketPath)
        let path = configuration.socketPath
        let admission = ConnectionAdmission(
            limits: configuration.limits, logger: logger, metrics: auctioneer.metrics)
        return Application(
            router: routes(auctioneer: auctioneer, ledger: ledger, policy: policy, logger: logger),
            server: HTTPServerBuilder { responder in ControlChannel(responder: responder, admission: admission) },
            configuration: .init(address: .unixDomainSocket(path: path), serverName: "dvcgd"),
            onServerRunning: { _ in
                do throws(ControlSocketError) {
                    try ControlSocket.setPermissions(path: path, mode: configuration.mode, group: configuration.group)
                    logger.info("control socket listening", metadata: ["socket": "\(path)"])
                    readiness.raise()
                } catch {
                    logger.critical("control socket unusable", metadata: ["socket": "\(path)", "error": "\(error)"])
                    readiness.raise(.failure(error))
                }
            },
            eventLoopGroupProvider: .shared(eventLoop),
            logger: Self.frameworkLogger(logger))
    }

    /// Hummingbird's own logger: ours, from notice up, so that its info line at start ("Server started and
    /// listening on socket path ...") does not repeat our `control socket listening`.
    static func frameworkLogger(_ logger: Logger) -> Logger {
        var quieter = logger
        if quieter.logLevel < .notice { quieter.logLevel = .notice }
        return quieter
    }

    /// A JSON response; the wire types' coding keys are the API's field names.
    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: encodedBody(value))))
    }

    /// The body of a JSON answer: sorted keys, unescaped slashes, a final newline (`{}` if it cannot encode).
    static func encodedBody(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes = Array((try? encoder.encode(value)) ?? Data("{}".utf8))
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }
}

extension ControlServer.Environment {
    /// The caller's role, after checking that it may call `endpoint`; refusals are logged with the peer's uid
    /// and pid.
    ///
    /// - Throws: ``ControlError`` 403 `forbidden`.
    func admit<E: Endpoint>(_ endpoint: E.Type, _ request: Request, _ context: ControlRequestContext)
        async throws(ControlError) -> AccessRole
    {
        let peer = await peer(context.channel)
        let role = peer.map(policy.role(of:)) ?? .nobody
        try check(policy.decide(E.self, for: role), role: role, peer: peer, request)
        return role
    }

    /// Throws the 403 of a refused `decision` (logged with the peer's uid, pid and role); the decision otherwise.
    ///
    /// - Throws: ``ControlError`` 403 `forbidden`.
    @discardableResult
    func check(
        _ decision: AccessDecision, role: AccessRole, context: ControlRequestContext, _ request: Request
    ) async throws(ControlError) -> AccessDecision {
        guard case .denied = decision else { return decision }
        try check(decision, role: role, peer: await peer(context.channel), request)
        return decision
    }

    private func check(_ decision: AccessDecision, role: AccessRole, peer: PeerCredentials?, _ request: Request)
        throws(ControlError)
    {
        guard case .denied(let reason) = decision else { return }
        logger.warning(
            "control request refused",
            metadata: [
                "uid": "\(peer.map { String($0.uid) } ?? "unknown")",
                "pid": "\(peer.map { String($0.pid) } ?? "unknown")", "method": "\(request.method)",
                "path": "\(QuotedInput(request.uri.path, limit: 128).unquoted)", "role": "\(role)",
                "reason": "\(reason)",
            ])
        throw ControlError(.forbidden, "forbidden", reason)
    }
}
