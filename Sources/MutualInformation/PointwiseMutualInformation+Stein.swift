import MonteCarloCore
import SteinControlVariates

extension PointwiseMutualInformation where S: ScoredSampler {
    /// E_P[PMI] with Stein control variates built on the score of the joint law, ∇ log p(x, y):
    /// control functionals (Oates, Girolami & Chopin 2017) by default, or any fixed-sample
    /// estimator (semi-exact control functionals, South et al. 2022; zero-variance control
    /// variates; the automatic chooser).
    ///
    /// Draws `samples` joint points from `RandomStreams(seed: seed).stream(0)`, evaluates the
    /// PMI and the joint score at each, and hands them to `estimator`.
    ///
    /// ```swift
    /// let problem = try PointwiseMutualInformation.gaussian(covariance: sigma, xDimension: 1)
    /// let estimate = try problem.steinEstimate(samples: 200, seed: 3)
    /// let auto = try problem.steinEstimate(samples: 200, seed: 3, estimator: AutomaticControlVariates())
    /// ```
    ///
    /// - Parameters:
    ///   - samples: n, the number of joint draws.
    ///   - seed: fixes the draws (and nothing else: the estimators are deterministic).
    ///   - estimator: 5-fold cross-fitted control functionals with a Gaussian kernel
    ///     (median-heuristic length-scale) by default; any `FixedSampleEstimator`, including
    ///     `SampleMean` (plain Monte Carlo on the same draws).
    /// - Throws: The errors of the estimator's `estimate(sample:values:)` (for example too few
    ///   draws for the folds).
    /// - Complexity: that of the estimator; O(n² d + n³) per fit for exact kernel methods (n up
    ///   to a few thousand).
    ///
    /// **Statistical properties.** Those of `estimator` on independent draws. Every control it
    /// fits has mean zero under P, so the cross-fitted (default) and sample-split forms are
    /// unbiased for I; a weighted form carries a declared bias. `variance` and ESS are the
    /// estimator's (ESS = Var̂(PMI)/`variance`). For a Gaussian, PMI is a quadratic polynomial,
    /// so polynomial controls of degree 2 (`polynomialDegree: 2`, or
    /// `ZeroVarianceControlVariates(degree: 2)`) integrate it exactly (zero variance up to
    /// rounding); with kernels alone the reduction is large but finite.
    public func steinEstimate(
        samples: Int, seed: UInt64, estimator: any FixedSampleEstimator = SteinControlFunctional()
    ) throws(MonteCarloError) -> Estimate {
        var generator = RandomStreams(seed: seed).stream(0)
        let sample = try SteinSample(drawing: samples, from: sampler, using: &generator)
        var values = [Double](repeating: 0, count: samples)
        for i in 0..<samples { values[i] = pointwise(sample.point(i)) }
        return try estimator.estimate(sample: sample, values: values)
    }

    /// ``steinEstimate(samples:seed:estimator:)`` with a control functional.
    public func steinEstimate(samples: Int, seed: UInt64, functional: SteinControlFunctional) throws(MonteCarloError) -> Estimate {
        try steinEstimate(samples: samples, seed: seed, estimator: functional)
    }
}
