import LinearAlgebra
import MonteCarloCore

/// The control part of a (semi-exact) control functional fitted on training draws T.
///
/// With K = K0(T, T) + λI and the basis Φ = [1, g₁ … g_p] (g the zero-variance polynomial
/// controls, p = 0 for plain control functionals), one Cholesky factorization of K gives
///
///     β̂ = (ΦᵀK⁻¹Φ)⁻¹ΦᵀK⁻¹f,   a = K⁻¹(f − Φβ̂),
///
/// and the control c(x) = Σⱼ₌₁ᵖ β̂ⱼ gⱼ(x) + Σₜ aₜ k0(x, x_{Tₜ}). For p = 0 this is β̂ = 1ᵀK⁻¹f/1ᵀK⁻¹1
/// (Oates, Girolami & Chopin 2017); for p > 0 the semi-exact estimator of South et al. (2022).
/// c has mean zero under π for *any* coefficients, so rounding or regularization errors in β̂
/// and a never bias a held-out average of f − c; they only make the control less effective.
struct KernelFit {
    let kernel: LangevinSteinKernel
    let training: [Int]
    /// Number of polynomial controls p.
    let polynomialCount: Int
    /// a.
    let coefficients: [Double]
    /// β̂: intercept first, then the p polynomial coefficients.
    let basisCoefficients: [Double]
    /// The Bayes–Sard weights' squared norm |w|² and [(ΦᵀK⁻¹Φ)⁻¹]₀₀ = wᵀKw.
    let weightsSquaredNorm: Double
    let weightsQuadratic: Double
    /// Total diagonal added (nugget plus jitter), absolute and relative to the mean diagonal.
    let jitter: Double
    let relativeJitter: Double
    let reciprocalConditionNumber: Double
    /// The Cholesky factorization of K, kept only when asked for (``LeaveOutKernelFits`` forms
    /// K⁻¹ from it); nil otherwise.
    var factorization: CholeskyFactorization?
    /// The lower triangle of K0 + ridge (before factoring) when asked for with
    /// `keepsKernelMatrix`; for a fit that ``LeaveOutKernelFits`` derives, |K0| over all n draws
    /// (both triangles), for the rounding bounds of its held-out residuals; nil otherwise.
    var kernelMatrix: Matrix?
    /// For a fit that ``LeaveOutKernelFits`` derives: its held-out residuals at the left-out draws
    /// (one entry per draw of the sample, NaN at the training draws).
    var heldOut: HeldOutResiduals?

    /// The held-out residuals of a derived fit, which the leave-out identity gives directly.
    struct HeldOutResiduals {
        /// eᵢ at every left-out draw i, NaN elsewhere (n entries).
        var residuals: [Double]
        /// Σₜ|K0(xᵢ, x_t)aₜ| at the left-out draws when already computed (n entries), else nil.
        var kernelBounds: [Double]?
    }

    /// β̂₀ = wᵀf: the full-data (weighted) estimate.
    var constant: Double { basisCoefficients[0] }

    /// Fits on `training`.
    /// - Parameters:
    ///   - controls: the p polynomial controls at every draw, row-major (n × p); empty for p = 0.
    ///   - nugget: ridge λ relative to the mean diagonal of K0(T, T), always added.
    ///   - diagonalShift: when given, the absolute ridge added instead of `nugget` × mean diagonal
    ///     (refits at the total shift of a full-data fit, as ``LeaveOutKernelFits`` computes them).
    ///   - estimatesCondition: false skips LAPACK's condition estimate (``reciprocalConditionNumber``
    ///     is then NaN): for refits that nobody reports (jackknife, cross-validation).
    ///   - keepsFactorization: keep the Cholesky factorization of K in ``factorization``.
    ///   - keepsKernelMatrix: keep a copy of the lower triangle of K in ``kernelMatrix``.
    /// - Throws: `MonteCarloError/notPositiveDefinite(jitterTried:)` when K0 + jitter will not
    ///   factor up to a relative jitter of 10⁻²; `MonteCarloError/singularControlCovariance(detail:)`
    ///   when ΦᵀK⁻¹Φ is singular (collinear polynomial controls on T).
    init(kernel: LangevinSteinKernel, sample: SteinSample, values: [Double], controls: [Double], polynomialCount p: Int,
         training: [Int], nugget: Double, diagonalShift: Double? = nil, estimatesCondition: Bool = true,
         keepsFactorization: Bool = false, keepsKernelMatrix: Bool = false) throws(MonteCarloError) {
        var matrix = kernel.lowerTriangle(for: sample, indices: training)  // dpotrf reads the lower triangle only
        let m = training.count
        var meanDiagonal = 0.0
        for i in 0..<m { meanDiagonal += matrix.storage[i + i * m] / Double(m) }
        guard meanDiagonal.isFinite, meanDiagonal > 0 else { throw .notPositiveDefinite(jitterTried: 0) }
        let ridge = diagonalShift ?? nugget * meanDiagonal
        let addRidge = { (k: inout Matrix) in if ridge > 0 { for i in 0..<m { k.storage[i + i * m] += ridge } } }
        addRidge(&matrix)
        let kept: Matrix? = keepsKernelMatrix ? Matrix(rows: m, columns: m, columnMajor: Array(matrix.storage)) : nil
        // Factored in its own buffer (no n × n copy); a jitter retry rebuilds K0 + λI, whose
        // diagonal is that of the first attempt exactly (the same fill, the same ridge).
        let refill = { () -> Matrix in
            var fresh = kernel.lowerTriangle(for: sample, indices: training)
            addRidge(&fresh)
            return fresh
        }
        let factorization: CholeskyFactorization
        do {
            factorization = try CholeskyFactorization(
                factoringInPlace: consume matrix, initialJitter: 1e-10, maximumJitter: 1e-2, restoring: .recompute(refill),
                estimatesCondition: estimatesCondition)
        } catch {
            throw MonteCarloError(error, quantity: "Stein kernel matrix")
        }
        let totalJitter = ridge + factorization.jitter
        // Right-hand sides [Φ, f]: p + 2 columns.
        let q = p + 1
        var rhs = Matrix(rows: m, columns: q + 1)
        for (a, i) in training.enumerated() {
            rhs.storage[a] = 1
            for j in 0..<p { rhs.storage[a + (j + 1) * m] = controls[i * p + j] }
            rhs.storage[a + q * m] = values[i]
        }
        let solved = factorization.solve(rhs)  // K⁻¹[Φ, f]
        // A = ΦᵀK⁻¹Φ (q × q), b = ΦᵀK⁻¹f.
        var gram = Matrix(rows: q, columns: q)
        var cross = [Double](repeating: 0, count: q)
        for r in 0..<q {
            for c in 0..<(q + 1) {
                var sum = 0.0
                for a in 0..<m { sum += rhs.storage[a + r * m] * solved.storage[a + c * m] }
                if c < q { gram.storage[r + c * q] = sum } else { cross[r] = sum }
            }
        }
        for r in 0..<q { for c in 0..<r { let s = 0.5 * (gram.storage[r + c * q] + gram.storage[c + r * q]); gram.storage[r + c * q] = s; gram.storage[c + r * q] = s } }
        let small: CholeskyFactorization
        do {
            small = try gram.choleskyFactorization(initialJitter: 1e-300, maximumJitter: 1e-300)
        } catch {
            throw .singularControlCovariance(detail: "the basis [1, polynomial controls] is collinear on the training draws (\(error))")
        }
        guard small.jitter == 0, small.reciprocalConditionNumber > 1e-14 else {
            throw .singularControlCovariance(detail: "ΦᵀK⁻¹Φ has reciprocal condition number \(small.reciprocalConditionNumber)")
        }
        let beta = small.solve(cross)
        var unit = [Double](repeating: 0, count: q)
        unit[0] = 1
        let weightBasis = small.solve(unit)  // A⁻¹e₁
        var coefficients = [Double](repeating: 0, count: m)
        var weights2 = 0.0
        for a in 0..<m {
            var fitted = 0.0, weight = 0.0
            for r in 0..<q {
                fitted += solved.storage[a + r * m] * beta[r]
                weight += solved.storage[a + r * m] * weightBasis[r]
            }
            coefficients[a] = solved.storage[a + q * m] - fitted
            weights2 += weight * weight
        }
        guard beta.allSatisfy(\.isFinite), coefficients.allSatisfy(\.isFinite) else {
            throw .notPositiveDefinite(jitterTried: totalJitter)
        }
        self.kernel = kernel
        self.training = training
        self.polynomialCount = p
        self.coefficients = coefficients
        self.basisCoefficients = beta
        self.weightsSquaredNorm = weights2
        self.weightsQuadratic = weightBasis[0]
        self.jitter = totalJitter
        self.relativeJitter = totalJitter / meanDiagonal
        self.reciprocalConditionNumber = factorization.reciprocalConditionNumber
        self.factorization = keepsFactorization ? factorization : nil
        self.kernelMatrix = kept
        self.heldOut = nil
    }

    /// The kernel Stein discrepancy √(wᵀK0w) of the weighted training draws:
    /// wᵀKw = [(ΦᵀK⁻¹Φ)⁻¹]₀₀ and K0 = K − λI.
    var kernelSteinDiscrepancy: Double {
        max(0, weightsQuadratic - jitter * weightsSquaredNorm).squareRoot()
    }

    /// Residuals eᵢ = fᵢ − c(xᵢ) at `indices`, and a bound on the rounding error of each
    /// (see ``steinControlResiduals(kernel:sample:values:controls:basisCoefficients:centers:kernelCoefficients:at:)``).
    /// f(xᵢ) − Φ(xᵢ)β̂: the residual with the constant and polynomial part only (what remains
    /// where the kernel part has decayed, beyond the training draws; see ``UnseenTailTerm``).
    func uncontrolledResidual(values: [Double], controls: [Double], at i: Int) -> Double {
        UnseenTailTerm.uncontrolledResidual(values: values, controls: controls, basisCoefficients: basisCoefficients,
                                            polynomialCount: polynomialCount, at: i)
    }

    func residuals(sample: SteinSample, values: [Double], controls: [Double], at indices: [Int]) -> (residuals: [Double], rounding: [Double]) {
        guard let heldOut, indices.allSatisfy({ !heldOut.residuals[$0].isNaN }) else {
            return steinControlResiduals(kernel: kernel, sample: sample, values: values, controls: controls,
                                         basisCoefficients: basisCoefficients, centers: training, kernelCoefficients: coefficients,
                                         at: indices)
        }
        // A derived fit: the residuals at left-out draws are the leave-out identity's; the
        // rounding bound's kernel part Σₜ|K0ᵢₜaₜ| is stored or gathered from |K0|.
        precondition(coefficients.count == training.count, "rounding bounds need the kernel coefficients")
        let e = indices.map { heldOut.residuals[$0] }
        var kernelPart: [Double]
        if let bounds = heldOut.kernelBounds {
            kernelPart = indices.map { bounds[$0] }
        } else {
            var scattered = [Double](repeating: 0, count: sample.count)
            for (t, i) in training.enumerated() { scattered[i] = abs(coefficients[t]) }
            kernelPart = LeaveOutKernelFits.kernelBounds(absoluteKernel: kernelMatrix!, scatteredCoefficients: scattered, at: indices)
        }
        let rounding = steinControlRoundingBounds(sample: sample, values: values, controls: controls,
                                                  basisCoefficients: basisCoefficients, kernelPart: kernelPart, at: indices)
        return (e, rounding)
    }

    /// The residuals of ``residuals(sample:values:controls:at:)`` without their rounding bounds
    /// (the jackknife's refits need only the values): for a derived fit, read off its held-out
    /// residuals.
    func residualValues(sample: SteinSample, values: [Double], controls: [Double], at indices: [Int]) -> [Double] {
        if let heldOut, indices.allSatisfy({ !heldOut.residuals[$0].isNaN }) {
            return indices.map { heldOut.residuals[$0] }
        }
        return residuals(sample: sample, values: values, controls: controls, at: indices).residuals
    }
}

/// Residuals eᵢ = fᵢ − Σⱼ βⱼgᵢⱼ − Σₜ K0(xᵢ, x_cₜ)aₜ of a fitted Stein control at `indices` (β =
/// `basisCoefficients` after the constant, g the p = β.count − 1 polynomial controls, row-major in
/// `controls`; a the kernel coefficients on the draws `centers`), and a bound on the rounding error
/// of each: δᵢ = 4(d + p + 2)ε(|fᵢ| + Σⱼ|βⱼgᵢⱼ| + Σₜ|K0ᵢₜaₜ|). Shared by the exact and the Nyström fits.
func steinControlResiduals(kernel: LangevinSteinKernel, sample: SteinSample, values: [Double], controls: [Double],
                           basisCoefficients: [Double], centers: [Int], kernelCoefficients: [Double],
                           at indices: [Int]) -> (residuals: [Double], rounding: [Double]) {
    let cross = kernel.matrix(for: sample, rows: indices, columns: centers)
    let psi = cross.multiplied(by: kernelCoefficients)
    var magnitude = cross
    magnitude.storage.withUnsafeMutableBufferPointer { m in for i in m.indices { m[i] = abs(m[i]) } }
    let bound = magnitude.multiplied(by: kernelCoefficients.map { abs($0) })
    let p = basisCoefficients.count - 1
    var residuals = [Double](repeating: 0, count: indices.count)
    for (a, i) in indices.enumerated() {
        var polynomial = 0.0
        for j in 0..<p { polynomial += basisCoefficients[j + 1] * controls[i * p + j] }
        residuals[a] = values[i] - polynomial - psi[a]
    }
    let rounding = steinControlRoundingBounds(sample: sample, values: values, controls: controls,
                                              basisCoefficients: basisCoefficients, kernelPart: bound, at: indices)
    return (residuals, rounding)
}

/// The rounding bounds δᵢ = 4(d + p + 2)ε(|fᵢ| + Σⱼ|βⱼgᵢⱼ| + `kernelPart`ᵢ) of
/// ``steinControlResiduals(kernel:sample:values:controls:basisCoefficients:centers:kernelCoefficients:at:)``,
/// `kernelPart` holding Σₜ|K0ᵢₜaₜ| for each of `indices`.
func steinControlRoundingBounds(sample: SteinSample, values: [Double], controls: [Double], basisCoefficients: [Double],
                                kernelPart: [Double], at indices: [Int]) -> [Double] {
    let p = basisCoefficients.count - 1
    let scale = 4 * Double(sample.dimension + p + 2) * Double.ulpOfOne
    var rounding = [Double](repeating: 0, count: indices.count)
    for (a, i) in indices.enumerated() {
        var polynomialMagnitude = 0.0
        for j in 0..<p { polynomialMagnitude += abs(basisCoefficients[j + 1] * controls[i * p + j]) }
        rounding[a] = scale * (abs(values[i]) + polynomialMagnitude + kernelPart[a])
    }
    return rounding
}
