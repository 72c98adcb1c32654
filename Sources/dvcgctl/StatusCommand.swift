import ArgumentParser
import DVCGCommandLine
import DVCGControl
import DVCGCore
import Foundation

/// `dvcgctl status`: the daemon's state, round, policy and last round.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the daemon's state, round, policy, last round and ledger.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let status = try await global.client.send(ControlAPI.Status.self)
        if global.json { return try printJSON(status) }
        var pairs: [(String, String)] = [
            ("state", status.state.rawValue),
            (
                "next round",
                status.state == .paused
                    ? "\(status.nextRound) when resumed (paused; dvcgctl round runs it now)"
                    : "\(status.nextRound) in \(format(status.secondsToNextRound, digits: 2)) s"
            ),
            ("period", "\(format(status.periodSeconds, digits: 3)) s"),
            ("VSPs", "\(status.vspCount) on the roster"),
            ("learning", status.learning.rawValue),
            (
                "policy",
                "\(status.policy.path) (v\(status.policy.version), checksum \(status.policy.checksum), loaded \(status.policy.loadedAt))"
            ),
        ]
        if status.policy.untrained == true {
            pairs.append(
                (
                    "warning",
                    "the policy is untrained (dvcg init-policy): its allocation and welfare estimate mean nothing until it is trained"
                ))
        }
        if let last = status.lastRound {
            pairs += [
                (
                    "last round",
                    "\(last.round)\(last.committedAt.map { " (committed \($0))" } ?? ""): \(last.participants) VSPs took part\(absent(last, of: status.vspCount)), welfare estimate \(format(last.welfareEstimate, digits: 2)) VC, pool \(format(last.pool, digits: 2)) VC"
                ),
                ("noise scale", format(last.noiseScale, digits: 4)),
            ]
            var efficiency: [String] = []
            if let estimate = last.efficiencyEstimate {
                // The estimate is the bank's VoI nets' own: while half or more of them have not learnt their VSP
                // it says little (1.000 beside a true 0.818 in the first rounds), so it is withheld; below half, it
                // is shown with a caveat. `--json` always carries the number.
                let unfitted = last.fittedVSPs.map { last.participants - $0 } ?? 0
                if unfitted > 0, 2 * unfitted >= last.participants {
                    efficiency.append(
                        "estimate withheld: the VoI nets of \(unfitted) of the \(last.participants) VSPs are not fitted yet"
                    )
                } else {
                    let caveat =
                        unfitted > 0
                        ? " (by VoI nets of which \(unfitted) \(unfitted == 1 ? "is" : "are") not fitted yet: a rough guide)"
                        : ""
                    efficiency.append("estimate \(format(estimate, digits: 3))\(caveat)")
                }
            }
            if let truth = last.trueEfficiency {
                efficiency.append("true \(format(truth, digits: 3)) (simulated VSPs)")
            } else {
                // Said, not left out: a reader who saw `true` yesterday should not wonder where it went.
                efficiency.append(
                    "true not known (only for a round of simulated VSPs, up to 1,000: an external VSP's utility is its own)"
                )
            }
            if !efficiency.isEmpty { pairs.append(("efficiency", efficiency.joined(separator: ", "))) }
            if let fitted = last.fittedVSPs {
                // Of the round's participants: a roster VSP without a bid has no row to count (dvcgctl vsps lists it).
                pairs.append(("VoI fitted", "\(fitted) of the \(last.participants) VSPs in round \(last.round)"))
            }
            if let taxed = last.taxedAboveBid, !taxed.isEmpty {
                pairs.append(("warning", "taxed above their bid in round \(last.round): \(names(taxed))"))
            }
            if let floored = last.atShareFloor, !floored.isEmpty {
                pairs.append(
                    (
                        "warning",
                        "at the share floor s_min for many rounds (log.floor_warning_rounds): \(names(floored))"
                    ))
            }
            pairs += [
                (
                    "round duration",
                    last.restored == true
                        ? "\(format(last.durationMilliseconds, digits: 3)) ms from its start to its ledger write "
                            + "(committed before the restart; the commit and the VoI fit after it not included)"
                        : "\(format(last.durationMilliseconds, digits: 3)) ms (the VoI fit after it not included)"
                )
            ]
        } else {
            pairs.append(("last round", "none yet"))
        }
        if let degraded = status.degraded {
            pairs.append(
                (
                    "degraded",
                    "since \(degraded.since), \(degraded.failedWrites) failed writes: \(degraded.reason) (rounds retried every tick; bids, reports and roster changes refused)"
                ))
        }
        if let safeguard = status.safeguard {
            pairs.append(
                (
                    "safeguard",
                    "serving \(safeguard.serving), \(safeguard.switches) switch\(safeguard.switches == 1 ? "" : "es")"
                ))
        }
        pairs.append(("skipped ticks", "\(status.skippedTicks)"))
        if let reload = status.lastReload {
            // One line: a refusal of several problems shows the first and how many more (dvcgctl reload lists all).
            let problems = reload.message.split(separator: "\n")
            let more = problems.count > 1 ? " (and \(problems.count - 1) more; dvcgd --check-config lists all)" : ""
            pairs.append(
                ("last reload", "\(reload.outcome.rawValue) at \(reload.at): \(problems.first ?? "")\(more)"))
        }
        pairs += [
            (
                "ledger",
                ledgerRounds(status) + ", \(format(Double(status.ledgerBytes) / 1_048_576, digits: 1)) MiB"
            ),
            ("uptime", "\(format(status.uptimeSeconds, digits: 0)) s"),
            ("version", status.version),
        ]
        print(keyValueLines(pairs))
    }

    /// Ids as a list for people, the first 10 and a count of the rest.
    func names(_ ids: [VSPID]) -> String {
        ids.prefix(10).map(\.rawValue).joined(separator: ", ") + (ids.count > 10 ? " and \(ids.count - 10) more" : "")
    }

    /// Why fewer VSPs took part in the last round than are on the roster, or nothing.
    /// ` (2 of the roster did not: ext-1, fleet-7; see dvcgctl vsps for why)`, the first five by name.
    func absent(_ last: LastRoundStatus, of roster: Int) -> String {
        guard let absent = last.absent, !absent.isEmpty else {
            guard last.participants < roster else { return "" }
            return " (\(roster - last.participants) of the roster did not: no bid, or joined since; see dvcgctl vsps)"
        }
        let named = absent.map(\.rawValue).sorted(by: naturalOrder)
        let shown = named.prefix(5).joined(separator: ", ") + (named.count > 5 ? " and \(named.count - 5) more" : "")
        return " (\(absent.count) of the roster did not: \(shown); see dvcgctl vsps for why)"
    }
}

/// The ledger's rounds for people: `612 rounds`, `463 rounds (150...612; older ones archived)`, or with archived
/// rounds between the oldest and the last, `453 rounds (150...612, 10 of them archived; ...)`.
func ledgerRounds(_ status: StatusResponse) -> String {
    guard let first = status.ledgerFirstRound, status.ledgerRounds > 0 else {
        return counted(Int(status.ledgerRounds), "round")
    }
    let last = status.lastRound?.round ?? first + UInt64(status.ledgerRounds) - 1
    let span = last >= first ? last - first + 1 : 0
    let inside = span > UInt64(status.ledgerRounds) ? span - UInt64(status.ledgerRounds) : 0
    guard first > 1 || inside > 0 else { return counted(Int(status.ledgerRounds), "round") }
    var parts = ["\(first)...\(last)"]
    if inside > 0 { parts[0] += ", \(inside) of them archived" }
    if first > 1 { parts.append("older ones archived") }
    return "\(counted(Int(status.ledgerRounds), "round")) (\(parts.joined(separator: "; ")))"
}
