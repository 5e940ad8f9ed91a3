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
/// - ``CoefficientFitting/crossFitted(folds:)`` (default, K = 2): draw i goes to fold i mod K;
///   fold k is averaged with β fitted on the other folds, so each fold's term is unbiased
///   and so is their weighted mean. `variance` is Σₖ (nₖ/n)² s²ₖ/nₖ, with s²ₖ the residual
///   variance on fold k at its fixed β (correlation between folds through β is O(1/n²) and
///   ignored). Normal interval.
/// - ``CoefficientFitting/pilot(fraction:)``: with k = round(1/fraction), draws with index
///   i ≡ 0 (mod k) form the pilot, used only to fit β; the rest are averaged with that fixed β.
///   Unbiased; `variance` is s²/n_eval (computed group by group, Σ (n_k/n_eval)² s²_k/n_k, which
///   is the same up to the between-group spread of the residual means); normal interval.
/// - ``CoefficientFitting/ordinaryLeastSquares``: β fitted on all draws (the OLS intercept).
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
/// typed error naming the draw.
///
/// - Complexity: O(n p²) time, O(K p²) memory for p controls.
public struct ControlVariateMonteCarlo<S: Sampler>: MonteCarloEstimator {
    /// How β is fitted.
    public enum CoefficientFitting: Sendable, Hashable, Codable {
        /// K-fold cross-fitting (unbiased), K ≥ 2.
        case crossFitted(folds: Int)
        /// A pilot of the given fraction of the draws, used only to fit β (unbiased).
        case pilot(fraction: Double)
        /// All draws at once: the OLS intercept, biased O(1/n), t-interval with n − p − 1 d.o.f.
        case ordinaryLeastSquares
    }

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

    /// Number of accumulator groups: folds, or pilot stride, or 1.
    let groupCount: Int

    /// Creates the estimator.
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` when `controlMeans`
    ///   does not have one entry per control; `MonteCarloError/invalidParameter(name:value:requirement:)`
    ///   for a non-finite mean, fewer than 2 folds or a pilot fraction outside (0, 1/2].
    public init(sampler: S, integrand: Integrand<S.Point>, controls: VectorIntegrand<S.Point>,
                controlMeans: [Double], fitting: CoefficientFitting = .crossFitted(folds: 2)) throws(MonteCarloError) {
        try validateControlMeans(controlMeans, controlCount: controls.outputDimension)
        switch fitting {
        case .crossFitted(let folds):
            guard folds >= 2 else { throw .invalidParameter(name: "folds", value: Double(folds), requirement: "at least 2") }
            groupCount = folds
        case .pilot(let fraction):
            guard fraction > 0, fraction <= 0.5 else {
                throw .invalidParameter(name: "fraction", value: fraction, requirement: "in (0, 0.5]")
            }
            groupCount = max(2, Int((1 / fraction).rounded()))
        case .ordinaryLeastSquares:
            groupCount = 1
        }
        self.sampler = sampler
        self.integrand = integrand
        self.controls = controls
        self.controlMeans = controlMeans
        self.fitting = fitting
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
        let p = controlMeans.count
        let all = try state.merged()
        let n = all.count
        guard n >= p + 3 else {
            throw .insufficientSamples(needed: p + 3, available: n, reason: "to fit \(p) control coefficients and a variance")
        }
        let fullFit = try RegressionFit(all)
        let perDraw = all.sampleCovariance(0, 0)
        var value = 0.0, variance = 0.0
        var degreesOfFreedom: Double? = nil
        // Degrees of freedom of the variance estimate (for StatisticalCheck and users).
        var varianceDegreesOfFreedom = Double(n - p - 1)
        var bias: String? = nil
        var atRoundingFloor = false
        let method: String

        switch fitting {
        case .ordinaryLeastSquares:
            method = "control-variates-ols"
            value = all.mean[0] - fullFit.dot(Array(all.mean[1...]))
            let rss = fullFit.residualSumOfSquares
            atRoundingFloor = atRoundingFloor || rss.atFloor
            let s2 = rss.value / Double(n - p - 1)
            let g = Array(all.mean[1...])
            let leverage = zip(g, fullFit.solveControls(g)).reduce(0) { $0 + $1.0 * $1.1 }
            variance = s2 * (1 / Double(n) + leverage)
            degreesOfFreedom = Double(n - p - 1)
            bias = "O(1/n): β fitted on the same draws it is averaged over (zero when f and the controls are jointly normal)"
        case .crossFitted, .pilot:
            let isPilot: Bool
            if case .pilot = fitting { isPilot = true } else { isPilot = false }
            method = isPilot ? "control-variates-pilot" : "control-variates-cross-fitted"
            // Pilot: group 0 fits β, groups 1… are evaluated. Cross-fitting: each group is
            // evaluated with β from the others.
            let evaluated = isPilot ? Array(1..<groupCount) : Array(0..<groupCount)
            var evaluatedCount = 0
            for k in evaluated { evaluatedCount += state.groups[k].count }
            varianceDegreesOfFreedom = Double(evaluatedCount - evaluated.count)
            for k in evaluated {
                let group = state.groups[k]
                guard group.count >= 2 else {
                    throw .insufficientSamples(needed: 2 * groupCount, available: n, reason: "(at least 2 per fold)")
                }
                let training = isPilot ? state.groups[0] : try state.merged(excluding: k)
                guard training.count >= p + 2 else {
                    throw .insufficientSamples(needed: (p + 2) * groupCount, available: n,
                                               reason: "so that every fit of \(p) coefficients has p + 2 draws")
                }
                let fit = try RegressionFit(training)
                let share = Double(group.count) / Double(evaluatedCount)
                let foldMean = group.mean[0] - fit.dot(Array(group.mean[1...]))
                let residualVariance = fit.residualVariance(of: group)
                atRoundingFloor = atRoundingFloor || residualVariance.atFloor
                value += share * foldMean
                variance += share * share * residualVariance.value / Double(group.count)
            }
        }
        let ess = Estimate.effectiveSampleSize(perDrawVariance: perDraw, estimatorVariance: variance, evaluations: n)
        let warnings = atRoundingFloor
            ? ["The controls explain f to within rounding error (R² ≈ 1): the residual variance was raised to the rounding floor κ·ε·Σ(f − f̄)², so the error bar is an upper bound."]
            : []
        return Estimate(
            value: value, variance: variance, sampleCount: n, effectiveSampleSize: ess,
            degreesOfFreedom: degreesOfFreedom,
            diagnostics: Diagnostics(method: method, coefficients: fullFit.coefficients,
                                     varianceReductionFactor: ess / Double(n), declaredBias: bias,
                                     figures: ["rSquared": fullFit.rSquared,
                                               "reciprocalConditionNumber": fullFit.factorization.reciprocalConditionNumber,
                                               "varianceDegreesOfFreedom": varianceDegreesOfFreedom],
                                     warnings: warnings))
    }
}

/// The least-squares fit of the first coordinate on the others, from co-moments.
struct RegressionFit {
    let moments: CovarianceMoments
    let factorization: CholeskyFactorization
    /// β = M_gg⁻¹ M_gf.
    let coefficients: [Double]

    /// Fits β; throws when the controls' covariance is singular.
    init(_ moments: CovarianceMoments) throws(MonteCarloError) {
        self.moments = moments
        let p = moments.dimension - 1
        var gram = Matrix(rows: p, columns: p)
        var cross = [Double](repeating: 0, count: p)
        for i in 0..<p {
            cross[i] = moments.comoments[(i + 1) * (p + 1)]
            for j in 0..<p { gram[i, j] = moments.comoments[(i + 1) * (p + 1) + j + 1] }
        }
        // Scale to a correlation matrix so the singularity test does not depend on units.
        let scales = (0..<p).map { gram[$0, $0] > 0 ? 1 / gram[$0, $0].squareRoot() : 0 }
        if let constant = scales.firstIndex(of: 0) {
            throw .singularControlCovariance(detail: "control \(constant) is constant")
        }
        var correlation = gram
        for i in 0..<p { for j in 0..<p { correlation[i, j] *= scales[i] * scales[j] } }
        let factor: CholeskyFactorization
        do {
            factor = try correlation.choleskyFactorization()
        } catch {
            throw .singularControlCovariance(detail: "\(error)")
        }
        guard factor.jitter == 0, factor.reciprocalConditionNumber > 1e-12 else {
            throw .singularControlCovariance(
                detail: "reciprocal condition number \(factor.reciprocalConditionNumber), collinear controls")
        }
        factorization = factor
        let scaledCross = (0..<p).map { cross[$0] * scales[$0] }
        coefficients = factor.solve(scaledCross).enumerated().map { $0.element * scales[$0.offset] }
        self.scales = scales
    }

    let scales: [Double]

    /// βᵀv.
    func dot(_ v: [Double]) -> Double { zip(coefficients, v).reduce(0) { $0 + $1.0 * $1.1 } }

    /// M_gg⁻¹ v.
    func solveControls(_ v: [Double]) -> [Double] {
        let scaled = (0..<v.count).map { v[$0] * scales[$0] }
        return factorization.solve(scaled).enumerated().map { $0.element * scales[$0.offset] }
    }

    /// The smallest residual sum of squares that co-moment arithmetic can resolve for a total
    /// sum of squares `total`: cancellation in M_ff − βᵀM_gf costs about κ·ε·M_ff, with κ the
    /// condition number of the controls' correlation matrix.
    func roundingFloor(total: Double) -> Double {
        16 * Double.ulpOfOne * Double(moments.dimension) * total / factorization.reciprocalConditionNumber
    }

    /// RSS = M_ff − βᵀ M_gf, and whether it had to be raised to the rounding floor.
    var residualSumOfSquares: (value: Double, atFloor: Bool) {
        let p = moments.dimension - 1
        var explained = 0.0
        for i in 0..<p { explained += coefficients[i] * moments.comoments[(i + 1) * (p + 1)] }
        let rss = moments.comoments[0] - explained
        let floor = roundingFloor(total: moments.comoments[0])
        return rss >= floor ? (rss, false) : (floor, true)
    }

    /// R² of the regression on all draws.
    var rSquared: Double { moments.comoments[0] > 0 ? 1 - residualSumOfSquares.value / moments.comoments[0] : 0 }

    /// Sample variance of f − βᵀg on the draws of `group`, for this fit's β, and whether it had to
    /// be raised to the rounding floor.
    func residualVariance(of group: CovarianceMoments) -> (value: Double, atFloor: Bool) {
        let k = group.dimension
        let beta = coefficients
        var total = group.comoments[0]
        for i in 1..<k {
            total -= 2 * beta[i - 1] * group.comoments[i * k]
            for j in 1..<k { total += beta[i - 1] * beta[j - 1] * group.comoments[i * k + j] }
        }
        let floor = roundingFloor(total: group.comoments[0])
        let squares = total >= floor ? total : floor
        return (squares / Double(group.count - 1), total < floor)
    }
}
