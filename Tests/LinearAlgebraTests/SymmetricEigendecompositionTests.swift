import LinearAlgebra
import Testing

@Suite("Symmetric eigendecomposition")
struct SymmetricEigendecompositionTests {
    // LAPACK's symmetric eigensolvers are backward stable: the computed pairs are exact for
    // A + E with ‖E‖₂ ≤ p(n)·u·‖A‖₂, p(n) "a modestly growing function of n" (LAPACK Users'
    // Guide §4.7, whose own error-bound example uses p(n) = 1). The tests take p(n) = n.
    // Consequences (Weyl; Davis–Kahan): |λ̂ᵢ − λᵢ| ≤ p(n)u‖A‖₂ and the angle between v̂ᵢ and
    // vᵢ is at most p(n)u‖A‖₂/gapᵢ; for unit vectors of matching sign ‖v̂ − v‖₂ ≤ √2·angle.

    /// Checks eigenvalues and (sign-aligned) eigenvectors against exact ones.
    private func check(
        _ a: Matrix, normA: Double, eigenvalues expected: [Double], eigenvectors expectedVectors: [[Double]]
    ) throws {
        let (values, vectors) = try a.symmetricEigendecomposition()
        let n = a.rows
        let backward = Double(n) * unitRoundoff * normA
        #expect(zip(values, expected).allSatisfy { ($0 - $1).magnitude <= backward })
        for j in 0..<n {
            let gap = (0..<n).filter { $0 != j }.map { (expected[$0] - expected[j]).magnitude }.min()!
            let exact = expectedVectors[j]
            let scale = norm2(exact)
            let computed = vectors.column(j)
            let sign: Double = zip(computed, exact).reduce(0) { $0 + $1.0 * $1.1 } < 0 ? -1 : 1
            let distance = norm2(zip(computed, exact).map { sign * $0 - $1 / scale })
            // Plus a few u for normalizing the reference vector.
            #expect(distance <= 2.0.squareRoot() * backward / gap + 4 * Double(n) * unitRoundoff)
        }
    }

    @Test("2×2: eigenvalues 1 and 3")
    func twoByTwo() throws {
        try check(
            Matrix(rows: [[2, 1], [1, 2]]), normA: 3, eigenvalues: [1, 3],
            eigenvectors: [[1, -1], [1, 1]])
    }

    @Test("3×3 second-difference matrix: λₖ = 2 − 2cos(kπ/4)")
    func threeByThree() throws {
        let a = Matrix(rows: [[2, -1, 0], [-1, 2, -1], [0, -1, 2]])
        let s = 0.5.squareRoot()
        // λ = 2 − √2, 2, 2 + √2 with eigenvectors (sin(jkπ/4))ⱼ.
        try check(
            a, normA: 2 + 2 * s, eigenvalues: [2 - 2 * s, 2, 2 + 2 * s],
            eigenvectors: [[s, 1, s], [1, 0, -1], [s, -1, s]])
    }

    @Test("Random symmetric matrix: V orthogonal and VΛVᵀ = A")
    func reconstruction() throws {
        var generator = SplitMix64(seed: 7)
        let n = 12
        let b = randomMatrix(rows: n, columns: n, using: &generator)
        var a = Matrix(rows: n, columns: n)
        for j in 0..<n { for i in 0..<n { a[i, j] = b[max(i, j), min(i, j)] } }  // symmetrize
        let (values, vectors) = try a.symmetricEigendecomposition()
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 <= $1 }, "ascending order")

        // The computed V̂ is within p(n)u of an exactly orthogonal W with A + E = WΛ̂Wᵀ, so
        // ‖V̂ᵀV̂ − I‖₂ ≲ 2p(n)u and ‖V̂Λ̂V̂ᵀ − A‖₂ ≲ 3p(n)u‖A‖₂. Forming the products here adds
        // γₙ(|V̂|ᵀ|V̂|)ᵢⱼ ≤ γₙ and γₙ₊₁(|V̂||Λ̂||V̂|ᵀ)ᵢⱼ ≤ γₙ₊₁‖A‖₂ (rows and columns of V̂ are unit
        // vectors; Cauchy–Schwarz). Entries are bounded by the 2-norm, and ‖A‖₂ ≤ ‖A‖_F.
        let normBound = norm2(a.storage)
        let p = Double(n) * unitRoundoff
        var gramError = naiveProduct(vectors.transposed, vectors)
        for i in 0..<n { gramError[i, i] -= 1 }
        #expect(gramError.storage.allSatisfy { $0.magnitude <= 2 * p + gamma(n) })

        var scaledVectors = vectors
        for j in 0..<n { for i in 0..<n { scaledVectors[i, j] *= values[j] } }
        let rebuilt = naiveProduct(scaledVectors, vectors.transposed)
        let tolerance = (3 * p + gamma(n + 1)) * normBound
        #expect(zip(rebuilt.storage, a.storage).allSatisfy { ($0 - $1).magnitude <= tolerance })
    }

    @Test("Invalid input throws")
    func invalidInput() throws {
        #expect(throws: LinearAlgebraError.self) { try Matrix(rows: 2, columns: 3).symmetricEigendecomposition() }
        var a = Matrix.identity(2)
        a[0, 1] = .nan
        #expect(throws: LinearAlgebraError.nonFinite(row: 0, column: 1)) { try a.symmetricEigendecomposition() }
        #expect(try Matrix(rows: 0, columns: 0).symmetricEigendecomposition().eigenvalues.isEmpty)
    }
}
