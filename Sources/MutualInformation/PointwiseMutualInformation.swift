import Foundation
import LinearAlgebra
import MonteCarloCore
import VarianceReduction

/// I(X; Y) = E_P[log p(x, y) − log p(x) − log p(y)] as a Monte Carlo problem, for when the
/// densities are known (simulators, benchmarks, checking a critic).
///
/// A problem is the joint sampler (points are [x, y], X first) plus the pointwise-MI integrand;
/// it runs through the generic estimators of `VarianceReduction`, so every stopping rule,
/// parallel driver and mergeable state applies.
///
/// ```swift
/// let problem = try PointwiseMutualInformation.gaussian(covariance: sigma, xDimension: 2)
/// let plain = try problem.plainEstimator().run(samples: 10_000, seed: 1)
/// let exact = try problem.quadraticControlVariateEstimator().run(samples: 1_000, seed: 1)
/// ```
///
/// **Statistical properties.** The plain estimator is the sample mean of PMI over i.i.d. joint
/// draws: unbiased, `variance` = Var_P(PMI)/n estimated by s²/n (for Gaussians Var_P(PMI) = Σᵢ ρᵢ²,
/// tiny next to the e^{2I} − 1 of the NWJ/DV partition terms). With control variates of known
/// mean, see `ControlVariateMonteCarlo` for how coefficients are fitted (cross-fitted by
/// default, so no bias) and how the variance is estimated; ESS = Var̂(PMI)/`variance`. For a
/// Gaussian, PMI is a quadratic form in z − μ, so the quadratic features (z − μ)(z − μ)ᵀ (mean
/// Σ) reproduce it exactly: the residual variance is zero up to rounding and the estimate
/// equals I to rounding. Antithetic (z → 2μ − z) gains nothing here: PMI is even in z − μ.
public struct PointwiseMutualInformation<S: Sampler>: Sendable where S.Point == [Double] {
    /// Draws joint points [x, y].
    public let sampler: S
    /// d_x: the first `xDimension` coordinates of a point are x.
    public let xDimension: Int
    /// z ↦ log p(x, y) − log p(x) − log p(y).
    public let integrand: Integrand<[Double]>
    /// The same function, pointwise.
    let pointwise: @Sendable ([Double]) -> Double

    /// - Parameters:
    ///   - sampler: Draws joint points [x, y].
    ///   - xDimension: d_x.
    ///   - logJoint: log p(x, y) of the joint point.
    ///   - logMarginalX: log p(x).
    ///   - logMarginalY: log p(y).
    public init(sampler: S, xDimension: Int,
                logJoint: @escaping @Sendable ([Double]) -> Double,
                logMarginalX: @escaping @Sendable ([Double]) -> Double,
                logMarginalY: @escaping @Sendable ([Double]) -> Double) {
        self.sampler = sampler
        self.xDimension = xDimension
        let dx = xDimension
        let pmi: @Sendable ([Double]) -> Double = { z in
            logJoint(z) - logMarginalX(Array(z[0..<dx])) - logMarginalY(Array(z[dx...]))
        }
        pointwise = pmi
        integrand = Integrand(pmi)
    }

    /// Plain Monte Carlo of the PMI.
    public func plainEstimator() -> PlainMonteCarlo<S> {
        PlainMonteCarlo(sampler: sampler, integrand: integrand)
    }

    /// Regression control variates with known means.
    /// - Throws: The errors of `ControlVariateMonteCarlo/init(sampler:integrand:controls:controlMeans:fitting:)`.
    public func controlVariateEstimator(
        controls: VectorIntegrand<[Double]>, controlMeans: [Double],
        fitting: ControlVariateMonteCarlo<S>.CoefficientFitting = .crossFitted(folds: 2)
    ) throws(MonteCarloError) -> ControlVariateMonteCarlo<S> {
        try ControlVariateMonteCarlo(sampler: sampler, integrand: integrand, controls: controls,
                                     controlMeans: controlMeans, fitting: fitting)
    }
}

extension PointwiseMutualInformation where S == MultivariateNormalDistribution {
    /// The PMI problem of a Gaussian N(mean, covariance), X being the first `xDimension` coordinates.
    /// - Throws: As ``GaussianMutualInformation/exact(covariance:xDimension:)``.
    public static func gaussian(covariance: Matrix, xDimension: Int, mean: [Double]? = nil) throws(MonteCarloError) -> Self {
        _ = try GaussianBlocks(covariance, xDimension: xDimension)  // validates the shape and blocks
        let d = covariance.rows
        let mean = mean ?? [Double](repeating: 0, count: d)
        let joint = try MultivariateNormalDistribution(mean: mean, covariance: covariance)
        let px = try MultivariateNormalDistribution(mean: Array(mean[0..<xDimension]),
                                                    covariance: GaussianBlocks.block(covariance, 0..<xDimension, 0..<xDimension))
        let py = try MultivariateNormalDistribution(mean: Array(mean[xDimension...]),
                                                    covariance: GaussianBlocks.block(covariance, xDimension..<d, xDimension..<d))
        return PointwiseMutualInformation(sampler: joint, xDimension: xDimension, logJoint: joint.logDensity,
                                          logMarginalX: px.logDensity, logMarginalY: py.logDensity)
    }

    /// The exact I(X; Y) of this Gaussian.
    /// - Throws: `invalidParameter` if `xDimension` does not split the sampler's dimension.
    public func exactMutualInformation() throws(MonteCarloError) -> Double {
        try GaussianMutualInformation.exact(covariance: sampler.covariance, xDimension: xDimension)
    }

    /// The d(d + 1)/2 quadratic features (zₐ − μₐ)(z_b − μ_b), a ≤ b, and their means Σₐᵦ.
    public var quadraticControls: (controls: VectorIntegrand<[Double]>, means: [Double]) {
        let mu = sampler.mean, d = mu.count
        var means = [Double]()
        for a in 0..<d { for b in a..<d { means.append(sampler.covariance[a, b]) } }
        let controls = VectorIntegrand<[Double]>(validatedOutputDimension: d * (d + 1) / 2) { z in
            var features = [Double]()
            features.reserveCapacity(d * (d + 1) / 2)
            for a in 0..<d { for b in a..<d { features.append((z[a] - mu[a]) * (z[b] - mu[b])) } }
            return features
        }
        return (controls, means)
    }

    /// Control variates on the quadratic features: exact for a Gaussian (zero variance up to
    /// the rounding floor, which `ControlVariateMonteCarlo` reports with a warning).
    /// - Throws: The errors of `ControlVariateMonteCarlo/init(sampler:integrand:controls:controlMeans:fitting:)`.
    public func quadraticControlVariateEstimator(
        fitting: ControlVariateMonteCarlo<MultivariateNormalDistribution>.CoefficientFitting = .crossFitted(folds: 2)
    ) throws(MonteCarloError) -> ControlVariateMonteCarlo<MultivariateNormalDistribution> {
        let (controls, means) = quadraticControls
        return try controlVariateEstimator(controls: controls, controlMeans: means, fitting: fitting)
    }
}

extension PointwiseMutualInformation where S == MultivariateStudentTDistribution {
    /// The PMI problem of a multivariate Student-t t_ν(location, dispersion), X being the first
    /// `xDimension` coordinates; the marginals are t_ν with the matching blocks.
    /// - Throws: As ``StudentTMutualInformation/exact(dispersion:xDimension:degreesOfFreedom:)``
    ///   and `MultivariateStudentTDistribution/init(location:dispersion:degreesOfFreedom:)`.
    public static func studentT(dispersion: Matrix, xDimension: Int, degreesOfFreedom: Double,
                                location: [Double]? = nil) throws(MonteCarloError) -> Self {
        _ = try GaussianBlocks(dispersion, xDimension: xDimension)  // validates the shape and blocks
        let joint = try MultivariateStudentTDistribution(location: location, dispersion: dispersion,
                                                         degreesOfFreedom: degreesOfFreedom)
        let d = dispersion.rows
        let px = try joint.marginal(0..<xDimension), py = try joint.marginal(xDimension..<d)
        return PointwiseMutualInformation(sampler: joint, xDimension: xDimension, logJoint: joint.logDensity,
                                          logMarginalX: px.logDensity, logMarginalY: py.logDensity)
    }

    /// The exact I(X; Y) of this Student-t (``StudentTMutualInformation``).
    /// - Throws: `invalidParameter` if `xDimension` does not split the sampler's dimension.
    public func exactMutualInformation() throws(MonteCarloError) -> Double {
        try StudentTMutualInformation.exact(dispersion: sampler.dispersion, xDimension: xDimension,
                                            degreesOfFreedom: sampler.degreesOfFreedom)
    }
}
