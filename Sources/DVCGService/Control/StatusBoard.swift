import DVCGControl
import Foundation
import Synchronization

/// The last published status, readable from any thread: status requests never queue behind a round.
///
/// The JSON body of `GET /v1/status` is encoded once per publication, with the two clock fields (time to the
/// next round, uptime) left as gaps that each request fills in (docs/control.md, "Decisions": encoding the
/// whole answer per request cost the daemon more CPU than anything else under polling clients).
public final class StatusBoard: Sendable {
    private struct Published: Sendable {
        var status: StatusResponse
        var nextRoundDue: Date?
        var startedAt: Date
        /// The encoded body around the two clock fields: before `seconds_to_next_round`'s value, between it and
        /// `uptime_seconds`' value, after that; `nil` when the encoding could not be split (the body is then
        /// encoded per request).
        var body: (head: [UInt8], middle: [UInt8], tail: [UInt8])?
    }

    /// Stand-ins for the clock fields while the body is encoded; no real status has negative times.
    private static let secondsPlaceholder = -1.25e300
    private static let uptimePlaceholder = -1.75e300

    private let published = Mutex<Published?>(nil)

    /// An empty board.
    public init() {}

    /// Replaces the status.
    func publish(_ status: StatusResponse, nextRoundDue: Date?, startedAt: Date) {
        var template = status
        template.secondsToNextRound = Self.secondsPlaceholder
        template.uptimeSeconds = Self.uptimePlaceholder
        let body = Self.split(ControlServer.encodedBody(template))
        published.withLock {
            $0 = Published(status: status, nextRoundDue: nextRoundDue, startedAt: startedAt, body: body)
        }
    }

    /// The status with its clock fields (time to the next round, uptime) brought to now; `nil` before the
    /// first publication.
    public func current() -> StatusResponse? { current(at: Date()) }

    /// The status with its clock fields brought to `now`.
    func current(at now: Date) -> StatusResponse? {
        guard let published = published.withLock({ $0 }) else { return nil }
        return Self.brought(published, to: now)
    }

    /// The body of `GET /v1/status` (JSON and a newline, as ``ControlServer`` encodes every answer) with the
    /// clock fields brought to now; `nil` before the first publication.
    func currentBody(at now: Date = Date()) -> [UInt8]? {
        guard let published = published.withLock({ $0 }) else { return nil }
        let status = Self.brought(published, to: now)
        guard let body = published.body else { return ControlServer.encodedBody(status) }
        var bytes = body.head
        bytes.reserveCapacity(body.head.count + body.middle.count + body.tail.count + 48)
        bytes += Self.jsonNumber(status.secondsToNextRound).utf8
        bytes += body.middle
        bytes += Self.jsonNumber(status.uptimeSeconds).utf8
        bytes += body.tail
        return bytes
    }

    /// A finite number as JSONEncoder writes it: the shortest round-trip digits, without a trailing `.0`.
    static func jsonNumber(_ value: Double) -> String {
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    private static func brought(_ published: Published, to now: Date) -> StatusResponse {
        var status = published.status
        if let due = published.nextRoundDue { status.secondsToNextRound = max(0, due.timeIntervalSince(now)) }
        status.uptimeSeconds = max(0, now.timeIntervalSince(published.startedAt))
        return status
    }

    /// The encoded template cut at the two placeholders, each found exactly once and in order; else `nil`.
    private static func split(_ bytes: [UInt8]) -> (head: [UInt8], middle: [UInt8], tail: [UInt8])? {
        let seconds = Array(jsonNumber(secondsPlaceholder).utf8)
        let uptime = Array(jsonNumber(uptimePlaceholder).utf8)
        let secondsRanges = bytes.ranges(of: seconds)
        let uptimeRanges = bytes.ranges(of: uptime)
        guard secondsRanges.count == 1, uptimeRanges.count == 1, let first = secondsRanges.first,
            let second = uptimeRanges.first, first.upperBound <= second.lowerBound
        else { return nil }
        return (
            Array(bytes[..<first.lowerBound]), Array(bytes[first.upperBound..<second.lowerBound]),
            Array(bytes[second.upperBound...])
        )
    }
}
