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
    public func gradientIntegrand(_ estimator: GradientEstimator) -> VectorIntegrand<[Double]> {
        let model = self.model, q = approximation
        let positions = q.scaleParameterPositions
        let d = q.dimension
        return VectorIntegrand(outputDimension: q.parameterCount) { epsilon in
            let z = q.transform(epsilon)
            var h = model.gradientLogJoint(z)
            if estimator == .stickingTheLanding {
                let correction = q.inverseTransposeScale(epsilon)
                for i in 0..<d { h[i] += correction[i] }
            }
            var g = h
            g.reserveCapacity(d + positions.count)
            for (row, column) in positions {
                var entry = h[row] * epsilon[column]
                if estimator == .reparameterization, row == column { entry += 1 / q.scale[row, row] }
                g.append(entry)
            }
            return g
        }
    }

    /// The ELBO gradient with its covariance.
    ///
    /// **Statistical properties.** Both estimators are unbiased for ∇ELBO. `covariance` is the
    /// sample covariance of the per-draw (or per-pair) gradients divided by their number
    /// (``VectorMonteCarlo``); its trace is the total variance used to compare estimators.
    /// Antithetic pairs make the location gradient exact for Gaussian targets and can double
    /// the variance of the scale gradient. ESS per component is σ²_plain,i / variance_i.
    public func gradient(samples: Int, seed: UInt64, estimator: GradientEstimator = .reparameterization,
                         antithetic: Bool = false) throws(MonteCarloError) -> VectorEstimate {
        let f = gradientIntegrand(estimator)
        if antithetic {
            return try VectorMonteCarlo(antitheticSampler: standardNormal, integrand: f).run(samples: samples, seed: seed)
        }
        return try VectorMonteCarlo(sampler: standardNormal, integrand: f).run(samples: samples, seed: seed)
    }
}
