import COpenBLAS

/// The process-wide OpenBLAS set-up: one thread, because our matrices are tiny (at most a few
/// hundred rows by a few dozen columns) and OpenBLAS's thread hand-off costs more than it saves.
///
/// Swift initialises a global `let` lazily and exactly once, so touching ``BLAS/configured`` before
/// the first product is enough; ``gemm(_:_:_:_:_:_:_:_:_:_:)`` does so.
package enum BLAS {
    /// `true` once `openblas_set_num_threads(1)` has run.
    package static let configured: Bool = {
        openblas_set_num_threads(1)
        return true
    }()
}

/// C = alpha op(A) op(B) + beta C over row-major Float32 buffers, through `cblas_sgemm`.
///
/// - Parameters:
///   - transposeA: Whether op(A) = A^T; A is stored [m, k] when false, [k, m] when true.
///   - transposeB: Whether op(B) = B^T; B is stored [k, n] when false, [n, k] when true.
///   - m: Rows of C.
///   - n: Columns of C.
///   - k: The inner dimension.
///   - alpha: Scale of the product.
///   - a: A, row-major, leading dimension its stored column count.
///   - b: B, row-major, leading dimension its stored column count.
///   - beta: Scale of the old C (0 ignores its contents).
///   - c: C [m, n], row-major.
@inline(__always)
package func gemm(
    _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int, _ alpha: Float,
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ beta: Float, _ c: UnsafeMutablePointer<Float>
) {
    _ = BLAS.configured
    if m == 0 || n == 0 { return }
    cblas_sgemm(
        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n),
        beta, c, Int32(n))
}

/// y = alpha A x + beta y for a row-major A [m, n], through `cblas_sgemv`; the batch-of-one case of
/// a dense layer, where `sgemm`'s blocking set-up would dominate.
@inline(__always)
package func gemv(
    _ m: Int, _ n: Int, _ alpha: Float, _ a: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ beta: Float,
    _ y: UnsafeMutablePointer<Float>
) {
    _ = BLAS.configured
    if m == 0 { return }
    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(n), x, 1, beta, y, 1)
}
