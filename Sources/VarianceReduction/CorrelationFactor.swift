/// The Cholesky factor of a small correlation matrix (unit diagonal), with its exact reciprocal
/// condition number: the linear algebra of ``RegressionControlVariateFit``.
///
/// It is written in Swift rather than LAPACK because the matrices are p × p for p controls
/// (usually 1 to a few dozen) and a sliced-Wasserstein gradient fits one per coordinate, n·d
/// times per call: LAPACKE's per-call allocation and NaN scans would cost more than the
/// arithmetic.
///
/// - Complexity: O(p³) to factor and to invert for the condition number; O(p²) per solve.
struct CorrelationFactor: Sendable {
    /// The order p.
    let order: Int
    /// L, row-major p × p, lower triangle (A = LLᵀ).
    let lower: [Double]
    /// 1 / (‖A‖₁ ‖A⁻¹‖₁).
    let reciprocalConditionNumber: Double

    /// Factors `a` (row-major p × p, symmetric); nil when a pivot is not positive.
    init?(_ a: [Double], order p: Int) {
        var l = [Double](repeating: 0, count: p * p)
        for i in 0..<p {
            for j in 0...i {
                var s = a[i * p + j]
                for t in 0..<j { s -= l[i * p + t] * l[j * p + t] }
                if i == j {
                    guard s > 0, s.isFinite else { return nil }
                    l[i * p + i] = s.squareRoot()
                } else {
                    l[i * p + j] = s / l[j * p + j]
                }
            }
        }
        order = p
        lower = l
        // ‖A⁻¹‖₁ from the columns of A⁻¹ (A symmetric, so columns and rows have the same sums).
        var norm = 0.0, inverseNorm = 0.0
        var unit = [Double](repeating: 0, count: p)
        for column in 0..<p {
            var sum = 0.0
            for i in 0..<p { sum += abs(a[i * p + column]) }
            norm = max(norm, sum)
            unit[column] = 1
            let x = Self.solve(unit, lower: l, order: p)
            unit[column] = 0
            inverseNorm = max(inverseNorm, x.reduce(0) { $0 + abs($1) })
        }
        reciprocalConditionNumber = p == 0 ? 1 : 1 / (norm * inverseNorm)
    }

    /// A⁻¹b.
    func solve(_ b: [Double]) -> [Double] { Self.solve(b, lower: lower, order: order) }

    /// Forward substitution with L, then back substitution with Lᵀ.
    private static func solve(_ b: [Double], lower l: [Double], order p: Int) -> [Double] {
        // Pointers and while loops (same operations in the same order): this runs p times per
        // factorization for the condition number, and must stay fast in debug builds too.
        var x = b
        l.withUnsafeBufferPointer { l in
            x.withUnsafeMutableBufferPointer { x in
                var i = 0
                while i < p {
                    var (s, t) = (x[i], 0)
                    while t < i {
                        s -= l[i * p + t] * x[t]
                        t += 1
                    }
                    x[i] = s / l[i * p + i]
                    i += 1
                }
                i = p - 1
                while i >= 0 {
                    var (s, t) = (x[i], i + 1)
                    while t < p {
                        s -= l[t * p + i] * x[t]
                        t += 1
                    }
                    x[i] = s / l[i * p + i]
                    i -= 1
                }
            }
        }
        return x
    }
}
