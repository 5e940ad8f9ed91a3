import Foundation
import LinearAlgebra
import MonteCarloCore
import VarianceReduction

extension EvidenceLowerBound {
    /// The gradient of the importance-weighted bound IWAE_K = E[log (1/K) Σ_k w_k] with respect to
    /// the variational parameters, with its covariance.
    ///
    /// Each of `groups` independent groups draws K = `groupSize` latents z_k = m + Cε_k and
    /// yields one gradient by the chosen ``ImportanceWeightedGradientEstimator``
    /// (reparameterization, DReG, VIMCO or the plain score function); the estimate is their mean.
    /// Components are ordered as in ``GaussianApproximation``: m, then the free entries of C
    /// (for the diagonal, ∂/∂log C_jj = C_jj ∂/∂C_jj). Only q's parameters are differentiated:
    /// ``ProbabilisticModel`` exposes ∇_z log p(x, z) but no model parameters θ.
    ///
    /// ```swift
    /// let elbo = EvidenceLowerBound(model: model, approximation: q)
    /// let dreg = try elbo.importanceWeightedGradient(.doublyReparameterized, groupSize: 16, groups: 1000, seed: 1)
    /// dreg.values            // ≈ [0.058, −0.015] on the Normal–Normal golden case NN-1
    /// dreg.standardErrors    // ≈ [0.001, 0.0008]
    /// ```
    ///
    /// **Statistical properties.** Every estimator is unbiased for ∇IWAE_K (not for ∇log p(x):
    /// IWAE_K is itself a lower bound, and its gradient shrinks like 1/K as q's influence on it
    /// fades). `covariance` is the covariance of the estimator: the sample covariance of the R
    /// per-group gradients divided by R (normal intervals per component), as in
    /// `VectorMonteCarlo`. `effectiveSampleSizes` count groups: σ²_group,i / variance_i = R;
    /// `sampleCount` counts draws, R·K. As a diagnostic of weight degeneracy,
    /// `diagnostics.figures["meanKishESS"]` is the mean over groups of Kish's effective sample
    /// size (Σ_k w_k)²/Σ_k w_k² ∈ [1, K] of the group's importance weights
    /// (`"meanKishESSStandardError"` its standard error).
    /// - Parameters:
    ///   - estimator: which per-group gradient to average.
    ///   - groupSize: draws per group K: at least 1, at least 2 for VIMCO.
    ///   - groups: independent groups R ≥ 2.
    ///   - seed: the seed of the random streams.
    /// - Throws: `MonteCarloError.invalidParameter` for K below the estimator's minimum;
    ///   `MonteCarloError.nonFinite` when a log density (or, for the pathwise estimators, its
    ///   gradient) is NaN or infinite in some group; the driver's errors for fewer than 2 groups.
    public func importanceWeightedGradient(_ estimator: ImportanceWeightedGradientEstimator, groupSize: Int, groups: Int,
                                           seed: UInt64) throws(MonteCarloError) -> VectorEstimate {
        guard groupSize >= estimator.minimumGroupSize else {
            throw .invalidParameter(name: "groupSize", value: Double(groupSize),
                                    requirement: estimator == .vimco ? "at least 2 (VIMCO's leave-one-out baseline)" : "at least 1")
        }
        let p = approximation.parameterCount
        let integrand = estimator.usesModelGradient
            ? pathwiseGroupIntegrand(groupSize: groupSize, doublyReparameterized: estimator == .doublyReparameterized)
            : scoreFunctionGroupIntegrand(groupSize: groupSize, vimco: estimator == .vimco)
        let sampler = try StandardNormalVector(dimension: approximation.dimension * groupSize)
        let run = try VectorMonteCarlo(sampler: sampler, integrand: integrand).run(samples: groups, seed: seed)
        // The integrand's last component is the group's Kish ESS: report it, then drop it.
        let width = p + 1
        var covariance = [Double]()
        covariance.reserveCapacity(p * p)
        for i in 0..<p { covariance += run.covariance[(i * width)..<(i * width + p)] }
        var diagnostics = run.diagnostics
        diagnostics.method = "iwae-\(groupSize)-\(estimator.rawValue)"
        diagnostics.figures["meanKishESS"] = run.values[p]
        diagnostics.figures["meanKishESSStandardError"] = run.covariance[p * width + p].squareRoot()
        return VectorEstimate(values: Array(run.values[0..<p]), covariance: covariance, sampleCount: run.sampleCount * groupSize,
                              effectiveSampleSizes: Array(run.effectiveSampleSizes[0..<p]), diagnostics: diagnostics)
    }

    /// Reparameterization or DReG gradient of one group of K draws, plus the group's Kish ESS.
    ///
    /// The model's gradients for all K draws of all groups in a batch come from one call of
    /// ``ProbabilisticModel/gradientLogJoint(columns:)``.
    func pathwiseGroupIntegrand(groupSize: Int, doublyReparameterized: Bool) -> VectorIntegrand<[Double]> {
        let model = self.model, q = approximation
        let d = q.dimension, p = q.parameterCount, width = p + 1
        let positions = q.scaleParameterPositions
        return VectorIntegrand(validatedOutputDimension: width, batch: { points, values in
            let count = points.count
            guard count > 0 else { return }
            var latents = Matrix(rows: d, columns: count * groupSize)
            var logWeights = [Double](repeating: 0, count: count * groupSize)
            for s in 0..<count {
                for k in 0..<groupSize {
                    let epsilon = Array(points[s][(k * d)..<((k + 1) * d)])
                    let z = q.transform(epsilon)
                    let column = s * groupSize + k
                    for i in 0..<d { latents.storage[column * d + i] = z[i] }
                    logWeights[column] = model.logJoint(z) - q.logDensity(atStandardized: epsilon)
                }
            }
            let gradients = model.gradientLogJoint(columns: latents)
            for s in 0..<count {
                let base = s * width
                let first = s * groupSize
                guard let weights = Self.normalizedWeights(logWeights[first..<(first + groupSize)]) else {
                    for j in 0..<width { values[base + j] = .nan }
                    continue
                }
                for j in 0..<width { values[base + j] = 0 }   // the buffer arrives filled with NaN
                var squareSum = 0.0
                for k in 0..<groupSize {
                    let epsilon = Array(points[s][(k * d)..<((k + 1) * d)])
                    var h = Array(gradients.storage[((first + k) * d)..<((first + k + 1) * d)])
                    let factor: Double
                    if doublyReparameterized {
                        let correction = q.inverseTransposeScale(epsilon)
                        for i in 0..<d { h[i] += correction[i] }
                        factor = weights[k] * weights[k]
                    } else {
                        factor = weights[k]
                    }
                    squareSum += weights[k] * weights[k]
                    for i in 0..<d { values[base + i] += factor * h[i] }
                    for (position, (row, column)) in positions.enumerated() {
                        values[base + d + position] += factor * h[row] * epsilon[column]
                    }
                }
                if !doublyReparameterized {
                    // The entropy part of ∇_C log w = ∇ℓ εᵀ + diag(1/C_jj), weighted by Σ w̃_k = 1.
                    for (position, (row, column)) in positions.enumerated() where row == column {
                        values[base + d + position] += 1 / q.scale[row, row]
                    }
                }
                values[base + p] = 1 / squareSum
            }
        })
    }

    /// The normalized weights w̃_k = exp(log w_k − logsumexp), or `nil` when a log-weight is not
    /// finite (a NaN, or an infinite log density), which the caller reports as a non-finite value.
    static func normalizedWeights(_ logWeights: ArraySlice<Double>) -> [Double]? {
        guard logWeights.allSatisfy(\.isFinite), let top = logWeights.max() else { return nil }
        var weights = logWeights.map { exp($0 - top) }
        let total = weights.reduce(0, +)
        for k in weights.indices { weights[k] /= total }
        return weights
    }
}
