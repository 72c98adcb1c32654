import NIOCore
import NIOHTTP1

/// Sits after the HTTP/1 decoder of a control connection: stops the header timer when a head is complete,
/// answers an HTTP/1.0 request as HTTP/1.0 does (version 1.0, `Connection: close`, the body delimited by the
/// close: no chunked encoding, which 1.0 clients do not read) and closes the connection after a response that
/// says `Connection: close` (every HTTP/1.0 one, and a refusal of a request that could not be read to its end).
final class RequestHeadHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let deadline: RequestHeadDeadline
    /// The versions of the requests not yet answered, in order.
    private var versions: [HTTPVersion] = []
    /// Whether the response being written closes the connection.
    private var closing = false

    /// A handler sharing `deadline` with the connection's ``ConnectionGate``.
    init(deadline: RequestHeadDeadline) { self.deadline = deadline }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            deadline.headArrived()
            versions.append(head.version)
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let isHTTP10 = versions.first.map { $0.major == 1 && $0.minor == 0 } ?? false
        switch unwrapOutboundIn(data) {
        case .head(var head):
            closing = isHTTP10 || head.headers["connection"].contains { $0.lowercased() == "close" }
            guard isHTTP10 else { return context.write(data, promise: promise) }
            head.version = .http1_0
            head.headers.replaceOrAdd(name: "connection", value: "close")
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end:
            if !versions.isEmpty { versions.removeFirst() }
            deadline.responseEnded()
            guard closing else { return context.write(data, promise: promise) }
            let channel = context.channel
            let written = context.eventLoop.makePromise(of: Void.self)
            written.futureResult.cascade(to: promise)
            written.futureResult.whenComplete { _ in channel.close(promise: nil) }
            context.writeAndFlush(data, promise: written)
        default:
            context.write(data, promise: promise)
        }
    }
}
