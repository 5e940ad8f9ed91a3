extension Matrix {
    /// The least-squares solution `x` minimizing `‖self · x − b‖₂` (`dgelsd`).
    ///
    /// The system is solved through the singular value decomposition, which also reveals the
    /// numerical rank. Singular values `σᵢ ≤ max(m, n) · ε · σ₁` are treated as zero: a
    /// backward-stable SVD computes the singular values of a matrix within about that distance
    /// of `self` (in the 2-norm), so smaller ones cannot be told apart from zero (Weyl's
    /// inequality). If fewer than `columns` singular values survive, the coefficients are not
    /// determined by the data and the method throws instead of returning an arbitrary
    /// (minimum-norm) member of the solution set.
    ///
    /// - Parameter b: The observations, one per row of `self`.
    /// - Returns: The `columns` coefficients.
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(expected:actual:)`` if `b.count` differs
    ///   from `rows`; ``LinearAlgebraError/nonFinite(row:column:)`` for a NaN or infinity in
    ///   `self`, or in `b` (reported as column `columns` of the augmented matrix `[self | b]`);
    ///   ``LinearAlgebraError/singular`` if `self` has numerical rank below `columns` (always
    ///   the case when `rows < columns`); ``LinearAlgebraError/lapackFailure(routine:info:)``
    ///   if the SVD fails to converge.
    /// - Complexity: O(`rows`·`columns`²).
    public func leastSquaresSolution(_ b: [Double]) throws(LinearAlgebraError) -> [Double] {
        guard b.count == rows else {
            throw .dimensionMismatch(
                expected: "b to have \(rows) entries (the rows of self)",
                actual: "b has \(b.count)")
        }
        try requireFinite()
        if let index = b.firstIndex(where: { !$0.isFinite }) {
            throw .nonFinite(row: index, column: columns)
        }
        let (m, n) = (rows, columns)
        guard n > 0 else { return [] }
        guard m >= n else { throw .singular }

        var design = storage
        var solution = b  // m ≥ n, so the leading dimension m suffices for dgelsd's B.
        var singularValues = [Double](repeating: 0, count: n)
        let threshold = Double(m) * Double.ulpOfOne
        let (rank, info) = LAPACK.gelsd(
            m: m, n: n, nrhs: 1, a: &design, lda: m, b: &solution, ldb: m,
            singularValues: &singularValues, relativeThreshold: threshold)
        if info != 0 { throw .lapackFailure(routine: "dgelsd", info: info) }
        guard rank == n else { throw .singular }
        return Array(solution.prefix(n))
    }
}
