import ArgumentParser
import DVCGCheckpoint
import DVCGCommandLine
import DVCGCore
import DVCGMechanism
import DVCGSimulation
import Foundation

/// `dvcg bench train`: wall time of a training run (the paper's Table III compares 1,570 s at N = 10
/// and 36,600 s at N = 50 for its 500 rounds).
struct BenchTrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Measure the wall time of DVCG-MFMARL training (use a release build).",
        discussion: """
            Trains on the market of `dvcg instance --vsps N --seed 1` for --rounds rounds (one round of the \
            mechanism with exploration and one online update of every VSP's VoI net, critic and actor per \
            round, no evaluations) and reports the wall time and its split between rounds and updates. \
            Targets: under 60 s at N = 10 and under 300 s at N = 50 for 500 rounds.
            """
    )

    @Option(help: "Number of VSPs.")
    var vsps = 10

    @Option(help: "Training rounds.")
    var rounds = 500

    @Flag(help: "Print the result as JSON.")
    var json = false

    struct Result: Codable {
        var vsps: Int
        var rounds: Int
        var seconds: Double
        var roundSeconds: Double
        var learnSeconds: Double
        var targetSeconds: Double?
    }

    func run() async throws {
        let instance = ProblemInstance.paper(vspCount: vsps, seed: 1)
        let policy = PolicyTrainer.initialPolicy(vspCount: vsps, architecture: .standard(), seed: 1)
        var configuration = MechanismConfiguration(learns: true)
        configuration.learning.warmUpTransitions = 1
        var engine = try PolicyTrainer.engine(policy: policy, instance: instance, configuration: configuration, seed: 1)
        var market = SimulatedMarket(instance: instance, population: try BiddingPopulation(instance: instance), seed: 1)
        let clock = ContinuousClock()
        var roundTime = Duration.zero
        var learnTime = Duration.zero
        for t in 1...rounds {
            if (t - 1) % 100 == 0 {
                engine.resetAllocation()
                market.resetSlices()
            }
            let a = clock.now
            _ = try market.step(engine: &engine, round: RoundNumber(UInt64(t)))
            let b = clock.now
            engine.learn()
            learnTime += clock.now - b
            roundTime += b - a
        }
        let target: Double? = vsps == 10 ? 60 : (vsps == 50 ? 300 : nil)
        let result = Result(
            vsps: vsps, rounds: rounds, seconds: (roundTime + learnTime) / .seconds(1),
            roundSeconds: roundTime / .seconds(1), learnSeconds: learnTime / .seconds(1), targetSeconds: target)
        if json {
            try printJSON(result)
        } else {
            print(
                "N = \(vsps), \(rounds) rounds: \(format(result.seconds, digits: 2)) s "
                    + "(rounds \(format(result.roundSeconds, digits: 2)) s, updates \(format(result.learnSeconds, digits: 2)) s)"
                    + (target.map { "; target < \(Int($0)) s" } ?? ""))
        }
    }
}
