extension CholeskyFactorization {
    /// How ``init(factoringInPlace:initialJitter:maximumJitter:restoring:)`` gets the matrix back
    /// for a jitter retry, after a failed `dpotrf` has overwritten part of its lower triangle.
    public enum Restoration {
        /// The strict upper triangle holds the matrix (both triangles are stored, as in any
        /// symmetric `Matrix`): it is mirrored back into the lower triangle, and the diagonal
        /// comes from a copy taken before the first attempt. O(n) extra memory. Retries thus
        /// read the upper triangle: it must mirror the lower one.
        case upperTriangle
        /// The closure recomputes the matrix (at least its lower triangle, with the diagonal),
        /// for matrices stored as one triangle that are cheap to rebuild (kernel matrices).
        case recompute(() -> Matrix)
    }

    /// Factors `matrix + jitter·I` in `matrix`'s own buffer, with the adaptive jitter of
    /// ``Matrix/choleskyFactorization(initialJitter:maximumJitter:)``, without copying it.
    ///
    /// The factorization takes ownership of the storage (pass the matrix with `consume`, or a
    /// temporary, to avoid a copy-on-write copy). The first attempt reads only the lower
    /// triangle (with the diagonal); a retry after a failure reads what `restoring` names
    /// (with ``Restoration/upperTriangle``, the strict upper triangle). ``lower`` clears the
    /// strict upper triangle in a copy.
    ///
    /// - Parameters:
    ///   - matrix: A symmetric matrix.
    ///   - initialJitter: The first relative jitter tried after a failure; positive and finite.
    ///   - maximumJitter: The largest relative jitter tried; at least `initialJitter` and finite.
    ///   - restoring: Where the matrix comes from again when an attempt fails.
    /// - Throws: as ``Matrix/choleskyFactorization(initialJitter:maximumJitter:)``, except that
    ///   ``LinearAlgebraError/nonFinite(row:column:)`` names the first NaN or infinity of the
    ///   lower triangle (column by column), or, when a retry restores the matrix, of the
    ///   entries it restores; also
    ///   ``LinearAlgebraError/dimensionMismatch(expected:actual:)`` if a recomputed matrix has
    ///   another shape.
    /// - Complexity: O(n³) per attempt; O(n) extra memory (O(n²) for a recomputed matrix).
    public init(
        factoringInPlace matrix: consuming Matrix, initialJitter: Double = 1e-12, maximumJitter: Double = 1e-2,
        restoring: Restoration = .upperTriangle
    ) throws(LinearAlgebraError) {
        try self.init(
            factoringInPlace: matrix, initialJitter: initialJitter, maximumJitter: maximumJitter, restoring: restoring,
            estimatesCondition: true)
    }

    /// ``init(factoringInPlace:initialJitter:maximumJitter:restoring:)``; with
    /// `estimatesCondition` false the `dpocon` estimate is skipped (O(n²), several passes over
    /// the factor) and ``reciprocalConditionNumber`` is NaN — for refits whose condition
    /// number nobody reports.
    package init(
        factoringInPlace matrix: consuming Matrix, initialJitter: Double = 1e-12, maximumJitter: Double = 1e-2,
        restoring: Restoration = .upperTriangle, estimatesCondition: Bool
    ) throws(LinearAlgebraError) {
        CholeskyFactorization.requireValidJitterRange(initial: initialJitter, maximum: maximumJitter)
        try matrix.requireSquare(for: "Cholesky factorization")
        matrix.requireConsistentStorage()
        let n = matrix.rows
        var storage = matrix.storage
        matrix = Matrix(rows: 0, columns: 0)  // drop the second reference: `storage` is now unique
        guard n > 0 else {
            self.init(factor: Matrix(rows: 0, columns: 0), jitter: 0, reciprocalConditionNumber: 1)
            return
        }
        let oneNorm = Self.symmetricOneNorm(lowerTriangleOf: storage, order: n)
        if !oneNorm.isFinite, let (row, column) = Self.firstNonFiniteEntry(lowerTriangleOf: storage, order: n) {
            throw .nonFinite(row: row, column: column)
        }
        var diagonal: [Double] = []
        if case .upperTriangle = restoring { diagonal = (0..<n).map { storage[$0 + $0 * n] } }
        let restore = { (a: inout [Double]) throws(LinearAlgebraError) in
            switch restoring {
            case .upperTriangle:
                var allFinite = true
                a.withUnsafeMutableBufferPointer { a in
                    for j in 0..<n {
                        a[j + j * n] = diagonal[j]
                        for i in (j + 1)..<n {
                            let value = a[j + i * n]
                            allFinite = allFinite && value.isFinite
                            a[i + j * n] = value
                        }
                    }
                }
                if !allFinite, let (row, column) = Self.firstNonFiniteEntry(lowerTriangleOf: a, order: n) {
                    throw .nonFinite(row: column, column: row)  // found in the upper triangle's mirror
                }
            case .recompute(let rebuild):
                let fresh = rebuild()
                guard fresh.rows == n, fresh.columns == n, fresh.storage.count == n * n else {
                    throw .dimensionMismatch(expected: "a recomputed \(n)×\(n) matrix", actual: "\(fresh.rows)×\(fresh.columns)")
                }
                if let (row, column) = Self.firstNonFiniteEntry(lowerTriangleOf: fresh.storage, order: n) {
                    throw .nonFinite(row: row, column: column)
                }
                a = fresh.storage
            }
        }
        let (jitter, reciprocalCondition) = try Self.factorWithJitter(
            &storage, order: n, initialJitter: initialJitter, maximumJitter: maximumJitter,
            estimatesCondition: estimatesCondition, unjitteredOneNorm: oneNorm, restore: restore)
        self.init(
            factor: Matrix(rows: n, columns: n, columnMajor: storage), jitter: jitter,
            reciprocalConditionNumber: reciprocalCondition)
    }

    // MARK: - The jitter ladder

    /// Traps unless 0 < `initial` ≤ `maximum` < ∞ (the jitter settings are the caller's
    /// constants, not data).
    static func requireValidJitterRange(initial: Double, maximum: Double) {
        precondition(initial > 0 && initial.isFinite, "initialJitter must be positive and finite, got \(initial)")
        precondition(
            maximum >= initial && maximum.isFinite,
            "maximumJitter must be finite and at least initialJitter, got \(maximum)")
    }

    /// Factors `a` (lower triangle) in place, first as is, then with relative jitters
    /// `initialJitter`, `10·initialJitter`, … `maximumJitter` of the mean diagonal, calling
    /// `restore` before every retry to undo what the failed `dpotrf` overwrote.
    /// - Parameter unjitteredOneNorm: ‖a‖₁ before any jitter, or nil to compute it.
    /// - Returns: The jitter that succeeded and the `dpocon` estimate (NaN when not estimated).
    static func factorWithJitter(
        _ a: inout [Double], order n: Int, initialJitter: Double, maximumJitter: Double, estimatesCondition: Bool,
        unjitteredOneNorm: Double? = nil, restore: (inout [Double]) throws(LinearAlgebraError) -> Void
    ) throws(LinearAlgebraError) -> (jitter: Double, reciprocalCondition: Double) {
        // Divide before summing so that huge finite diagonals cannot overflow the mean.
        var meanDiagonal = 0.0
        for i in 0..<n {
            meanDiagonal += a[i + i * n] / Double(n)
        }
        let firstNorm = estimatesCondition ? (unjitteredOneNorm ?? symmetricOneNorm(lowerTriangleOf: a, order: n)) : .nan
        if let condition = try attempt(&a, order: n, jitter: 0, oneNorm: firstNorm, estimatesCondition: estimatesCondition) {
            return (0, condition)
        }
        // A positive definite matrix has a positive trace; without it, no relative jitter
        // scale exists (the matrix is indefinite, or zero, which no jitter would make useful).
        guard meanDiagonal > 0 else {
            throw .notPositiveDefinite(jitterTried: 0)
        }
        var relativeJitter = initialJitter
        while true {
            let jitter = relativeJitter * meanDiagonal
            try restore(&a)
            for i in 0..<n {
                a[i + i * n] += jitter
            }
            let norm = estimatesCondition ? symmetricOneNorm(lowerTriangleOf: a, order: n) : .nan
            if let condition = try attempt(&a, order: n, jitter: jitter, oneNorm: norm, estimatesCondition: estimatesCondition) {
                return (jitter, condition)
            }
            if relativeJitter >= maximumJitter {
                throw .notPositiveDefinite(jitterTried: jitter)
            }
            // Snap to the cap when the next rung reaches it up to rounding (10¹⁰·10⁻¹² is not
            // exactly 10⁻² in binary), so the ladder never tries two nearly equal jitters.
            let next = relativeJitter * 10
            relativeJitter = next >= maximumJitter * (1 - 1e-9) ? maximumJitter : next
        }
    }

    /// One `dpotrf` of `a` (jitter already on the diagonal); nil if not positive definite.
    /// - Returns: The `dpocon` reciprocal condition estimate, NaN when not estimated.
    private static func attempt(
        _ a: inout [Double], order n: Int, jitter: Double, oneNorm: Double, estimatesCondition: Bool
    ) throws(LinearAlgebraError) -> Double? {
        let info = LAPACK.potrf(.lower, n: n, a: &a, lda: n)
        if info > 0 { return nil }
        if info < 0 { throw .lapackFailure(routine: "dpotrf", info: info) }
        guard estimatesCondition else { return .nan }
        let (reciprocalCondition, conditionInfo) = LAPACK.pocon(.lower, n: n, factor: a, lda: n, oneNorm: oneNorm)
        if conditionInfo != 0 { throw .lapackFailure(routine: "dpocon", info: conditionInfo) }
        return reciprocalCondition
    }

    // MARK: - One pass over the lower triangle

    /// ‖A‖₁ (= ‖A‖∞) of the symmetric matrix whose lower triangle (with the diagonal) `a`
    /// holds: the largest absolute column sum, by one pass down the columns (what LAPACK's
    /// `dlansy` computes, with the sums in another order: equal up to rounding). Not finite
    /// if an entry is not.
    /// - Complexity: O(n²) time, one pass; O(n) memory.
    static func symmetricOneNorm(lowerTriangleOf a: [Double], order n: Int) -> Double {
        // work[i]: the part of row i's sum left of the diagonal, accumulated column by column.
        var work = [Double](repeating: 0, count: n)
        var norm = 0.0
        var finite = true
        a.withUnsafeBufferPointer { a in
            work.withUnsafeMutableBufferPointer { w in
                for j in 0..<n {
                    let column = a.baseAddress! + j * n
                    // Four partial sums so the loop vectorises (no reassociation needed).
                    var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
                    var i = j + 1
                    while i + 4 <= n {
                        let (v0, v1, v2, v3) = (abs(column[i]), abs(column[i + 1]), abs(column[i + 2]), abs(column[i + 3]))
                        s0 += v0; s1 += v1; s2 += v2; s3 += v3
                        w[i] += v0; w[i + 1] += v1; w[i + 2] += v2; w[i + 3] += v3
                        i += 4
                    }
                    while i < n {
                        let v = abs(column[i])
                        s0 += v
                        w[i] += v
                        i += 1
                    }
                    let sum = w[j] + abs(column[j]) + ((s0 + s1) + (s2 + s3))
                    if !sum.isFinite { finite = false }
                    norm = max(norm, sum)
                }
            }
        }
        return finite ? norm : .infinity
    }

    /// Row and column of the first NaN or infinity of the lower triangle, column by column.
    static func firstNonFiniteEntry(lowerTriangleOf a: [Double], order n: Int) -> (row: Int, column: Int)? {
        for j in 0..<n {
            for i in j..<n where !a[i + j * n].isFinite { return (i, j) }
        }
        return nil
    }
}
