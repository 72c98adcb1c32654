import DVCGControl
import DVCGCore
import DVCGMechanism
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The control API over the Unix socket (HTTP/1.1 + JSON), as a Hummingbird application; docs/openapi.yaml is
/// its contract and docs/control.md its guide.
///
/// Every route asks ``AccessPolicy`` with the peer's SO_PEERCRED credentials first (403 and a log line with
/// uid and pid on refusal), then validates its input completely before anything changes: bad input gets a 4xx
/// with `{"error": {"code", "message"}}` naming the field, and the ledger and roster stay as they were.
public enum ControlServer {
    /// The largest request body accepted; larger ones get 413.
    public static let maximumBodySize = 1 << 20
    /// Bids above this many VC are refused as absurd (422).
    public static let maximumBid = 1e12

    /// Everything the routes share.
    struct Environment: Sendable {
        let auctioneer: Auctioneer
        let ledger: Ledger
        let policy: AccessPolicy
        let logger: Logger
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
        let environment = Environment(
            auctioneer: auctioneer, ledger: ledger, policy: policy, logger: logger)
        let router = Router(context: ControlRequestContext.self)
        router.add(middleware: ErrorBodyMiddleware(metrics: auctioneer.metrics, logger: logger))
        router.get("/v1/health") { request, context in
            try await authorize(.health, request, context, environment)
            return json(.ok, HealthResponse(live: true, ready: true))
        }
        router.get("/v1/status") { request, context in
            try await authorize(.status, request, context, environment)
            if let body = auctioneer.statusBoard.currentBody() {
                return Response(
                    status: .ok, headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(bytes: body)))
            }
            return json(.ok, await auctioneer.statusResponse())
        }
        router.get("/v1/vsps") { request, context in
            try await authorize(.listVSPs, request, context, environment)
            return json(.ok, await auctioneer.vspList())
        }
        router.post("/v1/vsps") { request, context in
            try await authorize(.addVSP, request, context, environment)
            let body = try await decode(
                AddVSPRequest.self, from: request, fields: ["id", "kind", "utility", "alpha", "bidding"],
                nested: ["utility": ["beta", "xi"]])
            let definition = try definition(of: body, resourceCount: await auctioneer.resourceCount)
            do {
                let boundary = try await auctioneer.add(definition)
                return json(
                    .accepted,
                    ActionResponse(
                        outcome: "scheduled", message: "VSP \(definition.id) joins at round \(boundary)",
                        round: boundary.value))
            } catch let rejection as RosterRejection {
                throw ControlError(.conflict, "already_registered", "id: \(rejection.description)")
            } catch let refusal as EngineError {
                throw ControlError(.conflict, "outside_joint_roster", "id: \(refusal.description)")
            }
        }
        router.delete("/v1/vsps/:id") { request, context in
            try await authorize(.removeVSP, request, context, environment)
            let id = try vspID(context.parameters.get("id") ?? "", field: "id", status: .badRequest)
            do {
                let boundary = try await auctioneer.remove(id)
                return json(
                    .accepted,
                    ActionResponse(
                        outcome: "scheduled", message: "VSP \(id) leaves at round \(boundary)", round: boundary.value))
            } catch let rejection as RosterRejection {
                throw ControlError(.notFound, "unknown_vsp", "id: \(rejection.description)")
            }
        }
        router.post("/v1/bids") { request, context in
            let body = try await decode(BidRequest.self, from: request, fields: ["vsp", "round", "amount"])
            try await authorize(.bid(vsp: body.vsp), request, context, environment)
            return try await bid(body, auctioneer: auctioneer)
        }
        router.post("/v1/reports") { request, context in
            let body = try await decode(
                ReportRequest.self, from: request, fields: ["vsp", "round", "utility", "gross_profit"])
            try await authorize(.report(vsp: body.vsp), request, context, environment)
            return try await report(body, auctioneer: auctioneer)
        }
        router.get("/v1/ledger") { request, context in
            let vsp = request.uri.queryParameters["vsp"].map(String.init)
            let decision = try await authorize(.ledger(vsp: vsp), request, context, environment)
            var restricted: String?
            // An admin's own filter is applied by the query; a VSP principal is held to its own rows.
            if case .allowedForVSP(let own) = decision, vsp == nil || vsp == own { restricted = own }
            let status = await auctioneer.status()
            return try streamLedger(
                request, ledger: ledger, lastRound: status.lastRound?.value ?? 0,
                resourceCount: await auctioneer.resourceCount, restrictedTo: restricted)
        }
        router.post("/v1/reload") { request, context in
            try await authorize(.reload, request, context, environment)
            let result = await auctioneer.reload(trigger: "control API")
            guard result.succeeded else { throw ControlError.invalid("reload_failed", result.message) }
            return json(.ok, ActionResponse(outcome: "reloaded", message: result.message))
        }
        router.post("/v1/pause") { request, context in
            try await authorize(.pause, request, context, environment)
            await auctioneer.pause()
            let next = await auctioneer.status().openRound
            return json(
                .ok, ActionResponse(outcome: "paused", message: "paused before round \(next)", round: next.value))
        }
        router.post("/v1/resume") { request, context in
            try await authorize(.resume, request, context, environment)
            await auctioneer.resume()
            let next = await auctioneer.status().openRound
            return json(
                .ok,
                ActionResponse(outcome: "resumed", message: "round \(next) runs at the next tick", round: next.value))
        }
        router.post("/v1/rounds") { request, context in
            try await authorize(.runRound, request, context, environment)
            guard let outcome = await auctioneer.runRound(started: Date(), evenIfPaused: true) else {
                throw ControlError(
                    .serviceUnavailable, "round_abandoned",
                    "the round was abandoned (see the daemon's log); nothing was committed")
            }
            return json(
                .ok,
                ActionResponse(
                    outcome: "committed",
                    message:
                        "round \(outcome.round): \(outcome.entries.count) VSPs, welfare \(outcome.welfareEstimate) VC",
                    round: outcome.round.value))
        }
        router.get("/metrics") { request, context in
            try await authorize(.metrics, request, context, environment)
            let text = auctioneer.metrics.exposition()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        addArchiveRoutes(to: router, environment)
        return router
    }

    /// The one event-loop thread that reads and writes every control connection (handlers run on Swift's pool).
    ///
    /// One local socket needs no more, and fewer threads contend for the cores (docs/control.md, "Decisions",
    /// has the measurement).
    static let eventLoop = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// The application bound to the configured socket; raises `readiness` once it listens with its mode set.
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
        return Application(
            router: routes(auctioneer: auctioneer, ledger: ledger, policy: policy, logger: logger),
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
            logger: logger)
    }

    /// Checks the caller's role for `operation`; refusals are logged with the peer's uid and pid.
    ///
    /// - Returns: The decision (``AccessDecision/allowedForVSP(_:)`` restricts ledger reads).
    /// - Throws: ``ControlError`` 403 `forbidden`.
    @discardableResult
    static func authorize(
        _ operation: ControlOperation, _ request: Request, _ context: ControlRequestContext, _ environment: Environment
    ) async throws(ControlError) -> AccessDecision {
        let peer = await context.peer()
        let role = peer.map(environment.policy.role(of:)) ?? .nobody
        let decision = environment.policy.decide(operation, for: role)
        guard case .denied(let reason) = decision else { return decision }
        environment.logger.warning(
            "control request refused",
            metadata: [
                "uid": "\(peer.map { String($0.uid) } ?? "unknown")",
                "pid": "\(peer.map { String($0.pid) } ?? "unknown")", "method": "\(request.method)",
                "path": "\(request.uri.path)", "role": "\(role)", "reason": "\(reason)",
            ])
        throw ControlError(.forbidden, "forbidden", reason)
    }

    /// A VSP id given in `field`.
    /// - Throws: ``ControlError`` with `status` (422 in a body, 400 in a path or query) naming the field.
    static func vspID(_ text: String, field: String, status: HTTPResponse.Status = .unprocessableContent)
        throws(ControlError) -> VSPID
    {
        guard let id = try? VSPID(text) else {
            throw ControlError(
                status, "invalid_vsp_id", "\(field): '\(text)' is not a VSP id (1 to 64 characters from [A-Za-z0-9._-])"
            )
        }
        return id
    }

    /// A VSP definition from `POST /v1/vsps`, checked completely.
    /// - Throws: ``ControlError`` 422 naming the field.
    static func definition(of body: AddVSPRequest, resourceCount: Int) throws(ControlError) -> VSPDefinition {
        let id = try vspID(body.id, field: "id")
        switch body.kind {
        case "external":
            for (field, present) in [
                ("utility", body.utility != nil), ("alpha", body.alpha != nil), ("bidding", body.bidding != nil),
            ]
            where present {
                throw .invalid("invalid_vsp", "\(field): an external VSP has none (it bids through the API)")
            }
            return VSPDefinition(id: id, kind: .external)
        case "simulated":
            guard let utility = body.utility else {
                throw .invalid("invalid_vsp", "utility: required for a simulated VSP")
            }
            guard utility.beta.isFinite, utility.beta >= 0, utility.beta <= maximumBid else {
                throw .invalid(
                    "invalid_vsp", "utility.beta: expected a number in [0, \(maximumBid)], found \(utility.beta)")
            }
            guard utility.xi.count == resourceCount else {
                throw .invalid(
                    "invalid_vsp", "utility.xi: expected \(resourceCount) values, found \(utility.xi.count)")
            }
            if let index = utility.xi.firstIndex(where: { !$0.isFinite || $0 < 0 || $0 > maximumBid }) {
                throw .invalid(
                    "invalid_vsp",
                    "utility.xi[\(index)]: expected a number in [0, \(maximumBid)], found \(utility.xi[index])")
            }
            let alpha = body.alpha ?? 1
            guard alpha.isFinite, alpha > 0, alpha <= maximumBid else {
                throw .invalid("invalid_vsp", "alpha: expected a finite number > 0, found \(alpha)")
            }
            let bidding = body.bidding ?? "truthful"
            guard bidding == "truthful" || bidding.hasPrefix("scaled:"),
                let strategy = SimulatedVSPConfiguration.strategy(bidding), (try? strategy.validate()) != nil
            else {
                throw .invalid("invalid_vsp", "bidding: expected 'truthful' or 'scaled:C' (C >= 0), found '\(bidding)'")
            }
            let parameters = SimulatedVSPConfiguration(
                beta: utility.beta, xi: utility.xi, alpha: alpha, noiseMean: 0, noiseStandardDeviation: 0,
                bidding: bidding)
            do { _ = try parameters.simulatedVSP() } catch {
                throw .invalid("invalid_vsp", "utility: \(error)")
            }
            return VSPDefinition(id: id, kind: .simulated(parameters))
        default:
            throw .invalid("invalid_vsp", "kind: expected 'external' or 'simulated', found '\(body.kind)'")
        }
    }

    /// `POST /v1/bids` after access: amount (422), VSP (404), round (409), then the bid book.
    static func bid(_ body: BidRequest, auctioneer: Auctioneer) async throws(ControlError) -> Response {
        let vsp = try vspID(body.vsp, field: "vsp")
        guard body.amount.isFinite, body.amount >= 0 else {
            throw .invalid("invalid_bid", "amount: expected a finite number >= 0 VC, found \(body.amount)")
        }
        guard body.amount <= maximumBid else {
            throw .invalid("invalid_bid", "amount: \(body.amount) VC is absurd (more than \(maximumBid) VC)")
        }
        let (decision, round) = await auctioneer.receiveBid(
            body.amount, from: vsp, for: body.round.map(RoundNumber.init))
        switch decision {
        case .accepted:
            return json(.ok, BidResponse(vsp: vsp.rawValue, round: round.value, amount: body.amount))
        case .rejected(.notRegistered):
            throw ControlError(.notFound, "unknown_vsp", "vsp: VSP '\(vsp)' is not registered")
        case .rejected(.roundClosed(let round, let open)), .rejected(.roundNotOpen(let round, let open)):
            throw ControlError(
                .conflict, "round_not_open", "round: bids are open for round \(open) only, not round \(round)")
        case .rejected(.invalidAmount(let amount)):
            throw .invalid("invalid_bid", "amount: expected a finite number >= 0 VC, found \(amount)")
        }
    }

    /// `POST /v1/reports` after access: values (422), then the VSP (404) and its round (409).
    static func report(_ body: ReportRequest, auctioneer: Auctioneer) async throws(ControlError) -> Response {
        let vsp = try vspID(body.vsp, field: "vsp")
        for (field, value) in [("utility", body.utility), ("gross_profit", body.grossProfit)]
        where !value.isFinite || abs(value) > maximumBid {
            throw .invalid(
                "invalid_report", "\(field): expected a finite number of VC within ±\(maximumBid), found \(value)")
        }
        let report = FinancialReport(
            vsp: vsp, round: RoundNumber(body.round), utility: body.utility, grossProfit: body.grossProfit)
        do {
            try await auctioneer.receiveReport(report)
        } catch {
            switch error {
            case .unknownVSP: throw ControlError(.notFound, "unknown_vsp", error.description)
            case .ledger: throw ControlError(.serviceUnavailable, "ledger_unavailable", error.description)
            default: throw ControlError(.conflict, "round_not_reportable", error.description)
            }
        }
        return json(
            .ok,
            ActionResponse(
                outcome: "recorded", message: "report of VSP \(vsp) for round \(body.round) recorded", round: body.round
            ))
    }

    /// The methods a path of the API takes, as an `Allow` value; `nil` for a path the API does not have.
    static func methods(of path: String) -> String? {
        switch path {
        case "/v1/health", "/v1/status", "/v1/ledger", "/metrics", "/v1/archive/plan", "/v1/archive", "/v1/archives":
            return "GET"
        case "/v1/archive/delete": return "POST"
        case "/v1/vsps": return "GET, POST"
        case "/v1/bids", "/v1/reports", "/v1/reload", "/v1/pause", "/v1/resume", "/v1/rounds": return "POST"
        default:
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 4 && path.hasPrefix("/v1/vsps/") && !parts[3].isEmpty ? "DELETE" : nil
        }
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

/// Turns every error a route or Hummingbird throws into the API's error body, counts refusals, and logs each
/// refusal with the peer's uid and pid (403s are logged by ``ControlServer/authorize(_:_:_:_:)`` with the role).
struct ErrorBodyMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext
    let metrics: DaemonMetrics
    let logger: Logger

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let response: Response
        let code: String
        let message: String
        do {
            response = try await next(request, context)
            guard response.status.code >= 400 else { return response }
            (code, message) = ("http_\(response.status.code)", response.status.reasonPhrase)
        } catch let error as ControlError {
            response = ControlServer.json(error.status, ErrorBody(code: error.code, message: error.message))
            (code, message) = (error.code, error.message)
        } catch let error as HTTPError {
            if error.status == .notFound, let allowed = ControlServer.methods(of: request.uri.path) {
                (code, message) = (
                    "method_not_allowed",
                    "method: \(request.method) is not allowed on \(request.uri.path) (only \(allowed))"
                )
                var refusal = ControlServer.json(.methodNotAllowed, ErrorBody(code: code, message: message))
                refusal.headers[.allow] = allowed
                response = refusal
            } else {
                (code, message) =
                    switch error.status {
                    case .notFound: ("not_found", "path: no route for \(request.method) \(request.uri.path)")
                    case .contentTooLarge:
                        ("too_large", "body: over the limit of \(ControlServer.maximumBodySize) bytes")
                    default: ("http_\(error.status.code)", error.body ?? error.status.reasonPhrase)
                    }
                response = ControlServer.json(error.status, ErrorBody(code: code, message: message))
            }
        } catch {
            metrics.requestRejected()
            logger.error("control request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return ControlServer.json(.internalServerError, ErrorBody(code: "internal", message: "\(error)"))
        }
        metrics.requestRejected()
        if response.status != .forbidden {
            let peer = await context.peer()
            logger.notice(
                "control request refused",
                metadata: [
                    "uid": "\(peer.map { String($0.uid) } ?? "unknown")",
                    "pid": "\(peer.map { String($0.pid) } ?? "unknown")", "method": "\(request.method)",
                    "path": "\(request.uri.path)", "status": "\(response.status.code)", "code": "\(code)",
                    "reason": "\(message)",
                ])
        }
        return response
    }
}
