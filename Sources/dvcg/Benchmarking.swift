import DVCGCore
import Foundation

/// The median duration of `body` over `repetitions` runs after `warmUp` untimed runs, in microseconds.
func measure(repetitions: Int, warmUp: Int, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<warmUp { try body() }
    let clock = ContinuousClock()
    var samples: [Double] = []
    samples.reserveCapacity(repetitions)
    for _ in 0..<repetitions {
        let start = clock.now
        try body()
        samples.append(microseconds(clock.now - start))
    }
    return median(samples)
}

/// A duration in microseconds.
func microseconds(_ duration: Duration) -> Double { duration.inSeconds * 1e6 }

/// The median of `values` (the mean of the middle two for an even count); 0 for none.
func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/// The `p` quantile (0...1) of ascending `sorted` values, nearest rank below: `sorted[Int(count * p)]`,
/// clamped to the last value; 0 for none.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}
