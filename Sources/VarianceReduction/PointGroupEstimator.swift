import MonteCarloCore

/// An estimator whose sample is the equally weighted average of f over a group of points drawn
/// together: an antithetic pair, a randomized point set.
///
/// Every point of a group has law π, and the groups are i.i.d.; the points inside a group are
/// dependent on purpose. That is all ``ControlVariates`` needs to stack regression control
/// variates on top: it averages the controls over the same groups and regresses the group
/// averages of f on those of the controls.
///
/// ```swift
/// let pairs = AntitheticMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { exp($0) })
/// let stacked = try ControlVariates(pairs, controls: VectorIntegrand(outputDimension: 1) { [$0 * $0] },
///                                   controlMeans: [1.0 / 3])
/// ```
public protocol PointGroupEstimator: MonteCarloEstimator {
    /// The measure π the points are drawn from.
    associatedtype Measure: Sampler
    /// The measure π.
    var sampler: Measure { get }
    /// The integrand f.
    var integrand: Integrand<Measure.Point> { get }
    /// A short name of the sampling scheme for diagnostics, e.g. `"antithetic"`.
    var methodName: String { get }
    /// What one sample is, in the plural, for error messages, e.g. `"antithetic pairs"`.
    var sampleDescription: String { get }
    /// Draws `count` groups of ``MonteCarloEstimator/evaluationsPerSample`` points each; group i
    /// occupies positions i·k ..< (i + 1)·k of the result.
    func drawPointGroups(_ count: Int, using generator: inout Xoshiro256PlusPlus) -> [Measure.Point]
    /// Throws unless the equally weighted average of f over a group is unbiased for E_π[f] (and
    /// so for every control); ``ControlVariates`` calls it before stacking on the estimator.
    func requireUnbiasedGroupAverages() throws(MonteCarloError)
}

extension PointGroupEstimator {
    /// Every point of a group has law π, so the group average is unbiased: nothing to check.
    public func requireUnbiasedGroupAverages() throws(MonteCarloError) {}
}
