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
    /// K0 over all n draws (both triangles), shared by the fits that ``LeaveOutKernelFits``
    /// derives, whose residuals gather K0(rows, training) from it; nil for a fit of its own.
    var fullKernelMatrix: Matrix?

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
    /// - Throws: `MonteCarloError/notPositiveDefinite(jitterTried:)` when K0 + jitter will not
    ///   factor up to a relative jitter of 10⁻²; `MonteCarloError/singularControlCovariance(detail:)`
    ///   when ΦᵀK⁻¹Φ is singular (collinear polynomial controls on T).
    init(kernel: LangevinSteinKernel, sample: SteinSample, values: [Double], controls: [Double], polynomialCount p: Int,
         training: [Int], nugget: Double, diagonalShift: Double? = nil, estimatesCondition: Bool = true,
         keepsFactorization: Bool = false) throws(MonteCarloError) {
        var matrix = kernel.lowerTriangle(for: sample, indices: training)  // dpotrf reads the lower triangle only
        let m = training.count
        var meanDiagonal = 0.0
        for i in 0..<m { meanDiagonal += matrix.storage[i + i * m] / Double(m) }
        guard meanDiagonal.isFinite, meanDiagonal > 0 else { throw .notPositiveDefinite(jitterTried: 0) }
        let ridge = diagonalShift ?? nugget * meanDiagonal
        let addRidge = { (k: inout Matrix) in if ridge > 0 { for i in 0..<m { k.storage[i + i * m] += ridge } } }
        addRidge(&matrix)
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
        self.fullKernelMatrix = nil
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
        var cross: Matrix? = nil
        if let full = fullKernelMatrix {
            // K0(indices, training) gathered from the full-data matrix instead of re-evaluated.
            let n = full.rows
            var gathered = Matrix(rows: indices.count, columns: training.count)
            full.storage.withUnsafeBufferPointer { k in
                gathered.storage.withUnsafeMutableBufferPointer { g in
                    for (c, j) in training.enumerated() {
                        for (r, i) in indices.enumerated() { g[r + c * indices.count] = k[i + j * n] }
                    }
                }
            }
            cross = gathered
        }
        return steinControlResiduals(kernel: kernel, sample: sample, values: values, controls: controls,
                                     basisCoefficients: basisCoefficients, centers: training, kernelCoefficients: coefficients,
                                     at: indices, cross: cross)
    }
}

/// Residuals eᵢ = fᵢ − Σⱼ βⱼgᵢⱼ − Σₜ K0(xᵢ, x_cₜ)aₜ of a fitted Stein control at `indices` (β =
/// `basisCoefficients` after the constant, g the p = β.count − 1 polynomial controls, row-major in
/// `controls`; a the kernel coefficients on the draws `centers`; `cross`, when given, is K0(indices,
/// centers) already evaluated), and a bound on the rounding error
/// of each: δᵢ = 4(d + p + 2)ε(|fᵢ| + Σⱼ|βⱼgᵢⱼ| + Σₜ|K0ᵢₜaₜ|). Shared by the exact and the Nyström fits.
func steinControlResiduals(kernel: LangevinSteinKernel, sample: SteinSample, values: [Double], controls: [Double],
                           basisCoefficients: [Double], centers: [Int], kernelCoefficients: [Double],
                           at indices: [Int], cross given: Matrix? = nil) -> (residuals: [Double], rounding: [Double]) {
    let cross = given ?? kernel.matrix(for: sample, rows: indices, columns: centers)
    let psi = cross.multiplied(by: kernelCoefficients)
    var magnitude = cross
    magnitude.storage.withUnsafeMutableBufferPointer { m in for i in m.indices { m[i] = abs(m[i]) } }
    let bound = magnitude.multiplied(by: kernelCoefficients.map { abs($0) })
    let p = basisCoefficients.count - 1
    let scale = 4 * Double(sample.dimension + p + 2) * Double.ulpOfOne
    var residuals = [Double](repeating: 0, count: indices.count)
    var rounding = residuals
    for (a, i) in indices.enumerated() {
        var polynomial = 0.0, polynomialMagnitude = 0.0
        for j in 0..<p {
            let term = basisCoefficients[j + 1] * controls[i * p + j]
            polynomial += term
            polynomialMagnitude += abs(term)
        }
        residuals[a] = values[i] - polynomial - psi[a]
        rounding[a] = scale * (abs(values[i]) + polynomialMagnitude + bound[a])
    }
    return (residuals, rounding)
}
