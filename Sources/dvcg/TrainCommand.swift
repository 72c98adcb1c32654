import ArgumentParser
import DVCGCheckpoint
import DVCGCommandLine
import DVCGCore
import DVCGMechanism
import DVCGSimulation
import Foundation

/// `dvcg train`: trains a DVCG-MFMARL (or DVCG-MARL, DVCG-MADDPG) policy on a simulated market and
/// writes the best checkpoint.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a DVCG-MFMARL (or DVCG-MARL, DVCG-MADDPG) allocation policy on a simulated market.",
        discussion: """
            Runs Algorithm 1 with truthful simulated VSPs: episodes of --episode rounds from the equal \
            split, one online update per round, a greedy evaluation every --eval-every rounds; the best \
            evaluated policy is written to --out (safetensors, docs/checkpoints.md). A progress line \
            (round, welfare/optimum, critic loss, best greedy ratio, the time left) goes to standard error \
            at most once a second; --plot writes the greedy evaluations and the critic loss over rounds as \
            an SVG. See docs/learning.md for the recipe.
            """
    )

    @Option(
        help: "The instance file (JSON), as written by `dvcg instance`, or - for standard input (per-VSP policies).")
    var instance: String?

    @Option(
        help: ArgumentHelp(
            "Also write the training curves to this SVG file: greedy welfare/optimum and critic loss over rounds.",
            valueName: "file.svg"))
    var plot: String?

    @Option(
        help:
            "N: train a per-VSP policy on N VSPs drawn from the paper's distributions (with --seed); with --markets random, the range A...B of roster sizes the shared policy is meant for (recorded in its metadata)."
    )
    var vsps: String?

    @Option(help: "The seed of the drawn instance.")
    var seed: UInt64 = 1

    @Option(
        help:
            "instance: a per-VSP policy for one market (--instance or --vsps N); random: the shared policy for any roster of the paper's distributions (one actor and critic for every VSP, a VoI prior every VSP's VoI net starts from)."
    )
    var markets = "instance"

    @Option(name: .customLong("prior-steps"), help: "With --markets random: Adam steps of the VoI prior.")
    var priorSteps = 6_000

    @Option(
        name: .customLong("rl-episodes"),
        help:
            "With --markets random: episodes of online learning of the shared actor and critic on random markets after the imitation (0: none)."
    )
    var rlEpisodes = 0

    @Option(
        name: .customLong("meta-steps"),
        help: "With --markets random: Reptile steps adapting the VoI prior to few reports (0: none).")
    var metaSteps = 0

    @Option(
        name: .customLong("imitation-steps"),
        help: "With --markets random: Adam steps of the shared actor imitating the marginal-value rule.")
    var imitationSteps = 3_000

    @Option(
        help:
            "The learning algorithm: mfmarl; marl (no mean field: each agent sees only its own observation and action); or maddpg (the critic sees the joint observations and actions; the policy admits only the VSPs it was trained with)."
    )
    var algorithm = "mfmarl"

    @Option(help: "The mechanism: dvcg, or nvi (no VC interest in the tax).")
    var mechanism = "dvcg"

    @Option(help: "Training rounds.")
    var rounds = 10_000

    @Option(help: "Rounds per episode (each starts from the equal split).")
    var episode = 100

    @Option(name: .customLong("eval-every"), help: "Rounds between greedy evaluations.")
    var evaluationInterval = 500

    @Option(help: "Rounds over which exploration falls from --epsilon-start to --epsilon-end.")
    var exploration = 5_000

    @Option(name: .customLong("epsilon-start"), help: "Exploration rate at a VSP's first round.")
    var epsilonStart = 1.0

    @Option(name: .customLong("epsilon-end"), help: "Exploration rate after --exploration rounds.")
    var epsilonEnd = 0.1

    @Flag(
        name: .customLong("share-scaled-reward"), help: "Divide each VSP's difference reward by its mean share times N."
    )
    var shareScaledReward = false

    @Option(name: .customLong("bill-capacity"), help: "Transitions kept in each VSP's bill (replay buffer).")
    var billCapacity = 10_000

    @Option(
        name: .customLong("restart-below-fit"),
        help:
            "Restart a VSP's learner from the template when its VoI net's running R^2 on its reports is below this after --restart-patience updates (0 = never)."
    )
    var restartBelowFit = 0.0

    @Option(
        name: .customLong("restart-patience"), help: "VoI updates before a VSP's fit is judged (and after a restart).")
    var restartPatience = 1_000

    @Option(help: "Continue from this policy instead of fresh networks (e.g. with --epsilon-start 0.1).")
    var initial: String?

    @Option(name: .customLong("training-seed"), help: "Seeds the networks and the mechanism's randomness.")
    var trainingSeed: UInt64 = 1

    @Option(help: "The checkpoint to write.")
    var out: String

    /// The per-VSP path's market: read from `--instance`, or drawn with `--vsps N --seed S`.
    func loadMarket() throws -> ProblemInstance {
        if let instance { return try loadInstance(instance) }
        return ProblemInstance.paper(vspCount: Int(vsps!)!, seed: seed)
    }

    /// The roster sizes of `--vsps A...B` (or N...N).
    var sizeRange: ClosedRange<Int>? {
        guard let vsps else { return nil }
        let parts = vsps.split(separator: ".", omittingEmptySubsequences: true)
        if parts.count == 1, let n = Int(parts[0]) { return n...n }
        guard vsps.contains("..."), parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a <= b else {
            return nil
        }
        return a...b
    }

    /// Options only the shared policy's training (`--markets random`) reads.
    static let randomMarketOptions = ["--prior-steps", "--rl-episodes", "--meta-steps", "--imitation-steps"]
    /// Options only a per-VSP policy's training (`--markets instance`) reads: its rounds, exploration and bill.
    static let instanceOptions = [
        "--instance", "--plot", "--seed", "--algorithm", "--mechanism", "--rounds", "--episode", "--eval-every",
        "--exploration", "--epsilon-start", "--epsilon-end", "--share-scaled-reward", "--bill-capacity",
        "--restart-below-fit", "--restart-patience", "--initial",
    ]

    /// The first of `options` the command line gives (before a `--`), as `--name` or `--name=value`.
    static func firstGiven(of options: [String], in arguments: [String] = CommandLine.arguments) -> String? {
        let given = arguments.prefix { $0 != "--" }.map { String($0.prefix { $0 != "=" }) }
        return options.first { given.contains($0) }
    }

    func validate() throws {
        guard ["instance", "random"].contains(markets) else {
            throw choiceError("--markets", ["instance", "random"], found: markets)
        }
        // An option the chosen training does not read is refused, not silently ignored (eighth tour).
        if let option = Self.firstGiven(of: markets == "random" ? Self.instanceOptions : Self.randomMarketOptions) {
            throw ValidationError(
                markets == "random"
                    ? "\(option): applies to --markets instance (a per-VSP policy trained over rounds); --markets random trains the shared policy without rounds"
                    : "\(option): applies to --markets random (the shared policy) only")
        }
        if markets == "random" {
            if vsps != nil, sizeRange.map({ $0.lowerBound >= 1 }) != true {
                throw valueError("--vsps", expected: "N or a range A...B with 1 <= A <= B", found: "'\(vsps!)'")
            }
            for (option, value) in [("--prior-steps", priorSteps), ("--imitation-steps", imitationSteps)]
            where value < 1 {
                throw valueError(option, expected: "an integer >= 1", found: "\(value)")
            }
            return
        }
        guard (instance == nil) != (vsps == nil) else {
            throw ValidationError("Give exactly one of --instance FILE and --vsps N (or --markets random).")
        }
        if let vsps, Int(vsps).map({ (1...100_000).contains($0) }) != true {
            throw valueError(
                "--vsps", expected: "an integer in [1, 100000] (a range A...B needs --markets random)",
                found: "'\(vsps)'")
        }
        guard LearningAlgorithm(rawValue: algorithm) != nil else {
            throw choiceError("--algorithm", LearningAlgorithm.allCases.map(\.rawValue), found: algorithm)
        }
        guard ["dvcg", "nvi"].contains(mechanism) else {
            throw choiceError("--mechanism", ["dvcg", "nvi"], found: mechanism)
        }
        for (option, value) in [
            ("--epsilon-start", epsilonStart), ("--epsilon-end", epsilonEnd), ("--restart-below-fit", restartBelowFit),
        ] where !(0...1).contains(value) {
            throw valueError(option, expected: "a number in [0, 1]", found: messageNumber(value))
        }
        guard restartPatience >= 1 else {
            throw valueError("--restart-patience", expected: "an integer >= 1", found: "\(restartPatience)")
        }
        guard billCapacity >= 128 else {
            throw valueError(
                "--bill-capacity", expected: "an integer >= 128 (the batch size)", found: "\(billCapacity)")
        }
        for (option, value) in [("--rounds", rounds), ("--episode", episode), ("--eval-every", evaluationInterval)]
        where value < 1 {
            throw valueError(option, expected: "an integer >= 1", found: "\(value)")
        }
        guard exploration >= 0 else {
            throw valueError("--exploration", expected: "an integer >= 0", found: "\(exploration)")
        }
    }

    func run() async throws {
        for path in [out] + (plot.map { [$0] } ?? []) { try requireWritable(path) }
        if markets == "random" { return try trainShared() }
        let problem = try loadMarket()
        var learning = LearningConfiguration()
        learning.explorationRounds = exploration
        learning.explorationStart = epsilonStart
        learning.explorationEnd = epsilonEnd
        learning.shareScaledReward = shareScaledReward
        learning.billCapacity = billCapacity
        let learner = LearningAlgorithm(rawValue: algorithm)!
        learning.meanField = learner.meanField
        learning.learnerRestartFit = restartBelowFit
        learning.learnerRestartPatience = restartPatience
        var startingPolicy: PolicyCheckpoint? = nil
        if let initial {
            do { startingPolicy = try PolicyCheckpoint.load(from: initial) } catch {
                throw CommandFailure.invalid("\(initial): \(error)")
            }
        }
        let mechanismConfiguration = MechanismConfiguration(chargesInterest: mechanism == "dvcg", learning: learning)
        let configuration = TrainingConfiguration(
            rounds: rounds, episodeLength: episode, evaluationInterval: evaluationInterval, seed: trainingSeed,
            mechanism: mechanismConfiguration, algorithm: learner)
        let clock = ContinuousClock()
        let start = clock.now
        var lastLine = start - .seconds(2)
        // The pace of the last printed line's stretch, once learning has started: rounds slow down as the bill
        // fills and learning starts, so the average since the start would promise too little time left.
        var paceFrom = (instant: start, round: 0)
        // Whether the critic had started learning at the start of that stretch.
        var paceFromLearning = false
        var criticLoss: [(round: Int, loss: Double)] = []
        let result = try PolicyTrainer.train(instance: problem, configuration: configuration, initial: startingPolicy) {
            progress in
            // Before the critic's first update its loss reads 0: no point, as the progress line says "-".
            if plot != nil, progress.criticLoss.isFinite, progress.criticLoss != 0 {
                criticLoss.append((progress.round, progress.criticLoss))
            }
            let now = clock.now
            guard now - lastLine >= .seconds(1) || progress.round == rounds else { return }
            lastLine = now
            // Before the critic's first update the rounds are cheap (no learning step yet): no ETA from a stretch
            // that holds any of them (the second tour saw "ETA 1s" at round 128 of a run that had 5 s left).
            let learning = progress.criticLoss != 0
            let stretchLearned = paceFromLearning
            paceFromLearning = learning
            let eta =
                progress.round == rounds
                ? "ETA 0s"
                : !stretchLearned || 20 * progress.round < rounds || progress.round <= paceFrom.round
                    ? "ETA -"
                    : Self.eta(
                        elapsed: now - paceFrom.instant, done: progress.round - paceFrom.round,
                        total: rounds - paceFrom.round)
            paceFrom = (now, progress.round)
            // Before the critic's first update its loss is 0: "-", not a perfect critic.
            let loss = progress.criticLoss == 0 ? "-" : format(progress.criticLoss, digits: 5)
            let line =
                "round \(progress.round)/\(rounds)  welfare/optimum \(format(progress.ratio))  "
                + "critic loss \(loss)  best greedy \(progress.bestRatio > 0 ? format(progress.bestRatio) : "-")  "
                + eta + "\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
        if let plot {
            let svg = Self.trainingPlot(evaluations: result.evaluations, criticLoss: criticLoss)
            do throws(FileIOError) { try writeAtomically(Array(svg.utf8), to: plot) } catch {
                throw CommandFailure.invalid(error.description)
            }
        }
        var policy = result.policy
        let source =
            self.instance.map { "\"instance\": \"\($0)\"" } ?? "\"vsps\": \(vsps!), \"seed\": \(seed)"
        policy.training =
            "{\"algorithm\": \"\(algorithm)\", \"mechanism\": \"\(mechanism)\", \(source), \"rounds\": \(rounds), "
            + "\"episode\": \(episode), \"exploration\": \(exploration), \"training_seed\": \(trainingSeed), "
            + "\"best_round\": \(result.bestRound), \"best_ratio\": \(result.bestRatio)}"
        do { try policy.write(to: out) } catch {
            throw CommandFailure.invalid("\(out): \(FileIOError.message("\(error)", withoutPath: out))")
        }
        let seconds = (clock.now - start) / .seconds(1)
        if !result.learnerRestarts.isEmpty {
            let list = result.learnerRestarts.map { "\($0.vsp.rawValue)@\($0.round)" }.joined(separator: " ")
            FileHandle.standardError.write(Data("learner restarts (vsp@round): \(list)\n".utf8))
        }
        print(
            "wrote \(out): best greedy welfare/optimum \(format(result.bestRatio)) at round \(result.bestRound) "
                + "(optimum \(format(result.optimum, digits: 2)) VC, \(format(seconds, digits: 1)) s)")
        // A policy that serves less than splitting every resource equally is said to be so (eighth tour).
        let equalSplit = result.optimum > 0 ? problem.equalSplitWelfare() / result.optimum : 0
        // Below by more than the printed precision: at N = 1 the equal split is the optimum, and "1.0000 is below
        // 1.0000" would be said (third tour).
        if result.bestRatio < equalSplit - 5e-5 {
            FileHandle.standardError.write(
                Data(
                    ("dvcg: train: warning: the best greedy welfare/optimum \(format(result.bestRatio)) is below the "
                        + "equal split's \(format(equalSplit)): train longer (--rounds, --exploration) or serve the "
                        + "shared policy (--markets random)\n").utf8))
        }
    }

    /// `--markets random`: the shared policy (``SharedPolicyTrainer``).
    func trainShared() throws {
        let range = sizeRange ?? 2...200
        let configuration = SharedTrainingConfiguration(
            priorSteps: priorSteps, imitationSteps: imitationSteps, metaSteps: metaSteps, seed: trainingSeed)
        let clock = ContinuousClock()
        let start = clock.now
        var lastLine = start - .seconds(2)
        var phase = ""
        var phaseStart = start
        var policy = SharedPolicyTrainer.train(configuration: configuration) { progress in
            let now = clock.now
            if progress.phase != phase { (phase, phaseStart) = (progress.phase, now) }
            guard now - lastLine >= .seconds(1) || progress.step == progress.steps else { return }
            lastLine = now
            let detail =
                progress.phase == "prior"
                ? "relative RMS error \(format(progress.loss, digits: 4))"
                : progress.phase == "meta"
                    ? "mean relative error at the next share \(format(progress.loss, digits: 4))"
                    : "cross-entropy \(format(progress.loss, digits: 4)), agreement with the rule \(format(progress.agreement))"
            let eta = Self.eta(elapsed: now - phaseStart, done: progress.step, total: progress.steps)
            FileHandle.standardError.write(
                Data("\(progress.phase) \(progress.step)/\(progress.steps)  \(detail)  \(eta) (this phase)\n".utf8))
        }
        var reinforcement = ""
        if rlEpisodes > 0 {
            var recipe = SharedReinforcementConfiguration(episodes: rlEpisodes, seed: trainingSeed)
            if let range = sizeRange { recipe.vspRange = range }
            let result = try SharedPolicyTrainer.reinforce(policy, configuration: recipe) { episode, ratio in
                let line =
                    "reinforcement episode \(episode)/\(rlEpisodes)"
                    + (ratio.map { "  greedy welfare/optimum \(format($0))" } ?? "") + "\n"
                FileHandle.standardError.write(Data(line.utf8))
            }
            policy = result.policy
            reinforcement =
                ", \"rl_episodes\": \(rlEpisodes), \"rl_best_ratio\": \(result.ratio), \"rl_start_ratio\": \(result.evaluations[0].ratio)"
        }
        policy.training =
            "{\"algorithm\": \"shared\", \"markets\": \"random\", \"vsps\": [\(range.lowerBound), \(range.upperBound)], "
            + "\"prior_steps\": \(priorSteps), \"meta_steps\": \(metaSteps), \"imitation_steps\": \(imitationSteps), "
            + "\"training_seed\": \(trainingSeed), "
            + "\"voi_output_scale\": \(configuration.voiOutputScale)\(reinforcement)}"
        do { try policy.write(to: out) } catch {
            throw CommandFailure.invalid("\(out): \(FileIOError.message("\(error)", withoutPath: out))")
        }
        let seconds = (clock.now - start) / .seconds(1)
        print(
            "wrote \(out): shared policy for rosters of \(range.lowerBound)...\(range.upperBound) VSPs (\(format(seconds, digits: 1)) s)"
        )
    }
}
