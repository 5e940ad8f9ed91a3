import Foundation
import LinearAlgebra
import Testing

@Suite("Cholesky factorization with adaptive jitter")
struct CholeskyFactorizationTests {
    /// Backward-error bound for a computed Cholesky factor: L̂L̂ᵀ = A + ΔA with
    /// |ΔA| ≤ γₙ₊₁|L̂||L̂ᵀ| (Higham Thm 10.3). Forming L̂L̂ᵀ in the test adds at most
    /// γₙ|L̂||L̂ᵀ| more, so the check uses (γₙ₊₁ + γₙ)|L̂||L̂ᵀ| ≤ 2γₙ₊₁|L̂||L̂ᵀ|.
    private func reconstructionBound(_ lower: Matrix) -> Matrix {
        let n = lower.rows
        return scaled(naiveProduct(absolute(lower), absolute(lower).transposed), by: 2 * gamma(n + 1))
    }

    /// The matrix `a + jitter·I`.
    private func jittered(_ a: Matrix, _ jitter: Double) -> Matrix {
        var result = a
        for i in 0..<a.rows { result[i, i] += jitter }
        return result
    }

    @Test("Known 3×3 SPD matrix: exact factor, reconstruction and log-determinant")
    func knownMatrix() throws {
        let a = Matrix(rows: [[4, 12, -16], [12, 37, -43], [-16, -43, 98]])
        let factorization = try a.choleskyFactorization()
        #expect(factorization.jitter == 0)
        // Every intermediate quantity is a small integer and the square roots are of perfect
        // squares (4, 1, 9), so IEEE arithmetic computes this factor exactly.
        #expect(factorization.lower == Matrix(rows: [[2, 0, 0], [6, 1, 0], [-8, 5, 3]]))

        let l = factorization.lower
        #expect(entrywiseWithin(naiveProduct(l, l.transposed), a, bound: reconstructionBound(l)))

        // det A = (2·1·3)² = 36. With an exact factor the only errors are the n logarithms
        // (glibc's log is accurate to 1 ulp), their sum (γₙ relative to Σ|log Lᵢᵢ|) and the
        // reference log(36) (1 ulp).
        let logs = [2.0, 1, 3].map { log($0) }
        let sumAbsLogs = logs.reduce(0) { $0 + $1.magnitude }
        let tolerance = 2 * (Double.ulpOfOne + gamma(3)) * sumAbsLogs + Double.ulpOfOne * log(36.0)
        #expect((factorization.logDeterminant - log(36.0)).magnitude <= tolerance)
    }

    @Test("Diagonal and 2×2 log-determinants match closed forms")
    func logDeterminantClosedForms() throws {
        let diagonal = [0.5, 2, 3, 1e-3, 7]
        var d = Matrix(rows: 5, columns: 5)
        for (i, value) in diagonal.enumerated() { d[i, i] = value }
        let exact = diagonal.reduce(0) { $0 + log($1) }
        let sumAbsLogs = diagonal.reduce(0) { $0 + log($1).magnitude }
        // Lᵢᵢ = fl(√dᵢ) has relative error ≤ u, so log Lᵢᵢ is off by ≤ u, plus 1 ulp of the
        // log (≤ ε|log Lᵢᵢ|); summation adds γₙΣ|log Lᵢᵢ|; doubling is exact. With
        // Σ|log Lᵢᵢ| = ½Σ|log dᵢ| that is 2nu + (ε + γₙ)Σ|log dᵢ|. The reference sum carries
        // (ε + γₙ)Σ|log dᵢ| more.
        let n = diagonal.count
        let tolerance = 2 * Double(n) * unitRoundoff + 2 * (Double.ulpOfOne + gamma(n)) * sumAbsLogs
        #expect((try d.choleskyFactorization().logDeterminant - exact).magnitude <= tolerance)

        // [[2, 1], [1, 2]] has determinant 3. The factor is that of A + ΔA with
        // |ΔA| ≤ γ₃|L||Lᵀ|, which moves log det by ≤ Σᵢⱼ |A⁻¹|ᵢⱼ |ΔA|ᵢⱼ to first order
        // (d log det = tr(A⁻¹ dA)); A⁻¹ = [[2, −1], [−1, 2]]/3. Add the log/summation errors.
        let a = Matrix(rows: [[2, 1], [1, 2]])
        let factorization = try a.choleskyFactorization()
        let l = factorization.lower
        let llt = naiveProduct(absolute(l), absolute(l).transposed)
        let inverseAbs = Matrix(rows: [[2, 1], [1, 2]])  // |A⁻¹| · 3
        let perturbation = gamma(3) * zip(inverseAbs.storage, llt.storage).reduce(0) { $0 + $1.0 * $1.1 } / 3
        let logTerms = (0..<2).reduce(0.0) { $0 + log(l[$1, $1]).magnitude }
        // The factor 2 on the first-order perturbation term absorbs the second-order terms.
        let tolerance2 = 2 * perturbation + 2 * (Double.ulpOfOne + gamma(2)) * logTerms + Double.ulpOfOne * log(3.0)
        #expect((factorization.logDeterminant - log(3.0)).magnitude <= tolerance2)
    }

    @Test("Solve and inverse of a random SPD matrix have small residuals")
    func solveAndInverse() throws {
        var generator = SplitMix64(seed: 3)
        let n = 20
        let a = randomSPD(order: n, using: &generator)
        let factorization = try a.choleskyFactorization()
        #expect(factorization.jitter == 0)
        let l = factorization.lower
        #expect(entrywiseWithin(naiveProduct(l, l.transposed), a, bound: reconstructionBound(l)))

        // Solving with L̂ and L̂ᵀ is backward stable: (A + ΔA)x̂ = b with
        // |ΔA| ≤ γ₃ₙ₊₁|L̂||L̂ᵀ| (Higham Thm 10.4). The residual computed here adds
        // γₙ₊₁(|A||x̂| + |b|). Both bounds are checked entrywise.
        let b = (0..<n).map { _ in generator.uniform(in: -1...1) }
        let llt = naiveProduct(absolute(l), absolute(l).transposed)
        func residualHolds(_ x: [Double], _ rhs: [Double]) -> Bool {
            let ax = naiveProduct(a, x)
            let absX = x.map(\.magnitude)
            let factorTerm = naiveProduct(llt, absX)
            let matrixTerm = naiveProduct(absolute(a), absX)
            return (0..<n).allSatisfy { i in
                let bound = gamma(3 * n + 1) * factorTerm[i] + gamma(n + 1) * (matrixTerm[i] + rhs[i].magnitude)
                return (rhs[i] - ax[i]).magnitude <= bound
            }
        }
        let x = factorization.solve(b)
        #expect(residualHolds(x, b))

        var rhs = Matrix(rows: n, columns: 3)
        for j in 0..<3 { for i in 0..<n { rhs[i, j] = generator.uniform(in: -1...1) } }
        let solutions = factorization.solve(rhs)
        #expect((0..<3).allSatisfy { residualHolds(solutions.column($0), rhs.column($0)) })

        // The inverse is mirrored, so it is exactly symmetric. Its residual obeys the
        // normwise bound ‖AX − I‖₁ ≤ cₙ·u·κ₁(A) of Cholesky-based inversion (Higham §14.3)
        // with cₙ of the order of the solve's 3n+1. κ₁ is taken from dpocon's estimate, whose
        // ‖A⁻¹‖₁ may be low by at most a factor of 3 in practice (Higham §15.3), so the test
        // uses 3/rcond.
        let inverse = factorization.inverse()
        #expect((0..<n).allSatisfy { i in (0..<n).allSatisfy { j in inverse[i, j] == inverse[j, i] } })
        var residual = naiveProduct(a, inverse)
        for i in 0..<n { residual[i, i] -= 1 }
        let kappa = 3 / factorization.reciprocalConditionNumber
        #expect(oneNorm(residual) <= gamma(3 * n + 1) * kappa)
        #expect(factorization.reciprocalConditionNumber > 0 && factorization.reciprocalConditionNumber <= 1)
    }

    @Test("dpocon's estimate is exact for a diagonal matrix")
    func conditionNumberOfDiagonal() throws {
        let a = Matrix(rows: [[1, 0], [0, 100]])
        let rcond = try a.choleskyFactorization().reciprocalConditionNumber
        // κ₁ = 100 exactly; Hager's estimator finds ‖A⁻¹‖₁ exactly for a diagonal matrix, so
        // only the rounding of the few operations involved remains (a handful of ulps).
        #expect((rcond - 0.01).magnitude <= 8 * Double.ulpOfOne * 0.01)
    }

    @Test("Rank-1 PSD matrix needs the first jitter rung and then factors")
    func rankOneNeedsJitter() throws {
        // vvᵀ with v = (1, 2, 3): the second pivot is 4 − 2·2 = 0 exactly, so dpotrf must fail
        // without jitter; with jitter j every later pivot is exactly j > 0.
        let a = Matrix(rows: [[1, 2, 3], [2, 4, 6], [3, 6, 9]])
        let factorization = try a.choleskyFactorization()
        let meanDiagonal = 14.0 / 3
        #expect(factorization.jitter > 0)
        // First rung: 1e-12 · mean diagonal (the mean is summed from rounded thirds: ≤ 3u).
        #expect((factorization.jitter - 1e-12 * meanDiagonal).magnitude <= 4 * unitRoundoff * 1e-12 * meanDiagonal)
        let l = factorization.lower
        #expect(entrywiseWithin(naiveProduct(l, l.transposed), jittered(a, factorization.jitter), bound: reconstructionBound(l)))
        // Eigenvalues of A + jI are 14 + j, j, j: κ ≈ 14/j ≈ 3e12, so the estimate must be tiny.
        #expect(factorization.reciprocalConditionNumber > 0)
        #expect(factorization.reciprocalConditionNumber < 1e-10)
    }

    @Test("Jitter ladder stops at the first sufficient rung")
    func jitterLadder() throws {
        // The smallest eigenvalue is −1e-6; a relative jitter r·d̄ (d̄ = mean diagonal) works once
        // r·d̄ > 1e-6 (plus rounding), i.e. at the rung r = 1e-5 for d̄ ≈ 2/3.
        let a = Matrix(rows: [[1, 0, 0], [0, 1, 0], [0, 0, -1e-6]])
        let factorization = try a.choleskyFactorization()
        let meanDiagonal = (1.0 + 1.0 - 1e-6) / 3
        // The rung is 1e-12 multiplied by 10 seven times (7 roundings), times d̄ (a few more).
        let expected = 1e-5 * meanDiagonal
        #expect((factorization.jitter - expected).magnitude <= 12 * unitRoundoff * expected)
    }

    @Test("Indefinite matrices throw notPositiveDefinite")
    func indefinite() throws {
        // Mean diagonal 0: no relative jitter scale exists, nothing is tried.
        #expect(throws: LinearAlgebraError.notPositiveDefinite(jitterTried: 0)) {
            try Matrix(rows: [[1, 0], [0, -1]]).choleskyFactorization()
        }
        // Mean diagonal 0.5: the ladder ends at exactly maximumJitter · 0.5 = 0.005 (< 1).
        #expect(throws: LinearAlgebraError.notPositiveDefinite(jitterTried: 1e-2 * 0.5)) {
            try Matrix(rows: [[2, 0], [0, -1]]).choleskyFactorization()
        }
    }

    @Test("Non-finite entries and non-square shapes are rejected")
    func invalidInput() {
        var a = Matrix.identity(3)
        a[1, 2] = .nan
        #expect(throws: LinearAlgebraError.nonFinite(row: 1, column: 2)) { try a.choleskyFactorization() }
        a[1, 2] = 0
        a[2, 0] = -.infinity
        #expect(throws: LinearAlgebraError.nonFinite(row: 2, column: 0)) { try a.choleskyFactorization() }
        let error = #expect(throws: LinearAlgebraError.self) {
            try Matrix(rows: 2, columns: 3).choleskyFactorization()
        }
        if case let .dimensionMismatch(_, actual) = error {
            #expect(actual.contains("2×3"))
        } else {
            Issue.record("expected dimensionMismatch, got \(String(describing: error))")
        }
    }

    @Test("The 0×0 matrix factors trivially")
    func empty() throws {
        let factorization = try Matrix(rows: 0, columns: 0).choleskyFactorization()
        #expect(factorization.logDeterminant == 0)
        #expect(factorization.solve([]) == [])
        #expect(factorization.inverse().rows == 0)
    }
}
