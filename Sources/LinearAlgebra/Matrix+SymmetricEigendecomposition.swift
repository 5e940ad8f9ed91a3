extension Matrix {
    /// The eigen-decomposition `self = V · diag(λ) · Vᵀ` of a symmetric matrix (`dsyevd`).
    ///
    /// Only the lower triangle (with the diagonal) is used; `self` is assumed symmetric.
    /// Each eigenvector's sign is whatever LAPACK returns.
    ///
    /// - Returns: The eigenvalues in ascending order, and the orthonormal eigenvectors `V` as
    ///   columns (column `j` belongs to `eigenvalues[j]`).
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(expected:actual:)`` if `self` is not
    ///   square; ``LinearAlgebraError/nonFinite(row:column:)`` for a NaN or infinite entry;
    ///   ``LinearAlgebraError/lapackFailure(routine:info:)`` if the algorithm fails to converge.
    /// - Complexity: O(n³).
    public func symmetricEigendecomposition() throws(LinearAlgebraError) -> (eigenvalues: [Double], eigenvectors: Matrix) {
        try requireSquare(for: "symmetric eigendecomposition")
        try requireFinite()
        let n = rows
        guard n > 0 else { return ([], self) }
        var eigenvectors = self
        var eigenvalues = [Double](repeating: 0, count: n)
        let info = LAPACK.syevd(.lower, n: n, a: &eigenvectors.storage, lda: n, eigenvalues: &eigenvalues)
        if info != 0 { throw .lapackFailure(routine: "dsyevd", info: info) }
        return (eigenvalues, eigenvectors)
    }
}
