import ArgumentParser
import DVCGCheckpoint
import DVCGCommandLine
import DVCGCore
import DVCGNeural
import Foundation

/// `dvcg bench nn`: the speed of actor inference for a round and of one training step per VSP.
struct BenchNNCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nn",
        abstract: "Measure neural-network inference and training speed (use a release build).",
        discussion: """
            Inference: one round of greedy actor inference for every VSP, each with its own actor \
            (2K inputs, two hidden layers, 7K outputs; softmax and argmax per resource). Training: one \
            step for one VSP on a batch: critic and VoI net (forward, MSE, backward, gradient clipping, \
            Adam), actor (forward, grouped log-softmax, policy-gradient surrogate with fixed advantages, \
            backward, clipping, Adam) and the soft target updates (37-38). Reports medians in \
            microseconds and their ratio to the targets (100 us per inference round, 1 ms per VSP step).
            """
    )

    @Option(help: "Number of VSPs, each with its own networks.")
    var vsps = 50

    @Option(help: "Training batch size.")
    var batch = 128

    @Option(help: "Hidden layer width of every net (two hidden layers).")
    var hidden = 64

    @Option(help: "Timed repetitions of each measurement (the median is reported).")
    var repetitions = 1000

    @Flag(help: "Print the results as JSON for scripts.")
    var json = false

    @Option(
        help: ArgumentHelp(
            "Instead, time the shipped policies' round work (shared-actor inference, per-VSP inference, the VoI fit step) and write its networks, inputs and outputs to this folder for scripts/bench-peer.",
            valueName: "folder"))
    var peer: String?

    func validate() throws {
        for (option, value) in [
            ("--vsps", vsps), ("--batch", batch), ("--hidden", hidden), ("--repetitions", repetitions),
        ]
        where value < 1 {
            throw valueError(option, expected: "an integer >= 1", found: "\(value)")
        }
    }

    struct Result: Codable {
        var name: String
        var medianMicroseconds: Double
        var targetMicroseconds: Double?
    }

    func run() async throws {
        warnIfDebugBuild("dvcg: bench: nn")
        if let peer {
            let workloads = try PeerWorkloads(
                vsps: vsps, repetitions: repetitions, folder: URL(fileURLWithPath: peer)
            ).run()
            if json {
                try printJSON(workloads, snakeCaseKeys: true)
            } else {
                for w in workloads {
                    print("\(w.name) N = \(w.vsps): \(String(format: "%.1f", w.medianMicroseconds)) us")
                }
            }
            return
        }
        let architecture = PolicyArchitecture.standard(hidden: [hidden, hidden])
        let k = architecture.resourceCount
        let levels = architecture.actionLevels.count
        var generator = SeededGenerator(seed: 1)
        var sets = (0..<vsps).map { _ in NetworkSet(architecture: architecture, using: &generator) }
        let observations = (0..<vsps).map { _ in
            Matrix(rows: 1, columns: 2 * k, values: (0..<(2 * k)).map { _ in Float(generator.nextUniform()) })
        }
        var sink: Float = 0

        // Inference: one round for all VSPs.
        func inferenceRound() {
            for i in 0..<vsps {
                let probabilities = GroupedSoftmax.softmax(sets[i].actor.forward(observations[i]), groupSize: levels)
                for resource in 0..<k {
                    var best = 0
                    for l in 1..<levels
                    where probabilities.values[resource * levels + l] > probabilities.values[resource * levels + best] {
                        best = l
                    }
                    sink += Float(best)
                }
            }
        }
        let inference = measure(repetitions: repetitions, warmUp: 50, inferenceRound)

        // Training: one step for one VSP.
        var trainers = sets.indices.map { _ in Trainer(set: sets[0]) }
        for i in sets.indices { trainers[i] = Trainer(set: sets[i]) }
        let data = TrainingBatch(architecture: architecture, batch: batch, using: &generator)
        var next = 0
        var parts = [[Double]](repeating: [], count: 3)
        let clock = ContinuousClock()
        let step = measure(repetitions: repetitions, warmUp: 20) {
            let i = next % vsps
            next += 1
            let t0 = clock.now
            trainers[i].criticStep(data)
            let t1 = clock.now
            trainers[i].voiStep(data)
            let t2 = clock.now
            trainers[i].actorStep(data, levels: levels)
            trainers[i].softUpdate()
            let t3 = clock.now
            parts[0].append(microseconds(t1 - t0))
            parts[1].append(microseconds(t2 - t1))
            parts[2].append(microseconds(t3 - t2))
        }
        sets[0] = trainers[0].set
        sink += sets[0].actor.layers[0].bias[0]

        let results = [
            Result(
                name: "inference round, \(vsps) actors (batch 1)", medianMicroseconds: inference,
                targetMicroseconds: 100),
            Result(name: "training step per VSP (batch \(batch))", medianMicroseconds: step, targetMicroseconds: 1000),
            Result(
                name: "  critic: forward, MSE, backward, clip, Adam", medianMicroseconds: median(parts[0]),
                targetMicroseconds: nil),
            Result(
                name: "  VoI net: forward, MSE, backward, clip, Adam", medianMicroseconds: median(parts[1]),
                targetMicroseconds: nil),
            Result(
                name: "  actor: forward, log-softmax, backward, Adam; soft updates",
                medianMicroseconds: median(parts[2]), targetMicroseconds: nil),
        ]
        if json {
            // Names without the table's indentation of the step's parts.
            try printJSON(
                results.map {
                    Result(
                        name: $0.name.trimmingCharacters(in: .whitespaces), medianMicroseconds: $0.medianMicroseconds,
                        targetMicroseconds: $0.targetMicroseconds)
                },
                snakeCaseKeys: true)
        } else {
            print(
                "dvcg bench nn: K = \(k), \(levels) levels, actor \(architecture.actor), critic \(architecture.critic), voi \(architecture.voi), median of \(repetitions)"
            )
            let rows =
                [["benchmark", "median us", "target us", "ratio"]]
                + results.map { r in
                    [
                        r.name, String(format: "%.1f", r.medianMicroseconds),
                        r.targetMicroseconds.map { String(format: "%.0f", $0) } ?? "",
                        r.targetMicroseconds.map { String(format: "%.2f", r.medianMicroseconds / $0) } ?? "",
                    ]
                }
            print(alignedTable(rows))
        }
        if sink.isNaN { print("") }  // keeps the optimiser from removing the work
    }
}

/// One VSP's networks with their optimisers.
private struct Trainer {
    var set: NetworkSet
    var actorOptimizer: Adam
    var criticOptimizer: Adam
    var voiOptimizer: Adam

    init(set: NetworkSet) {
        self.set = set
        actorOptimizer = Adam(for: set.actor)
        criticOptimizer = Adam(for: set.critic)
        voiOptimizer = Adam(for: set.voi)
    }

    mutating func criticStep(_ data: TrainingBatch) {
        let trace = set.critic.forwardTrace(data.criticInput)
        let (_, d) = Loss.meanSquaredError(prediction: trace.output, target: data.rewards)
        var gradients = set.critic.backward(trace, outputGradient: d)
        gradients.clip(maxNorm: 10)
        criticOptimizer.update(&set.critic, with: gradients)
    }

    mutating func voiStep(_ data: TrainingBatch) {
        let trace = set.voi.forwardTrace(data.shares)
        let (_, d) = Loss.meanSquaredError(prediction: trace.output, target: data.utilities)
        var gradients = set.voi.backward(trace, outputGradient: d)
        gradients.clip(maxNorm: 10)
        voiOptimizer.update(&set.voi, with: gradients)
    }

    /// Maximises mean sum_k sum_l pi_k(l) A_k(l) with A held constant.
    mutating func actorStep(_ data: TrainingBatch, levels: Int) {
        let trace = set.actor.forwardTrace(data.observations)
        let logProbabilities = GroupedSoftmax.logSoftmax(trace.output, groupSize: levels)
        // d(-mean sum pi A)/d(log pi) = -pi A / batch.
        var d = data.advantages
        let scale = -1 / Float(d.rows)
        for i in d.values.indices { d.values[i] *= scale * Foundation.exp(logProbabilities.values[i]) }
        let dLogits = GroupedSoftmax.logSoftmaxBackward(
            logProbabilities: logProbabilities, outputGradient: d, groupSize: levels)
        var gradients = set.actor.backward(trace, outputGradient: dLogits)
        gradients.clip(maxNorm: 10)
        actorOptimizer.update(&set.actor, with: gradients)
    }

    mutating func softUpdate() {
        set.actorTarget.softUpdate(toward: set.actor, rate: 0.005)
        set.criticTarget.softUpdate(toward: set.critic, rate: 0.005)
    }
}

/// A fixed random batch with the shapes of real training data.
private struct TrainingBatch {
    var observations: Matrix
    var criticInput: Matrix
    var rewards: Matrix
    var shares: Matrix
    var utilities: Matrix
    var advantages: Matrix

    init(architecture: PolicyArchitecture, batch: Int, using generator: inout SeededGenerator) {
        func random(_ columns: Int) -> Matrix {
            Matrix(
                rows: batch, columns: columns,
                values: (0..<(batch * columns)).map { _ in Float(generator.nextUniform()) })
        }
        observations = random(architecture.actor[0])
        criticInput = random(architecture.critic[0])
        rewards = random(1)
        shares = random(architecture.voi[0])
        utilities = random(1)
        advantages = random(architecture.actor.last!)
    }
}
