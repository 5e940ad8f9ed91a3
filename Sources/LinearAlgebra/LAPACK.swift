internal import CBLAS
internal import CLAPACKE
#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The single gateway from `LinearAlgebra` to the C BLAS (OpenBLAS), LAPACKE and libm libraries.
///
/// Every C call of the module lives in this file, so that no C type escapes into the rest of
/// the module and the calling conventions (column-major layout, 32-bit `lapack_int`, `char`
/// flags as `Int8`, leading dimensions of at least 1) are handled in one place.
///
/// All matrices are column-major `[Double]` buffers. The wrappers check, with preconditions,
/// that every buffer is large enough for the dimensions and leading dimensions passed, so a
/// caller mistake traps in Swift instead of corrupting memory inside C.
///
/// Routines that LAPACKE offers in two flavours are called through the `_work` variant where
/// the workspace is trivial to size: the high-level variant scans every input for NaN on each
/// call, which the callers in this module already did once (or which must not turn a NaN
/// right-hand side into a trap, as in `potrs`).
enum LAPACK {
    /// Which triangle of a symmetric matrix is stored and referenced.
    enum Triangle {
        /// The lower triangle (including the diagonal).
        case lower
        /// The upper triangle (including the diagonal).
        case upper
    }

    // MARK: - Conversions

    /// `LAPACK_COL_MAJOR`, the only layout this module uses.
    private static let columnMajor: Int32 = 102

    /// Converts a dimension to LAPACK's 32-bit integer, trapping if it does not fit.
    ///
    /// - Parameter value: A non-negative dimension, leading dimension or count.
    /// - Returns: The same value as `Int32`.
    private static func lapackInt(_ value: Int) -> Int32 {
        guard let converted = Int32(exactly: value), converted >= 0 else {
            preconditionFailure("dimension \(value) does not fit LAPACK's 32-bit integer type")
        }
        return converted
    }

    /// A single-character LAPACK flag, as the `Int8` that a C `char` parameter imports as.
    private static func flag(_ character: Unicode.Scalar) -> Int8 {
        Int8(UInt8(ascii: character))
    }

    private static func uploFlag(_ triangle: Triangle) -> Int8 {
        triangle == .lower ? flag("L") : flag("U")
    }

    /// Checks that a column-major buffer holds an `rows`×`columns` matrix with leading
    /// dimension `leading`.
    private static func requireBuffer(
        _ count: Int, rows: Int, columns: Int, leading: Int, _ name: StaticString
    ) {
        precondition(leading >= max(1, rows), "\(name): leading dimension smaller than row count")
        precondition(
            columns == 0 || count >= leading * (columns - 1) + rows,
            "\(name): buffer too small for its dimensions")
    }

    // MARK: - BLAS

    /// `C = alpha · op(A) · op(B) + beta · C` (`cblas_dgemm`).
    ///
    /// - Parameters:
    ///   - transposeA: Whether `op(A) = Aᵀ`.
    ///   - transposeB: Whether `op(B) = Bᵀ`.
    ///   - m: Rows of `op(A)` and `C`.
    ///   - n: Columns of `op(B)` and `C`.
    ///   - k: Columns of `op(A)` and rows of `op(B)`.
    ///   - a: `A`, column-major with leading dimension `lda`.
    ///   - b: `B`, column-major with leading dimension `ldb`.
    ///   - c: `C`, column-major with leading dimension `ldc`; overwritten.
    /// - Complexity: O(`m`·`n`·`k`).
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: [Double], lda: Int, b: [Double], ldb: Int,
        beta: Double, c: inout [Double], ldc: Int
    ) {
        c.withUnsafeMutableBufferPointer { pc in
            gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                 b: b, ldb: ldb, beta: beta, c: pc, ldc: ldc)
        }
    }

    /// ``gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` into a buffer, which
    /// with `beta` = 0 may be uninitialized (BLAS does not read C then).
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: [Double], lda: Int, b: [Double], ldb: Int,
        beta: Double, c: UnsafeMutableBufferPointer<Double>, ldc: Int
    ) {
        requireBuffer(a.count, rows: transposeA ? k : m, columns: transposeA ? m : k, leading: lda, "gemm A")
        requireBuffer(b.count, rows: transposeB ? n : k, columns: transposeB ? k : n, leading: ldb, "gemm B")
        requireBuffer(c.count, rows: m, columns: n, leading: ldc, "gemm C")
        let (mm, nn, kk) = (lapackInt(m), lapackInt(n), lapackInt(k))
        let (la, lb, lc) = (lapackInt(lda), lapackInt(ldb), lapackInt(ldc))
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                cblas_dgemm(
                    CblasColMajor, transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans, mm, nn, kk,
                    alpha, pa.baseAddress, la, pb.baseAddress, lb,
                    beta, c.baseAddress, lc)
            }
        }
    }

    /// `y = alpha · A · x + beta · y` for an `m`×`n` matrix `A` (`cblas_dgemv`, no transpose).
    ///
    /// - Parameters:
    ///   - m: Rows of `A`, length of `y`.
    ///   - n: Columns of `A`, length of `x`.
    ///   - a: `A`, column-major with leading dimension `lda`.
    ///   - x: The vector multiplied, unit stride.
    ///   - y: The result vector, unit stride; overwritten.
    /// - Complexity: O(`m`·`n`).
    static func gemv(
        m: Int, n: Int, alpha: Double, a: [Double], lda: Int, x: [Double],
        beta: Double, y: inout [Double]
    ) {
        requireBuffer(a.count, rows: m, columns: n, leading: lda, "gemv A")
        precondition(x.count >= n && y.count >= m, "gemv: vector too short")
        let (mm, nn, la) = (lapackInt(m), lapackInt(n), lapackInt(lda))
        a.withUnsafeBufferPointer { pa in
            x.withUnsafeBufferPointer { px in
                y.withUnsafeMutableBufferPointer { py in
                    cblas_dgemv(
                        CblasColMajor, CblasNoTrans, mm, nn, alpha, pa.baseAddress, la,
                        px.baseAddress, 1, beta, py.baseAddress, 1)
                }
            }
        }
    }

    /// Lower triangle of `C = Aᵀ · A` for an `k`×`n` matrix `A` (`cblas_dsyrk`, transposed).
    ///
    /// Only the lower triangle (and diagonal) of `c` is written.
    ///
    /// - Parameters:
    ///   - n: Columns of `A`; `C` is `n`×`n`.
    ///   - k: Rows of `A`.
    ///   - a: `A`, column-major with leading dimension `lda`.
    ///   - c: `C`, column-major with leading dimension `ldc`.
    /// - Complexity: O(`n`²·`k`), about half the flops of the equivalent `gemm`.
    static func syrkLowerTransposed(
        n: Int, k: Int, a: [Double], lda: Int, c: inout [Double], ldc: Int
    ) {
        requireBuffer(a.count, rows: k, columns: n, leading: lda, "syrk A")
        requireBuffer(c.count, rows: n, columns: n, leading: ldc, "syrk C")
        let (nn, kk, la, lc) = (lapackInt(n), lapackInt(k), lapackInt(lda), lapackInt(ldc))
        a.withUnsafeBufferPointer { pa in
            c.withUnsafeMutableBufferPointer { pc in
                cblas_dsyrk(
                    CblasColMajor, CblasLower, CblasTrans, nn, kk, 1.0, pa.baseAddress, la,
                    0.0, pc.baseAddress, lc)
            }
        }
    }

    /// `B = op(L)⁻¹ · B` for a lower-triangular `n`×`n` matrix `L` with a non-unit diagonal
    /// (`cblas_dtrsm`, from the left), `op(L)` = `L` or `Lᵀ`.
    ///
    /// - Parameters:
    ///   - transposed: Whether to solve with `Lᵀ` instead of `L`.
    ///   - n: Order of `L`, rows of `B`.
    ///   - nrhs: Columns of `B`.
    ///   - a: `L` in the lower triangle, column-major with leading dimension `lda` (the strict
    ///     upper triangle is not read).
    ///   - b: `B`, column-major with leading dimension `ldb`; overwritten with the solution.
    /// - Complexity: O(`n`²·`nrhs`).
    static func trsmLowerLeft(
        transposed: Bool, n: Int, nrhs: Int, a: [Double], lda: Int, b: inout [Double], ldb: Int
    ) {
        requireBuffer(a.count, rows: n, columns: n, leading: lda, "trsm A")
        requireBuffer(b.count, rows: n, columns: nrhs, leading: ldb, "trsm B")
        let (nn, nr, la, lb) = (lapackInt(n), lapackInt(nrhs), lapackInt(lda), lapackInt(ldb))
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeMutableBufferPointer { pb in
                cblas_dtrsm(
                    CblasColMajor, CblasLeft, CblasLower, transposed ? CblasTrans : CblasNoTrans, CblasNonUnit,
                    nn, nr, 1.0, pa.baseAddress, la, pb.baseAddress, lb)
            }
        }
    }

    // MARK: - Cholesky family

    /// Cholesky factorization of a symmetric matrix in place (`dpotrf`).
    ///
    /// - Parameters:
    ///   - triangle: The triangle that is read and overwritten by the factor.
    ///   - n: Order of the matrix.
    ///   - a: The matrix, column-major with leading dimension `lda`.
    /// - Returns: LAPACK's `info`: 0 on success, `i > 0` if the leading minor of order `i` is
    ///   not (numerically) positive definite, negative for an illegal argument.
    /// - Complexity: O(`n`³/3).
    static func potrf(_ triangle: Triangle, n: Int, a: inout [Double], lda: Int) -> Int {
        requireBuffer(a.count, rows: n, columns: n, leading: lda, "potrf A")
        let (nn, la, uplo) = (lapackInt(n), lapackInt(lda), uploFlag(triangle))
        let info = a.withUnsafeMutableBufferPointer { pa in
            LAPACKE_dpotrf_work(columnMajor, uplo, nn, pa.baseAddress, la)
        }
        return Int(info)
    }

    /// The 1-norm (maximum absolute column sum) of a symmetric matrix stored in one
    /// triangle (`dlansy`).
    ///
    /// - Parameters:
    ///   - triangle: The triangle that holds the matrix.
    ///   - n: Order of the matrix.
    ///   - a: The matrix, column-major with leading dimension `lda`.
    /// - Returns: ‖A‖₁ (equal to ‖A‖∞ by symmetry).
    /// - Complexity: O(`n`²).
    static func symmetricOneNorm(_ triangle: Triangle, n: Int, a: [Double], lda: Int) -> Double {
        requireBuffer(a.count, rows: n, columns: n, leading: lda, "lansy A")
        let (nn, la, uplo) = (lapackInt(n), lapackInt(lda), uploFlag(triangle))
        var work = [Double](repeating: 0, count: max(1, n))
        return a.withUnsafeBufferPointer { pa in
            work.withUnsafeMutableBufferPointer { pw in
                LAPACKE_dlansy_work(columnMajor, flag("1"), uplo, nn, pa.baseAddress, la, pw.baseAddress)
            }
        }
    }

    /// Estimates the reciprocal 1-norm condition number from a Cholesky factor (`dpocon`).
    ///
    /// - Parameters:
    ///   - triangle: The triangle holding the factor computed by ``potrf(_:n:a:lda:)``.
    ///   - n: Order of the matrix.
    ///   - factor: The Cholesky factor, column-major with leading dimension `lda`.
    ///   - oneNorm: ‖A‖₁ of the matrix that was factored.
    /// - Returns: The estimate of 1/(‖A‖₁‖A⁻¹‖₁) and LAPACK's `info` (0 on success).
    /// - Complexity: O(`n`²).
    static func pocon(
        _ triangle: Triangle, n: Int, factor: [Double], lda: Int, oneNorm: Double
    ) -> (reciprocalCondition: Double, info: Int) {
        requireBuffer(factor.count, rows: n, columns: n, leading: lda, "pocon A")
        let (nn, la, uplo) = (lapackInt(n), lapackInt(lda), uploFlag(triangle))
        var rcond = 0.0
        var work = [Double](repeating: 0, count: max(1, 3 * n))
        var iwork = [Int32](repeating: 0, count: max(1, n))
        let info = factor.withUnsafeBufferPointer { pa in
            work.withUnsafeMutableBufferPointer { pw in
                iwork.withUnsafeMutableBufferPointer { pi in
                    LAPACKE_dpocon_work(
                        columnMajor, uplo, nn, pa.baseAddress, la, oneNorm, &rcond,
                        pw.baseAddress, pi.baseAddress)
                }
            }
        }
        return (rcond, Int(info))
    }

    /// Solves `A X = B` from a Cholesky factor of `A` (`dpotrs`), overwriting `B` with `X`.
    ///
    /// - Parameters:
    ///   - triangle: The triangle holding the factor.
    ///   - n: Order of `A`, rows of `B`.
    ///   - nrhs: Columns of `B`.
    ///   - factor: The Cholesky factor, column-major with leading dimension `lda`.
    ///   - b: The right-hand sides, column-major with leading dimension `ldb`.
    /// - Returns: LAPACK's `info` (0 on success, negative for an illegal argument).
    /// - Complexity: O(`n`²·`nrhs`).
    static func potrs(
        _ triangle: Triangle, n: Int, nrhs: Int, factor: [Double], lda: Int,
        b: inout [Double], ldb: Int
    ) -> Int {
        requireBuffer(factor.count, rows: n, columns: n, leading: lda, "potrs A")
        requireBuffer(b.count, rows: n, columns: nrhs, leading: ldb, "potrs B")
        let (nn, nr, la, lb) = (lapackInt(n), lapackInt(nrhs), lapackInt(lda), lapackInt(ldb))
        let uplo = uploFlag(triangle)
        let info = factor.withUnsafeBufferPointer { pa in
            b.withUnsafeMutableBufferPointer { pb in
                LAPACKE_dpotrs_work(columnMajor, uplo, nn, nr, pa.baseAddress, la, pb.baseAddress, lb)
            }
        }
        return Int(info)
    }

    /// Inverse of a symmetric positive definite matrix from its Cholesky factor (`dpotri`),
    /// in place; only `triangle` of the result is written.
    ///
    /// - Parameters:
    ///   - triangle: The triangle holding the factor on entry and the inverse on exit.
    ///   - n: Order of the matrix.
    ///   - a: The factor on entry, column-major with leading dimension `lda`.
    /// - Returns: LAPACK's `info` (0 on success, `i > 0` if a diagonal entry of the factor is 0).
    /// - Complexity: O(`n`³).
    static func potri(_ triangle: Triangle, n: Int, a: inout [Double], lda: Int) -> Int {
        requireBuffer(a.count, rows: n, columns: n, leading: lda, "potri A")
        let (nn, la, uplo) = (lapackInt(n), lapackInt(lda), uploFlag(triangle))
        let info = a.withUnsafeMutableBufferPointer { pa in
            LAPACKE_dpotri_work(columnMajor, uplo, nn, pa.baseAddress, la)
        }
        return Int(info)
    }

    // MARK: - Least squares and eigenproblems

    /// Minimum-norm least-squares solution through the SVD (`dgelsd`).
    ///
    /// - Parameters:
    ///   - m: Rows of `A`.
    ///   - n: Columns of `A`.
    ///   - nrhs: Number of right-hand sides.
    ///   - a: `A`, column-major with leading dimension `lda`; destroyed.
    ///   - b: Right-hand sides (`ldb` ≥ max(1, `m`, `n`)); overwritten with the solutions in
    ///     the first `n` rows.
    ///   - singularValues: Receives the min(`m`, `n`) singular values, descending.
    ///   - relativeThreshold: Singular values `s[i] ≤ relativeThreshold · s[0]` count as zero.
    /// - Returns: The effective rank and LAPACK's `info` (0 on success, `> 0` if the SVD failed
    ///   to converge).
    /// - Complexity: O(`m`·`n`·min(`m`, `n`)).
    static func gelsd(
        m: Int, n: Int, nrhs: Int, a: inout [Double], lda: Int, b: inout [Double], ldb: Int,
        singularValues: inout [Double], relativeThreshold: Double
    ) -> (rank: Int, info: Int) {
        requireBuffer(a.count, rows: m, columns: n, leading: lda, "gelsd A")
        precondition(ldb >= max(1, m, n), "gelsd: leading dimension of B too small")
        requireBuffer(b.count, rows: max(m, n), columns: nrhs, leading: ldb, "gelsd B")
        precondition(singularValues.count >= min(m, n), "gelsd: singular value buffer too short")
        let (mm, nn, nr) = (lapackInt(m), lapackInt(n), lapackInt(nrhs))
        let (la, lb) = (lapackInt(lda), lapackInt(ldb))
        var rank: Int32 = 0
        let info = a.withUnsafeMutableBufferPointer { pa in
            b.withUnsafeMutableBufferPointer { pb in
                singularValues.withUnsafeMutableBufferPointer { ps in
                    LAPACKE_dgelsd(
                        columnMajor, mm, nn, nr, pa.baseAddress, la, pb.baseAddress, lb,
                        ps.baseAddress, relativeThreshold, &rank)
                }
            }
        }
        return (Int(rank), Int(info))
    }

    /// Eigenvalues and eigenvectors of a symmetric matrix by divide and conquer (`dsyevd`).
    ///
    /// - Parameters:
    ///   - triangle: The triangle of `a` that is read.
    ///   - n: Order of the matrix.
    ///   - a: The matrix on entry; the orthonormal eigenvectors (as columns) on exit.
    ///   - eigenvalues: Receives the `n` eigenvalues in ascending order.
    /// - Returns: LAPACK's `info` (0 on success, `> 0` if the algorithm failed to converge).
    /// - Complexity: O(`n`³).
    static func syevd(
        _ triangle: Triangle, n: Int, a: inout [Double], lda: Int, eigenvalues: inout [Double]
    ) -> Int {
        requireBuffer(a.count, rows: n, columns: n, leading: lda, "syevd A")
        precondition(eigenvalues.count >= n, "syevd: eigenvalue buffer too short")
        let (nn, la, uplo) = (lapackInt(n), lapackInt(lda), uploFlag(triangle))
        let info = a.withUnsafeMutableBufferPointer { pa in
            eigenvalues.withUnsafeMutableBufferPointer { pw in
                LAPACKE_dsyevd(columnMajor, flag("V"), uplo, nn, pa.baseAddress, la, pw.baseAddress)
            }
        }
        return Int(info)
    }

    // MARK: - OpenBLAS threading

    /// The number of threads OpenBLAS uses (`openblas_get_num_threads`).
    static var blasThreadCount: Int {
        Int(openblas_get_num_threads())
    }

    /// Sets the number of threads OpenBLAS uses (`openblas_set_num_threads`).
    ///
    /// - Parameter count: A positive thread count.
    static func setBLASThreadCount(_ count: Int) {
        guard let converted = Int32(exactly: count), converted >= 1 else {
            preconditionFailure("BLAS thread count must be a positive 32-bit integer, got \(count)")
        }
        openblas_set_num_threads(converted)
    }

    /// Ends OpenBLAS's worker threads (`blas_thread_shutdown_`); the next threaded call restarts them.
    static func stopBLASWorkers() {
        _ = blas_thread_shutdown_()
    }

    // MARK: - libm

    /// The natural logarithm (C `log`).
    ///
    /// - Parameter x: A non-negative value.
    /// - Returns: `log(x)`; `-infinity` for 0, NaN for negative `x`.
    static func naturalLogarithm(_ x: Double) -> Double {
        log(x)
    }
}
