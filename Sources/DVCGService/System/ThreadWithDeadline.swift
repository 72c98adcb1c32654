import DVCGCore
import Dispatch
import Foundation
import Synchronization

/// Runs work that may block in the kernel (a read on a hung network mount) on a thread of its own, and gives up
/// waiting for it at a deadline.
///
/// A thread blocked in `read(2)` cannot be cancelled; after the deadline its result is dropped and the thread is
/// counted in ``abandonedStillRunning`` until the call returns, so that a caller can refuse to start more of
/// them. Whoever awaits ``run(within:_:)`` holds no thread meanwhile: the auction's thread and Swift's pool go
/// on.
final class ThreadWithDeadline: Sendable {
    /// Work given up on at its deadline whose thread has not returned yet.
    private let abandoned = Mutex(0)

    /// No work yet.
    init() {}

    /// How many abandoned calls are still blocked.
    var abandonedStillRunning: Int { abandoned.withLock { $0 } }

    /// `work`'s result, or `nil` when it has not returned within `deadline` (it is then abandoned).
    func run<T: Sendable>(within deadline: Duration, _ work: @escaping @Sendable () -> T) async -> T? {
        await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            // Exactly one of the thread and the timer resumes the continuation; the other finds it taken.
            let pending = Pending(continuation)
            let thread = Thread {
                let value = work()
                if let waiting = pending.take() {
                    waiting.resume(returning: value)
                } else {
                    self.abandoned.withLock { $0 -= 1 }
                }
            }
            thread.name = "dvcgd-reload"
            thread.start()
            DispatchQueue.global().asyncAfter(deadline: .now() + deadline.inSeconds) {
                // Counted under the lock the thread decrements with, so the count never goes below zero.
                self.abandoned.withLock { count in
                    guard let waiting = pending.take() else { return }
                    count += 1
                    waiting.resume(returning: nil)
                }
            }
        }
    }

    /// A continuation that is taken once.
    private final class Pending<T: Sendable>: Sendable {
        private let slot: Mutex<CheckedContinuation<T?, Never>?>

        init(_ continuation: CheckedContinuation<T?, Never>) { slot = Mutex(continuation) }

        /// The continuation the first time, `nil` after.
        func take() -> CheckedContinuation<T?, Never>? { slot.withLock { $0.take() } }
    }
}
