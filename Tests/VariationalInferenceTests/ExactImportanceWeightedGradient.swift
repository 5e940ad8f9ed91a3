import Foundation
import LinearAlgebra
import VariationalInference

/// The n-point Gauss–Hermite rule for E[f(ε)], ε ~ N(0, 1), by Golub–Welsch: the nodes are the
/// eigenvalues of the Jacobi matrix of the probabilists' Hermite polynomials (zero diagonal,
/// off-diagonal √1 … √(n − 1)), and each weight is the squared first component of its unit
/// eigenvector. Exact for polynomials of degree ≤ 2n − 1.
struct GaussHermiteRule {
    let nodes: [Double]
    let weights: [Double]

    init(order n: Int) throws {
        var jacobi = Matrix(rows: n, columns: n)
        for k in 1..<n {
            jacobi[k, k - 1] = Double(k).squareRoot()
            jacobi[k - 1, k] = Double(k).squareRoot()
        }
        let (values, vectors) = try jacobi.symmetricEigendecomposition()
        nodes = values
        weights = (0..<n).map { vectors[0, $0] * vectors[0, $0] }
    }

    /// E[f(ε₁, …, ε_K)] over K independent standard normals, by the tensor-product rule (n^K points).
    func expectation(dimension k: Int, _ f: ([Double]) -> Double) -> Double {
        expectation(dimension: k, components: 1) { [f($0)] }[0]
    }

    /// The same for a vector-valued f with `components` entries.
    func expectation(dimension k: Int, components: Int, _ f: ([Double]) -> [Double]) -> [Double] {
        var index = [Int](repeating: 0, count: k)
        var point = [Double](repeating: 0, count: k)
        var sum = [Double](repeating: 0, count: components)
        while true {
            var weight = 1.0
            for j in 0..<k {
                point[j] = nodes[index[j]]
                weight *= weights[index[j]]
            }
            let value = f(point)
            for c in 0..<components { sum[c] += weight * value[c] }
            var j = 0
            while j < k {
                index[j] += 1
                if index[j] < nodes.count { break }
                index[j] = 0
                j += 1
            }
            if j == k { return sum }
        }
    }
}

/// IWAE_K and the exact per-group moments of its gradient estimators for the Normal–Normal model
/// and q = N(m, s²), as K-dimensional Gauss–Hermite integrals over ε.
///
/// The per-group estimators are written out here from their definitions in one dimension, with
/// the model's score ℓ′(θ) = Σ(x_i − θ)/σ² − (θ − μ₀)/τ₀² derived by hand, independently of the
/// library. The exact gradient of IWAE_K(m, s) = E log (1/K) Σ_k w(m, s, ε_k) is obtained by
/// differentiating under the integral: with log w(m, s, ε) = ℓ(m + sε) + ε²/2 + ½ log 2π + log s,
/// ∂/∂m log w = ℓ′(z) and ∂/∂s log w = ℓ′(z)ε + 1/s; the tests check it against central
/// differences of the quadrature value.
struct ExactImportanceWeightedGradient {
    let model: NormalNormalModel
    let mean: Double
    let standardDeviation: Double
    let groupSize: Int
    let rule: GaussHermiteRule

    func score(_ theta: Double) -> Double {
        let data = model.observations.reduce(0) { $0 + ($1 - theta) } / (model.noiseStandardDeviation * model.noiseStandardDeviation)
        return data - (theta - model.priorMean) / (model.priorStandardDeviation * model.priorStandardDeviation)
    }

    func logWeight(_ epsilon: Double, mean m: Double, standardDeviation s: Double) -> Double {
        model.logJoint([m + s * epsilon]) + 0.5 * epsilon * epsilon + 0.5 * log(2 * Double.pi) + log(s)
    }

    static func logMeanExp(_ values: [Double]) -> Double {
        let top = values.max()!
        return top + log(values.reduce(0) { $0 + exp($1 - top) } / Double(values.count))
    }

    /// IWAE_K at (m, s).
    func value(mean m: Double, standardDeviation s: Double) -> Double {
        rule.expectation(dimension: groupSize) { e in Self.logMeanExp(e.map { logWeight($0, mean: m, standardDeviation: s) }) }
    }

    /// One group's gradient (∂/∂m, ∂/∂s) by `estimator` at the draws ε.
    func groupGradient(_ estimator: ImportanceWeightedGradientEstimator, _ e: [Double]) -> [Double] {
        let (m, s, k) = (mean, standardDeviation, groupSize)
        let logWeights = e.map { logWeight($0, mean: m, standardDeviation: s) }
        let top = logWeights.max()!
        let total = logWeights.reduce(0) { $0 + exp($1 - top) }
        let w = logWeights.map { exp($0 - top) / total }
        let bound = Self.logMeanExp(logWeights)
        var g = [0.0, 0.0]
        for j in 0..<k {
            let z = m + s * e[j]
            switch estimator {
            case .reparameterization:
                g[0] += w[j] * score(z)
                g[1] += w[j] * (score(z) * e[j] + 1 / s)
            case .doublyReparameterized:
                let h = score(z) + e[j] / s
                g[0] += w[j] * w[j] * h
                g[1] += w[j] * w[j] * h * e[j]
            case .scoreFunction, .vimco:
                var baseline = 0.0
                if estimator == .vimco {
                    var others = logWeights
                    others[j] = (logWeights.reduce(0, +) - logWeights[j]) / Double(k - 1)
                    baseline = Self.logMeanExp(others)
                }
                let signal = bound - baseline - w[j]
                g[0] += signal * e[j] / s
                g[1] += signal * (e[j] * e[j] - 1) / s
            }
        }
        return g
    }

    /// Mean, variance and kurtosis E[(g − μ)⁴]/σ⁴ of each component of one group's gradient.
    func moments(_ estimator: ImportanceWeightedGradientEstimator) -> [(mean: Double, variance: Double, kurtosis: Double)] {
        let mu = rule.expectation(dimension: groupSize, components: 2) { groupGradient(estimator, $0) }
        let central = rule.expectation(dimension: groupSize, components: 4) { e in
            let g = groupGradient(estimator, e)
            let (a, b) = (g[0] - mu[0], g[1] - mu[1])
            return [a * a, b * b, a * a * a * a, b * b * b * b]
        }
        return (0..<2).map { (mu[$0], central[$0], central[2 + $0] / (central[$0] * central[$0])) }
    }

    /// The exact gradient (∂/∂m, ∂/∂s) of IWAE_K: the expectation of the derivative of the integrand.
    var gradient: [Double] { moments(.reparameterization).map(\.mean) }
}
