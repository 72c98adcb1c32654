import DVCGControl
import DVCGCore
import Foundation
import Testing

@testable import DVCGService

@Suite struct TickScheduleTests {
    typealias Instant = ContinuousClock.Instant
    let origin = ContinuousClock.now

    @Test func ticksAreMultiplesOfThePeriodFromTheOrigin() {
        var schedule = TickSchedule(origin: origin, period: .milliseconds(100))
        #expect(schedule.nextDeadline == origin)
        for k in 1...1_000 {
            // Each round finishes 30 ms after its tick: no skipped tick, no drift after 1,000 rounds.
            let skipped = schedule.advance(now: origin.advanced(by: .milliseconds(100 * (k - 1) + 30)))
            #expect(skipped == 0)
        }
        #expect(schedule.nextDeadline == origin.advanced(by: .seconds(100)))
    }

    @Test func anOverrunSkipsThePastTicksInsteadOfQueueingThem() {
        var schedule = TickSchedule(origin: origin, period: .milliseconds(100))
        let skipped = schedule.advance(now: origin.advanced(by: .milliseconds(350)))
        #expect(skipped == 3, "the ticks at 100, 200 and 300 ms are past; the next is at 400 ms")
        #expect(schedule.nextDeadline == origin.advanced(by: .milliseconds(400)))
    }

    @Test func aRoundEndingExactlyOnTheNextTickSkipsIt() {
        var schedule = TickSchedule(origin: origin, period: .milliseconds(100))
        #expect(schedule.advance(now: origin.advanced(by: .milliseconds(100))) == 1)
        #expect(schedule.nextDeadline == origin.advanced(by: .milliseconds(200)))
    }

    @Test func changingThePeriodKeepsTheLastTickAsTheNewOrigin() {
        var schedule = TickSchedule(origin: origin, period: .milliseconds(100))
        _ = schedule.advance(now: origin.advanced(by: .milliseconds(10)))
        _ = schedule.advance(now: origin.advanced(by: .milliseconds(110)))
        schedule.changePeriod(to: .milliseconds(250))
        #expect(schedule.nextDeadline == origin.advanced(by: .milliseconds(350)))
    }
}

@Suite struct BidBookTests {
    let vsp = try! VSPID("vsp-1")

    @Test func bidsForTheOpenRoundAreAcceptedUntilItStarts() {
        var book = BidBook(openRound: RoundNumber(5))
        #expect(book.receive(3, from: vsp, for: RoundNumber(5), registered: true) == .accepted)
        #expect(book.receive(4, from: vsp, for: RoundNumber(5), registered: true) == .accepted)
        let (round, bids) = book.close()
        #expect(round == RoundNumber(5))
        #expect(bids == [vsp: 4], "a later bid replaces the earlier one")
        #expect(book.openRound == RoundNumber(6))
        #expect(book.bids.isEmpty)
    }

    @Test func closedFutureUnregisteredAndInvalidBidsAreRejected() {
        var book = BidBook(openRound: RoundNumber(5))
        #expect(
            book.receive(1, from: vsp, for: RoundNumber(4), registered: true)
                == .rejected(.roundClosed(RoundNumber(4), open: RoundNumber(5))))
        #expect(
            book.receive(1, from: vsp, for: RoundNumber(6), registered: true)
                == .rejected(.roundNotOpen(RoundNumber(6), open: RoundNumber(5))))
        #expect(book.receive(1, from: vsp, for: RoundNumber(5), registered: false) == .rejected(.notRegistered(vsp)))
        #expect(book.receive(-1, from: vsp, for: RoundNumber(5), registered: true) == .rejected(.invalidAmount(-1)))
        #expect(book.receive(.nan, from: vsp, for: RoundNumber(5), registered: true) != .accepted)
        #expect(book.receive(.infinity, from: vsp, for: RoundNumber(5), registered: true) != .accepted)
        #expect(book.bids.isEmpty)
        #expect(book.receive(0, from: vsp, for: RoundNumber(5), registered: true) == .accepted, "a bid of 0 is a bid")
    }
}

@Suite struct RosterBookTests {
    func definition(_ id: String) -> VSPDefinition { VSPDefinition(id: try! VSPID(id), kind: .external) }

    @Test func changesTakeEffectAtTheNextBoundary() throws {
        var roster = RosterBook()
        _ = try roster.add(definition("a"), at: RoundNumber(1)).get()
        #expect(roster.active.isEmpty)
        #expect(roster.upcoming.keys.map(\.rawValue) == ["a"])
        let applied = roster.crossBoundary()
        #expect(applied.map(\.kind) == [.add])
        #expect(roster.active.keys.map(\.rawValue) == ["a"])
        _ = try roster.remove(try VSPID("a"), at: RoundNumber(2)).get()
        #expect(roster.active.count == 1)
        _ = roster.crossBoundary()
        #expect(roster.active.isEmpty)
    }

    @Test func duplicateAddsAndUnknownRemovalsAreRejected() throws {
        var roster = RosterBook()
        _ = try roster.add(definition("a"), at: RoundNumber(1)).get()
        #expect(throws: RosterRejection.alreadyRegistered(try VSPID("a"))) {
            try roster.add(definition("a"), at: RoundNumber(1)).get()
        }
        #expect(throws: RosterRejection.notRegistered(try VSPID("b"))) {
            try roster.remove(try VSPID("b"), at: RoundNumber(1)).get()
        }
        // A second removal before the boundary names the round the first takes effect at.
        _ = roster.crossBoundary()
        _ = try roster.remove(try VSPID("a"), at: RoundNumber(3)).get()
        #expect(throws: RosterRejection.leaving(try VSPID("a"), boundary: RoundNumber(3))) {
            try roster.remove(try VSPID("a"), at: RoundNumber(3)).get()
        }
        #expect(
            RosterRejection.leaving(try VSPID("a"), boundary: RoundNumber(3)).description
                == "VSP 'a' already leaves the roster at round 3")
    }

    @Test func replayAppliesPastEventsAndKeepsFutureOnesPending() {
        let events = [
            RosterEvent(kind: .add, boundary: RoundNumber(0), definition: definition("a")),
            RosterEvent(kind: .add, boundary: RoundNumber(3), definition: definition("b")),
            RosterEvent(kind: .remove, boundary: RoundNumber(5), definition: definition("a")),
            RosterEvent(kind: .add, boundary: RoundNumber(9), definition: definition("c")),
        ]
        let roster = RosterBook(replaying: events, nextRound: RoundNumber(9))
        #expect(roster.active.keys.map(\.rawValue) == ["b"])
        #expect(roster.pending.map(\.definition.id.rawValue) == ["c"])
    }
}

@Suite struct LogFieldTests {
    @Test(arguments: [
        ("round", "DVCG_ROUND"), ("duration_ms", "DVCG_DURATION_MS"), ("policy-checksum", "DVCG_POLICY_CHECKSUM"),
        ("sl.error", "DVCG_SL_ERROR"), ("vsp", "DVCG_VSP"),
    ])
    func metadataKeysBecomeJournaldFieldNames(_ key: String, _ field: String) {
        #expect(JournaldLogHandler.fieldName(key) == field)
    }

    @Test func fieldNamesAreCutAt64Bytes() {
        #expect(JournaldLogHandler.fieldName(String(repeating: "a", count: 100)).utf8.count == 64)
    }
}

@Suite struct DurationTests {
    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("1s", .seconds(1)), ("1.5s", .milliseconds(1500)),
        ("2m", .seconds(120)),
        ("1h", .seconds(3600)),
    ])
    func durationsParse(_ text: String, _ duration: Duration) {
        #expect(YAMLReader.parseDuration(text) == duration)
    }

    @Test(arguments: ["1", "s", "1 s", "-1s", "1sec", "1e3ms", ""])
    func malformedDurationsAreRefused(_ text: String) {
        #expect(YAMLReader.parseDuration(text) == nil)
    }
}

@Suite struct StatusBoardTests {
    func status(lastRound: LastRoundStatus?) -> StatusResponse {
        StatusResponse(
            state: .running, nextRound: 42, periodSeconds: 0.1, secondsToNextRound: 0, vspCount: 10,
            policy: PolicyStatus(
                path: "/etc/dvcg/policy/default.safetensors", version: 3, checksum: "0123456789abcdef",
                loadedAt: "2026-11-29T12:00:00Z"),
            lastRound: lastRound, learning: .frozen, ledgerRounds: 41, ledgerBytes: 1 << 20, uptimeSeconds: 0,
            version: "0.1.0")
    }

    @Test func theSplicedBodyIsWhatJSONEncoderWrites() throws {
        let board = StatusBoard()
        #expect(board.currentBody() == nil)
        let started = Date(timeIntervalSince1970: 1_795_000_000)
        let last = LastRoundStatus(
            round: 41, welfareEstimate: 1234.5, pool: 1300.25, noiseScale: 0.01, durationMilliseconds: 0.4,
            participants: 10)
        for (index, lastRound) in [last, nil].enumerated() {
            board.publish(status(lastRound: lastRound), nextRoundDue: started.addingTimeInterval(3), startedAt: started)
            // Clock values on both sides of the integer, exponent and sub-millisecond cases.
            for offset in [0, 1, 2.5, 3, 3.000_001, 1e-7, 7_200, 1e9 + 0.5] {
                let now = started.addingTimeInterval(offset)
                let spliced = try #require(board.currentBody(at: now))
                let encoded = ControlServer.encodedBody(try #require(board.current(at: now)))
                #expect(spliced == encoded, "case \(index), \(offset) s after start")
                let decoded = try JSONDecoder().decode(StatusResponse.self, from: Data(spliced))
                #expect(decoded.uptimeSeconds == max(0, now.timeIntervalSince(started)))
                #expect(decoded.secondsToNextRound == max(0, 3 - now.timeIntervalSince(started)))
            }
        }
    }

    @Test func aDeadlineThatHasPassedCountsDownToTheNextTickOfThePeriod() {
        let due = Date(timeIntervalSince1970: 1_795_000_000)
        let period = Duration.milliseconds(100)
        #expect(Auctioneer.nextTick(after: due.addingTimeInterval(-0.04), due: due, period: period) == due)
        #expect(Auctioneer.nextTick(after: due, due: due, period: period) == due.addingTimeInterval(0.1))
        for (late, expected) in [(0.001, 0.1), (0.0999, 0.1), (0.25, 0.3), (1.05, 1.1)] {
            let next = Auctioneer.nextTick(after: due.addingTimeInterval(late), due: due, period: period)!
            #expect(abs(next.timeIntervalSince(due) - expected) < 1e-6, "\(late) s late")
        }
        #expect(Auctioneer.nextTick(after: due, due: nil, period: period) == nil)
    }

    @Test func numbersAreWrittenAsJSONEncoderWritesThem() throws {
        struct Box: Encodable { var a: Double }
        var generator = SeededGenerator(seed: 7)
        var values: [Double] = [0, 1, 5, 100, 0.1, 1e-5, 1.5e-7, 123_456_789_012, 1e15, 1e16, 1e17, 1e21, 2.5e22]
        values += (0..<2_000).map { _ in Double.random(in: 0...1e7, using: &generator) }
        values += (0..<2_000).map { Double($0) / 8 }
        for value in values {
            let encoded = try JSONEncoder().encode(Box(a: value))
            #expect(String(decoding: encoded, as: UTF8.self) == "{\"a\":\(StatusBoard.jsonNumber(value))}")
        }
    }
}
