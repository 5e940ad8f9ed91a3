import Foundation
import LinearAlgebra
import MonteCarloCore

/// Bayesian logistic regression: P(y_i = 1 | w) = σ(x_iᵀw), w ~ N(0, τ²I), y_i ∈ {0, 1}.
public struct BayesianLogisticRegression: ProbabilisticModel, Sendable {
    /// The n × p design matrix X.
    public let design: Matrix
    /// The n labels, each 0 or 1.
    public let labels: [Double]
    /// Prior standard deviation τ of every weight.
    public let priorStandardDeviation: Double

    /// Creates the model.
    /// - Throws: `MonteCarloError` for mismatched sizes, no rows, non-finite data, labels other
    ///   than 0 and 1, or a non-positive prior scale.
    public init(design: Matrix, labels: [Double], priorStandardDeviation: Double = 1) throws(MonteCarloError) {
        guard design.rows >= 1, design.columns >= 1 else {
            throw .insufficientSamples(needed: 1, available: design.rows, reason: "(rows of the design matrix)")
        }
        guard labels.count == design.rows else {
            throw .dimensionMismatch(what: "labels (one per design row)", expected: design.rows, actual: labels.count)
        }
        try Check.finite(design.storage, "design")
        if let i = labels.firstIndex(where: { $0 != 0 && $0 != 1 }) {
            throw .invalidParameter(name: "labels[\(i)]", value: labels[i], requirement: "0 or 1")
        }
        try Check.positive(priorStandardDeviation, "priorStandardDeviation")
        self.design = design
        self.labels = labels
        self.priorStandardDeviation = priorStandardDeviation
    }

    public var dimension: Int { design.columns }

    func linearPredictor(_ w: [Double]) -> [Double] {
        let n = design.rows
        var eta = [Double](repeating: 0, count: n)
        for j in 0..<design.columns where w[j] != 0 {
            for i in 0..<n { eta[i] += design.storage[j * n + i] * w[j] }
        }
        return eta
    }

    /// log(1 + e^t) without overflow.
    static func softplus(_ t: Double) -> Double { t > 0 ? t + log1p(exp(-t)) : log1p(exp(t)) }

    public func logJoint(_ w: [Double]) -> Double {
        let eta = linearPredictor(w)
        var likelihood = 0.0
        for i in eta.indices { likelihood += labels[i] * eta[i] - Self.softplus(eta[i]) }
        let t2 = priorStandardDeviation * priorStandardDeviation
        let norm = w.reduce(0) { $0 + $1 * $1 }
        return likelihood - 0.5 * Double(dimension) * log(2 * Double.pi * t2) - norm / (2 * t2)
    }

    /// Batched gradient by two BLAS products: η = XW, R = y − σ(η), G = XᵀR − W/τ².
    ///
    /// - Complexity: O(n·d·S) in two `dgemm` calls for S latents.
    public func gradientLogJoint(columns latents: Matrix) -> Matrix {
        var residual = design * latents  // η, overwritten by y − σ(η)
        let n = design.rows
        LogisticShims.residuals(&residual.storage, labels: labels, rows: n, columns: latents.columns)
        var gradient = (try? design.product(transposingSelf: true, residual, transposingOther: false))
            ?? Matrix(rows: latents.rows, columns: latents.columns, repeating: .nan)
        let t2 = priorStandardDeviation * priorStandardDeviation
        for k in gradient.storage.indices { gradient.storage[k] -= latents.storage[k] / t2 }
        return gradient
    }

    public func gradientLogJoint(_ w: [Double]) -> [Double] {
        let n = design.rows
        let eta = linearPredictor(w)
        let residual = eta.indices.map { labels[$0] - 1 / (1 + exp(-eta[$0])) }
        let t2 = priorStandardDeviation * priorStandardDeviation
        return (0..<design.columns).map { j in
            var dot = 0.0
            for i in 0..<n { dot += design.storage[j * n + i] * residual[i] }
            return dot - w[j] / t2
        }
    }
}
