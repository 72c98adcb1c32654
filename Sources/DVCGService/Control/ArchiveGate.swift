/// One archive request at a time: planning, listing and deleting archived rounds wait for a deletion in
/// progress.
///
/// `dvcgctl archive` writes `FILE.part`, asks the daemon to delete the rows it holds, then renames it; a
/// later run finds a `.part` left by a killed run and keeps it only if `GET /v1/archives` records it. The
/// deletion keeps running after its client is gone, and records the file only after it has serialised the
/// rows again (about a second at 30,000 entries), so without this gate a second run could list the
/// archives before the first's record existed, drop its `.part`, and then see its rows disappear: the
/// only copy of those rows lost. With it, the list answers only after the deletion has finished.
actor ArchiveGate {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Runs `body` when no other archive request runs, first come first served.
    nonisolated func serialised<T>(_ body: () async throws -> T) async throws -> T {
        await enter()
        do {
            let value = try await body()
            await leave()
            return value
        } catch {
            await leave()
            throw error
        }
    }

    private func enter() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func leave() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }
}
