import DVCGControl
import DVCGCore
import DVCGMechanism
import Hummingbird

/// Bids and financial reports: what a VSP principal may do for its own VSP.
struct MarketRoutes {
    let environment: ControlServer.Environment

    /// `POST /v1/bids` and `POST /v1/reports`.
    var collection: RouteCollection<ControlRequestContext> {
        let routes = RouteCollection(context: ControlRequestContext.self)
        let environment = environment
        routes.register(ControlAPI.SubmitBid.self, environment) { body, role, context, request in
            try await environment.check(
                environment.policy.decide(actingFor: body.vsp, as: role), role: role, context: context, request)
            return try await Self.bid(body, auctioneer: environment.auctioneer)
        }
        routes.register(ControlAPI.FileReport.self, environment) { body, role, context, request in
            try await environment.check(
                environment.policy.decide(actingFor: body.vsp, as: role), role: role, context: context, request)
            return try await Self.report(body, auctioneer: environment.auctioneer)
        }
        return routes
    }

    /// `POST /v1/bids` after access: amount (422), VSP (404), round (409), then the bid book.
    static func bid(_ body: BidRequest, auctioneer: Auctioneer) async throws(ControlError) -> BidResponse {
        // One wording for every limit of VC, as a report's: "expected ..., found X".
        guard BidRequest.accepts(body.amount) else {
            throw .invalid("invalid_bid", BidRequest.refusal(of: body.amount))
        }
        let (decision, round, replaced) = await auctioneer.receiveBid(
            body.amount, from: body.vsp, for: body.round.map(RoundNumber.init))
        switch decision {
        case .accepted:
            return BidResponse(vsp: body.vsp, round: round.value, amount: body.amount, replaced: replaced)
        case .rejected(.notRegistered):
            throw .unknownVSP(body.vsp, "vsp: VSP '\(body.vsp)' is not on the roster")
        case .rejected(.simulated):
            throw ControlError(
                .conflict, "simulated_vsp",
                "vsp: VSP '\(body.vsp)' is simulated: it bids by its own strategy inside dvcgd, not through the control API"
            )
        case .rejected(.roundClosed(let round, let open)), .rejected(.roundNotOpen(let round, let open)):
            throw ControlError(
                .conflict, "round_not_open", "round: bids are open for round \(open) only, not round \(round)")
        case .rejected(.invalidAmount(let amount)):
            throw .invalid("invalid_bid", BidRequest.refusal(of: amount))
        case .rejected(.ledgerUnavailable(let message)):
            throw ControlError(.serviceUnavailable, "ledger_unavailable", message)
        }
    }

    /// `POST /v1/reports` after access: values (422), then the VSP (404) and its round (409).
    static func report(_ body: ReportRequest, auctioneer: Auctioneer) async throws(ControlError) -> ActionResponse {
        let maximum = ControlServer.maximumBid
        for (field, value) in [("utility", body.utility), ("gross_profit", body.grossProfit)]
        where !value.isFinite || abs(value) > maximum {
            throw .invalid(
                "invalid_report",
                "\(field): expected a finite number of VC within ±\(ControlServer.maximumBidText), found \(messageNumber(value))"
            )
        }
        let report = FinancialReport(
            vsp: body.vsp, round: RoundNumber(body.round), utility: body.utility, grossProfit: body.grossProfit)
        do {
            try await auctioneer.receiveReport(report)
        } catch {
            switch error {
            case .unknownVSP(let id): throw .unknownVSP(id, error.description)
            case .simulated: throw ControlError(.conflict, "simulated_vsp", error.description)
            case .roundNotRun, .notInRound, .alreadyReported, .tooOld, .leftRoster:
                throw ControlError(.conflict, "round_not_reportable", error.description)
            case .invalidReport: throw .invalid(ControlAPI.FileReport.invalidCode, error.description)
            case .engine: throw ControlError(.internalServerError, "engine_refused", error.description)
            case .ledger: throw ControlError(.serviceUnavailable, "ledger_unavailable", error.description)
            }
        }
        return ActionResponse(
            outcome: "recorded", message: "report of VSP \(body.vsp) for round \(body.round) recorded",
            round: body.round)
    }
}
