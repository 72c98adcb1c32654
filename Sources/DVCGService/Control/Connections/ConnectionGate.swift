import DVCGControl
import NIOCore

/// The first handler of a control connection, on its raw bytes: refuses a connection over the limits with
/// `503 too_many_connections`, closes one whose request head does not arrive within the header timeout of its
/// first byte (`408 request_timeout`), and one that does not read its response for the idle timeout.
///
/// Runs on the connection's event loop; ``RequestHeadHandler``, after the HTTP decoder, tells it through
/// ``RequestHeadDeadline`` when a head is complete and when a response has ended.
final class ConnectionGate: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The answer to a refused connection, `nil` for an admitted one.
    private let refusal: ByteBuffer?
    private let deadline: RequestHeadDeadline
    private let headerTimeout: Duration
    private let stallTimeout: Duration
    private var stall: Scheduled<Void>?

    /// A gate for one connection.
    ///
    /// - Parameters:
    ///   - refusal: What to answer before closing, when the connection is over a limit.
    ///   - deadline: The request-head clock shared with the connection's ``RequestHeadHandler``.
    ///   - headerTimeout: How long a request head may take from its first byte.
    ///   - stallTimeout: How long the peer may leave a response unread (the socket unwritable).
    init(refusal: ByteBuffer?, deadline: RequestHeadDeadline, headerTimeout: Duration, stallTimeout: Duration) {
        self.refusal = refusal
        self.deadline = deadline
        self.headerTimeout = headerTimeout
        self.stallTimeout = stallTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard let refusal else { return }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(refusal)).whenComplete { _ in channel.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard refusal == nil else { return }
        if deadline.isAwaitingHead, deadline.timer == nil {
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            deadline.timer = context.eventLoop.scheduleTask(in: TimeAmount(headerTimeout)) {
                let (gate, context) = loopBound.value
                gate.headerTimedOut(context: context)
            }
        }
        context.fireChannelRead(data)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            stall?.cancel()
            stall = nil
        } else if stall == nil {
            let channel = context.channel
            stall = context.eventLoop.scheduleTask(in: TimeAmount(stallTimeout)) { channel.close(promise: nil) }
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadline.timer?.cancel()
        deadline.timer = nil
        stall?.cancel()
        stall = nil
        context.fireChannelInactive()
    }

    private func headerTimedOut(context: ChannelHandlerContext) {
        deadline.timer = nil
        guard deadline.isAwaitingHead else { return }
        let answer = Self.response(
            status: "408 Request Timeout", code: "request_timeout",
            message: "request: the request head did not arrive within \(headerTimeout) (control.header_timeout)")
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(answer)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// A whole HTTP/1.1 response with the API's error body that closes the connection.
    static func response(status: String, code: String, message: String) -> ByteBuffer {
        let body = ControlServer.encodedBody(ErrorBody(code: code, message: message))
        var buffer = ByteBuffer()
        buffer.writeString(
            "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        )
        buffer.writeBytes(body)
        return buffer
    }
}

/// Whether a connection waits for a request head, and the header timer running meanwhile; shared by the two
/// handlers of one connection, on its event loop.
final class RequestHeadDeadline {
    /// Request heads the decoder has completed.
    private var heads = 0
    /// Responses that have ended.
    private var responses = 0
    /// The header timeout, running since the first byte of the awaited head.
    var timer: Scheduled<Void>?

    /// A connection that waits for its first request.
    init() {}

    /// Whether every request so far has been answered, so that arriving bytes start a new head.
    var isAwaitingHead: Bool { heads == responses }

    /// A request head is complete: its timer stops.
    func headArrived() {
        heads += 1
        timer?.cancel()
        timer = nil
    }

    /// A response has ended.
    func responseEnded() { responses += 1 }
}
