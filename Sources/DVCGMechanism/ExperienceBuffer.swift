import DVCGCore
import DVCGNeural

/// A ring buffer of fixed-width Float32 rows: one VSP's part of the bill used as replay buffer
/// (Algorithm 1), or its (slice, reported utility) pairs for the VoI net (35).
///
/// Storage grows with use up to ``capacity`` rows, then the oldest row is overwritten, so a roster
/// of 10,000 VSPs that never learns costs nothing.
public struct ExperienceBuffer: Sendable, Equatable {
    /// Floats per row.
    public let width: Int
    /// The most rows kept (Table I: 10,000).
    public let capacity: Int
    /// Rows held, <= ``capacity``.
    public private(set) var count = 0
    private var next = 0
    private var storage: [Float] = []

    /// An empty buffer.
    ///
    /// - Parameters:
    ///   - width: Floats per row, >= 1.
    ///   - capacity: The most rows kept, >= 1.
    public init(width: Int, capacity: Int) {
        precondition(width >= 1 && capacity >= 1, "ExperienceBuffer: width and capacity must be >= 1")
        self.width = width
        self.capacity = capacity
    }

    /// Appends a row, overwriting the oldest when full.
    ///
    /// - Parameter row: ``width`` floats (precondition).
    public mutating func append(_ row: [Float]) {
        precondition(row.count == width, "ExperienceBuffer: row of \(row.count) floats, expected \(width)")
        if count < capacity {
            storage.append(contentsOf: row)
            count += 1
        } else {
            storage.withUnsafeMutableBufferPointer { s in
                for c in 0..<width { s[next * width + c] = row[c] }
            }
        }
        next = (next + 1) % capacity
    }

    /// Row `index` (0 is the oldest row still held).
    public func row(_ index: Int) -> [Float] {
        precondition(index >= 0 && index < count, "ExperienceBuffer: row \(index) of \(count)")
        let physical = count < capacity ? index : (next + index) % capacity
        return Array(storage[(physical * width)..<((physical + 1) * width)])
    }

    /// Draws `size` rows uniformly with replacement.
    ///
    /// - Parameters:
    ///   - size: The batch size, >= 1.
    ///   - generator: The seeded generator.
    /// - Returns: A [size, width] matrix; empty (0 rows) when the buffer is empty.
    public func sample(_ size: Int, using generator: inout SeededGenerator) -> Matrix {
        guard count > 0 else { return Matrix(rows: 0, columns: width) }
        var batch = Matrix(rows: size, columns: width)
        storage.withUnsafeBufferPointer { s in
            batch.values.withUnsafeMutableBufferPointer { b in
                for r in 0..<size {
                    let source = generator.nextInt(below: count) * width
                    for c in 0..<width { b[r * width + c] = s[source + c] }
                }
            }
        }
        return batch
    }

    /// Every stored row as a matrix (`count` x `width`), in storage order.
    public func rows() -> Matrix {
        Matrix(rows: count, columns: width, values: Array(storage.prefix(count * width)))
    }

    /// The same rows, oldest first, in a buffer of another capacity (the newest `capacity` rows
    /// when it is smaller).
    public func resized(to capacity: Int) -> ExperienceBuffer {
        guard capacity != self.capacity else { return self }
        var buffer = ExperienceBuffer(width: width, capacity: capacity)
        for index in max(0, count - capacity)..<count { buffer.append(row(index)) }
        return buffer
    }
}
