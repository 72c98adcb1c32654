import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// A control-socket connection: Hummingbird's HTTP/1.1 pipeline (`HTTP1Channel`'s, handler for handler) with
/// dvcgd's bounds around it.
///
/// At accept the peer's SO_PEERCRED credentials are read once (so a refusal names the caller even after it hung
/// up) and ``ConnectionAdmission`` counts the connection; then, nearest the socket, ``ConnectionGate`` (refusal
/// over a limit, header timeout, unread responses), the HTTP/1 codec, ``RequestHeadHandler`` (head complete,
/// HTTP/1.0 closes), the HTTP types codec and Hummingbird's idle timeout.
struct ControlChannel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    /// Answers each request (Hummingbird's router).
    let responder: HTTPChannelHandler.Responder
    /// Who may open how many connections.
    let admission: ConnectionAdmission

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let admission = admission
        let prepared = PeerCredentialReader.accept(channel).flatMapThrowing { peer -> Value in
            let limits = admission.limits
            let verdict = admission.admit(peer)
            var refusal: ByteBuffer?
            if verdict == .admitted {
                channel.closeFuture.whenComplete { _ in admission.release(peer) }
            } else {
                refusal = ConnectionGate.response(
                    status: "503 Service Unavailable", code: "too_many_connections", message: verdict.reason)
            }
            let deadline = RequestHeadDeadline()
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(
                ConnectionGate(
                    refusal: refusal, deadline: deadline, headerTimeout: limits.headerTimeout,
                    stallTimeout: limits.idleTimeout))
            // As HTTP1Channel configures it: Hummingbird handles errors and validates outbound headers itself.
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false,
                withEncoderConfiguration: .init(), withDecoderLimitConfiguration: Self.decoderLimits)
            try pipeline.addHandler(RequestHeadHandler(deadline: deadline))
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: limits.idleTimeout, logger: logger))
            return try NIOAsyncChannel(
                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
        // A connection that is never handled forgets its credentials here; a handled one when its handling ends.
        prepared.whenFailure { _ in PeerCredentialReader.forget(channel) }
        return prepared
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
        PeerCredentialReader.forget(value.channel)
    }

    /// Hummingbird's default header limits (80 KiB per field and in all, 1,000 fields).
    static var decoderLimits: NIOHTTPDecoderLimitConfiguration {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = 80 * 1024
        limits.maxHeaderListSize = 80 * 1024
        limits.maxHeaderFieldCount = 1000
        return limits
    }
}
