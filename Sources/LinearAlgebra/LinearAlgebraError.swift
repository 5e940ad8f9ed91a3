/// An error thrown by the checked operations of `LinearAlgebra`.
///
/// Programming errors that can be ruled out statically by the caller (out-of-range subscripts,
/// shape mismatches in the `*` operator) trap with a precondition instead; the cases here are
/// conditions that depend on data: shapes read from input, non-finite values, numerical
/// rank deficiency, or failures reported by LAPACK.
public enum LinearAlgebraError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The operands' shapes are incompatible.
    ///
    /// Both strings name the operand concerned, e.g. `expected: "b.count == 5 (rows of self)"`,
    /// `actual: "b.count == 4"`.
    case dimensionMismatch(expected: String, actual: String)

    /// An input entry is NaN or infinite.
    ///
    /// For a right-hand side vector `b` of a system with `self` having `c` columns, the entry
    /// `b[i]` is reported as `row: i, column: c` (its position in the augmented matrix `[self | b]`).
    case nonFinite(row: Int, column: Int)

    /// The Cholesky factorization failed even with the largest diagonal jitter allowed.
    ///
    /// `jitterTried` is the absolute amount added to the diagonal in the last attempt
    /// (0 if no jitter could be tried, because the mean diagonal entry was not positive).
    case notPositiveDefinite(jitterTried: Double)

    /// The matrix is (numerically) rank-deficient, so the requested solution is not unique.
    case singular

    /// A LAPACK routine reported an unexpected failure through its `info` argument.
    case lapackFailure(routine: String, info: Int)

    /// A human-readable explanation of the error.
    public var description: String {
        switch self {
        case let .dimensionMismatch(expected, actual):
            return "Dimension mismatch: expected \(expected), but \(actual)."
        case let .nonFinite(row, column):
            return "Non-finite value (NaN or infinity) at row \(row), column \(column)."
        case let .notPositiveDefinite(jitterTried):
            return "Matrix is not positive definite, even after adding \(jitterTried) to its diagonal."
        case .singular:
            return "Matrix is rank-deficient to working precision; the solution is not unique."
        case let .lapackFailure(routine, info):
            return "LAPACK routine \(routine) failed with info = \(info)."
        }
    }
}
