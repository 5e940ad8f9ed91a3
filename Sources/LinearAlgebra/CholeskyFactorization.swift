/// The Cholesky factorization `A + jitter·I = L·Lᵀ` of a symmetric positive definite matrix.
///
/// Create one with ``Matrix/choleskyFactorization(initialJitter:maximumJitter:)``, which adds
/// the smallest diagonal jitter (from a geometric ladder) that makes the factorization succeed
/// and reports it, together with LAPACK's estimate of the conditioning of the matrix actually
/// factored. Everything computed from the factorization (solutions, determinant, inverse)
/// refers to `A + jitter·I`, not to `A`.
///
/// ``init(factoringInPlace:initialJitter:maximumJitter:restoring:)`` factors a matrix the
/// caller hands over, in its own buffer, without the O(n²) copy of the `Matrix` method.
public struct CholeskyFactorization: Sendable {
    /// `L` in the lower triangle (with the diagonal); the strict upper triangle holds whatever
    /// the factored matrix held there (LAPACK neither reads nor writes it).
    let factor: Matrix

    /// The lower-triangular factor `L`, with `A + jitter·I = L·Lᵀ` and zeros above the diagonal.
    ///
    /// - Complexity: O(n²): a copy with the strict upper triangle cleared.
    public var lower: Matrix {
        var result = factor
        result.zeroStrictUpperTriangle()
        return result
    }

    /// The amount added to every diagonal entry before factoring (0 if none was needed).
    public let jitter: Double

    /// The reciprocal 1-norm condition number `1/(‖M‖₁‖M⁻¹‖₁)` of `M = A + jitter·I`, as
    /// estimated by LAPACK's `dpocon`.
    ///
    /// The estimate of `‖M⁻¹‖₁` is a lower bound that is almost always within a factor of 3,
    /// so this value is an upper bound on the true reciprocal condition number, usually close.
    /// Values near `Double.ulpOfOne` mean that solutions have essentially no correct digits.
    /// Its last bits depend on where the factor lies in memory: OpenBLAS's `dpocon` sums in an
    /// order that depends on the storage's 64-byte alignment (measured at n = 300: 2 units in
    /// the last place between an aligned and an unaligned copy of the same factor), while the
    /// factor itself (`dpotrf`) does not.
    public let reciprocalConditionNumber: Double

    /// The order of the factored matrix.
    var order: Int { factor.rows }

    /// A factorization from its parts.
    init(factor: Matrix, jitter: Double, reciprocalConditionNumber: Double) {
        self.factor = factor
        self.jitter = jitter
        self.reciprocalConditionNumber = reciprocalConditionNumber
    }

    /// The natural logarithm of `det(A + jitter·I)`, that is `2 Σᵢ log Lᵢᵢ`.
    ///
    /// Computed from the factor's diagonal, so it neither overflows nor underflows where the
    /// determinant itself would.
    ///
    /// - Complexity: O(n).
    public var logDeterminant: Double {
        var sum = 0.0
        for i in 0..<order {
            sum += LAPACK.naturalLogarithm(factor[i, i])
        }
        return 2 * sum
    }

    /// Solves `(A + jitter·I) · x = b` (`dpotrs`).
    ///
    /// Non-finite entries of `b` propagate into the solution rather than trapping.
    ///
    /// - Parameter b: The right-hand side, with as many entries as the matrix has rows (traps
    ///   otherwise).
    /// - Returns: The solution `x`.
    /// - Complexity: O(n²).
    public func solve(_ b: [Double]) -> [Double] {
        precondition(
            b.count == order,
            "Cholesky solve needs a right-hand side of \(order) entries, got \(b.count)")
        return solve(Matrix(rows: order, columns: 1, columnMajor: b)).storage
    }

    /// Solves `(A + jitter·I) · X = B` for several right-hand sides at once (`dpotrs`).
    ///
    /// - Parameter b: The right-hand sides as columns; `b.rows` must equal the order of the
    ///   matrix (traps otherwise).
    /// - Returns: The solutions `X`, with the shape of `b`.
    /// - Complexity: O(n²·k) for `k` right-hand sides.
    public func solve(_ b: Matrix) -> Matrix {
        precondition(
            b.rows == order,
            "Cholesky solve needs right-hand sides with \(order) rows, got \(b.rows)")
        var solution = b
        guard order > 0, b.columns > 0 else { return solution }
        let info = LAPACK.potrs(
            .lower, n: order, nrhs: b.columns, factor: factor.storage, lda: order,
            b: &solution.storage, ldb: order)
        // Only an illegal argument can make dpotrs fail; the shapes were checked above.
        precondition(info == 0, "dpotrs rejected its arguments (info = \(info))")
        return solution
    }

    /// The inverse `(A + jitter·I)⁻¹` (`dpotri`), with both triangles filled.
    ///
    /// Prefer `solve(_:)` to forming the inverse when the goal is to apply it.
    ///
    /// - Returns: The symmetric inverse matrix.
    /// - Complexity: O(n³).
    public func inverse() -> Matrix {
        let copy = self
        return copy.consumingInverse()
    }
}

extension Matrix {
    /// Cholesky factorization with adaptive diagonal jitter.
    ///
    /// First factors `self` as is. If LAPACK's `dpotrf` finds it not numerically positive
    /// definite, retries with `jitter = r · d̄` added to the diagonal, where `d̄` is the mean
    /// diagonal entry and `r` runs through `initialJitter`, `10·initialJitter`, … up to
    /// `maximumJitter` (the last step is `maximumJitter` itself). The factorization reports the
    /// jitter used and the estimated reciprocal condition number of the jittered matrix.
    ///
    /// Only the lower triangle (with the diagonal) is used; `self` is assumed symmetric.
    ///
    /// - Parameters:
    ///   - initialJitter: The first relative jitter tried after a failure; positive and finite.
    ///   - maximumJitter: The largest relative jitter tried; at least `initialJitter` and finite.
    /// - Returns: The factorization of `self + jitter·I`.
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(expected:actual:)`` if `self` is not
    ///   square; ``LinearAlgebraError/nonFinite(row:column:)`` for a NaN or infinite entry;
    ///   ``LinearAlgebraError/notPositiveDefinite(jitterTried:)`` with the largest absolute
    ///   jitter tried if every attempt failed (with 0 if the mean diagonal is not positive, so
    ///   that no jitter scale exists); ``LinearAlgebraError/lapackFailure(routine:info:)`` if
    ///   LAPACK rejects its arguments.
    /// - Complexity: O(n³) per attempt; at most `2 + log₁₀(maximumJitter/initialJitter)`
    ///   attempts (12 with the defaults).
    public func choleskyFactorization(
        initialJitter: Double = 1e-12, maximumJitter: Double = 1e-2
    ) throws(LinearAlgebraError) -> CholeskyFactorization {
        CholeskyFactorization.requireValidJitterRange(initial: initialJitter, maximum: maximumJitter)
        try requireSquare(for: "Cholesky factorization")
        try requireFinite()
        let n = rows
        guard n > 0 else {
            return CholeskyFactorization(factor: self, jitter: 0, reciprocalConditionNumber: 1)
        }
        var factor = storage
        // The pristine matrix `self` restores the copy before every retry.
        let (jitter, reciprocalCondition) = try CholeskyFactorization.factorWithJitter(
            &factor, order: n, initialJitter: initialJitter, maximumJitter: maximumJitter, estimatesCondition: true,
            restore: { (a: inout [Double]) throws(LinearAlgebraError) in a = storage })
        return CholeskyFactorization(
            factor: Matrix(rows: n, columns: n, columnMajor: factor), jitter: jitter,
            reciprocalConditionNumber: reciprocalCondition)
    }
}
