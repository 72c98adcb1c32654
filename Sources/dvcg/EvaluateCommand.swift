import ArgumentParser
import DVCGCheckpoint
import DVCGCommandLine
import DVCGCore
import DVCGMechanism
import DVCGSimulation
import Foundation

/// `dvcg evaluate`: runs the mechanism with a frozen policy and compares its welfare with the optimum.
struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a frozen policy against the certified welfare optimum.",
        discussion: """
            Runs --rounds rounds of the full mechanism (noise, taxes) from the equal split with the \
            policy acting greedily and simulated VSPs bidding, and reports the mean true welfare over the \
            last 100 rounds, the certified optimum, their ratio, the equal-split welfare and per-VSP mean \
            bid, tax, net profit and true utility. VSPs missing from the policy use its template networks (a per-VSP \
            policy) or its prior (a shared one).
            """
    )

    @OptionGroup var market: InstanceOptions

    @Option(help: "The policy checkpoint (safetensors).")
    var policy: String

    @Option(help: "Rounds to run; the last 100 are averaged.")
    var rounds = 500

    @Option(help: "The bidders: truthful, or collude:i,j (VSPs i and j bid --collusion-factor times truthful).")
    var bidders = "truthful"

    @Option(name: .customLong("collusion-factor"), help: "The colluding pair's common bid multiple.")
    var collusionFactor = 0.8

    @Option(help: "The mechanism: dvcg, or nvi (no VC interest in the tax).")
    var mechanism = "dvcg"

    @Option(name: .customLong("engine-seed"), help: "Seeds the mechanism's noise.")
    var engineSeed: UInt64 = 1

    @Flag(help: "Print one JSON object: welfare, optimum, ratio, equal_split, vsps.")
    var json = false

    func validate() throws {
        guard rounds >= 1 else { throw valueError("--rounds", expected: "an integer >= 1", found: "\(rounds)") }
        guard ["dvcg", "nvi"].contains(mechanism) else {
            throw choiceError("--mechanism", ["dvcg", "nvi"], found: mechanism)
        }
        _ = try parseBidders(vspCount: Int.max)
    }

    /// The colluding members, or nil for truthful bidders.
    func parseBidders(vspCount: Int) throws -> [Int]? {
        if bidders == "truthful" { return nil }
        if bidders == "learning" {
            throw ValidationError(
                "--bidders learning: a learning bidder is measured by 'dvcg experiment dsic' and 'collusion', not here")
        }
        guard bidders.hasPrefix("collude:") else {
            throw choiceError("--bidders", ["truthful", "collude:i,j"], found: bidders)
        }
        let members = bidders.dropFirst("collude:".count).split(separator: ",").map { Int($0) }
        guard members.count == 2, let i = members[0], let j = members[1], i != j, i >= 0, j >= 0, i < vspCount,
            j < vspCount
        else { throw ValidationError("collude:i,j needs two distinct VSP indices of the market") }
        return [i, j]
    }

    /// What the policy's training metadata says against this market: untrained, or trained on another drawn
    /// market (`"vsps"` and `"seed"` of `dvcg train --vsps N --seed S`, or an instance file); nil when it was
    /// trained on this market or on random markets (the shared policy).
    func marketNote(training: String, vspCount: Int) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(training.utf8)) as? [String: Any] else {
            return nil
        }
        if PolicyCheckpoint.isUntrained(training: training) { return "the policy is untrained (dvcg init-policy)" }
        if object["markets"] as? String == "random" { return nil }
        if let file = object["instance"] as? String {
            return market.instance == file ? nil : "the policy was trained on the market of \(file), not this one"
        }
        guard let trainedVSPs = object["vsps"] as? Int, let trainedSeed = object["seed"] as? Int else { return nil }
        if market.instance == nil, market.vsps == trainedVSPs, market.seed == UInt64(trainedSeed) { return nil }
        let here = market.instance.map { "the market of \($0)" } ?? "--vsps \(vspCount) --seed \(market.seed)"
        return "the policy was trained on --vsps \(trainedVSPs) --seed \(trainedSeed), not on \(here)"
    }

    struct VSPReport: Codable {
        var id: String
        var bid: Double
        var tax: Double
        /// The net profit: the gross profit G of eq. (5) minus the tax (`net_profit` in JSON).
        var netProfit: Double
        var utility: Double

        enum CodingKeys: String, CodingKey {
            case id, bid, tax, utility
            case netProfit = "net_profit"
        }
    }

    struct Report: Codable {
        var welfare: Double
        var optimum: Double
        var ratio: Double
        var equal_split: Double
        var vsps: [VSPReport]
    }

    func run() async throws {
        let instance = try market.load()
        let checkpoint: PolicyCheckpoint
        try requireReadable(policy)
        do { checkpoint = try PolicyCheckpoint.load(from: policy) } catch {
            throw CommandFailure.invalid("\(policy): \(error)")
        }
        let optimum = try WelfareOptimizer().solve(capacities: instance.capacities, utilities: instance.utilities)
            .welfare
        var configuration = MechanismConfiguration(chargesInterest: mechanism == "dvcg")
        // A DVCG-MARL policy was trained without the mean-field inputs; serve it the same way.
        configuration.learning.meanField = LearningAlgorithm(policy: checkpoint).meanField
        let engine: MechanismEngine
        do {
            engine = try PolicyTrainer.engine(
                policy: checkpoint, instance: instance, configuration: configuration, seed: engineSeed)
        } catch { throw CommandFailure.invalid("\(policy): \(error)") }
        var groups: [CollusiveGroup] = []
        if let members = try parseBidders(vspCount: instance.vspCount) {
            groups.append(try CollusiveGroup(members: members, factor: collusionFactor))
        }
        let base = try BiddingPopulation(instance: instance)
        let population = try BiddingPopulation(vsps: base.vsps, groups: groups)
        let simulated = SimulatedMarket(instance: instance, population: population, seed: engineSeed)
        let evaluation = try PolicyTrainer.evaluate(engine: engine, market: simulated, rounds: rounds)
        let report = Report(
            welfare: evaluation.welfare, optimum: optimum, ratio: evaluation.welfare / optimum,
            equal_split: instance.equalSplitWelfare(),
            vsps: simulated.ids.indices.map { i in
                VSPReport(
                    id: simulated.ids[i].rawValue, bid: evaluation.meanBids[i], tax: evaluation.meanTaxes[i],
                    netProfit: evaluation.meanProfits[i], utility: evaluation.meanUtilities[i])
            })
        if json {
            try printJSON(report)
            return
        }
        print("welfare      \(format(report.welfare, digits: 2)) VC (mean of the last \(min(100, rounds)) rounds)")
        print("optimum      \(format(report.optimum, digits: 2)) VC (certified)")
        print("ratio        \(format(report.ratio, digits: 3))")
        print(
            "equal split  \(format(report.equal_split, digits: 2)) VC (ratio \(format(report.equal_split / optimum, digits: 3)))"
        )
        if let note = marketNote(training: checkpoint.training, vspCount: instance.vspCount) {
            print("note         \(note)")
        }
        print("")
        var rows = [["VSP", "bid (VC)", "tax (VC)", "net profit (VC)", "utility (VC)"]]
        for v in report.vsps {
            rows.append([
                v.id, format(v.bid, digits: 2), format(v.tax, digits: 2), format(v.netProfit, digits: 2),
                format(v.utility, digits: 2),
            ])
        }
        print(alignedTable(rows))
    }
}
