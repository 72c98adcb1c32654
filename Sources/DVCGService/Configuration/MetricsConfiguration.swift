import Foundation
import Yams

#if canImport(Glibc)
    import Glibc
#endif

/// An IP address and TCP port to listen on, written `HOST:PORT` (`127.0.0.1:9464`, `[::1]:9464`).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// An IPv4 or IPv6 literal; no host names, so that what is bound is exactly what was written.
    public var host: String
    /// The TCP port, 1 to 65535.
    public var port: Int

    /// An address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `HOST:PORT` or `[IPV6]:PORT`.
    ///
    /// - Returns: `nil` when the text is not an IP literal and a port in [1, 65535].
    public init?(_ text: String) {
        let host: Substring
        let port: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return nil
            }
            host = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { return nil }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard let number = Int(port), (1...65535).contains(number), Self.isIPLiteral(String(host)) else { return nil }
        self.host = String(host)
        self.port = number
    }

    /// Whether the host is a loopback address (127.0.0.0/8 or ::1).
    public var isLoopback: Bool { host.hasPrefix("127.") || host == "::1" }

    /// `HOST:PORT`, with brackets around an IPv6 host.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    private static func isIPLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}

/// `metrics:` in dvcgd.yaml: an optional TCP listener serving only `GET /metrics` for Prometheus, which does
/// not scrape Unix sockets. Off by default; the operator chooses the address (loopback unless written
/// otherwise: docs/dvcgd.md, "Hardening").
public struct MetricsConfiguration: Sendable, Equatable {
    /// Where to listen (`metrics.listen`); `nil`, the default, listens nowhere.
    public var listen: ListenAddress?

    /// No listener.
    public init(listen: ListenAddress? = nil) { self.listen = listen }

    /// Reads `metrics:`. Issues go to `reader`.
    static func parse(_ node: Node, reader: inout YAMLReader) -> MetricsConfiguration? {
        guard let map = reader.mapping(node, at: "metrics", keys: ["listen"]) else { return nil }
        var metrics = MetricsConfiguration()
        if let node = map["listen"], let text = reader.string(node, at: "metrics.listen") {
            if let address = ListenAddress(text) {
                metrics.listen = address
            } else {
                reader.report(
                    "expected HOST:PORT with an IP address and a port in [1, 65535] (e.g. 127.0.0.1:9464), found '\(text)'",
                    at: node, path: "metrics.listen")
            }
        }
        return metrics
    }
}
