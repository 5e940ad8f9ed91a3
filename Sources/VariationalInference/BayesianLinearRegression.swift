import Foundation
import LinearAlgebra
import MonteCarloCore

/// Bayesian linear regression with known noise: y = Xw + e, e ~ N(0, σ²I), w ~ N(0, τ²I).
///
/// The posterior is Gaussian, N(m_N, S_N) with S_N⁻¹ = I/τ² + XᵀX/σ² and m_N = S_N Xᵀy/σ², and
/// the log evidence is exact (``logEvidence()``), so bounds can be compared with the truth.
public struct BayesianLinearRegression: ProbabilisticModel, Sendable {
    /// The n × p design matrix X.
    public let design: Matrix
    /// The n targets y.
    public let targets: [Double]
    /// Prior standard deviation τ of every weight.
    public let priorStandardDeviation: Double
    /// Known noise standard deviation σ.
    public let noiseStandardDeviation: Double

    /// Creates the model.
    /// - Throws: `MonteCarloError` for mismatched sizes, no rows, non-finite data or non-positive scales.
    public init(design: Matrix, targets: [Double], priorStandardDeviation: Double = 1,
                noiseStandardDeviation: Double = 1) throws(MonteCarloError) {
        guard design.rows >= 1, design.columns >= 1 else {
            throw .insufficientSamples(needed: 1, available: design.rows, reason: "(rows of the design matrix)")
        }
        guard targets.count == design.rows else {
            throw .dimensionMismatch(what: "targets (one per design row)", expected: design.rows, actual: targets.count)
        }
        try Check.finite(design.storage, "design")
        try Check.finite(targets, "targets")
        try Check.positive(priorStandardDeviation, "priorStandardDeviation")
        try Check.positive(noiseStandardDeviation, "noiseStandardDeviation")
        self.design = design
        self.targets = targets
        self.priorStandardDeviation = priorStandardDeviation
        self.noiseStandardDeviation = noiseStandardDeviation
    }

    public var dimension: Int { design.columns }

    /// Residuals y − Xw.
    func residuals(_ w: [Double]) -> [Double] {
        var r = targets
        let n = design.rows
        for j in 0..<design.columns where w[j] != 0 {
            for i in 0..<n { r[i] -= design.storage[j * n + i] * w[j] }
        }
        return r
    }

    public func logJoint(_ w: [Double]) -> Double {
        let n = Double(design.rows), p = Double(design.columns)
        let s2 = noiseStandardDeviation * noiseStandardDeviation, t2 = priorStandardDeviation * priorStandardDeviation
        let rss = residuals(w).reduce(0) { $0 + $1 * $1 }
        let norm = w.reduce(0) { $0 + $1 * $1 }
        return -0.5 * n * log(2 * Double.pi * s2) - rss / (2 * s2) - 0.5 * p * log(2 * Double.pi * t2) - norm / (2 * t2)
    }

    public func gradientLogJoint(_ w: [Double]) -> [Double] {
        let n = design.rows
        let s2 = noiseStandardDeviation * noiseStandardDeviation, t2 = priorStandardDeviation * priorStandardDeviation
        let r = residuals(w)
        return (0..<design.columns).map { j in
            var dot = 0.0
            for i in 0..<n { dot += design.storage[j * n + i] * r[i] }
            return dot / s2 - w[j] / t2
        }
    }

    /// The posterior precision Λ_N = I/τ² + XᵀX/σ².
    public var posteriorPrecision: Matrix {
        var precision = design.gram()
        let s2 = noiseStandardDeviation * noiseStandardDeviation, t2 = priorStandardDeviation * priorStandardDeviation
        for i in 0..<dimension {
            for j in 0..<dimension { precision[i, j] /= s2 }
            precision[i, i] += 1 / t2
        }
        return precision
    }

    /// Posterior mean m_N and covariance S_N.
    public func posterior() throws(MonteCarloError) -> (mean: [Double], covariance: Matrix) {
        let factor = try factorPrecision()
        let s2 = noiseStandardDeviation * noiseStandardDeviation
        let xty = (0..<dimension).map { j in
            (0..<design.rows).reduce(0.0) { $0 + design.storage[j * design.rows + $1] * targets[$1] } / s2
        }
        return (factor.solve(xty), factor.inverse())
    }

    /// The exact log evidence log p(y), through the p × p Cholesky factor of Λ_N.
    ///
    /// log det(σ²I + τ²XXᵀ) = n log σ² + p log τ² + log det Λ_N and
    /// yᵀ(σ²I + τ²XXᵀ)⁻¹y = |y|²/σ² − (Xᵀy)ᵀ S_N (Xᵀy)/σ⁴.
    public func logEvidence() throws(MonteCarloError) -> Double {
        let factor = try factorPrecision()
        let n = Double(design.rows), p = Double(design.columns)
        let s2 = noiseStandardDeviation * noiseStandardDeviation, t2 = priorStandardDeviation * priorStandardDeviation
        let xty = (0..<dimension).map { j in
            (0..<design.rows).reduce(0.0) { $0 + design.storage[j * design.rows + $1] * targets[$1] }
        }
        let solved = factor.solve(xty)
        let quadratic = targets.reduce(0) { $0 + $1 * $1 } / s2 - zip(xty, solved).reduce(0) { $0 + $1.0 * $1.1 } / (s2 * s2)
        let logDeterminant = n * log(s2) + p * log(t2) + factor.logDeterminant
        return -0.5 * n * log(2 * Double.pi) - 0.5 * logDeterminant - 0.5 * quadratic
    }

    func factorPrecision() throws(MonteCarloError) -> CholeskyFactorization {
        do {
            return try posteriorPrecision.choleskyFactorization()
        } catch {
            throw .invalidArgument("The posterior precision matrix could not be factored: \(error)")
        }
    }
}
