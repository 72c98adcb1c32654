/// A one-shot signal: waiters resume once it is raised (the control socket is listening).
public actor Readiness {
    private var raised = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// A signal not yet raised.
    public init() {}

    /// Raises the signal; later calls do nothing.
    public func raise() {
        guard !raised else { return }
        raised = true
        for waiter in waiters { waiter.resume() }
        waiters = []
    }

    /// Returns once the signal is raised.
    public func wait() async {
        if raised { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}
