import DVCGCheckpoint
import DVCGCore
import DVCGNeural
import Foundation

extension MechanismEngine {
    /// The bank's fitting of a shared policy's VoI nets to the reports received since the last round,
    /// eq. (35) on each VSP's newest ``VoIFitConfiguration/window`` reports: unfitted VSPs first
    /// (``VoIFitConfiguration/stepsWhileUnfitted`` Adam steps each), then fitted ones in rotation
    /// (``VoIFitConfiguration/stepsWhenFitted``), within ``VoIFitConfiguration/stepBudget`` steps.
    ///
    /// A VSP's first fit moves its net's output bias so that it predicts the mean of its reports (the
    /// prior's level is the population's, not the VSP's).
    ///
    /// ``runRound(round:bids:)`` fits whatever reports are still waiting when it starts. A host that calls
    /// this after recording a round's reports (the daemon does, once the round is committed) takes the
    /// fitting off the round's path, between bid close and outcome: the next round then does not fit
    /// again, and its outcome is the same as if it had fitted (reports recorded after this call wait for
    /// the fit after the next round). One fit, one ``VoIFitConfiguration/stepBudget``, per round: a
    /// second call before the next round does nothing. Does nothing for a per-VSP policy.
    ///
    /// - Returns: The Adam steps taken.
    @discardableResult
    public mutating func fitVoINets() -> Int {
        guard isShared, !voiFittedSinceRound else { return 0 }
        voiFittedSinceRound = true
        voiNetsChangedSinceRound = true
        let settings = configuration.voiFit
        var budget = settings.stepBudget
        let waiting = roster.filter { agents[$0]!.reportsSinceFit > 0 }
        guard !waiting.isEmpty, budget > 0 else { return 0 }
        let unfitted = waiting.filter { !agents[$0]!.state.voiFit.isFitted(settings) }
        var fitted = waiting.filter { agents[$0]!.state.voiFit.isFitted(settings) }
        if !fitted.isEmpty {
            let start = voiFitRotation % fitted.count
            fitted = Array(fitted[start...] + fitted[..<start])
        }
        var taken = 0
        let queue =
            unfitted.map { (id: $0, steps: settings.stepsWhileUnfitted, rotates: false) }
            + fitted.map {
                // A short history is fitted gently (more steps on 5-10 reports overfit them); a full
                // window takes all its steps.
                (
                    id: $0, steps: agents[$0]!.reports.count >= settings.window ? settings.stepsWhenFitted : 1,
                    rotates: true
                )
            }
        for item in queue {
            let count = min(item.steps, budget)
            guard count > 0 else { break }
            var agent = agents.removeValue(forKey: item.id)!
            Self.fitVoI(&agent, steps: count, settings: settings, resourceCount: resourceCount)
            agents[item.id] = agent
            budget -= count
            taken += count
            if item.rotates { voiFitRotation += 1 }
        }
        return taken
    }

    /// Report rows [s_1 ... s_K, U] split into the VoI net's inputs (the K shares) and targets (U, VC).
    static func voiBatch(_ rows: Matrix, resourceCount k: Int) -> (inputs: Matrix, targets: Matrix) {
        var inputs = Matrix(rows: rows.rows, columns: k)
        var targets = Matrix(rows: rows.rows, columns: 1)
        for r in 0..<rows.rows {
            for c in 0..<k { inputs[r, c] = rows[r, c] }
            targets[r, 0] = rows[r, k]
        }
        return (inputs, targets)
    }

    /// `steps` Adam steps of `agent`'s VoI net on its stored reports (MSE in VC^2, the whole window as
    /// one batch).
    static func fitVoI(_ agent: inout VSPAgent, steps: Int, settings: VoIFitConfiguration, resourceCount k: Int) {
        agent.reportsSinceFit = 0
        guard agent.reports.count > 0, steps > 0 else { return }
        let (inputs, targets) = Self.voiBatch(agent.reports.rows(), resourceCount: k)
        let b = inputs.rows
        if !agent.state.voiCalibrated {
            let predictions = agent.networks.voi.forward(inputs)
            var gap = 0.0
            for r in 0..<b { gap += Double(targets[r, 0] - predictions[r, 0]) }
            let last = agent.networks.voi.layers.count - 1
            agent.networks.voi.layers[last].bias[0] += Float(gap / Double(b)) / agent.networks.voi.outputScale
            agent.state.voiCalibrated = true
        }
        var optimizer =
            agent.voiOptimizer
            ?? Adam(for: agent.networks.voi, configuration: AdamConfiguration(learningRate: settings.learningRate))
        agent.voiOptimizer = nil
        for _ in 0..<steps {
            let trace = agent.networks.voi.forwardTrace(inputs)
            let (_, gradient) = Loss.meanSquaredError(prediction: trace.output, target: targets)
            let gradients = agent.networks.voi.backward(trace, outputGradient: gradient)
            optimizer.update(&agent.networks.voi, with: gradients)
        }
        agent.voiOptimizer = optimizer
    }

    /// Refits the VoI nets of a shared policy from reports the caller kept (a restarted daemon's
    /// ledger): each VSP's reports are stored as if just received, then its net takes `steps` Adam
    /// steps (the nets themselves are not persisted between runs).
    ///
    /// - Parameters:
    ///   - reports: Per registered VSP, (realised share, reported utility) pairs, oldest first.
    ///   - steps: Adam steps per VSP.
    public mutating func refitVoINets(from reports: [VSPID: [(share: [Double], utility: Double)]], steps: Int) {
        voiNetsChangedSinceRound = true
        guard isShared else { return }
        for (id, rows) in reports {
            guard var agent = agents.removeValue(forKey: id) else { continue }
            for row in rows where row.share.count == resourceCount && row.utility.isFinite {
                agent.reports.append(row.share.map(Float.init) + [Float(row.utility)])
            }
            agent.state.voiCalibrated = false
            Self.fitVoI(&agent, steps: steps, settings: configuration.voiFit, resourceCount: resourceCount)
            agents[id] = agent
        }
    }

    /// Whether registered VSP `vsp`'s VoI net counts as fitted (``VoIFitState/isFitted(_:)``); nil
    /// when not registered.
    public func isVoIFitted(_ vsp: VSPID) -> Bool? { agents[vsp]?.state.voiFit.isFitted(configuration.voiFit) }

    /// Registered VSP `vsp`'s VoI fit record; nil when not registered.
    public func voiFit(of vsp: VSPID) -> VoIFitState? { agents[vsp]?.state.voiFit }

    /// Advances the bank's tracking of the VoI optimum (``VoIOptimumTracker``) after a round and
    /// returns the estimate for it, never below the realised VoI welfare; nil when the estimate is off.
    mutating func trackOptimum(ids: [VSPID], nets: [NetworkSet], realised: Allocation, welfareEstimate: Double)
        -> Double?
    {
        guard configuration.efficiencyBudget > 0 else { return nil }
        return optimumTracker.advance(
            ids: ids, networks: nets.map(\.voi), start: realised, startWelfare: welfareEstimate,
            budget: configuration.efficiencyBudget)
    }
}

/// The bank's running estimate of the VoI optimum max_s sum_i f_i(s_i) of the current participants:
/// exponentiated-gradient ascent on each resource column (s_ic <- s_ic exp(eta m_ic / max_j |m_jc|),
/// then norm()), warm-started from its last allocation, with the step eta grown on success and halved
/// on failure. Every participant change restarts it from the realised allocation. The VoI nets change as
/// they are fitted, so it re-values its allocation with the round's nets (one evaluation per VSP, when a
/// round's budget has them: up to N = 100 at the default) and moves to the realised allocation when that is
/// worth more: a value of the nets of an earlier round would stand as the optimum for good (a tour saw 1778.26 VC from round 20 to 667, efficiency 0.80
/// beside a true 0.996). A round spends at most its budget of VoI-net evaluations (two per VSP per
/// iteration), carrying fractions over.
struct VoIOptimumTracker: Sendable {
    private var ids: [VSPID] = []
    private var allocation: Allocation?
    private var welfare = -Double.infinity
    private var step = 0.5
    private var credit = 0.0

    /// Runs as many iterations as `budget` evaluations allow and returns the best welfare found, by `networks`.
    ///
    /// - Parameter startWelfare: The welfare of `start` by `networks` (the round's welfare estimate).
    mutating func advance(
        ids: [VSPID], networks: [MLP], start: Allocation, startWelfare: Double, budget: Int
    ) -> Double {
        let n = ids.count
        let k = start.resourceCount
        credit += Double(budget) / Double(2 * max(n, 1))
        if ids != self.ids || allocation == nil {
            self.ids = ids
            allocation = start
            welfare = startWelfare
            step = 0.5
            credit = Double(budget) / Double(2 * max(n, 1))
        } else {
            // Re-valued by this round's nets, half an iteration's evaluations (one per VSP), when a round's budget
            // has them (up to 100 VSPs at the default 200); above, N evaluations at once would be a spike in
            // one round (100 ms at N = 10,000), so the value stays the nets' of its last iteration.
            if 2 * n <= budget {
                welfare = Self.welfare(networks, allocation!)
                credit -= 0.5
            }
            if startWelfare > welfare {
                allocation = start
                welfare = startWelfare
            }
        }
        var current = allocation!
        while credit >= 1 {
            credit -= 1
            var gradients = [Double](repeating: 0, count: n * k)
            var largest = [Double](repeating: 1e-12, count: k)
            for i in 0..<n {
                let gradient = networks[i].valueAndInputGradient(floats(current.shares(of: i))).gradient
                for c in 0..<k {
                    gradients[i * k + c] = Double(gradient[c])
                    largest[c] = max(largest[c], abs(Double(gradient[c])))
                }
            }
            var raw = current.shares
            for i in 0..<n {
                for c in 0..<k {
                    let exponent = min(max(step * gradients[i * k + c] / largest[c], -30), 30)
                    raw[i * k + c] = max(current[i, c], 1e-12) * Foundation.exp(exponent)
                }
            }
            guard let candidate = try? Allocation.normalizing(raw, vspCount: n, resourceCount: k) else { break }
            let value = Self.welfare(networks, candidate)
            if value > welfare {
                current = candidate
                welfare = value
                step = min(step * 1.5, 8)
            } else {
                step = max(step * 0.5, 1e-4)
            }
        }
        allocation = current
        return welfare
    }

    private static func welfare(_ networks: [MLP], _ allocation: Allocation) -> Double {
        var total = 0.0
        for i in 0..<allocation.vspCount {
            total += Double(networks[i].evaluate(floats(allocation.shares(of: i)))[0])
        }
        return total
    }
}
