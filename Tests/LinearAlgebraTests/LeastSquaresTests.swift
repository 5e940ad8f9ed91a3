import LinearAlgebra
import Testing

@Suite("Least squares")
struct LeastSquaresTests {
    /// ‖A‖₂ and κ₂(A) from the eigenvalues of AᵀA (σᵢ² = λᵢ).
    private func normAndCondition(_ a: Matrix) throws -> (norm: Double, condition: Double) {
        let eigenvalues = try a.gram().symmetricEigendecomposition().eigenvalues
        let largest = eigenvalues.last!.squareRoot()
        return (largest, largest / eigenvalues.first!.squareRoot())
    }

    /// Normwise backward error of the SVD least-squares solver, in the 2-norm: the solution
    /// is exact for A + ΔA, b + Δb with ‖ΔA‖_F ≤ γ_{mn}‖A‖_F (Higham Thm 20.3, constant 1),
    /// and ‖A‖_F ≤ √n‖A‖₂.
    private func backwardError(rows m: Int, columns n: Int) -> Double {
        Double(n).squareRoot() * gamma(m * n)
    }

    /// A design matrix with small integer entries (first column all ones).
    private func integerDesign(rows: Int, columns: Int, using generator: inout SplitMix64) -> Matrix {
        var a = Matrix(rows: rows, columns: columns, repeating: 1)
        for j in 1..<columns {
            for i in 0..<rows { a[i, j] = (generator.uniform(in: -5...5)).rounded() }
        }
        return a
    }

    @Test("Consistent overdetermined system: coefficients recovered to κ₂·ε accuracy")
    func consistentSystem() throws {
        var generator = SplitMix64(seed: 4)
        let a = integerDesign(rows: 20, columns: 3, using: &generator)
        let beta = [1.0, -2.0, 0.5]
        // Integer design and dyadic coefficients: b = Aβ is computed exactly.
        let b = naiveProduct(a, beta)
        let x = try a.leastSquaresSolution(b)

        // Wedin's bound (Higham Thm 20.1) with zero residual:
        // ‖x̂ − β‖/‖β‖ ≤ 2κ₂ε/(1 − κ₂ε), ε the backward error.
        let (_, kappa) = try normAndCondition(a)
        let epsilon = backwardError(rows: a.rows, columns: a.columns)
        let error = norm2(zip(x, beta).map { $0 - $1 }) / norm2(beta)
        #expect(error <= 2 * kappa * epsilon / (1 - kappa * epsilon))
    }

    @Test("Noisy data: SVD solution agrees with the normal-equations solution")
    func noisyData() throws {
        var generator = SplitMix64(seed: 5)
        let m = 40
        var a = Matrix(rows: m, columns: 3)
        var b = [Double](repeating: 0, count: m)
        for i in 0..<m {
            let t = -1 + 2 * Double(i) / Double(m - 1)
            a[i, 0] = 1
            a[i, 1] = t
            a[i, 2] = t * t
            b[i] = 1 + 2 * t - 3 * t * t + generator.uniform(in: -0.1...0.1)
        }
        let x = try a.leastSquaresSolution(b)

        // Normal equations AᵀA x = Aᵀb through the Cholesky factorization.
        let factorization = try a.gram().choleskyFactorization()
        #expect(factorization.jitter == 0)
        let xNormal = factorization.solve(a.transposed.multiplied(by: b))

        // Both are compared with the exact LS solution x:
        //  • SVD solver (Wedin, Higham Thm 20.1): ‖x̂ − x‖/‖x‖ ≤ κε(2 + (κ + 1)ρ) to first
        //    order, ρ = ‖r‖/(‖A‖₂‖x‖);
        //  • normal equations: forming AᵀA perturbs it by ≤ γₘ‖|A|ᵀ|A|‖₂ ≤ nγₘ‖A‖₂², forming
        //    Aᵀb by ≤ √nγₘ‖A‖₂‖b‖, the Cholesky solve by ≤ γ₃ₙ₊₁·n‖A‖₂² (normwise form of
        //    Thm 10.4); each is amplified by ‖(AᵀA)⁻¹‖₂ = κ²/‖A‖₂².
        // The test bound is the sum of the two (a factor 2 absorbs second-order terms).
        let n = a.columns
        let (normA, kappa) = try normAndCondition(a)
        let residual = norm2(zip(naiveProduct(a, x), b).map { $0 - $1 })
        let rho = residual / (normA * norm2(x))
        let epsilon = backwardError(rows: m, columns: n)
        let svdBound = kappa * epsilon * (2 + (kappa + 1) * rho)
        let nn = Double(n)
        let normalBound = kappa * kappa
            * (nn * gamma(m) + nn * gamma(3 * n + 1) + nn.squareRoot() * gamma(m) * norm2(b) / (normA * norm2(x)))
        let difference = norm2(zip(x, xNormal).map { $0 - $1 }) / norm2(x)
        #expect(difference <= 2 * (svdBound + normalBound))
        // Sanity: the fit is close to the generating coefficients (noise ±0.1 over 40 points).
        #expect(zip(x, [1.0, 2, -3]).allSatisfy { ($0 - $1).magnitude < 0.2 })
    }

    @Test("Rank-deficient designs throw .singular")
    func rankDeficient() {
        var generator = SplitMix64(seed: 6)
        var a = integerDesign(rows: 15, columns: 3, using: &generator)
        for i in 0..<15 { a[i, 2] = a[i, 0] + a[i, 1] }  // exactly dependent column
        let b = (0..<15).map { _ in generator.uniform(in: -1...1) }
        #expect(throws: LinearAlgebraError.singular) { try a.leastSquaresSolution(b) }
        #expect(throws: LinearAlgebraError.singular) { try Matrix(rows: 4, columns: 2).leastSquaresSolution([1, 2, 3, 4]) }
        // Fewer observations than coefficients: never identified.
        #expect(throws: LinearAlgebraError.singular) {
            try Matrix(rows: [[1, 2, 3], [4, 5, 7]]).leastSquaresSolution([1, 2])
        }
    }

    @Test("Shape and finiteness errors name the operand")
    func invalidInput() {
        let a = Matrix(rows: [[1, 0], [0, 1], [1, 1]])
        #expect(throws: LinearAlgebraError.dimensionMismatch(
            expected: "b to have 3 entries (the rows of self)", actual: "b has 2")) {
            try a.leastSquaresSolution([1, 2])
        }
        #expect(throws: LinearAlgebraError.nonFinite(row: 1, column: 2)) {
            try a.leastSquaresSolution([1, .nan, 2])
        }
        var bad = a
        bad[2, 1] = .infinity
        #expect(throws: LinearAlgebraError.nonFinite(row: 2, column: 1)) {
            try bad.leastSquaresSolution([1, 2, 3])
        }
    }
}
