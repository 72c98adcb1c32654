import Foundation
import Testing

@Suite struct LearningToolTests {
    @Test func theShippedDefaultPolicyReachesTheOptimumOnTheDefaultTestbed() throws {
        let policy = repositoryRoot.appendingPathComponent("etc/policy/default.safetensors").path
        let result = try Tool.run(
            "dvcg", ["evaluate", "--vsps", "10", "--seed", "1", "--policy", policy, "--rounds", "150", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["welfare", "optimum", "ratio", "equal_split", "vsps"])
        let ratio = try #require(object["ratio"] as? Double)
        let optimum = try #require(object["optimum"] as? Double)
        let split = try #require(object["equal_split"] as? Double)
        #expect(ratio > 0.98)
        #expect(split / optimum < 0.9)
        let vsps = try #require(object["vsps"] as? [[String: Any]])
        #expect(vsps.map { $0["id"] as? String } == (0..<10).map { "vsp-\($0)" })
        #expect(vsps.allSatisfy { Set($0.keys) == ["id", "bid", "tax", "net_profit", "utility"] })
    }

    @Test func evaluateSaysWhenThePolicyWasTrainedOnAnotherMarket() throws {
        let policy = repositoryRoot.appendingPathComponent("etc/policy/mfmarl-n10s1.safetensors").path
        let other = try Tool.run(
            "dvcg", ["evaluate", "--vsps", "4", "--seed", "3", "--policy", policy, "--rounds", "20"])
        #expect(other.status == 0, "\(other.stderr)")
        #expect(
            other.stdout.contains(
                "note         the policy was trained on --vsps 10 --seed 1, not on --vsps 4 --seed 3"),
            "\(other.stdout)")
        let same = try Tool.run(
            "dvcg", ["evaluate", "--vsps", "10", "--seed", "1", "--policy", policy, "--rounds", "20"])
        #expect(same.status == 0 && !same.stdout.contains("note "), "\(same.stdout)")
    }

    @Test func trainWritesAValidCheckpoint() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dvcg-train-\(UUID().uuidString).safetensors"
        ).path
        let plot = out + ".svg"
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: plot)
        }
        let result = try Tool.run(
            "dvcg",
            [
                "train", "--vsps", "3", "--seed", "2", "--rounds", "40", "--eval-every", "20", "--out", out, "--plot",
                plot,
            ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("wrote \(out): best greedy welfare/optimum "))
        #expect(result.stderr.contains("round 40/40"))
        #expect(result.stderr.contains("ETA 0s"), "the last progress line has no time left: \(result.stderr)")
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        #expect(svg.hasPrefix("<svg ") && svg.contains("Greedy evaluations") && svg.contains("Critic loss"))
        #expect(svg.contains("best so far") && svg.hasSuffix("</svg>\n"))
        let inspect = try Tool.run("dvcg", ["inspect", out])
        #expect(inspect.status == 0)
        #expect(inspect.stdout.contains("verdict  valid"))
    }

    @Test func aMADDPGPolicyRecordsItsRosterAndServesOnlyThatRoster() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent(
            "dvcg-maddpg-\(UUID().uuidString).safetensors"
        ).path
        defer { try? FileManager.default.removeItem(atPath: out) }
        let train = try Tool.run(
            "dvcg",
            [
                "train", "--vsps", "3", "--seed", "2", "--algorithm", "maddpg", "--rounds", "40", "--eval-every", "20",
                "--out", out,
            ])
        #expect(train.status == 0, "\(train.stderr)")
        let inspect = try Tool.run("dvcg", ["inspect", out])
        #expect(inspect.stdout.contains("verdict  valid"))
        // The metadata table aligns its values after the longest key (exploration_ages).
        #expect(inspect.stdout.contains("critic_input      joint"))
        #expect(inspect.stdout.contains(#"roster            ["vsp-0","vsp-1","vsp-2"]"#))
        #expect(inspect.stdout.contains(#""critic":[75,64,64,1]"#))
        let same = try Tool.run("dvcg", ["evaluate", "--vsps", "3", "--seed", "2", "--policy", out, "--rounds", "20"])
        #expect(same.status == 0, "\(same.stderr)")
        let larger = try Tool.run(
            "dvcg", ["evaluate", "--vsps", "4", "--seed", "2", "--policy", out, "--rounds", "20"])
        #expect(larger.status != 0)
        #expect(larger.stderr.contains("VSP 'vsp-3' is not in the policy's joint-critic roster"), "\(larger.stderr)")
    }

    @Test func unknownAlgorithmsAndBiddersAreUsageErrors() throws {
        let train = try Tool.run("dvcg", ["train", "--vsps", "3", "--algorithm", "ddpg", "--out", "/tmp/x"])
        #expect(train.status == 2)
        #expect(
            train.stderr.contains("dvcg: train: --algorithm: expected mfmarl, marl or maddpg, found 'ddpg'"),
            "\(train.stderr)")
        let evaluate = try Tool.run("dvcg", ["evaluate", "--vsps", "3", "--policy", "p", "--bidders", "collude:1"])
        #expect(evaluate.status == 2)
        let both = try Tool.run("dvcg", ["train", "--vsps", "3", "--instance", "f", "--out", "/tmp/x"])
        #expect(both.status == 2)
    }
}
