import DVCGControl
import DVCGCore
import Hummingbird
import Logging

/// Turns every error a route or Hummingbird throws into the API's error body, counts refusals, and logs each
/// refusal with the peer's uid and pid (403s are logged by the access check, with the role).
///
/// A path of ``ControlAPI`` asked with a method it does not take gets 405 with an `Allow` header from the same
/// endpoint values the routes are registered from.
struct ErrorBodyMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext
    let environment: ControlServer.Environment

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
            var text = error.message
            if let id = error.unknownVSP {
                // Only external VSPs bid and report through the API: their ids are suggested first there.
                let path = request.uri.path
                let externalFirst = path == ControlAPI.SubmitBid.path || path == ControlAPI.FileReport.path
                text += await Self.suggestion(for: id, auctioneer: environment.auctioneer, externalFirst: externalFirst)
            }
            var refusal = ControlServer.json(error.status, ErrorBody(code: error.code, message: text))
            if error.closesConnection { refusal.headers[.connection] = "close" }
            response = refusal
            (code, message) = (error.code, text)
        } catch let error as HTTPError {
            let methods = ControlAPI.methods(at: request.uri.path)
            if error.status == .notFound, !methods.isEmpty {
                let allowed = methods.map(\.rawValue).joined(separator: ", ")
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
                    case .notFound:
                        (
                            "not_found",
                            "path: no route for \(request.method) \(QuotedInput(request.uri.path, limit: 128))"
                        )
                    case .contentTooLarge:
                        ("too_large", "body: over the limit of \(ControlServer.maximumBodySize) bytes")
                    default: ("http_\(error.status.code)", error.body ?? error.status.reasonPhrase)
                    }
                response = ControlServer.json(error.status, ErrorBody(code: code, message: message))
            }
        } catch {
            environment.auctioneer.metrics.requestRejected()
            environment.logger.error(
                "control request failed",
                metadata: ["path": "\(QuotedInput(request.uri.path, limit: 128).unquoted)", "error": "\(error)"])
            return ControlServer.json(.internalServerError, ErrorBody(code: "internal", message: "\(error)"))
        }
        environment.auctioneer.metrics.requestRejected()
        // A refused reload is logged once, by the auctioneer ("reload failed", with its trigger), as for SIGHUP.
        if response.status != .forbidden, code != "reload_failed" {
            let peer = await environment.peer(context.channel)
            environment.logger.notice(
                "control request refused",
                metadata: [
                    "uid": "\(peer.map { String($0.uid) } ?? "unknown")",
                    "pid": "\(peer.map { String($0.pid) } ?? "unknown")", "method": "\(request.method)",
                    "path": "\(QuotedInput(request.uri.path, limit: 128).unquoted)",
                    "status": "\(response.status.code)", "code": "\(code)",
                    "reason": "\(message)",
                ])
        }
        return response
    }

    /// ` (did you mean 'fleet-8'?)` for an id that is not on the roster (`Fleet-8`) when a roster VSP, or one
    /// joining, is near it (``nearestWord(to:in:)``); empty otherwise. With `externalFirst` (a bid or a report,
    /// which only external VSPs send), the nearest external VSP wins over a nearer simulated one.
    static func suggestion(for id: VSPID, auctioneer: Auctioneer, externalFirst: Bool = false) async -> String {
        let name = id.rawValue
        let roster = await auctioneer.snapshot().state.roster
        var definitions = roster.active
        definitions.merge(roster.upcoming) { current, _ in current }
        let ids = definitions.keys.map(\.rawValue).sorted()
        let external = definitions.filter { if case .external = $0.value.kind { true } else { false } }.keys
            .map(\.rawValue).sorted()
        let nearest = (externalFirst ? nearestWord(to: name, in: external) : nil) ?? nearestWord(to: name, in: ids)
        guard let nearest, nearest != name else { return "" }
        return " (did you mean '\(nearest)'?)"
    }
}
