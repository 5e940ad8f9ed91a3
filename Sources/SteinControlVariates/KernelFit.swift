import LinearAlgebra
import MonteCarloCore

/// The kernel part of a control functional fitted on training draws T:
/// ŝ(x) = β̂ + ψ̂(x), ψ̂(x) = Σⱼ aⱼ k0(x, x_{Tⱼ}), from one Cholesky factorization of
/// K = K0(T, T) + λI:  β̂ = 1ᵀK⁻¹f / 1ᵀK⁻¹1,  a = K⁻¹(f − β̂1).
///
/// ψ̂ has mean zero under π for *any* a, so rounding or regularization errors in a never bias
/// a held-out average of f − ψ̂; they only make the control less effective.
struct KernelFit {
    let kernel: LangevinSteinKernel
    let training: [Int]
    /// a.
    let coefficients: [Double]
    /// β̂ = wᵀf.
    let constant: Double
    /// 1ᵀK⁻¹1.
    let onesQuadratic: Double
    /// Σ wᵢ² with w = K⁻¹1 / 1ᵀK⁻¹1 (for the kernel Stein discrepancy).
    let weightsSquaredNorm: Double
    /// Total diagonal added (nugget plus jitter), absolute and relative to the mean diagonal.
    let jitter: Double
    let relativeJitter: Double
    let reciprocalConditionNumber: Double

    /// Fits on `training`.
    /// - Parameter nugget: ridge λ relative to the mean diagonal of K0(T, T), always added.
    /// - Throws: ``MonteCarloError/notPositiveDefinite(jitterTried:)`` when K0 + jitter will not
    ///   factor up to a relative jitter of 10⁻².
    init(kernel: LangevinSteinKernel, sample: SteinSample, values: [Double], training: [Int],
         nugget: Double) throws(MonteCarloError) {
        var matrix = kernel.matrix(for: sample, indices: training)
        let m = training.count
        var meanDiagonal = 0.0
        for i in 0..<m { meanDiagonal += matrix.storage[i + i * m] / Double(m) }
        guard meanDiagonal.isFinite, meanDiagonal > 0 else {
            throw .notPositiveDefinite(jitterTried: 0)
        }
        let ridge = nugget * meanDiagonal
        if ridge > 0 { for i in 0..<m { matrix.storage[i + i * m] += ridge } }
        let factorization: CholeskyFactorization
        do {
            factorization = try matrix.choleskyFactorization(initialJitter: 1e-10, maximumJitter: 1e-2)
        } catch {
            throw monteCarloError(error, quantity: "Stein kernel matrix")
        }
        var rhs = Matrix(rows: m, columns: 2)
        for (a, i) in training.enumerated() {
            rhs.storage[a] = 1
            rhs.storage[a + m] = values[i]
        }
        let solved = factorization.solve(rhs)
        var ones = 0.0, onesF = 0.0
        for a in 0..<m {
            ones += solved.storage[a]
            onesF += solved.storage[a + m]
        }
        guard ones.isFinite, ones > 0, onesF.isFinite else { throw .notPositiveDefinite(jitterTried: factorization.jitter + ridge) }
        let beta = onesF / ones
        var coefficients = [Double](repeating: 0, count: m)
        var weights2 = 0.0
        for a in 0..<m {
            coefficients[a] = solved.storage[a + m] - beta * solved.storage[a]
            let w = solved.storage[a] / ones
            weights2 += w * w
        }
        self.kernel = kernel
        self.training = training
        self.coefficients = coefficients
        self.constant = beta
        self.onesQuadratic = ones
        self.weightsSquaredNorm = weights2
        self.jitter = ridge + factorization.jitter
        self.relativeJitter = (ridge + factorization.jitter) / meanDiagonal
        self.reciprocalConditionNumber = factorization.reciprocalConditionNumber
    }

    /// The kernel Stein discrepancy √(wᵀK0w) of the weighted training draws:
    /// K0w = 1/(1ᵀK⁻¹1) − λw, so wᵀK0w = 1/(1ᵀK⁻¹1) − λ|w|².
    var kernelSteinDiscrepancy: Double {
        max(0, 1 / onesQuadratic - jitter * weightsSquaredNorm).squareRoot()
    }

    /// Residuals eᵢ = fᵢ − ψ̂(xᵢ) at `indices`, and a bound on the rounding error of each:
    /// δᵢ = 4(d + 2)ε(|fᵢ| + Σⱼ |K0ᵢⱼ aⱼ|).
    func residuals(sample: SteinSample, values: [Double], at indices: [Int]) -> (residuals: [Double], rounding: [Double]) {
        let cross = kernel.matrix(for: sample, rows: indices, columns: training)
        let psi = cross.multiplied(by: coefficients)
        var magnitude = cross
        for i in magnitude.storage.indices { magnitude.storage[i] = abs(magnitude.storage[i]) }
        let bound = magnitude.multiplied(by: coefficients.map { abs($0) })
        let scale = 4 * Double(sample.dimension + 2) * Double.ulpOfOne
        var residuals = [Double](repeating: 0, count: indices.count)
        var rounding = [Double](repeating: 0, count: indices.count)
        for (a, i) in indices.enumerated() {
            residuals[a] = values[i] - psi[a]
            rounding[a] = scale * (abs(values[i]) + bound[a])
        }
        return (residuals, rounding)
    }
}
