import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The readers `dvcg bench control --dumps N --idle M` puts on dvcgd: `N` connections that dump the whole ledger
/// (`GET /v1/ledger`, read as fast as they arrive) one after another, and `M` connections that connect and
/// send nothing.
///
/// One thread drives every dump with poll(2), as ``StatusProbe`` does the status clients; the idle connections
/// are only held open.
final class ReaderLoad: @unchecked Sendable {
    // @unchecked: `outcome` is written by the load thread and read by `stop()` only after the thread has
    // signalled `finished`; `stopping` and the descriptors are touched under `lock`.
    private let socket: String
    private let dumps: Int
    private let lock = NSLock()
    private var stopping = false
    private var idle: [Int32] = []
    private let finished = DispatchSemaphore(value: 0)
    private var outcome = Outcome()

    /// What the readers did.
    struct Outcome: Codable {
        /// Dumps read to their end.
        var dumpsCompleted = 0
        /// Bytes of ledger received.
        var dumpBytes = 0
        /// Dumps that did not start with `HTTP/1.1 200` or could not connect.
        var dumpFailures = 0
        /// Idle connections opened.
        var idleOpened = 0
        /// Idle connections still open when the load stopped (the others were closed by dvcgd or refused).
        var idleHeld = 0
    }

    private static let request = Array("GET /v1/ledger HTTP/1.1\r\nHost: dvcgd\r\nConnection: close\r\n\r\n".utf8)

    /// Readers on the daemon at `socket`; nothing runs before ``start(idle:)``.
    init(socket: String, dumps: Int) {
        self.socket = socket
        self.dumps = dumps
    }

    /// Opens `idle` silent connections, then starts the dumps on their thread.
    func start(idle count: Int) {
        for _ in 0..<count {
            if let descriptor = UnixSocketClient.connect(to: socket) { idle.append(descriptor) }
        }
        outcome.idleOpened = idle.count
        let thread = Thread { [self] in
            runDumps()
            finished.signal()
        }
        thread.start()
    }

    /// Stops the dumps, counts the idle connections dvcgd kept, closes everything.
    func stop() -> Outcome {
        lock.withLock { stopping = true }
        finished.wait()
        var held = 0
        for descriptor in idle {
            var probe = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            // Readable on an idle connection means closed (or a refusal before the close): not held.
            if poll(&probe, 1, 0) == 0 { held += 1 }
            close(descriptor)
        }
        outcome.idleHeld = held
        return outcome
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    /// Keeps `dumps` ledger dumps going until stopped.
    private func runDumps() {
        guard dumps > 0 else {
            while !isStopping { usleep(20_000) }
            return
        }
        var descriptors = [Int32](repeating: -1, count: dumps)
        var heads = [[UInt8]](repeating: [], count: dumps)
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        func open(_ index: Int) {
            guard let descriptor = UnixSocketClient.connect(to: socket) else {
                outcome.dumpFailures += 1
                descriptors[index] = -1
                return
            }
            let sent = Self.request.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
            if sent != Self.request.count { outcome.dumpFailures += 1 }
            descriptors[index] = descriptor
            heads[index] = []
        }
        for index in 0..<dumps { open(index) }
        while !isStopping {
            var set = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&set, nfds_t(set.count), 50)
            if ready < 0, errno != EINTR { break }
            for index in set.indices where set[index].fd >= 0 && set[index].revents != 0 {
                let count = recv(set[index].fd, &scratch, scratch.count, 0)
                if count > 0 {
                    outcome.dumpBytes += count
                    if heads[index].count < 12 { heads[index] += scratch[0..<min(count, 12 - heads[index].count)] }
                    continue
                }
                // The end of a dump (the daemon closes after it) or a failure: count it, start the next.
                close(set[index].fd)
                if heads[index].starts(with: Array("HTTP/1.1 200".utf8)) {
                    outcome.dumpsCompleted += 1
                } else {
                    outcome.dumpFailures += 1
                }
                open(index)
            }
            for index in descriptors.indices where descriptors[index] < 0 { open(index) }
        }
        for descriptor in descriptors where descriptor >= 0 { close(descriptor) }
    }
}
