import DVCGCore
import DVCGNeural
import Foundation
import Testing

@testable import DVCGCheckpoint

/// The path of a committed fixture (made by Fixtures/make_fixtures.py).
func fixturePath(_ name: String) throws -> String {
    let url = try #require(Bundle.module.resourceURL).appendingPathComponent("Fixtures").appendingPathComponent(name)
    return url.path
}

/// A fresh temporary folder, removed by the caller.
func temporaryFolder() throws -> String {
    let path = NSTemporaryDirectory() + "dvcg-checkpoint-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Writes raw bytes (e.g. a corrupted file) to a new temporary file and returns its path.
func writeTemporaryFile(_ bytes: [UInt8], in folder: String, name: String = "file.safetensors") throws -> String {
    let path = folder + "/" + name
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// A safetensors file from a header text and data bytes (8-byte little-endian length first).
func rawSafetensors(header: String, data: [UInt8], declaredLength: UInt64? = nil) -> [UInt8] {
    let h = Array(header.utf8)
    let length = declaredLength ?? UInt64(h.count)
    return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + h + data
}

/// The largest |a - b| over two equally long arrays.
func maximumDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "maximumDifference: counts \(a.count) and \(b.count) differ")
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// An MLP read from tensors "<prefix>0.weight", "<prefix>0.bias", "<prefix>2.weight", ...
func mlp(from archive: SafetensorsArchive, prefix: String, layerCount: Int, activation: Activation) throws -> MLP {
    var layers: [Dense] = []
    for j in 0..<layerCount {
        let w = try archive.tensor(named: "\(prefix)\(2 * j).weight")
        let b = try archive.tensor(named: "\(prefix)\(2 * j).bias")
        layers.append(
            Dense(
                weight: Matrix(rows: w.shape[0], columns: w.shape[1], values: try w.floatValues()),
                bias: try b.floatValues()))
    }
    return MLP(layers: layers, activation: activation)
}

/// A tensor of an archive as a matrix (rank 2) or row vector (rank 1).
func matrix(_ archive: SafetensorsArchive, _ name: String) throws -> Matrix {
    let t = try archive.tensor(named: name)
    let rows = t.shape.count == 2 ? t.shape[0] : 1
    return Matrix(rows: rows, columns: t.elementCount / max(rows, 1), values: try t.floatValues())
}
