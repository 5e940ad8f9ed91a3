extension CholeskyFactorization {
    /// `L⁻¹B` (forward substitution with the factor alone, `dtrsm`): half of ``solve(_:)-(Matrix)``.
    ///
    /// With `A = LLᵀ`, `(L⁻¹B)ᵀ(L⁻¹B) = BᵀA⁻¹B`: the update that turns a block of a symmetric
    /// matrix into its Schur complement.
    /// - Parameter b: Right-hand sides with as many rows as the matrix (traps otherwise).
    /// - Complexity: O(n²·k) for k right-hand sides.
    package func solveLower(_ b: Matrix) -> Matrix {
        triangularSolve(b, transposed: false)
    }

    /// `L⁻ᵀB` (back substitution with the factor's transpose, `dtrsm`): the other half of
    /// ``solve(_:)-(Matrix)``.
    /// - Complexity: O(n²·k) for k right-hand sides.
    package func solveLowerTransposed(_ b: Matrix) -> Matrix {
        triangularSolve(b, transposed: true)
    }

    private func triangularSolve(_ b: Matrix, transposed: Bool) -> Matrix {
        precondition(b.rows == order, "triangular solve needs right-hand sides with \(order) rows, got \(b.rows)")
        var solution = b
        guard order > 0, b.columns > 0 else { return solution }
        LAPACK.trsmLowerLeft(transposed: transposed, n: order, nrhs: b.columns, a: factor.storage, lda: order,
                             b: &solution.storage, ldb: order)
        return solution
    }

    /// ``inverse()`` in the factor's own buffer: the factorization is consumed, so the n × n
    /// factor is not copied (O(n²) memory and page faults saved for large n).
    /// - Returns: The symmetric inverse, both triangles filled.
    /// - Complexity: O(n³).
    package consuming func consumingInverse() -> Matrix {
        var result = factor
        self = CholeskyFactorization(factor: Matrix(rows: 0, columns: 0), jitter: 0, reciprocalConditionNumber: 0)
        let n = result.rows
        guard n > 0 else { return result }
        let info = LAPACK.potri(.lower, n: n, a: &result.storage, lda: n)
        // dpotri fails only for a zero diagonal entry of L, which a successful dpotrf
        // (which requires every pivot to be positive) never produces.
        precondition(info == 0, "dpotri failed on a valid Cholesky factor (info = \(info))")
        result.mirrorLowerTriangle()
        return result
    }
}
