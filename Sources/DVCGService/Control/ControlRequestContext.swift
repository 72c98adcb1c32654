import Hummingbird
import NIOCore

/// The request context of the control API: Hummingbird's core context and the connection's channel, from which
/// the peer's SO_PEERCRED credentials are read.
public struct ControlRequestContext: RequestContext {
    /// Hummingbird's per-request storage.
    public var coreContext: CoreRequestContextStorage
    /// The accepted connection.
    let channel: any Channel

    /// Creates the context of a request on `source.channel`.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Bodies over 1 MiB are refused with 413.
    public var maxUploadSize: Int { ControlServer.maximumBodySize }
}
