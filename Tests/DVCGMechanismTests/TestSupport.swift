import DVCGCheckpoint
import DVCGCore
import Foundation
import Testing

/// A fresh temporary folder, removed by the caller.
func temporaryFolder() throws -> String {
    let path = NSTemporaryDirectory() + "dvcg-mechanism-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A small mean-field policy (hidden [8, 8]) for `ids`, as in DVCGCheckpointTests' `PolicyCheckpointTests`.
func smallPolicy(ids: [String] = ["0", "vsp-b.2"]) -> PolicyCheckpoint {
    var generator = SeededGenerator(seed: 21)
    let architecture = PolicyArchitecture.standard(hidden: [8, 8])
    let template = NetworkSet(architecture: architecture, using: &generator)
    var vsps: [String: NetworkSet] = [:]
    for id in ids { vsps[id] = NetworkSet(architecture: architecture, using: &generator) }
    return PolicyCheckpoint(
        architecture: architecture, template: template, vsps: vsps, training: #"{"lr":0.001}"#,
        created: "2026-01-01T00:00:00Z")
}

/// Writes `archive` to a temporary file and loads it as a policy.
func loadPolicy(_ archive: SafetensorsArchive) throws(PolicyCheckpointError) -> PolicyCheckpoint {
    let folder = try! temporaryFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try! archive.write(to: folder + "/p.safetensors")
    return try PolicyCheckpoint.load(from: folder + "/p.safetensors")
}
