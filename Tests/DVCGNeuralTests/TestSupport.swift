import DVCGCore
import Testing

@testable import DVCGNeural

/// A random matrix with entries uniform in [-scale, scale).
func randomMatrix(_ rows: Int, _ columns: Int, _ generator: inout SeededGenerator, scale: Double = 1) -> Matrix {
    Matrix(
        rows: rows, columns: columns,
        values: (0..<(rows * columns)).map { _ in Float(generator.uniform(-scale, scale)) })
}

/// The largest |a - b| over two equally long arrays.
func maximumDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "maximumDifference: counts \(a.count) and \(b.count) differ")
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
