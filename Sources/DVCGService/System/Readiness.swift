/// A one-shot signal from the control server to the auction loop: the socket listens, or why it cannot.
///
/// Backed by an `AsyncStream`, so a waiter cancelled by graceful shutdown returns at once. One waiter.
public final class Readiness: Sendable {
    private let stream: AsyncStream<Result<Void, ControlSocketError>>
    private let continuation: AsyncStream<Result<Void, ControlSocketError>>.Continuation

    /// A signal not yet raised.
    public init() {
        (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingOldest(1))
    }

    /// Raises the signal (success, or the reason the socket is unusable); later calls do nothing.
    public func raise(_ result: Result<Void, ControlSocketError> = .success(())) {
        continuation.yield(result)
        continuation.finish()
    }

    /// The outcome once raised; `nil` when the waiting task is cancelled first.
    public func wait() async -> Result<Void, ControlSocketError>? {
        var iterator = stream.makeAsyncIterator()
        return await iterator.next()
    }
}
