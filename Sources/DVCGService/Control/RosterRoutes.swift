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
        routes.register(ControlAPI.ListVSPs.self, environment) { await auctioneer.vspList() }
        routes.register(ControlAPI.AddVSP.self, environment) { body, _, _, _ in
            let definition = try Self.definition(of: body, resourceCount: await auctioneer.resourceCount)
            do {
                let boundary = try await auctioneer.add(definition)
                return ActionResponse(
                    outcome: "scheduled", message: "VSP \(definition.id) joins at round \(boundary)",
                    round: boundary.value)
            } catch let rejection as RosterRejection {
                throw ControlError(.conflict, "already_registered", "id: \(rejection.description)")
            } catch let refusal as EngineError {
                throw ControlError(.conflict, "outside_joint_roster", "id: \(refusal.description)")
            }
        }
        routes.register(ControlAPI.RemoveVSP.self, environment) { _, context, _ in
            let text = context.parameters.get("id") ?? ""
            guard let id = try? VSPID(text) else {
                throw ControlServer.refusal(
                    .invalidVSPID(path: "id", text: text), invalidCode: ControlAPI.RemoveVSP.invalidCode,
                    in: .badRequest)
            }
            do {
                let boundary = try await auctioneer.remove(id)
                return ControlServer.json(
                    .accepted,
                    ActionResponse(
                        outcome: "scheduled", message: "VSP \(id) leaves at round \(boundary)", round: boundary.value))
            } catch let rejection as RosterRejection {
                throw ControlError(.notFound, "unknown_vsp", "id: \(rejection.description)")
            }
        }
        return routes
    }

    /// A VSP definition from `POST /v1/vsps`, checked completely.
    /// - Throws: ``ControlError`` 422 naming the field.
    static func definition(of body: AddVSPRequest, resourceCount: Int) throws(ControlError) -> VSPDefinition {
        let maximum = ControlServer.maximumBid
        switch body.kind {
        case .external:
            for (field, present) in [
                ("utility", body.utility != nil), ("alpha", body.alpha != nil), ("bidding", body.bidding != nil),
            ]
            where present {
                throw .invalid("invalid_vsp", "\(field): an external VSP has none (it bids through the API)")
            }
            return VSPDefinition(id: body.id, kind: .external)
        case .simulated:
            guard let utility = body.utility else {
                throw .invalid("invalid_vsp", "utility: required for a simulated VSP")
            }
            guard utility.beta.isFinite, utility.beta >= 0, utility.beta <= maximum else {
                throw .invalid("invalid_vsp", "utility.beta: expected a number in [0, \(maximum)], found \(utility.beta)")
            }
            guard utility.xi.count == resourceCount else {
                throw .invalid(
                    "invalid_vsp", "utility.xi: expected \(resourceCount) values, found \(utility.xi.count)")
            }
            if let index = utility.xi.firstIndex(where: { !$0.isFinite || $0 < 0 || $0 > maximum }) {
                throw .invalid(
                    "invalid_vsp",
                    "utility.xi[\(index)]: expected a number in [0, \(maximum)], found \(utility.xi[index])")
            }
            let alpha = body.alpha ?? 1
            guard alpha.isFinite, alpha > 0, alpha <= maximum else {
                throw .invalid("invalid_vsp", "alpha: expected a finite number > 0, found \(alpha)")
            }
            let parameters = SimulatedVSPConfiguration(
                beta: utility.beta, xi: utility.xi, alpha: alpha, noiseMean: 0, noiseStandardDeviation: 0,
                bidding: (body.bidding ?? .truthful).text)
            do { _ = try parameters.simulatedVSP() } catch {
                throw .invalid("invalid_vsp", "utility: \(error)")
            }
            return VSPDefinition(id: body.id, kind: .simulated(parameters))
        }
    }
}
