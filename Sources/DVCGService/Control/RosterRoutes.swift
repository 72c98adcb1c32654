import DVCGControl
import DVCGCore
import DVCGMechanism
import Hummingbird

/// The roster: list, add and remove VSPs.
struct RosterRoutes {
    let environment: ControlServer.Environment

    /// `GET /v1/vsps`, `POST /v1/vsps` and `DELETE /v1/vsps/{id}`.
    var collection: RouteCollection<ControlRequestContext> {
        let routes = RouteCollection(context: ControlRequestContext.self)
        let auctioneer = environment.auctioneer
        routes.register(ControlAPI.ListVSPs.self, environment) { VSPListResponse(await auctioneer.snapshot()) }
        routes.register(ControlAPI.AddVSP.self, environment) { body, _, _, _ in
            let definition = try Self.definition(of: body, resourceCount: await auctioneer.resourceCount)
            do throws(RosterChangeError) {
                let boundary = try await auctioneer.add(definition)
                return ActionResponse(
                    outcome: "scheduled", message: "VSP \(definition.id) joins at round \(boundary)",
                    round: boundary.value)
            } catch {
                throw Self.refusal(error)
            }
        }
        routes.register(ControlAPI.RemoveVSP.self, environment) { _, context, _ in
            let text = context.parameters.get("id") ?? ""
            guard let id = try? VSPID(text) else {
                throw ControlServer.refusal(
                    .invalidVSPID(path: "id", text: text), invalidCode: ControlAPI.RemoveVSP.invalidCode,
                    in: .badRequest)
            }
            do throws(RosterChangeError) {
                let boundary = try await auctioneer.remove(id)
                return ControlServer.json(
                    .accepted,
                    ActionResponse(
                        outcome: "scheduled", message: "VSP \(id) leaves at round \(boundary)", round: boundary.value))
            } catch {
                throw Self.refusal(error)
            }
        }
        return routes
    }

    /// The refusal of a roster change, by what went wrong: 409 (already registered, already leaving) or 404 from
    /// the roster, 409 for a VSP outside a joint roster, 422 for parameters out of range, 503 when the ledger
    /// cannot record it.
    static func refusal(_ error: RosterChangeError) -> ControlError {
        switch error {
        case .rejected(.alreadyRegistered): return ControlError(.conflict, "already_registered", "id: \(error)")
        case .rejected(.notRegistered(let id)): return .unknownVSP(id, "id: \(error)")
        case .rejected(.leaving): return ControlError(.conflict, "already_leaving", "id: \(error)")
        case .outsideJointRoster: return ControlError(.conflict, "outside_joint_roster", "id: \(error)")
        case .invalidDefinition: return .invalid(ControlAPI.AddVSP.invalidCode, "utility: \(error)")
        case .ledger: return ControlError(.serviceUnavailable, "ledger_unavailable", error.description)
        }
    }

    /// A VSP definition from `POST /v1/vsps`, checked by the rules dvcgd.yaml's entries follow.
    /// - Throws: ``ControlError`` 422 `invalid_vsp` naming the first field at fault.
    static func definition(of body: AddVSPRequest, resourceCount: Int) throws(ControlError) -> VSPDefinition {
        var draft = VSPDraft(id: body.id, kind: body.kind)
        draft.beta = body.utility?.beta
        draft.xi = body.utility?.xi
        draft.alpha = body.alpha
        draft.bidding = body.bidding.map(BiddingStrategy.init)
        do {
            return try VSPDefinition.validated(draft, resourceCount: resourceCount, naming: .api)
        } catch {
            throw .invalid(ControlAPI.AddVSP.invalidCode, error.issues[0].description)
        }
    }
}
