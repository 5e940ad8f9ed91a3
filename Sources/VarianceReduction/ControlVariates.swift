import MonteCarloCore

/// Regression control variates stacked on an estimator that averages over groups of points:
/// antithetic pairs, randomized quasi-Monte Carlo point sets.
///
/// `ControlVariates(base, controls: h, controlMeans: θ)` averages f and the controls h over each
/// of the base's groups and estimates E_π[f] by the mean of f̄ − βᵀ(h̄ − θ), with β fitted on the
/// group averages. The wrapper is itself a ``MonteCarloEstimator`` with a mergeable state, so
/// ``MonteCarloDriver`` runs, shards and merges it like any other.
///
/// ```swift
/// // E[e^U]: antithetic pairs (U, 1 − U), then the control U² (mean 1/3) on the pair averages.
/// let pairs = AntitheticMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { exp($0) })
/// let stacked = try ControlVariates(pairs, controls: VectorIntegrand(outputDimension: 1) { [$0 * $0] },
///                                   controlMeans: [1.0 / 3])
/// let estimate = try stacked.run(samples: 10_000, seed: 1)    // 10 000 pairs; factor ≈ 1.1 × 10⁶
/// ```
///
/// A control works only through its group average: one that is odd under the antithetic
/// reflection (U for u ↦ 1 − u) averages to a constant over every pair and is rejected with
/// `MonteCarloError/singularControlCovariance(detail:)`. Use its even part instead.
///
/// **Statistical properties.** The groups are i.i.d. and E[h̄] = θ (every point has law π), so
/// the group averages (f̄, h̄) are i.i.d. draws to which the regression of
/// ``ControlVariateMonteCarlo`` applies unchanged, with groups in place of draws (group i is in
/// fold i mod K):
/// - bias: with ``RegressionControlVariateFit/Mode/crossFitted(folds:)`` (default,
///   K = 2) and ``RegressionControlVariateFit/Mode/pilot(fraction:)``, β is fitted on
///   groups independent of those it is averaged over, so the estimator is unbiased; with
///   ``RegressionControlVariateFit/Mode/ordinaryLeastSquares`` the bias is O(1/m) in
///   the number m of groups and is declared in the diagnostics;
/// - `variance` is the variance of the estimator, estimated from the residuals f̄ − βᵀ(h̄ − θ)
///   of the group averages: per fold at its fixed β, Σₖ (mₖ/m)² s²ₖ/mₖ, for cross-fitting and
///   the pilot (normal interval); s²[(AᵀA)⁻¹]₀₀ for OLS (Student-t with m − p − 1 degrees of
///   freedom). For antithetic pairs it is thus estimated per pair, never from the 2m single
///   values; for RQMC across the independent randomizations, never from the points within one
///   (which are dependent). With few randomizations (m ≲ 30) the normal interval of the fitted
///   modes is a little short: prefer more randomizations of fewer points.
/// - `sampleCount` counts evaluations (m · k for groups of k points). ESS is σ²_plain / variance,
///   with σ²_plain the sample variance of all m · k single values of f; the variance-reduction
///   factor ESS / (m · k) is the product of the base's factor and the controls' factor on the
///   group averages (reported as the figure `"controlVariateFactor"`). β is reported in
///   `Diagnostics/coefficients`.
///
/// A NaN or ∞ value of f or of a control is a typed error whose index counts evaluations over
/// all groups (group i holds evaluations i·k ..< (i + 1)·k).
///
/// - Complexity: O(m · k · p²) time for p controls, O(K p²) memory.
public struct ControlVariates<Base: PointGroupEstimator>: MonteCarloEstimator {
    /// How β is fitted: the modes of ``ControlVariateMonteCarlo``.
    public typealias CoefficientFitting = ControlVariateMonteCarlo<Base.Measure>.CoefficientFitting

    /// The estimator whose groups are averaged.
    public let base: Base
    /// The controls h (p components).
    public let controls: VectorIntegrand<Base.Measure.Point>
    /// The regression on the group averages. It is the only place β is fitted: its
    /// `estimate(from:)` treats each group average as one draw.
    let regression: ControlVariateMonteCarlo<Base.Measure>

    /// Creates the stacked estimator.
    /// - Parameters:
    ///   - base: the grouped estimator (antithetic pairs, randomized QMC).
    ///   - controls: the controls h, evaluated at the same points as f.
    ///   - controlMeans: their known means θ under π.
    ///   - fitting: how β is fitted; cross-fitting with 2 folds by default.
    /// - Throws: the errors of ``ControlVariateMonteCarlo/init(sampler:integrand:controls:controlMeans:fitting:collinearity:)``:
    ///   `MonteCarloError/dimensionMismatch(what:expected:actual:)` unless there is one mean per
    ///   control, `MonteCarloError/invalidParameter(name:value:requirement:)` for a non-finite
    ///   mean or a bad fold count or pilot fraction.
    public init(_ base: Base, controls: VectorIntegrand<Base.Measure.Point>, controlMeans: [Double],
                fitting: CoefficientFitting = .crossFitted(folds: 2)) throws(MonteCarloError) {
        regression = try ControlVariateMonteCarlo(
            sampler: base.sampler, integrand: base.integrand, controls: controls,
            controlMeans: controlMeans, fitting: fitting)
        self.base = base
        self.controls = controls
    }

    /// Their known means θ.
    public var controlMeans: [Double] { regression.controlMeans }
    /// How β is fitted.
    public var fitting: CoefficientFitting { regression.fitting }

    public var evaluationsPerSample: Int { base.evaluationsPerSample }
    public var preferredBlockSize: Int { base.preferredBlockSize }
    public var minimumSamplesBeforeStopping: Int { base.minimumSamplesBeforeStopping }

    public func makeState() -> StackedControlVariateState {
        StackedControlVariateState(averages: regression.makeState(), dimension: controlMeans.count + 1)
    }

    public func accumulate(_ count: Int, firstIndex: Int, into state: inout StackedControlVariateState,
                           using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) {
        let k = evaluationsPerSample, p = controlMeans.count
        let means = controlMeans
        let points = base.drawPointGroups(count, using: &generator)
        let values = base.integrand.values(at: points)
        let controlValues = controls.values(at: points)
        var row = [Double](repeating: 0, count: p + 1)
        var average = [Double](repeating: 0, count: p + 1)
        for i in 0..<count {
            for j in 0...p { average[j] = 0 }
            for l in 0..<k {
                let point = i * k + l
                let index = (firstIndex + i) * k + l
                row[0] = values[point]
                guard row[0].isFinite else { throw .nonFinite(quantity: "integrand", index: index) }
                for j in 0..<p {
                    row[j + 1] = controlValues[point * p + j] - means[j]
                    guard row[j + 1].isFinite else { throw .nonFinite(quantity: "control \(j)", index: index) }
                }
                state.evaluations.add(row)
                for j in 0...p { average[j] += row[j] }
            }
            for j in 0...p { average[j] /= Double(k) }
            // The fold depends only on the global group index, so block sizes never change it.
            state.averages.add(average, index: firstIndex + i)
        }
    }

    public func estimate(from state: StackedControlVariateState) throws(MonteCarloError) -> Estimate {
        let all = try state.averages.merged()
        try requireVaryingAverages(all, evaluations: state.evaluations)
        let fitted: Estimate
        do {
            fitted = try regression.estimate(from: state.averages)
        } catch {
            // Name the unit the regression counted (its "draws" are groups).
            if case let .insufficientSamples(needed, available, reason) = error {
                throw .insufficientSamples(needed: needed, available: available, reason: "\(base.sampleDescription) \(reason)")
            }
            throw error
        }
        let evaluations = all.count * evaluationsPerSample
        let ess = Estimate.effectiveSampleSize(perDrawVariance: state.evaluations.sampleCovariance(0, 0),
                                               estimatorVariance: fitted.variance, evaluations: evaluations)
        var diagnostics = fitted.diagnostics
        diagnostics.method = "\(base.methodName)+\(fitted.diagnostics.method)"
        diagnostics.varianceReductionFactor = ess / Double(evaluations)
        diagnostics.figures["controlVariateFactor"] = fitted.diagnostics.varianceReductionFactor
        return Estimate(value: fitted.value, variance: fitted.variance, sampleCount: evaluations,
                        effectiveSampleSize: ess, degreesOfFreedom: fitted.degreesOfFreedom, diagnostics: diagnostics)
    }

    /// Throws when a control's group averages are constant to rounding error although its single
    /// values vary (a control odd under the antithetic reflection): the regression would divide
    /// rounding noise by rounding noise.
    func requireVaryingAverages(_ averages: CovarianceMoments, evaluations: CovarianceMoments) throws(MonteCarloError) {
        guard averages.count >= 2 else { return }
        // Rounding in a group sum perturbs the average by about ε|h|; allow 10⁴ ulps.
        let resolution = 1e4 * Double.ulpOfOne
        for j in 1..<averages.dimension {
            let secondMoment = evaluations.sampleCovariance(j, j) + evaluations.mean[j] * evaluations.mean[j]
            guard secondMoment > 0 else { continue }  // constant everywhere: the regression says so
            if averages.sampleCovariance(j, j) <= resolution * resolution * secondMoment {
                throw .singularControlCovariance(
                    detail: "control \(j - 1) is constant to rounding over \(base.sampleDescription) (e.g. odd under the "
                        + "antithetic reflection), so its averages carry no information; use a control that varies between groups")
            }
        }
    }
}
