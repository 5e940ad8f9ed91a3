import Foundation
import Testing
@testable import LinearAlgebra

/// The in-place Cholesky factorization: the same factor, jitter and condition estimate as the
/// copying method, also when a failed `dpotrf` has overwritten the matrix and a retry must
/// restore it.
@Suite("Cholesky factorization in place")
struct CholeskyInPlaceTests {
    /// The lower triangle (with the diagonal) of a square matrix, column by column.
    private func lowerEntries(_ a: Matrix) -> [Double] {
        (0..<a.columns).flatMap { j in (j..<a.rows).map { a[$0, j] } }
    }

    /// A random SPD matrix of order n whose last diagonal entry is lowered by 1.5 times its
    /// last Cholesky pivot: the last pivot becomes negative, so `dpotrf` fails only at the last
    /// column, after the blocked (and threaded) algorithm has updated the whole triangle.
    private func failingLate(order n: Int, seed: UInt64) throws -> Matrix {
        var generator = SplitMix64(seed: seed)
        var a = randomSPD(order: n, using: &generator)
        let pivot = try a.choleskyFactorization().lower[n - 1, n - 1]
        a[n - 1, n - 1] -= 1.5 * pivot * pivot
        return a
    }

    /// Without a retry, and after retries from the upper triangle or a recomputation, the
    /// in-place factorization factors bit for bit the same matrix as the copying method
    /// (the restored matrix is exactly the original), so factor and jitter are identical. The
    /// condition estimate is compared to n·ε relative: OpenBLAS's `dpocon` sums in an order that
    /// depends on the factor's 64-byte alignment, which two arrays need not share (measured:
    /// 2 ulp at n = 300 between an aligned and an unaligned copy of one factor; this test
    /// failed on 1 ulp under a loaded parallel run); a reordered sum of n terms of one sign
    /// moves by at most about n·ε relative.
    @Test("same factor, jitter and condition estimate as the copying method", arguments: [40, 300])
    func matchesCopyingMethod(order n: Int) throws {
        var generator = SplitMix64(seed: UInt64(n))
        for a in [randomSPD(order: n, using: &generator), try failingLate(order: n, seed: UInt64(n) + 1)] {
            let reference = try a.choleskyFactorization(initialJitter: 1e-6, maximumJitter: 10)
            let fromUpper = try CholeskyFactorization(factoringInPlace: a, initialJitter: 1e-6, maximumJitter: 10)
            var lowerOnly = a
            lowerOnly.zeroStrictUpperTriangle()
            let recomputed = try CholeskyFactorization(
                factoringInPlace: lowerOnly, initialJitter: 1e-6, maximumJitter: 10, restoring: .recompute({ lowerOnly }))
            for factorization in [fromUpper, recomputed] {
                #expect(factorization.jitter == reference.jitter)
                #expect(abs(factorization.reciprocalConditionNumber - reference.reciprocalConditionNumber)
                        <= Double(n) * .ulpOfOne * reference.reciprocalConditionNumber)
                #expect(lowerEntries(factorization.factor) == lowerEntries(reference.factor))
                #expect(factorization.lower == reference.lower)
            }
        }
        #expect(try failingLate(order: n, seed: UInt64(n) + 1).choleskyFactorization(initialJitter: 1e-6, maximumJitter: 10).jitter > 0)
    }

    /// Skipping the condition estimate changes nothing else; the estimate is then NaN.
    @Test("the condition estimate can be skipped")
    func withoutConditionEstimate() throws {
        let a = try failingLate(order: 60, seed: 5)
        let reference = try CholeskyFactorization(factoringInPlace: a, initialJitter: 1e-6, maximumJitter: 10)
        let skipped = try CholeskyFactorization(factoringInPlace: a, initialJitter: 1e-6, maximumJitter: 10, estimatesCondition: false)
        #expect(skipped.reciprocalConditionNumber.isNaN)
        #expect(skipped.jitter == reference.jitter)
        #expect(skipped.lower == reference.lower)
    }

    /// Bad input gives typed errors: a NaN in the lower triangle, a non-square matrix, a
    /// recomputed matrix of the wrong order, and a matrix no jitter rescues.
    @Test("bad input is rejected with typed errors")
    func badInput() throws {
        var a = Matrix(rows: [[4, 1, 0], [1, 3, 1], [0, 1, 2]])
        a[2, 1] = .nan
        #expect(throws: LinearAlgebraError.nonFinite(row: 2, column: 1)) { try CholeskyFactorization(factoringInPlace: a) }
        #expect(throws: LinearAlgebraError.self) { try CholeskyFactorization(factoringInPlace: Matrix(rows: 2, columns: 3)) }
        let indefinite = Matrix(rows: [[1, 2], [2, 1]])
        #expect(throws: LinearAlgebraError.self) {
            try CholeskyFactorization(factoringInPlace: indefinite, restoring: .recompute({ Matrix(rows: 3, columns: 3) }))
        }
        #expect(throws: LinearAlgebraError.notPositiveDefinite(jitterTried: 1e-2 * 1)) {
            try CholeskyFactorization(factoringInPlace: indefinite)
        }
        #expect(try CholeskyFactorization(factoringInPlace: Matrix(rows: 0, columns: 0)).jitter == 0)
        // The first attempt reads the (finite, indefinite) lower triangle and fails; the retry
        // restores from the upper triangle, whose NaN must be named, not factored.
        var nanAbove = indefinite
        nanAbove[0, 1] = .nan
        #expect(throws: LinearAlgebraError.nonFinite(row: 0, column: 1)) { try CholeskyFactorization(factoringInPlace: nanAbove) }
        #expect(throws: LinearAlgebraError.nonFinite(row: 1, column: 0)) {
            try CholeskyFactorization(factoringInPlace: indefinite, restoring: .recompute({ nanAbove.transposed }))
        }
    }

    /// The one-pass 1-norm equals LAPACK's `dlansy` up to the rounding of two different
    /// summation orders of n nonnegative terms: each within γₙ₋₁ relative of the exact sum, so
    /// within 2γₙ of each other. The strict upper triangle is not read.
    @Test("one-pass symmetric 1-norm equals dlansy", arguments: [1, 2, 5, 37, 200])
    func oneNormMatchesLAPACK(order n: Int) throws {
        var generator = SplitMix64(seed: UInt64(7 * n))
        var a = randomMatrix(rows: n, columns: n, using: &generator)
        let expected = LAPACK.symmetricOneNorm(.lower, n: n, a: a.storage, lda: n)
        let norm = CholeskyFactorization.symmetricOneNorm(lowerTriangleOf: a.storage, order: n)
        #expect(abs(norm - expected) <= 2 * gamma(n) * expected)
        for j in 0..<n { for i in 0..<j { a[i, j] = .infinity } }
        #expect(CholeskyFactorization.symmetricOneNorm(lowerTriangleOf: a.storage, order: n) == norm)
        if n > 1 {
            a[n - 1, 0] = -.infinity
            #expect(CholeskyFactorization.symmetricOneNorm(lowerTriangleOf: a.storage, order: n) == .infinity)
        }
    }
}
