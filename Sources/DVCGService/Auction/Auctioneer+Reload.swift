import DVCGCore
import DVCGMechanism
import Foundation
import Logging

/// Why a reload was refused; the previous configuration and policy keep serving in every case.
public enum ReloadRefusal: Sendable, Equatable {
    /// The configuration or the policy is invalid, unreadable or not read within the deadline.
    case invalid
    /// Another reload is between its RELOADING=1 and its READY=1, or a previous one's read is still stuck.
    case inProgress
    /// The ledger cannot record the reload in `policy_events`; an unrecorded policy is never served.
    case ledgerUnavailable
}

/// The outcome of a reload.
public struct ReloadResult: Sendable, Equatable {
    /// What was loaded, or why nothing was.
    public var message: String
    /// The policy file tried.
    public var policyPath: String
    /// Its checksum when it was read.
    public var checksum: String?
    /// Why it was refused; `nil` when the new configuration and policy are in force.
    public var refusal: ReloadRefusal?

    /// Whether the new configuration and policy are in force.
    public var succeeded: Bool { refusal == nil }
}

/// What a reload read and validated off the auction's thread.
struct ReloadCandidate: Sendable {
    /// The new configuration (the current one when the daemon has no configuration file).
    var configuration: DaemonConfiguration
    /// The new policy, validated for the configuration's K.
    var policy: LoadedPolicy
    /// What the reload changes, for its message (``ReloadRequest/changes(from:to:fileVSPs:)``); empty when it
    /// re-reads the policy alone.
    var changes: [String] = []
}

/// What a reload starts from: the current configuration and the file it came from.
struct ReloadRequest: Sendable {
    /// The configuration in force.
    var configuration: DaemonConfiguration
    /// The file to re-read, `nil` to keep the configuration and re-read only its policy.
    var configurationPath: String?

    /// Reads and validates the configuration file and the policy it names: regular files only, within their
    /// size limits. Blocking reads happen here, never on the auction's thread.
    ///
    /// - Returns: The candidate, or the refusal's message (`file: reason`).
    func prepare() -> Result<ReloadCandidate, ReloadFailure> {
        let current = configuration
        var next = current
        if let configurationPath {
            do {
                next = try ConfigurationLoader.load(path: configurationPath)
            } catch {
                return .failure(ReloadFailure(message: error.description, policyPath: current.policyPath))
            }
            for (name, changed) in [
                ("resources", next.resources != current.resources),
                ("state_directory", next.stateDirectory != current.stateDirectory),
                ("control", next.control != current.control),
            ] where changed {
                return .failure(
                    ReloadFailure(
                        message: ConfigurationLoader.issue(
                            at: name, file: configurationPath, message: "changing it needs a restart"
                        ).description,
                        policyPath: current.policyPath))
            }
        }
        do {
            let policy = try LoadedPolicy.load(
                path: next.policyPath, resourceCount: next.resources.count,
                maximumBytes: next.reload.maximumPolicyBytes)
            let fileVSPs = next.vsps
            next.vsps = current.vsps
            let changes = configurationPath == nil ? [] : Self.changes(from: current, to: next, fileVSPs: fileVSPs)
            // What applies at the next start only stays as it is in force (the seed of the simulated reports, the
            // log's sink and level, the metrics listener), so that the next reload is compared with what runs.
            next.seed = current.seed
            (next.log.target, next.log.level) = (current.log.target, current.log.level)
            next.metrics = current.metrics
            return .success(ReloadCandidate(configuration: next, policy: policy, changes: changes))
        } catch {
            return .failure(ReloadFailure(message: error.description, policyPath: next.policyPath))
        }
    }
}

extension ReloadRequest {
    /// What a reload from `old` (in force) to `new` (the file) changes, as the reload's message lists it: a
    /// value with its old and new one (`period 1.000 s -> 0.250 s`, `mechanism.noise true -> false`, `log.level
    /// info -> debug`), a section by its name (`learning`, `ledger`), what applies at the next start only said
    /// so, and a note when the file's `vsps:` differ from the roster it started with: the YAML roster is read at
    /// the first start only (docs/dvcgd.md, "Policies and reload").
    static func changes(
        from old: DaemonConfiguration, to new: DaemonConfiguration, fileVSPs: [VSPDefinition]
    ) -> [String] {
        var changes: [String] = []
        if old.period != new.period {
            // As dvcgctl status and the log print a period: `1.000 s -> 0.250 s`.
            func seconds(_ period: Duration) -> String { String(format: "%.3f s", period.inSeconds) }
            changes.append("period \(seconds(old.period)) -> \(seconds(new.period))")
        }
        if old.seed != new.seed { changes.append("seed \(old.seed) -> \(new.seed) (applies at the next start)") }
        if old.policyPath != new.policyPath { changes.append("policy path") }
        // `mechanism:` sets these five fields; `learning:` the rest of MechanismConfiguration and the checkpoint.
        var learningOnly = old.mechanism
        learningOnly.chargesInterest = new.mechanism.chargesInterest
        learningOnly.addsNoise = new.mechanism.addsNoise
        learningOnly.alphaMethod = new.mechanism.alphaMethod
        learningOnly.exactCounterfactualLimit = new.mechanism.exactCounterfactualLimit
        learningOnly.minimumShare = new.mechanism.minimumShare
        // Each mechanism field by its dvcgd.yaml(5) name with its old and new value (the second tour of 2026-12-04
        // read just "mechanism" and could not tell which of the taxes' settings moved).
        func alpha(_ method: AlphaEstimator.Method) -> String { method == .ratio ? "ratio" : "least_squares" }
        for (name, before, after) in [
            ("interest", "\(old.mechanism.chargesInterest)", "\(new.mechanism.chargesInterest)"),
            ("noise", "\(old.mechanism.addsNoise)", "\(new.mechanism.addsNoise)"),
            ("alpha_estimator", alpha(old.mechanism.alphaMethod), alpha(new.mechanism.alphaMethod)),
            (
                "exact_counterfactuals_up_to", "\(old.mechanism.exactCounterfactualLimit)",
                "\(new.mechanism.exactCounterfactualLimit)"
            ),
            ("minimum_share", "\(old.mechanism.minimumShare)", "\(new.mechanism.minimumShare)"),
        ] where before != after {
            changes.append("mechanism.\(name) \(before) -> \(after)")
        }
        if old.mechanism.learns != new.mechanism.learns {
            func mode(_ learns: Bool) -> String { learns ? "online" : "frozen" }
            changes.append("learning.mode \(mode(old.mechanism.learns)) -> \(mode(new.mechanism.learns))")
        }
        var otherLearning = learningOnly
        otherLearning.learns = new.mechanism.learns
        if otherLearning != new.mechanism || old.checkpoint != new.checkpoint {
            changes.append(old.mechanism.learns == new.mechanism.learns ? "learning" : "learning (other settings)")
        }
        let nextStart = " (applies at the next start)"
        if old.log.target != new.log.target {
            changes.append("log.target \(old.log.target.rawValue) -> \(new.log.target.rawValue)\(nextStart)")
        }
        if old.log.level != new.log.level {
            changes.append("log.level \(old.log.level.rawValue) -> \(new.log.level.rawValue)\(nextStart)")
        }
        if old.log.floorWarningRounds != new.log.floorWarningRounds {
            changes.append("log.floor_warning_rounds \(old.log.floorWarningRounds) -> \(new.log.floorWarningRounds)")
        }
        for (name, changed) in [("reload", old.reload != new.reload), ("ledger", old.ledger != new.ledger)]
        where changed {
            changes.append(name)
        }
        if old.metrics != new.metrics {
            func address(_ metrics: MetricsConfiguration) -> String { metrics.listen?.description ?? "none" }
            changes.append("metrics.listen \(address(old.metrics)) -> \(address(new.metrics))\(nextStart)")
        }
        if fileVSPs != old.vsps {
            changes.append(
                "vsps edited but not applied: the file's roster is read at the first start only "
                    + "(dvcgctl add-vsp and remove-vsp change it)")
        }
        return changes
    }
}

/// Why a reload's preparation failed.
struct ReloadFailure: Error, Sendable {
    /// `file: reason`.
    var message: String
    /// The policy file tried.
    var policyPath: String
    /// Its checksum when it was read.
    var checksum: String?
}

extension Auctioneer {
    /// Re-reads the configuration file and the policy it names, validates both completely off the auction's
    /// thread, and swaps them in between two rounds; on any failure everything stays as it was and the result
    /// says why.
    ///
    /// Sends RELOADING=1 with MONOTONIC_USEC first and READY=1 with a STATUS= saying the outcome last. Rounds,
    /// watchdog pings and the control API go on while the files are read; a read that does not finish within
    /// `reload.deadline` is abandoned with a refusal. A reload is recorded in `policy_events` before its policy
    /// serves: when the ledger cannot record it, it is refused.
    public nonisolated func reload(trigger: String) async -> ReloadResult {
        await reload(trigger: trigger) { $0.prepare() }
    }

    /// ``reload(trigger:)`` with the reading and validation given by the caller (tests make it block).
    nonisolated func reload(
        trigger: String,
        preparing prepare: @escaping @Sendable (ReloadRequest) -> Result<ReloadCandidate, ReloadFailure>
    ) async -> ReloadResult {
        let request: ReloadRequest
        switch await beginReload(trigger: trigger) {
        case .started(let started): request = started
        case .refused(let refusal): return refusal
        }
        let deadline = request.configuration.reload.deadline
        let prepared =
            await reloadThread.run(within: deadline) { prepare(request) }
            ?? .failure(
                ReloadFailure(
                    message:
                        "reading and validating the configuration and \(request.configuration.policyPath) did not finish within \(deadline) (reload.deadline); abandoned",
                    policyPath: request.configuration.policyPath))
        return await finishReload(prepared, trigger: trigger)
    }

    /// Whether a reload could start.
    private enum ReloadStart {
        /// RELOADING=1 is sent; the files are to be read.
        case started(ReloadRequest)
        /// Another reload is under way.
        case refused(ReloadResult)
    }

    /// Marks a reload as started and sends RELOADING=1, unless one is already under way.
    private func beginReload(trigger: String) -> ReloadStart {
        func refused(_ message: String) -> ReloadStart {
            logger.warning("reload refused", metadata: ["trigger": "\(trigger)", "error": "\(message)"])
            return .refused(
                ReloadResult(message: message, policyPath: policy.path, checksum: nil, refusal: .inProgress))
        }
        if let other = reloadInProgress { return refused("a reload (\(other)) is already in progress") }
        let stuck = reloadThread.abandonedStillRunning
        guard stuck == 0 else {
            return refused("a previous reload's read is still blocked in the kernel; not starting another")
        }
        reloadInProgress = trigger
        notifier.notify(SystemdNotifier.reloadingMessage())
        return .started(ReloadRequest(configuration: configuration, configurationPath: configurationPath))
    }

    /// Between two rounds: checks the candidate against the engine, records the outcome in `policy_events`, swaps
    /// configuration and policy when both succeeded, and sends READY=1 with the outcome.
    private func finishReload(_ prepared: Result<ReloadCandidate, ReloadFailure>, trigger: String) -> ReloadResult {
        reloadInProgress = nil
        var result: ReloadResult
        var changes: [String] = []
        switch prepared {
        case .failure(let failure):
            result = ReloadResult(
                message: failure.message, policyPath: failure.policyPath, checksum: failure.checksum, refusal: .invalid)
        case .success(let candidate):
            result = swap(to: candidate, trigger: trigger)
            changes = candidate.changes
        }
        if result.refusal == .invalid {
            do {
                try ledger.recordPolicyEvent(
                    path: result.policyPath, checksum: result.checksum, outcome: "refused",
                    message: "\(trigger): \(result.message)")
            } catch {
                logger.error(
                    "cannot record the refused reload in the ledger", metadata: ["error": "\(error)"])
            }
        }
        metrics.reloadTried(succeeded: result.succeeded)
        state.lastReload = ReloadRecord(succeeded: result.succeeded, message: result.message, at: Date())
        let status =
            result.succeeded
            ? "reloaded: \(result.message)" : "reload failed, serving the previous policy: \(result.message)"
        notifier.notify("READY=1\nSTATUS=\(status)")
        publishStatus()
        if result.succeeded {
            var metadata: Logger.Metadata = [
                "trigger": "\(trigger)", "policy": "\(result.policyPath)", "policy_checksum": "\(policy.checksum)",
            ]
            if !changes.isEmpty { metadata["changed"] = "\(changes.joined(separator: ", "))" }
            logger.notice("reloaded", metadata: metadata)
            if policy.isUntrained { Self.warnUntrained(policy, logger: logger) }
        } else {
            logger.error(
                "reload failed; keeping the previous configuration and policy",
                metadata: ["trigger": "\(trigger)", "error": "\(result.message)", "policy": "\(policy.path)"])
        }
        return result
    }

    /// Warns that `policy` is untrained: served, but its allocation is the networks' initialisation's.
    static func warnUntrained(_ policy: LoadedPolicy, logger: Logger) {
        logger.warning(
            "serving an untrained policy (its metadata says untrained: true): its networks are a random initialisation",
            metadata: ["policy": "\(policy.path)", "policy_checksum": "\(policy.checksum)", "untrained": "true"])
    }

    /// Puts the candidate in force once the engine takes its policy and the ledger has recorded it.
    private func swap(to candidate: ReloadCandidate, trigger: String) -> ReloadResult {
        let newPolicy = candidate.policy
        var newEngine = engine
        do {
            try newEngine.replacePolicy(newPolicy.checkpoint)
        } catch {
            return ReloadResult(
                message: "\(newPolicy.path): \(error)", policyPath: newPolicy.path, checksum: newPolicy.checksum,
                refusal: .invalid)
        }
        newEngine.configuration = candidate.configuration.mechanism
        // A reload that changes nothing says so (third tour), rather than only naming the policy it loaded again.
        let changes =
            candidate.changes.isEmpty
            ? (newPolicy.checksum == policy.checksum ? "; nothing changed" : "; the configuration is unchanged")
            : "; changed: " + candidate.changes.joined(separator: ", ")
        let message =
            "policy \(newPolicy.path) (\(newPolicy.checksum))"
            + (newPolicy.isUntrained ? ", untrained (dvcg init-policy): its networks are a random initialisation" : "")
            + changes
        do {
            try ledger.recordPolicyEvent(
                path: newPolicy.path, checksum: newPolicy.checksum, outcome: "loaded", message: "\(trigger): \(message)"
            )
        } catch {
            return ReloadResult(
                message: "the ledger cannot record the reload, so it is not applied: \(error)",
                policyPath: newPolicy.path, checksum: newPolicy.checksum, refusal: .ledgerUnavailable)
        }
        engine = newEngine
        configuration = candidate.configuration
        policy = newPolicy
        policyLoadedAt = Date()
        return ReloadResult(message: message, policyPath: newPolicy.path, checksum: newPolicy.checksum, refusal: nil)
    }
}
