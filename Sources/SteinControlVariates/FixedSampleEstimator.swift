import MonteCarloCore

/// An estimator of E_π[f] from a sample of draws it is given: the draws, the score ∇ log π at
/// each, how the draws depend on each other (``SteinSample``), and the integrand's values there.
///
/// The sampling estimators of `VarianceReduction` draw points until a stopping rule is met; a
/// fixed-sample estimator works on draws that already exist: the output of a sampler, or one or
/// more Markov chains. The conforming types: ``SampleMean``, ``ZeroVarianceControlVariates``,
/// ``SteinControlFunctional`` (control functionals, and semi-exact control functionals with
/// `polynomialDegree` 1 or 2), ``VectorValuedControlVariates`` (one integrand),
/// ``NystromControlFunctional`` and ``AutomaticControlVariates``. The application adapters take
/// any of them: `SlicedWasserstein.steinEstimate(projections:seed:estimator:)`,
/// `EvidenceLowerBound.steinEstimate(samples:seed:form:estimator:)` and
/// `PointwiseMutualInformation.steinEstimate(samples:seed:estimator:)`.
///
/// ```swift
/// let sample = try SteinSample(points: draws, scores: scores,
///                              dependence: .chains(count: 4, totalDraws: draws.count))
/// for estimator: any FixedSampleEstimator in [SampleMean(), ZeroVarianceControlVariates(),
///                                             AutomaticControlVariates()] {
///     print(try estimator.estimate(sample: sample, values: values))
/// }
/// ```
///
/// **The contract** (the vocabulary of `VarianceReduction`'s estimators):
/// - The result is an `Estimate`: `variance` is the variance *of the estimator* (the squared
///   standard error), ESS is σ²_f / `variance` with σ²_f the sample variance of the values
///   (n for the sample mean of independent draws), the variance-reduction factor is ESS / n,
///   `sampleCount` is n, and a bias that is not estimated is declared in the diagnostics.
/// - The sample's ``SteinSample/dependence`` decides the error bar: i.i.d. formulas for
///   independent draws; for Markov chains the long-run variance of the (held-out) series, by
///   the sample's `LongRunVarianceMethod` (with Student-t degrees of freedom where the
///   estimator has them).
/// - Estimators that fit a control on the draws they average do so on other folds (a pilot split
///   or cross-fitting), or declare the bias. The folds are `SampleDependence.folds(count:folds:)`:
///   draw i in fold i mod K for independent draws, as in `VarianceReduction`'s regression
///   control variates, and K contiguous blocks within every chain for chains (a draw's chain
///   neighbours are nearly the same point and would leak into its fit).
/// - Bad input throws a `MonteCarloError`: values that are not one finite number per draw,
///   settings out of range, too few draws for the folds or the fit.
///
/// **Adding a method.** Write one type in one file that conforms:
///
/// ```swift
/// public struct MyControlVariates: FixedSampleEstimator {
///     public func estimate(sample: SteinSample, values: [Double]) throws(MonteCarloError) -> Estimate {
///         // fit on some folds, average held-out residuals on the others, return an Estimate
///     }
/// }
/// ```
///
/// It is then usable from sliced Wasserstein, mutual information and the ELBO
/// (`try sw.steinEstimate(projections: 200, seed: 1, estimator: MyControlVariates())`), and it
/// gets the convenience entry points below.
public protocol FixedSampleEstimator: Sendable {
    /// Estimates E_π[f] from a sample and the integrand values fᵢ = f(xᵢ), one per draw.
    ///
    /// **Statistical properties.** Each conforming type states its bias, what its `variance`
    /// measures and how it is estimated, and its ESS, for independent draws and for chains.
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` when `values` does not
    ///   have one entry per draw, `MonteCarloError/nonFinite(quantity:index:)` for a NaN or
    ///   infinite value, and the estimator's own errors (settings, too few draws, a fit that
    ///   fails).
    func estimate(sample: SteinSample, values: [Double]) throws(MonteCarloError) -> Estimate
}

extension FixedSampleEstimator {
    /// Estimates E_π[f] from one array per independent draw.
    /// - Throws: the errors of ``SteinSample/init(points:scores:dependence:)`` and of
    ///   `estimate(sample:values:)`.
    public func estimate(points: [[Double]], scores: [[Double]], values: [Double]) throws(MonteCarloError) -> Estimate {
        try estimate(sample: SteinSample(points: points, scores: scores), values: values)
    }

    /// Draws `count` independent points from `distribution` (stream 0 of `seed`), evaluates f and
    /// the score at each, and estimates E_π[f].
    /// - Throws: the errors of ``SteinSample/init(drawing:from:using:)`` and of
    ///   `estimate(sample:values:)`.
    public func estimate<D: ScoredSampler>(
        sampling distribution: D, count: Int, seed: UInt64, integrand: ([Double]) -> Double
    ) throws(MonteCarloError) -> Estimate {
        var generator = RandomStreams(seed: seed).stream(0)
        let sample = try SteinSample(drawing: count, from: distribution, using: &generator)
        var values = [Double](repeating: 0, count: count)
        for i in 0..<count { values[i] = integrand(sample.point(i)) }
        return try estimate(sample: sample, values: values)
    }
}
