import DVCGCheckpoint
import DVCGControl
import DVCGCore
import DVCGMechanism
import Foundation

extension Auctioneer {
    /// The daemon's version, as `GET /v1/status` reports it: ``DVCGVersion/string``.
    public static let version = DVCGVersion.string
}

extension StatusResponse {
    /// The VSPs on the roster whose standing is not of `round`: they took no part in it; nil when none.
    static func absent(from state: AuctionState, in round: RoundNumber) -> [VSPID]? {
        let absent = state.roster.active.keys.filter { state.standings[$0]?.round != round }
        return absent.isEmpty ? nil : absent.sorted()
    }

    /// The last committed round as status reports it (and `POST /v1/rounds` answers it), nil before the first.
    static func lastRound(of state: AuctionState) -> LastRoundStatus? {
        state.committed.flatMap { committed in
            committed.summary.map { summary in
                LastRoundStatus(
                    round: committed.round.value, welfareEstimate: summary.welfareEstimate, pool: summary.pool,
                    noiseScale: summary.noiseScale, durationMilliseconds: summary.duration.inSeconds * 1e3,
                    participants: summary.participants, efficiencyEstimate: summary.efficiencyEstimate,
                    trueEfficiency: summary.trueEfficiency, fittedVSPs: summary.fittedVSPs,
                    taxedAboveBid: summary.taxedAboveBid.isEmpty ? nil : summary.taxedAboveBid,
                    atShareFloor: summary.atShareFloor.isEmpty ? nil : summary.atShareFloor,
                    restored: committed.restored ? true : nil,
                    absent: absent(from: state, in: committed.round),
                    committedAt: summary.committedAt.map { ISO8601DateFormatter().string(from: $0) })
            }
        }
    }

    /// `GET /v1/status` for an auction at `now`.
    init(_ snapshot: AuctionSnapshot, now: Date) {
        let state = snapshot.state
        let period = snapshot.period.inSeconds
        let toNext = state.paused ? 0 : max(0, snapshot.nextRoundDue.map { $0.timeIntervalSince(now) } ?? period)
        var bytes: UInt64 = 0
        for suffix in ["", "-wal"] {
            let attributes = try? FileManager.default.attributesOfItem(atPath: snapshot.ledgerPath + suffix)
            bytes += (attributes?[.size] as? NSNumber)?.uint64Value ?? 0
        }
        let formatter = ISO8601DateFormatter()
        let lastRound = Self.lastRound(of: state)
        let fault = state.ledgerHealth.fault
        self.init(
            state: fault != nil ? .degraded : state.paused ? .paused : .running,
            nextRound: state.bidBook.openRound.value, periodSeconds: period,
            secondsToNextRound: toNext, vspCount: state.roster.active.count,
            policy: PolicyStatus(
                path: snapshot.policyPath, version: PolicyCheckpoint.formatVersion, checksum: snapshot.policyChecksum,
                loadedAt: formatter.string(from: snapshot.policyLoadedAt),
                untrained: snapshot.policyUntrained ? true : nil),
            lastRound: lastRound, learning: snapshot.learns ? .online : .frozen,
            ledgerRounds: state.committed.map {
                let span = $0.round.value - min($0.round.value, snapshot.ledgerFirstRound ?? 1) + 1
                return span - min(span, snapshot.ledgerMissingRounds)
            }
                ?? 0,
            ledgerBytes: bytes,
            uptimeSeconds: max(0, now.timeIntervalSince(snapshot.startedAt)), version: Auctioneer.version,
            skippedTicks: state.skippedTicks,
            lastReload: state.lastReload.map {
                ReloadStatus(
                    outcome: $0.succeeded ? .ok : .failed, message: $0.message, at: formatter.string(from: $0.at))
            },
            degraded: fault.map {
                DegradedStatus(
                    reason: $0.reason, since: formatter.string(from: $0.since), failedWrites: $0.failedWrites)
            },
            safeguard: state.committed?.summary?.serving.map {
                SafeguardStatus(serving: $0.rawValue, switches: state.committed?.summary?.safeguardSwitches ?? 0)
            }, ledgerFirstRound: snapshot.ledgerFirstRound)
    }
}

extension VSPListResponse {
    /// `GET /v1/vsps`: the current roster and the queued changes, sorted by id.
    init(_ snapshot: AuctionSnapshot) {
        let roster = snapshot.state.roster
        let upcoming = roster.upcoming
        let ids = Set(roster.active.keys).union(upcoming.keys).sorted()
        let lastRound = snapshot.state.committed?.round
        let vsps = ids.map { id -> VSPInfo in
            let definition = roster.active[id] ?? upcoming[id]
            let status: VSPStatus = roster.active[id] == nil ? .joining : (upcoming[id] == nil ? .leaving : .active)
            var kind = VSPKind.external
            if case .simulated = definition?.kind { kind = .simulated }
            let standing = snapshot.state.standings[id]
            let lastShares = standing.flatMap { $0.round == lastRound ? $0.shares : nil }
            return VSPInfo(
                id: id, kind: kind, status: status,
                share: lastShares ?? Array(repeating: 0, count: snapshot.resources.count),
                lastBid: standing?.bid, lastTax: standing?.tax, alphaHat: standing?.alphaHat,
                voiFitted: standing?.voiFitted, lastRound: standing?.round.value)
        }
        self.init(resources: snapshot.resources.map(\.name), vsps: vsps, round: lastRound?.value)
    }
}
