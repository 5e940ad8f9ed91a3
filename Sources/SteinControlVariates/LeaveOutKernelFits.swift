import LinearAlgebra
import MonteCarloCore

/// Kernel fits on many training sets T, all from one factorization of the full-data matrix.
///
/// Every fit on T uses the full-data fit's total diagonal shift s (nugget × the mean diagonal of
/// K0 over all n draws, plus any jitter that K needed): K = K0 + sI over all draws. Write Φ for the
/// basis [1, g₁ … g_p] at all draws and M = [[K, Φ], [Φᵀ, 0]] for the bordered (universal
/// kriging) matrix, whose inverse has the blocks
///
///     M⁻¹ = [[P, W], [Wᵀ, −S⁻¹]],  S = ΦᵀK⁻¹Φ,  W = K⁻¹ΦS⁻¹,  P = K⁻¹ − K⁻¹ΦS⁻¹ΦᵀK⁻¹,
///
/// so that the full fit is (a, β̂) = (Pf, Wᵀf). Leave out L = {0…n−1} ∖ T: adding a vector δ to f
/// on L changes the solution by (P₍·,L₎δ, W_Lᵀδ), and δ = −P_LL⁻¹a_L makes the new a vanish on L.
/// The rows of T and of Φᵀ are then exactly the system of the fit on T alone, so
///
///     r = P_LL⁻¹ a_L,   β̂_T = β̂ − W_Lᵀ r,   a_T = a_T − P_TL r,
///
/// and the rows of L give the held-out prediction errors: f_L − Φ_Lβ̂_T − K0_LT a_T = r (Dubrule
/// 1983, "Cross validation of kriging in a unique neighborhood", Math. Geol. 15: 687–699, for a
/// single left-out draw; the block form follows from the same argument). The held-out residuals
/// f − c therefore need neither K0 nor a_T: at a left-out draw they are rᵢ + β̂₀,T (the control c
/// leaves out the intercept); K0 enters only their rounding bounds, through |K0|, kept once.
///
/// With the folds given as `blocks`, each fold's P_BB is factored once, at initialization, where
/// the fit leaving it out is derived together with the rounding bounds of its residuals; a
/// training set that leaves out two folds g and k (the jackknife's) is solved from the factor L_g
/// of P_gg and the Schur complement P_kk − YᵀY, Y = L_g⁻¹P_gk: the block Cholesky factorization
/// of P_LL with its first block already factored (7m³/3 instead of 8m³/3 flops for folds of m
/// draws). For the 5-fold error bar of ``SteinControlFunctional``'s weighted form (5 fits on 0.8n
/// draws, 10 distinct jackknife fits on 0.6n) that is the full-data factorization (n³/3 flops),
/// dpotri (2n³/3), 5 factorizations of order n/5 and 10 Schur updates (0.56 · n³/3): about 3.6
/// factorizations of order n instead of 5.7 for the refits (7.9 before the jackknife's pairs were
/// shared), and one kernel matrix instead of 16. The 3 factorizations' worth of the inverse is
/// the floor of this approach: every block of K⁻¹ enters some pair's P_LL.
///
/// The fits equal refits on T at the absolute ridge s (``KernelFit`` with `diagonalShift: s`) up
/// to rounding; ``fit(training:)`` returns nil when P_LL does not factor numerically, and the
/// caller then refits.
struct LeaveOutKernelFits {
    /// The fit on all n draws.
    let full: KernelFit
    /// K⁻¹ (n × n, both triangles).
    private let inverse: Matrix
    /// Uᵀ = C⁻¹(K⁻¹Φ)ᵀ (q × n, column-major), q = p + 1, C the Cholesky factor of S: P = K⁻¹ − UUᵀ.
    private let correction: [Double]
    /// Wᵀ (q × n, column-major).
    private let basisWeights: [Double]
    /// |K0| over all draws (both triangles), for the rounding bounds of the derived fits' residuals.
    private let absoluteKernel: Matrix
    /// The blocks given at initialization and the block of every draw (−1 for none).
    private let blocks: [[Int]]
    private let blockOf: [Int]
    /// For every block B: the Cholesky factor of P_BB (nil if it does not factor), and the fit
    /// leaving B out (nil then too).
    private var blockFactors: [CholeskyFactorization?]
    private var blockFits: [KernelFit?]

    /// Fits `kernel` on all draws, forms K⁻¹ and the low-rank correction that gives P, and derives
    /// the fits that leave out each of `blocks` (disjoint sets of draws, such as the folds).
    /// - Throws: as ``KernelFit``'s initializer on all draws.
    init(kernel: LangevinSteinKernel, sample: SteinSample, values: [Double], controls: [Double], polynomialCount p: Int,
         nugget: Double, blocks: [[Int]] = []) throws(MonteCarloError) {
        let n = sample.count
        var full = try KernelFit(kernel: kernel, sample: sample, values: values, controls: controls, polynomialCount: p,
                                 training: Array(0..<n), nugget: nugget, keepsFactorization: true, keepsKernelMatrix: true)
        var absoluteKernel = full.kernelMatrix.take()!
        absoluteKernel.storage.withUnsafeMutableBufferPointer { k in for i in k.indices { k[i] = abs(k[i]) } }
        absoluteKernel.mirrorLowerTriangle()
        let inverse = full.factorization.take()!.consumingInverse()  // K⁻¹, in the factor's buffer
        let q = p + 1
        var basis = Matrix(rows: n, columns: q)
        for i in 0..<n {
            basis.storage[i] = 1
            for j in 0..<p { basis.storage[i + (j + 1) * n] = controls[i * p + j] }
        }
        let solved = inverse * basis  // V = K⁻¹Φ
        var gram = try! basis.product(transposingSelf: true, solved, transposingOther: false)  // S, shapes agree
        for r in 0..<q { for c in 0..<r { let s = 0.5 * (gram[r, c] + gram[c, r]); gram[r, c] = s; gram[c, r] = s } }
        guard let small = try? gram.choleskyFactorization(initialJitter: 1e-300, maximumJitter: 1e-300), small.jitter == 0 else {
            throw .singularControlCovariance(detail: "the basis [1, polynomial controls] is collinear on the draws")
        }
        var solvedTransposed = Matrix(rows: q, columns: n)
        for i in 0..<n { for j in 0..<q { solvedTransposed.storage[j + i * q] = solved.storage[i + j * n] } }
        self.full = full
        self.inverse = inverse
        self.basisWeights = small.solve(solvedTransposed).storage  // Wᵀ = S⁻¹Vᵀ
        self.correction = small.solveLower(solvedTransposed).storage  // Uᵀ = C⁻¹Vᵀ, UUᵀ = VS⁻¹Vᵀ
        self.absoluteKernel = absoluteKernel
        self.blocks = blocks
        var blockOf = [Int](repeating: -1, count: n)
        for (b, members) in blocks.enumerated() { for i in members { blockOf[i] = b } }
        self.blockOf = blockOf
        self.blockFactors = []
        self.blockFits = []
        // Each block's factor and fit: the fit leaving B out is the one the folds need.
        var factors: [CholeskyFactorization?] = [], fits: [KernelFit?] = []
        for members in blocks {
            let factor = factorBlock(members)
            factors.append(factor)
            fits.append(factor.flatMap { derivedFit(leftOut: members, residuals: $0.solve(members.map { full.coefficients[$0] }),
                                                    computesBounds: true) })
        }
        self.blockFactors = factors
        self.blockFits = fits
    }

    /// The fit on `training` (any order; its coefficients follow that order), or nil when the
    /// left-out block of P is not numerically positive definite. Its residuals at the left-out
    /// draws are those of the leave-out identity (``KernelFit/heldOut``).
    /// - Parameter computesCoefficients: false skips the kernel coefficients a_T (then empty; the
    ///   fit can give its held-out residuals only): O(|T|·|L|) saved when only those are needed.
    func fit(training: [Int], computesCoefficients: Bool = true) -> KernelFit? {
        let n = inverse.rows
        var isTraining = [Bool](repeating: false, count: n)
        for i in training { isTraining[i] = true }
        let left = (0..<n).filter { !isTraining[$0] }
        guard !left.isEmpty else { return full }
        // Which blocks the left-out draws fill exactly (at most two are used).
        var touched: [Int] = []
        for i in left {
            let b = blockOf[i]
            guard b >= 0 else { touched = []; break }
            if !touched.contains(b) { touched.append(b) }
            if touched.count > 2 { break }
        }
        if touched.count > 2 || touched.reduce(0, { $0 + blocks[$1].count }) != left.count { touched = [] }
        let residuals: [Double]?
        switch touched.count {
        case 1:
            guard let fit = blockFits[touched[0]] else { return nil }
            return reordered(fit, training: training)
        case 2:
            residuals = pairResiduals(touched[0], touched[1], left: left)
        default:
            residuals = factorBlock(left)?.solve(left.map { full.coefficients[$0] })
        }
        guard let residuals, let fit = derivedFit(leftOut: left, residuals: residuals, computesBounds: false,
                                                  computesCoefficients: computesCoefficients) else { return nil }
        return reordered(fit, training: training)
    }

    // MARK: - Blocks of P

    /// P_AB = K⁻¹_AB − U_A U_Bᵀ (|A| × |B|).
    private func block(rows a: [Int], columns b: [Int]) -> Matrix {
        let n = inverse.rows
        let q = full.polynomialCount + 1
        let m = a.count
        let gathered = inverse.storage.withUnsafeBufferPointer { k in
            [Double](unsafeUninitializedCapacity: m * b.count) { r, initialized in
                for (c, j) in b.enumerated() {
                    let column = k.baseAddress! + j * n
                    for (row, i) in a.enumerated() { r[row + c * m] = column[i] }
                }
                initialized = m * b.count
            }
        }
        var result = Matrix(rows: m, columns: b.count, columnMajor: gathered)
        var left = Matrix(rows: a.count, columns: q), right = Matrix(rows: b.count, columns: q)
        for r in 0..<q {
            for (row, i) in a.enumerated() { left.storage[row + r * a.count] = correction[r + i * q] }
            for (row, j) in b.enumerated() { right.storage[row + r * b.count] = correction[r + j * q] }
        }
        let lowRank = try! left.product(transposingSelf: false, right, transposingOther: true)  // shapes agree
        result.storage.withUnsafeMutableBufferPointer { r in
            lowRank.storage.withUnsafeBufferPointer { u in for e in r.indices { r[e] -= u[e] } }
        }
        return result
    }

    /// The Cholesky factor of P_LL, or nil when it is not numerically positive definite.
    private func factorBlock(_ left: [Int]) -> CholeskyFactorization? {
        guard let factor = try? CholeskyFactorization(factoringInPlace: block(rows: left, columns: left), initialJitter: 1e-300,
                                                      maximumJitter: 1e-300, restoring: .upperTriangle,
                                                      estimatesCondition: false),
              factor.jitter == 0 else { return nil }
        return factor
    }

    /// r = P_LL⁻¹a_L for L = blocks g ∪ k (in the order of `left`), from the factor of P_gg: with
    /// Y = L_g⁻¹P_gk and c = L_g⁻¹a_g, the Schur complement P_kk − YᵀY = L_sL_sᵀ gives
    /// r_k = (L_sL_sᵀ)⁻¹(a_k − Yᵀc) and r_g = L_g⁻ᵀ(c − Y r_k) — the block Cholesky factorization
    /// of P_LL, whose first block is already factored. Nil when P_LL does not factor.
    private func pairResiduals(_ first: Int, _ second: Int, left: [Int]) -> [Double]? {
        // Start from a block whose factor exists.
        let (g, k) = blockFactors[first] != nil ? (first, second) : (second, first)
        guard let factorG = blockFactors[g] else {
            return factorBlock(left)?.solve(left.map { full.coefficients[$0] })
        }
        let (gm, km) = (blocks[g], blocks[k])
        let a = full.coefficients
        let y = factorG.solveLower(block(rows: gm, columns: km))  // |g| × |k|
        var schur = block(rows: km, columns: km)
        let update = y.gram()
        schur.storage.withUnsafeMutableBufferPointer { s in
            update.storage.withUnsafeBufferPointer { u in for e in s.indices { s[e] -= u[e] } }
        }
        guard let factorS = try? CholeskyFactorization(factoringInPlace: consume schur, initialJitter: 1e-300,
                                                       maximumJitter: 1e-300, restoring: .upperTriangle,
                                                       estimatesCondition: false),
              factorS.jitter == 0 else { return nil }
        let c = factorG.solveLower(Matrix(rows: gm.count, columns: 1, columnMajor: gm.map { a[$0] })).storage
        let yc = try! y.product(transposingSelf: true, Matrix(rows: gm.count, columns: 1, columnMajor: c),
                                transposingOther: false).storage  // Yᵀc, shapes agree
        let rk = factorS.solve((0..<km.count).map { a[km[$0]] - yc[$0] })
        let yr = y.multiplied(by: rk)
        let rg = factorG.solveLowerTransposed(Matrix(rows: gm.count, columns: 1, columnMajor: (0..<gm.count).map { c[$0] - yr[$0] })).storage
        var scattered = [Double](repeating: .nan, count: inverse.rows)
        for (l, i) in gm.enumerated() { scattered[i] = rg[l] }
        for (l, i) in km.enumerated() { scattered[i] = rk[l] }
        return left.map { scattered[$0] }
    }

    // MARK: - Derived fits

    /// The fit leaving out `left` (ascending), whose held-out residuals are r = P_LL⁻¹a_L:
    /// β̂_T = β̂ − W_Lᵀr and a_T = a_T − P_TL r (over the training draws in ascending order).
    /// - Parameters:
    ///   - computesBounds: also compute the rounding bounds' kernel part Σₜ|K0ᵢₜaₜ| at L.
    ///   - computesCoefficients: false leaves a_T empty (and the bounds uncomputed).
    private func derivedFit(leftOut left: [Int], residuals r: [Double], computesBounds: Bool,
                            computesCoefficients: Bool = true) -> KernelFit? {
        let n = inverse.rows
        let q = full.polynomialCount + 1
        var beta = full.basisCoefficients
        for j in 0..<q {
            var sum = 0.0
            for (l, i) in left.enumerated() { sum += basisWeights[j + i * q] * r[l] }
            beta[j] -= sum
        }
        // The held-out prediction errors are r; the residuals f − c keep the intercept β̂₀ (c is
        // the control, of mean zero, without it).
        var heldOut = [Double](repeating: .nan, count: n)
        for (l, i) in left.enumerated() { heldOut[i] = r[l] + beta[0] }
        var isLeft = [Bool](repeating: false, count: n)
        for i in left { isLeft[i] = true }
        let training = (0..<n).filter { !isLeft[$0] }
        var coefficients: [Double] = []
        var bounds: [Double]? = nil
        if computesCoefficients {
            // P_{·L} r = K⁻¹_{·L} r − U(U_Lᵀr), over all rows; a_T keeps the training rows.
            var product = [Double](repeating: 0, count: n)
            inverse.storage.withUnsafeBufferPointer { k in
                product.withUnsafeMutableBufferPointer { y in
                    for (l, j) in left.enumerated() {
                        let column = k.baseAddress! + j * n, rl = r[l]
                        for i in 0..<n { y[i] += column[i] * rl }
                    }
                }
            }
            var projected = [Double](repeating: 0, count: q)
            for (l, i) in left.enumerated() { for j in 0..<q { projected[j] += correction[j + i * q] * r[l] } }
            coefficients = training.map { i in
                var low = 0.0
                for j in 0..<q { low += correction[j + i * q] * projected[j] }
                return full.coefficients[i] - (product[i] - low)
            }
            guard beta.allSatisfy(\.isFinite), coefficients.allSatisfy(\.isFinite), r.allSatisfy(\.isFinite) else { return nil }
            if computesBounds {
                var scattered = [Double](repeating: 0, count: n)
                for (t, i) in training.enumerated() { scattered[i] = abs(coefficients[t]) }
                let kernelPart = Self.kernelBounds(absoluteKernel: absoluteKernel, scatteredCoefficients: scattered, at: left)
                var all = [Double](repeating: .nan, count: n)
                for (l, i) in left.enumerated() { all[i] = kernelPart[l] }
                bounds = all
            }
        } else {
            guard beta.allSatisfy(\.isFinite), r.allSatisfy(\.isFinite) else { return nil }
        }
        var fit = KernelFit(leftOutOf: full, training: training, coefficients: coefficients, basisCoefficients: beta)
        fit.kernelMatrix = absoluteKernel
        fit.heldOut = KernelFit.HeldOutResiduals(residuals: heldOut, kernelBounds: bounds)
        return fit
    }

    /// `fit` (training draws ascending) with its training draws and coefficients in the order of `training`.
    private func reordered(_ fit: KernelFit, training: [Int]) -> KernelFit {
        guard fit.training != training else { return fit }
        var coefficients = fit.coefficients
        if !coefficients.isEmpty {
            var position = [Int](repeating: -1, count: inverse.rows)
            for (t, i) in fit.training.enumerated() { position[i] = t }
            coefficients = training.map { fit.coefficients[position[$0]] }
        }
        var result = KernelFit(leftOutOf: fit, training: training, coefficients: coefficients, basisCoefficients: fit.basisCoefficients)
        result.kernelMatrix = fit.kernelMatrix
        result.heldOut = fit.heldOut
        return result
    }

    /// Σₜ|K0ᵢₜ||aₜ| at each of `indices`, `scatteredCoefficients` holding |aₜ| at every draw (0
    /// where none): one contiguous column of the symmetric |K0| per index.
    static func kernelBounds(absoluteKernel: Matrix, scatteredCoefficients a: [Double], at indices: [Int]) -> [Double] {
        let n = absoluteKernel.rows
        return absoluteKernel.storage.withUnsafeBufferPointer { k in
            a.withUnsafeBufferPointer { a in
                indices.map { i in
                    let column = k.baseAddress! + i * n
                    var (s0, s1, s2, s3) = (0.0, 0.0, 0.0, 0.0)
                    var t = 0
                    while t + 4 <= n {
                        s0 += column[t] * a[t]; s1 += column[t + 1] * a[t + 1]
                        s2 += column[t + 2] * a[t + 2]; s3 += column[t + 3] * a[t + 3]
                        t += 4
                    }
                    while t < n { s0 += column[t] * a[t]; t += 1 }
                    return (s0 + s1) + (s2 + s3)
                }
            }
        }
    }
}

extension KernelFit {
    /// A fit on `training` derived from the full-data fit `full` (``LeaveOutKernelFits``): the
    /// same kernel, total diagonal shift and conditioning figures; the Bayes–Sard weight figures
    /// (only the full-data fit reports them) are NaN.
    init(leftOutOf full: KernelFit, training: [Int], coefficients: [Double], basisCoefficients: [Double]) {
        self.kernel = full.kernel
        self.training = training
        self.polynomialCount = full.polynomialCount
        self.coefficients = coefficients
        self.basisCoefficients = basisCoefficients
        self.weightsSquaredNorm = .nan
        self.weightsQuadratic = .nan
        self.jitter = full.jitter
        self.relativeJitter = full.relativeJitter
        self.reciprocalConditionNumber = full.reciprocalConditionNumber
        self.factorization = nil
        self.kernelMatrix = nil
        self.heldOut = nil
    }
}
