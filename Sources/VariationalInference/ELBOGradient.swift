import Foundation
import LinearAlgebra
import MonteCarloCore
import VarianceReduction

/// Which unbiased per-draw ELBO gradient to average.
public enum ELBOGradientEstimator: String, Sendable, Hashable, Codable, CaseIterable {
    /// Reparameterization (total derivative; the entropy gradient in closed form):
    /// g_m = ∇ℓ(z), g_C = ∇ℓ(z)εᵀ + diag(1/C_jj) on the free entries.
    case reparameterization
    /// Sticking the landing (Roeder et al. 2017): the path derivative only,
    /// h = ∇ℓ(z) − ∇_z log q(z) = ∇ℓ(z) + C⁻ᵀε, g_m = h, g_C = hεᵀ; zero variance when q is
    /// the exact posterior.
    case stickingTheLanding
}

/// Gradient estimators of the ELBO with respect to the variational parameters (m, C).
extension EvidenceLowerBound {
    /// Which unbiased per-draw gradient to average.
    public typealias GradientEstimator = ELBOGradientEstimator

    /// The per-draw gradient as a vector integrand over ε, in ``GaussianApproximation`` parameter order.
    ///
    /// Evaluated a batch at a time: the model's gradients for all draws of a block come from one
    /// call of ``ProbabilisticModel/gradientLogJoint(columns:)`` (matrix products for data models).
    public func gradientIntegrand(_ estimator: GradientEstimator) -> VectorIntegrand<[Double]> {
        let model = self.model, q = approximation
        let positions = q.scaleParameterPositions
        let d = q.dimension
        let k = q.parameterCount
        return VectorIntegrand(validatedOutputDimension: k, batch: { points, values in
            let count = points.count
            guard count > 0 else { return }
            var latents = Matrix(rows: d, columns: count)
            for s in 0..<count {
                let z = q.transform(points[s])
                for i in 0..<d { latents.storage[s * d + i] = z[i] }
            }
            let gradients = model.gradientLogJoint(columns: latents)
            for s in 0..<count {
                let epsilon = points[s]
                var h = Array(gradients.storage[(s * d)..<((s + 1) * d)])
                if estimator == .stickingTheLanding {
                    let correction = q.inverseTransposeScale(epsilon)
                    for i in 0..<d { h[i] += correction[i] }
                }
                let base = s * k
                for i in 0..<d { values[base + i] = h[i] }
                for (p, (row, column)) in positions.enumerated() {
                    var entry = h[row] * epsilon[column]
                    if estimator == .reparameterization, row == column { entry += 1 / q.scale[row, row] }
                    values[base + d + p] = entry
                }
            }
        })
    }

    /// The ELBO gradient with its covariance.
    ///
    /// **Statistical properties.** Both estimators are unbiased for ∇ELBO under every sampling
    /// scheme. `covariance` is the covariance of the estimator: the sample covariance of the
    /// per-draw (per-pair, per-replicate) gradients divided by their number, or the cross-fitted
    /// residual covariance for control variates (`VectorMonteCarlo`,
    /// `VectorRandomizedQuasiMonteCarlo`, `VectorControlVariateMonteCarlo`); its trace is the
    /// total variance used to compare estimators. Antithetic pairs make the location gradient
    /// exact for Gaussian targets and can double the variance of the scale gradient. The control
    /// variates are ε_i (mean 0) and ε_i² (mean 1). ESS per component is σ²_plain,i / variance_i.
    /// - Parameters:
    ///   - samples: draws (independent, control variates), pairs (antithetic) or replicates
    ///     (QMC; falls back to independent draws with a warning beyond 40 dimensions).
    ///   - seed: the seed of the random streams.
    ///   - estimator: reparameterization or sticking the landing.
    ///   - sampling: how the ε draws are arranged.
    public func gradient(samples: Int, seed: UInt64, estimator: GradientEstimator = .reparameterization,
                         sampling: Sampling = .independent) throws(MonteCarloError) -> VectorEstimate {
        let f = gradientIntegrand(estimator)
        switch sampling {
        case .independent:
            return try VectorMonteCarlo(sampler: standardNormal, integrand: f).run(samples: samples, seed: seed)
        case .antithetic:
            return try VectorMonteCarlo(antitheticSampler: standardNormal, integrand: f).run(samples: samples, seed: seed)
        case .quasiMonteCarlo(let points):
            guard quasiMonteCarloAvailable else {
                let fallback = try VectorMonteCarlo(sampler: standardNormal, integrand: f).run(samples: samples * points, seed: seed)
                var diagnostics = fallback.diagnostics
                diagnostics.warnings.append(qmcFallbackWarning)
                return VectorEstimate(values: fallback.values, covariance: fallback.covariance, sampleCount: fallback.sampleCount,
                                      effectiveSampleSizes: fallback.effectiveSampleSizes, diagnostics: diagnostics)
            }
            return try VectorRandomizedQuasiMonteCarlo(sampler: standardNormal, integrand: f, pointsPerReplicate: points)
                .run(samples: samples, seed: seed)
        case .controlVariates:
            let d = approximation.dimension
            let controls = try VectorIntegrand<[Double]>(outputDimension: 2 * d) { e in e + e.map { $0 * $0 } }
            return try VectorControlVariateMonteCarlo(
                sampler: standardNormal, integrand: f, controls: controls,
                controlMeans: Array(repeating: 0, count: d) + Array(repeating: 1, count: d)).run(samples: samples, seed: seed)
        }
    }

    /// The ELBO gradient from independent draws or antithetic pairs.
    public func gradient(samples: Int, seed: UInt64, estimator: GradientEstimator = .reparameterization,
                         antithetic: Bool) throws(MonteCarloError) -> VectorEstimate {
        try gradient(samples: samples, seed: seed, estimator: estimator, sampling: antithetic ? .antithetic : .independent)
    }
}
