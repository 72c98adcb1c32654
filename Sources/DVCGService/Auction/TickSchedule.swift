/// When rounds start: ticks at `origin + k * period` on a monotonic clock, so rounds never drift.
///
/// A round that overruns its period makes the schedule skip the ticks already past; they are never
/// queued. Round numbers are not ticks: the next round after an overrun still gets the next number.
public struct TickSchedule<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// The first tick.
    public private(set) var origin: Instant
    /// The period T_s.
    public private(set) var period: Duration
    /// The index of the next tick.
    public private(set) var nextTick: Int64 = 0

    /// A schedule whose first tick is `origin`.
    public init(origin: Instant, period: Duration) {
        self.origin = origin
        self.period = period
    }

    /// The instant of the next tick.
    public var nextDeadline: Instant { origin.advanced(by: period * nextTick) }

    /// Moves past the tick that just fired, given the time now.
    ///
    /// - Returns: How many ticks were skipped because `now` is already past them (0 without overrun).
    public mutating func advance(now: Instant) -> Int64 {
        nextTick += 1
        let elapsed = origin.duration(to: now)
        guard elapsed >= period * nextTick else { return 0 }
        let due = Int64(elapsed / period) + 1
        let skipped = due - nextTick
        nextTick = due
        return skipped
    }

    /// Changes the period from the next tick on: the next tick is one new period after the last one.
    public mutating func changePeriod(to newPeriod: Duration) {
        origin = origin.advanced(by: period * (nextTick - 1))
        period = newPeriod
        nextTick = 1
    }
}
