import LinearAlgebra
import MonteCarloCore

/// Regression control variates: E_π[f] ≈ mean of f − βᵀ(h − θ), with controls h of known mean θ.
///
/// The coefficient β minimizes the variance; it is estimated by least squares of f on the
/// controls. How it is fitted decides the estimator's bias:
///
/// ```swift
/// // E[e^U] with U itself as a control (mean 1/2): variance-reduction factor ≈ 61.
/// let estimator = try ControlVariateMonteCarlo(
///     sampler: UniformDistribution.unit, integrand: Integrand { exp($0) },
///     controls: VectorIntegrand(outputDimension: 1) { [$0] }, controlMeans: [0.5])
/// ```
///
/// **Statistical properties.**
/// - ``RegressionControlVariateFit/Mode/crossFitted(folds:)`` (default, K = ``CrossFitFolds/defaultCount`` = 2): draw i goes to fold i mod K;
///   fold k is averaged with β fitted on the other folds, so each fold's term is unbiased
///   and so is their weighted mean. `variance` is Σₖ (nₖ/n)² s²ₖ/nₖ, with s²ₖ the residual
///   variance on fold k at its fixed β (correlation between folds through β is O(1/n²) and
///   ignored). Normal interval.
/// - ``RegressionControlVariateFit/Mode/pilot(fraction:)``: with k = round(1/fraction), draws with index
///   i ≡ 0 (mod k) form the pilot, used only to fit β; the rest are averaged with that fixed β.
///   Unbiased; `variance` is s²/n_eval (computed group by group, Σ (n_k/n_eval)² s²_k/n_k, which
///   is the same up to the between-group spread of the residual means); normal interval.
/// - ``RegressionControlVariateFit/Mode/ordinaryLeastSquares``: β fitted on all draws (the OLS intercept).
///   Biased of order 1/n (exactly unbiased when f and h are jointly normal), declared in the
///   diagnostics. `variance` is s²[(AᵀA)⁻¹]₀₀ with s² = RSS/(n − p − 1) and A = [1, h − θ];
///   Student-t interval with n − p − 1 degrees of freedom (Lavenberg & Welch 1981).
///
/// ESS is σ²_f / variance with σ²_f the sample variance of f over all draws; the
/// variance-reduction factor ESS/n estimates 1/(1 − R²) (reduced by the cost of estimating β).
/// β is reported in `Diagnostics/coefficients` (from all draws). When the controls explain f
/// to within rounding error, the residual variance is raised to the rounding floor κ·ε·Σ(f − f̄)²
/// (κ the condition number of the controls' correlation matrix) and a warning says so: the error
/// bar is then an upper bound, never a false zero. A NaN or ∞ value of f or of a control is a
/// typed error naming the draw; a constant or collinear control is
/// `MonteCarloError/singularControlCovariance(detail:)` naming the control, or, with
/// `collinearity: .dropWithWarning`, dropped (coefficient 0) with a warning. β is fitted by
/// ``RegressionControlVariateFit``, the package's one regression engine.
///
/// - Complexity: O(n p²) time, O(K p²) memory for p controls.
public struct ControlVariateMonteCarlo<S: Sampler>: MonteCarloEstimator {
    /// How β is fitted: the modes of the regression engine.
    public typealias CoefficientFitting = RegressionControlVariateFit.Mode

    /// The measure π.
    public let sampler: S
    /// The integrand f.
    public let integrand: Integrand<S.Point>
    /// The controls h (p components).
    public let controls: VectorIntegrand<S.Point>
    /// Their known means θ.
    public let controlMeans: [Double]
    /// How β is fitted.
    public let fitting: CoefficientFitting
    /// What a constant or collinear control does: an error (default) or dropped with a warning.
    public let collinearity: RegressionControlVariateFit.CollinearityPolicy

    /// Number of accumulator groups: folds, or pilot stride, or 1.
    let groupCount: Int

    /// Creates the estimator.
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` when `controlMeans`
    ///   does not have one entry per control; `MonteCarloError/invalidParameter(name:value:requirement:)`
    ///   for a non-finite mean, fewer than 2 folds or a pilot fraction outside (0, 1/2].
    public init(sampler: S, integrand: Integrand<S.Point>, controls: VectorIntegrand<S.Point>,
                controlMeans: [Double], fitting: CoefficientFitting = .crossFitted,
                collinearity: RegressionControlVariateFit.CollinearityPolicy = .fail) throws(MonteCarloError) {
        try validateControlMeans(controlMeans, controlCount: controls.outputDimension)
        groupCount = try fitting.groupCount()
        self.sampler = sampler
        self.integrand = integrand
        self.controls = controls
        self.controlMeans = controlMeans
        self.fitting = fitting
        self.collinearity = collinearity
    }

    /// Moments of (f, h − θ) per fold (or pilot/evaluation stride position).
    public typealias State = FoldedMoments

    public func makeState() -> State {
        FoldedMoments(folds: groupCount, dimension: controlMeans.count + 1)
    }

    public func accumulate(_ count: Int, firstIndex: Int, into state: inout State,
                           using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) {
        let p = controlMeans.count
        let points = sampler.drawBatch(count, using: &generator)
        let values = integrand.values(at: points)
        let controlValues = controls.values(at: points)
        var row = [Double](repeating: 0, count: p + 1)
        for i in 0..<count {
            row[0] = values[i]
            guard row[0].isFinite else { throw .nonFinite(quantity: "integrand", index: firstIndex + i) }
            for j in 0..<p {
                row[j + 1] = controlValues[i * p + j] - controlMeans[j]
                guard row[j + 1].isFinite else { throw .nonFinite(quantity: "control \(j)", index: firstIndex + i) }
            }
            // The group depends only on the global draw index, so block sizes never change it.
            state.add(row, index: firstIndex + i)
        }
    }

    public func estimate(from state: State) throws(MonteCarloError) -> Estimate {
        try RegressionControlVariateFit.estimate(from: state, mode: fitting, collinearity: collinearity)
    }
}
