extension Matrix {
    /// LAPACK's `dpotrf` on the lower triangle, in place, and nothing else: no checks, no
    /// jitter, no condition estimate. For benchmarks that compare the library's factorization
    /// with the bare LAPACK call on the same matrix.
    /// - Returns: LAPACK's `info` (0 on success).
    /// - Complexity: O(n³/3).
    package mutating func bareLowerCholesky() -> Int {
        precondition(rows == columns, "bareLowerCholesky needs a square matrix")
        return LAPACK.potrf(.lower, n: rows, a: &storage, lda: rows)
    }
}
