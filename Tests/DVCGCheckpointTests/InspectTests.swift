import DVCGCore
import Foundation
import Testing

@testable import DVCGCheckpoint

/// The `dvcg` binary next to the test bundle (`swift test` builds it), or nil.
private let dvcgBinary: String? = {
    guard let resources = Bundle.module.resourceURL else { return nil }
    let path = resources.deletingLastPathComponent().appendingPathComponent("dvcg").path
    return FileManager.default.isExecutableFile(atPath: path) ? path : nil
}()

/// Runs `dvcg` with `arguments`; returns exit status, standard output and standard error.
private func runDVCG(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try #require(dvcgBinary))
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let output = out.fileHandleForReading.readDataToEndOfFile()
    let error = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: error, as: UTF8.self))
}

@Suite struct InspectTests {
    @Test func reportListsNetworksAndParameterCountsOfAValidPolicy() throws {
        let report = try CheckpointReport.make(path: try fixturePath("policy_export.safetensors"))
        #expect(report.valid && report.reason == nil)
        #expect(report.vsps == ["0", "edge-7.b"])
        #expect(report.networks.map(\.owner).prefix(3) == ["template", "template", "template"])
        #expect(
            report.networks.first { $0.owner == "vsp.0" && $0.net == "actor" }?.parameters == 6 * 16 + 16 + 16 * 16 + 16
                + 16 * 21 + 21)
        #expect(report.tensors.count == 54)
        #expect(report.table.contains("verdict  valid"))
    }

    @Test func reportOfAnInvalidPolicyStillListsTheTensors() throws {
        let report = try CheckpointReport.make(path: try fixturePath("mlp.safetensors"))
        #expect(!report.valid)
        #expect(report.reason == "__metadata__: missing required key 'format_version'")
        #expect(report.networks.map(\.owner) == ["(unknown name)"])
    }

    /// The shipped policy's networks are the shared ones; a checkpoint of `dvcg init-policy` is valid but says
    /// it is untrained, and that every VSP starts from its template.
    @Test(.enabled(if: dvcgBinary != nil))
    func sharedNetworksAreNamedAndAnUntrainedPolicySaysSo() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let shipped = try CheckpointReport.make(
            path: root.appendingPathComponent("etc/policy/default.safetensors").path)
        #expect(shipped.valid && !shipped.untrained)
        #expect(Set(shipped.networks.map(\.owner)) == ["shared"])
        #expect(shipped.table.contains("verdict  valid\n"))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("inspect-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try runDVCG(["init-policy", "--out", folder + "/u.safetensors"]).status == 0)
        let untrained = try CheckpointReport.make(path: folder + "/u.safetensors")
        #expect(untrained.valid && untrained.untrained)
        #expect(untrained.table.contains("verdict  valid (untrained: freshly initialised networks"))
        #expect(untrained.table.contains("no per-VSP networks (every VSP starts from the template networks)"))
    }

    @Test(.enabled(if: dvcgBinary != nil))
    func inspectExitsZeroForAValidFileAndPrintsJSON() throws {
        let result = try runDVCG(["inspect", try fixturePath("policy_export.safetensors"), "--json"])
        #expect(result.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        #expect(object?["valid"] as? Bool == true)
        #expect(result.error.isEmpty)
    }

    @Test(.enabled(if: dvcgBinary != nil))
    func inspectExitsOneWithTheReasonForAnInvalidFile() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var archive = PolicyCheckpointTests.smallPolicy(ids: ["3"]).archive()
        archive.tensors["vsp.3.actor.0.weight"] = SafetensorsTensor(
            name: "vsp.3.actor.0.weight", shape: [8, 5], values: [Float](repeating: 0, count: 40))
        let path = folder + "/policy.safetensors"
        try archive.write(to: path)
        let result = try runDVCG(["inspect", path])
        #expect(result.status == 1)
        #expect(
            result.error
                == "dvcg: inspect: \(path): tensor 'vsp.3.actor.0.weight': shape [8, 5] does not match the declared architecture [8, 6]\n"
        )
        let truncated = try writeTemporaryFile([1, 0, 0], in: folder, name: "short.safetensors")
        let short = try runDVCG(["inspect", truncated])
        #expect(short.status == 1)
        #expect(
            short.error
                == "dvcg: inspect: \(truncated): not a safetensors file: 3 bytes, shorter than the 8-byte header length it must start with\n"
        )
        let missing = try runDVCG(["inspect", folder + "/absent.safetensors"])
        #expect(missing.status == 2, "a missing file is an input error, as for every verb")
        #expect(
            missing.error
                == "dvcg: inspect: \(folder)/absent.safetensors: cannot read the file: No such file or directory\n",
            "the path once")
    }

    @Test(.enabled(if: dvcgBinary != nil))
    func usageErrorsExitTwo() throws {
        #expect(try runDVCG(["inspect"]).status == 2)
        #expect(try runDVCG(["bench", "nn", "--vsps", "0"]).status == 2)
    }
}
