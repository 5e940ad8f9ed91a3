import MonteCarloCore
import VarianceReduction

/// A generic estimator of SW_p^p (`PointSetMonteCarlo` over a direction scheme, or
/// `ControlVariateMonteCarlo` with Gaussian or harmonic controls) with the sliced-Wasserstein
/// report: the method's name, Student-t degrees of freedom, the per-direction variance, the
/// problem's figures and warnings, and the rounding floor of grouped variances.
///
/// It accumulates exactly as its base does (same state, same blocks, same streams), so the
/// driver runs it, shards it and merges its block states like any other estimator; only
/// ``estimate(from:)`` adds to the base's estimate. Made by ``SlicedWasserstein/Recipe``.
///
/// **Statistical properties.** Those of the base (see ``SlicedWasserstein/estimate(projections:method:seed:)``).
/// For sets of directions, when the set means agree to rounding error (an orthogonal block on an
/// affine image, a constant f) the variance is raised to the rounding floor of one W_p^p, a sum
/// over n + m points, (8·√(n + m)·ε·|SW_p^p|)², and a warning says so: an upper bound, never a
/// false zero.
public struct SlicedWassersteinEstimator<Base: MonteCarloEstimator>: MonteCarloEstimator where Base.Output == Estimate {
    /// The generic estimator that does the work.
    public let base: Base
    /// Samples (sets of directions) per block of the driver.
    let blockSize: Int
    /// Turns the base's estimate and the state it came from into the reported one.
    let report: @Sendable (Estimate, Base.State) -> Estimate

    public typealias State = Base.State

    public func makeState() -> State { base.makeState() }

    public func accumulate(_ count: Int, firstIndex: Int, into state: inout State,
                           using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) {
        try base.accumulate(count, firstIndex: firstIndex, into: &state, using: &generator)
    }

    public func estimate(from state: State) throws(MonteCarloError) -> Estimate {
        report(try base.estimate(from: state), state)
    }

    public var evaluationsPerSample: Int { base.evaluationsPerSample }
    public var preferredBlockSize: Int { blockSize }
    public var minimumSamplesBeforeStopping: Int { base.minimumSamplesBeforeStopping }
}

extension SlicedWasserstein {
    /// The report of sets of directions: mean of the set means, variance s²_R/R raised to the
    /// rounding floor, t interval with R − 1 degrees of freedom, ESS σ²_f/variance.
    static func setReport(name: String, pointsPerSet k: Int, pointCount: Int, figures: @escaping @Sendable (Int) -> [String: Double],
                          warnings: [String]) -> @Sendable (Estimate, SampleMeanState) -> Estimate {
        { _, state in
            let sets = state.samples.count, count = sets * k
            let floor = SlicedWasserstein.groupRoundingFloor(mean: state.samples.mean, pointCount: pointCount)
            let atFloor = state.samples.varianceOfMean < floor
            let variance = max(state.samples.varianceOfMean, floor)
            let perDirection = state.evaluations.sampleVariance
            let ess = atFloor ? Double(count) : (variance > 0 ? perDirection / variance : Double(count))
            var allFigures = figures(sets)
            allFigures["perDirectionVariance"] = perDirection
            let floorWarning = "The direction groups agree to rounding error: the variance was raised to the rounding floor (8·√(n + m)·ε·|SW_p^p|)², an upper bound; ESS is reported as the number of directions."
            return Estimate(
                value: state.samples.mean, variance: variance, sampleCount: count, effectiveSampleSize: ess,
                degreesOfFreedom: Double(sets - 1),
                diagnostics: Diagnostics(method: "sliced-wasserstein-\(name)", varianceReductionFactor: ess / Double(count),
                                         figures: allFigures, warnings: warnings + (atFloor ? [floorWarning] : [])))
        }
    }

    /// The report of a regression control-variate estimate: the base's (OLS intercept, t
    /// interval with L − k − 1 degrees of freedom) under the method's name, with the per-direction
    /// variance, the controls' known means and the problem's warnings.
    static func regressionReport(method: String, declaredBias: String, figures: [String: Double],
                                 warnings: [String]) -> @Sendable (Estimate, FoldedMoments) -> Estimate {
        { estimate, state in
            var diagnostics = estimate.diagnostics
            diagnostics.method = method
            diagnostics.declaredBias = declaredBias
            diagnostics.figures.merge(figures) { $1 }
            // The recipe fits by ordinary least squares: one group holds every direction.
            diagnostics.figures["perDirectionVariance"] = state.groups.count == 1 ? state.groups[0].sampleCovariance(0, 0) : .nan
            diagnostics.warnings = warnings + diagnostics.warnings
            return Estimate(value: estimate.value, variance: estimate.variance, sampleCount: estimate.sampleCount,
                            effectiveSampleSize: estimate.effectiveSampleSize, degreesOfFreedom: estimate.degreesOfFreedom,
                            diagnostics: diagnostics)
        }
    }

    /// The squared rounding error of one W_p^p, a sum of n + m terms: (8·√(n + m)·ε·|value|)².
    static func groupRoundingFloor(mean: Double, pointCount: Int) -> Double {
        let error = 8 * Double(pointCount).squareRoot() * Double.ulpOfOne * abs(mean)
        return error * error
    }
}
