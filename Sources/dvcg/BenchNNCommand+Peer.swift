import DVCGCheckpoint
import DVCGCore
import DVCGMechanism
import DVCGNeural
import Foundation

/// `dvcg bench nn --peer DIR`: the work a round of the shipped policies computes, timed here and written
/// out (networks, inputs, outputs) for scripts/bench-peer to run the same work in PyTorch, check the
/// outputs and print the ratios.
///
/// Every tensor is a little-endian float32 file `DIR/<name>.f32`, row-major; `DIR/peer.json` lists the
/// workloads with their shapes and dvcg's median in microseconds.
struct PeerWorkloads {
    /// Roster size N.
    var vsps: Int
    /// Timed repetitions per workload (the median is reported).
    var repetitions: Int
    /// Where the files go.
    var folder: URL

    /// One workload's record in peer.json.
    struct Workload: Codable {
        /// Its name: `inference_shared`, `inference_per_vsp`, `voi_fit_step`.
        var name: String
        /// N.
        var vsps: Int
        /// Layer sizes of its networks, input first.
        var layers: [Int]
        /// The resources K and levels L of an actor's output (K groups of L logits), when it is an actor.
        var resources: Int?
        var levels: Int?
        /// Rows of the batch a VoI fit step trains on, and its Adam learning rate.
        var batch: Int?
        var learningRate: Double?
        /// The VoI net's output scale (its last layer's output times this).
        var outputScale: Float?
        /// dvcg's median, in microseconds: the whole round's work for the inference workloads, one VSP's
        /// step for the fit.
        var medianMicroseconds: Double
    }

    /// Runs and writes the three workloads; returns their records.
    func run() throws -> [Workload] {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let architecture = PolicyArchitecture.standard()
        let k = architecture.resourceCount
        let l = architecture.actionLevels.count
        var generator = SeededGenerator(seed: 7)
        var sink: Float = 0
        var workloads: [Workload] = []

        // 1. Inference, shared actor: one forward of N rows [relative shares, value ratios] and the greedy
        // level per resource, the argmax of its logits (as MechanismEngine.greedyLevels: no softmax).
        let actor = MLP(layerSizes: architecture.actor, activation: .relu, using: &generator)
        let observations = Matrix(
            rows: vsps, columns: 2 * k, values: (0..<(vsps * 2 * k)).map { _ in Float(generator.uniform(-2, 2)) })
        var levels = [Int](repeating: 0, count: vsps * k)
        func sharedRound() -> Matrix {
            let logits = actor.forward(observations)
            for g in 0..<(vsps * k) { levels[g] = Self.argmax(logits.values, g * l, l) }
            return logits
        }
        let shared = measure(repetitions: repetitions, warmUp: 20) { sink += sharedRound().values[0] }
        try write(actor, "inference_shared.actor")
        try write(observations.values, "inference_shared.input")
        try write(sharedRound().values, "inference_shared.logits")
        try write(levels.map(Float.init), "inference_shared.levels")
        workloads.append(
            Workload(
                name: "inference_shared", vsps: vsps, layers: architecture.actor, resources: k, levels: l,
                medianMicroseconds: shared))

        // 2. Inference, per-VSP actors: N actors, one row each (the per-VSP policy's round).
        let actors = (0..<vsps).map { _ in MLP(layerSizes: architecture.actor, activation: .relu, using: &generator) }
        let rows = (0..<vsps).map { i in
            Matrix(rows: 1, columns: 2 * k, values: Array(observations.values[(i * 2 * k)..<((i + 1) * 2 * k)]))
        }
        var perVSPLogits = [Float](repeating: 0, count: vsps * k * l)
        func perVSPRound() {
            for i in 0..<vsps {
                let logits = actors[i].forward(rows[i])
                for c in 0..<k { levels[i * k + c] = Self.argmax(logits.values, c * l, l) }
                for j in 0..<(k * l) { perVSPLogits[i * k * l + j] = logits.values[j] }
            }
        }
        let perVSP = measure(repetitions: repetitions, warmUp: 20) {
            perVSPRound()
            sink += perVSPLogits[0]
        }
        perVSPRound()
        try writeStacked(actors, "inference_per_vsp.actors")
        try write(perVSPLogits, "inference_per_vsp.logits")
        try write(levels.map(Float.init), "inference_per_vsp.levels")
        workloads.append(
            Workload(
                name: "inference_per_vsp", vsps: vsps, layers: architecture.actor, resources: k, levels: l,
                medianMicroseconds: perVSP))

        // 3. The bank's VoI fit step per VSP (the shared policy's training work): forward of the
        // window's shares, MSE against the reported utilities, backward, one Adam step from zero moments.
        let settings = VoIFitConfiguration()
        let batch = settings.window
        let outputScale: Float = 100
        var nets = (0..<vsps).map { _ in
            var net = MLP(layerSizes: architecture.voi, activation: .relu, using: &generator)
            net.outputScale = outputScale
            return net
        }
        let inputs = (0..<vsps).map { _ in
            Matrix(rows: batch, columns: k, values: (0..<(batch * k)).map { _ in Float(generator.uniform(0, 0.5)) })
        }
        let targets = (0..<vsps).map { _ in
            Matrix(rows: batch, columns: 1, values: (0..<batch).map { _ in Float(generator.uniform(0, 150)) })
        }
        let before = nets
        try writeStacked(before, "voi_fit_step.nets")
        try write(inputs.flatMap(\.values), "voi_fit_step.inputs")
        try write(targets.flatMap(\.values), "voi_fit_step.targets")
        let adam = AdamConfiguration(learningRate: settings.learningRate)
        func step(_ i: Int, _ net: inout MLP) {
            var optimizer = Adam(for: net, configuration: adam)
            let trace = net.forwardTrace(inputs[i])
            let (_, gradient) = Loss.meanSquaredError(prediction: trace.output, target: targets[i])
            optimizer.update(&net, with: net.backward(trace, outputGradient: gradient))
        }
        var next = 0
        let fit = measure(repetitions: repetitions, warmUp: 20) {
            let i = next % vsps
            next += 1
            var net = before[i]
            step(i, &net)
            sink += net.layers[0].bias[0]
        }
        for i in 0..<vsps { step(i, &nets[i]) }
        try writeStacked(nets, "voi_fit_step.after")
        workloads.append(
            Workload(
                name: "voi_fit_step", vsps: vsps, layers: architecture.voi, batch: batch,
                learningRate: settings.learningRate, outputScale: outputScale, medianMicroseconds: fit))

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try encoder.encode(workloads).write(to: folder.appendingPathComponent("peer.json"))
        if sink.isNaN { print("") }  // keeps the optimiser from removing the work
        return workloads
    }

    private static func argmax(_ values: [Float], _ start: Int, _ count: Int) -> Int {
        var best = 0
        for j in 1..<count where values[start + j] > values[start + best] { best = j }
        return best
    }

    private func write(_ values: [Float], _ name: String) throws {
        let data = values.withUnsafeBufferPointer { Data(buffer: $0) }
        try data.write(to: folder.appendingPathComponent("\(name).f32"))
    }

    /// One network as `<name>.<layer>.weight` [out, in] and `<name>.<layer>.bias` [out].
    private func write(_ net: MLP, _ name: String) throws {
        for (j, layer) in net.layers.enumerated() {
            try write(layer.weight.values, "\(name).\(j).weight")
            try write(layer.bias, "\(name).\(j).bias")
        }
    }

    /// N networks of one shape stacked: `<name>.<layer>.weight` [N, out, in], `.bias` [N, out].
    private func writeStacked(_ nets: [MLP], _ name: String) throws {
        for j in nets[0].layers.indices {
            try write(nets.flatMap { $0.layers[j].weight.values }, "\(name).\(j).weight")
            try write(nets.flatMap { $0.layers[j].bias }, "\(name).\(j).bias")
        }
    }
}
