/// A dense Float32 matrix in row-major order: element (r, c) is `values[r * columns + c]`.
///
/// A batch of vectors is a matrix with one row per sample, as in PyTorch. Products go through
/// OpenBLAS (`cblas_sgemm`, `cblas_sgemv`).
public struct Matrix: Sendable, Equatable, CustomStringConvertible {
    /// Number of rows (the batch size for activations).
    public let rows: Int
    /// Number of columns (the feature count for activations).
    public let columns: Int
    /// The elements, row-major; `values.count == rows * columns`.
    public var values: [Float]

    /// A matrix of `rows` x `columns` elements, all equal to `value`.
    ///
    /// - Parameters:
    ///   - rows: Row count, >= 0.
    ///   - columns: Column count, >= 0.
    ///   - value: The fill value (0 by default).
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be >= 0")
        self.rows = rows
        self.columns = columns
        self.values = [Float](repeating: value, count: rows * columns)
    }

    /// A matrix over the given row-major elements.
    ///
    /// - Parameters:
    ///   - rows: Row count, >= 0.
    ///   - columns: Column count, >= 0.
    ///   - values: Row-major elements; the count must be `rows * columns` (checked by a precondition).
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(rows >= 0 && columns >= 0 && values.count == rows * columns, "Matrix shape mismatch")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// A matrix whose rows are the given arrays, all of the same length.
    ///
    /// - Parameter rowArrays: The rows; at least one, all of equal length.
    public init(_ rowArrays: [[Float]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == columns }, "Matrix rows must have equal length")
        self.init(rows: rowArrays.count, columns: columns, values: rowArrays.flatMap { $0 })
    }

    /// Element (`row`, `column`).
    public subscript(row: Int, column: Int) -> Float {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// The `row`-th row as an array of `columns` elements.
    public func row(_ row: Int) -> [Float] {
        Array(values[row * columns..<(row + 1) * columns])
    }

    /// The shape `[rows, columns]`.
    public var shape: [Int] { [rows, columns] }

    /// Whether every element is finite (neither NaN nor infinite).
    public var isFinite: Bool { values.allSatisfy { $0.isFinite } }

    /// A short description: shape and, for small matrices, the rows.
    public var description: String {
        if values.count > 64 { return "Matrix[\(rows)x\(columns)]" }
        return "Matrix[\(rows)x\(columns)] " + (0..<rows).map { "\(row($0))" }.joined(separator: " ")
    }

    /// The product op(self) op(other) (`cblas_sgemm`).
    ///
    /// - Parameters:
    ///   - other: The right factor.
    ///   - transposeSelf: Use self^T.
    ///   - transposeOther: Use other^T.
    /// - Returns: A matrix [rows of op(self), columns of op(other)].
    /// - Precondition: The inner dimensions agree.
    public func multiplied(by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false) -> Matrix {
        let m = transposeSelf ? columns : rows
        let k = transposeSelf ? rows : columns
        let kOther = transposeOther ? other.columns : other.rows
        let n = transposeOther ? other.rows : other.columns
        precondition(k == kOther, "Matrix product: inner dimensions \(k) and \(kOther) differ")
        var result = Matrix(rows: m, columns: n)
        if m == 0 || n == 0 || k == 0 { return result }
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                result.values.withUnsafeMutableBufferPointer { c in
                    gemm(transposeSelf, transposeOther, m, n, k, 1, a.baseAddress!, b.baseAddress!, 0, c.baseAddress!)
                }
            }
        }
        return result
    }
}
