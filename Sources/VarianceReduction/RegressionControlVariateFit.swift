import MonteCarloCore

/// The least-squares fit of control-variate coefficients from co-moments: the one regression
/// engine behind every regression control variate in the package.
///
/// Given the centred co-moments of k responses f and p controls g (put the responses first),
/// the fit is B = M_gg⁻¹ M_gf (p × k), the slopes of the ordinary least-squares regression of f
/// on [1, g]. Controls are usually centred at their known means (g = h − θ), so that
/// f̄ − Bᵀḡ estimates E f.
///
/// ```swift
/// var moments = try CovarianceMoments(dimension: 2)      // (f, h − θ)
/// for (f, h) in draws { moments.add([f, h - 0.5]) }
/// let fit = try RegressionControlVariateFit(moments: moments)
/// let value = fit.intercept()                            // f̄ − βᵀḡ
/// ```
///
/// Callers with a ``FoldedMoments`` state get a whole `Estimate` (pilot, cross-fitted or OLS)
/// from ``estimate(from:mode:controlNames:collinearity:)``: that is what
/// ``ControlVariateMonteCarlo`` does, and what an estimator that stacks control variates on
/// another primitive (antithetic pairs, randomized QMC) should call. For many controls relative
/// to the draws, ``PenalizedControlVariateFit`` chooses between this fit and ridge or lasso
/// penalties by cross-validation.
///
/// **Numerics.** The controls' co-moments are scaled to a correlation matrix (so the singularity
/// test does not depend on units) and factored by Cholesky; a control is *constant* when its
/// centred sum of squares is at most 16ε times its uncentred one, and a set of controls is
/// *collinear* when the factorization meets a non-positive pivot or the correlation matrix's
/// reciprocal condition number (1-norm, computed exactly) is at most 10⁻¹². Under ``CollinearityPolicy/dropWithWarning`` constant controls are dropped, then
/// each control that is collinear with the controls kept before it (in the order given), each
/// with a warning; under ``CollinearityPolicy/fail`` the first such control is a typed error
/// naming it. The **rounding floor** of a residual sum of squares computed from sums of
/// magnitude S is 16ε(p + 1)S/rcond (p the controls kept, rcond the reciprocal condition number
/// of their correlation matrix): below it the residual cannot be resolved, so residual variances
/// are raised to it and the error bar becomes an upper bound instead of a false zero.
///
/// - Complexity: O(p³ + p²k) for the fit, after O(n(p + k)²) to accumulate the co-moments.
public struct RegressionControlVariateFit: Sendable {
    /// What to do with a constant control or one collinear with the others.
    public enum CollinearityPolicy: Sendable, Hashable, Codable {
        /// Throw `MonteCarloError/singularControlCovariance(detail:)` naming the control.
        case fail
        /// Drop it (its coefficient is 0) and say so in ``RegressionControlVariateFit/warnings``.
        case dropWithWarning
    }

    /// Which draws fit the coefficients and which are averaged with them.
    public enum Mode: Sendable, Hashable, Codable {
        /// K-fold cross-fitting (unbiased), K ≥ 2, with the folds of ``CrossFitFolds``.
        case crossFitted(folds: Int)
        /// A pilot of the given fraction of the draws, used only to fit β (unbiased).
        case pilot(fraction: Double)
        /// All draws at once: the OLS intercept, biased O(1/n), t-interval with n − p − 1 d.o.f.
        case ordinaryLeastSquares

        /// Cross-fitting with ``CrossFitFolds/defaultCount`` folds.
        public static var crossFitted: Mode { .crossFitted(folds: CrossFitFolds.defaultCount) }

        /// The number of accumulator groups the mode needs: the folds, the pilot stride
        /// round(1/fraction) (group 0 is the pilot), or 1.
        /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for fewer than 2
        ///   folds or a pilot fraction outside (0, 1/2].
        public func groupCount() throws(MonteCarloError) -> Int {
            switch self {
            case .crossFitted(let folds):
                return try CrossFitFolds(folds).count
            case .pilot(let fraction):
                guard fraction > 0, fraction <= 0.5 else {
                    throw .invalidParameter(name: "fraction", value: fraction, requirement: "in (0, 0.5]")
                }
                return max(2, Int((1 / fraction).rounded()))
            case .ordinaryLeastSquares:
                return 1
            }
        }
    }

    /// The number of responses k (0 when only the controls were factored).
    public let responseCount: Int
    /// The number of controls p (kept or not).
    public let controlCount: Int
    /// The indices of the controls kept, in order.
    public let keptControls: [Int]
    /// B, p × k row-major by control: `coefficients[u * k + a]` is control u's coefficient for
    /// response a (0 for a dropped control). For one response, β itself.
    public let coefficients: [Double]
    /// The reciprocal condition number of the kept controls' correlation matrix (1 when none).
    public let reciprocalConditionNumber: Double
    /// One line per dropped control.
    public let warnings: [String]

    /// The number of draws fitted.
    public let count: Int
    /// The means of the responses and controls fitted.
    public let means: [Double]
    /// Their centred co-moments, row-major (k + p)².
    public let comoments: [Double]
    /// The Cholesky factor of the kept controls' correlation matrix (nil when none is kept).
    let factorization: CorrelationFactor?
    /// 1/√M_uu for the kept controls.
    let scales: [Double]

    /// Fits B from a state of joint vectors (responses first, then the controls).
    /// - Parameters:
    ///   - moments: co-moments of (f₁ … f_k, g₁ … g_p).
    ///   - responses: k ≥ 0.
    ///   - controlNames: names for warnings and errors (default "control j").
    ///   - collinearity: what to do with a constant or collinear control.
    /// - Throws: `MonteCarloError/singularControlCovariance(detail:)` under
    ///   ``CollinearityPolicy/fail`` when a control is constant or collinear (the detail names it);
    ///   `MonteCarloError/invalidArgument(_:)` when the moments are not finite (the values' squares
    ///   overflowed), under either policy.
    public init(moments: CovarianceMoments, responses: Int = 1, controlNames: [String]? = nil,
                collinearity: CollinearityPolicy = .fail) throws(MonteCarloError) {
        try self.init(count: moments.count, means: moments.mean, comoments: moments.comoments, responses: responses,
                      controlNames: controlNames, collinearity: collinearity)
    }

    /// Fits B from values held in memory, one column per response and then one per control,
    /// with co-moments summed in two passes (means first, then centred cross-products).
    /// - Throws: as ``init(moments:responses:controlNames:collinearity:)``.
    public init(columns: [[Double]], responses: Int = 1, controlNames: [String]? = nil,
                collinearity: CollinearityPolicy = .fail) throws(MonteCarloError) {
        let d = columns.count, count = columns.first?.count ?? 0
        let means = columns.map { $0.reduce(0, +) / Double(count) }
        var comoments = [Double](repeating: 0, count: d * d)
        for a in 0..<d {
            let x = columns[a], mx = means[a]
            for b in a..<d {
                let y = columns[b], my = means[b]
                var s = 0.0
                for l in 0..<count { s += (x[l] - mx) * (y[l] - my) }
                comoments[a * d + b] = s
                comoments[b * d + a] = s
            }
        }
        try self.init(count: count, means: means, comoments: comoments, responses: responses, controlNames: controlNames,
                      collinearity: collinearity)
    }

    /// Fits B from a count, means and centred co-moments (row-major, responses first). With no
    /// responses (k = 0) only the controls are factored: ``solveControls(_:)`` then fits any
    /// response from its cross-moments with the controls.
    /// - Throws: as ``init(moments:responses:controlNames:collinearity:)``.
    public init(count: Int, means: [Double], comoments: [Double], responses k: Int = 1, controlNames: [String]? = nil,
                collinearity: CollinearityPolicy = .fail) throws(MonteCarloError) {
        let d = means.count
        precondition(k >= 0 && k <= d && comoments.count == d * d, "co-moments of k responses and p controls")
        let p = d - k
        func name(_ j: Int) -> String { controlNames.map { "\($0[j]) control" } ?? "control \(j)" }
        var warnings: [String] = []
        func reject(_ j: Int, _ reason: String) throws(MonteCarloError) {
            switch collinearity {
            case .fail: throw .singularControlCovariance(detail: "\(name(j)) \(reason)")
            case .dropWithWarning: warnings.append("The \(name(j)) \(reason); it was dropped.")
            }
        }
        guard means.allSatisfy(\.isFinite), comoments.allSatisfy(\.isFinite) else {
            throw .invalidArgument("The means or co-moments of the responses and controls are not finite: the values' "
                + "magnitudes overflow double precision in their squares or sums. Rescale the data (e.g. divide by a "
                + "power of ten) and scale the result back.")
        }
        var kept: [Int] = []
        for j in 0..<p {
            let centred = comoments[(k + j) * d + k + j]
            let uncentred = centred + Double(count) * means[k + j] * means[k + j]
            if centred > 16 * Double.ulpOfOne * uncentred && centred > 0 {
                kept.append(j)
            } else {
                try reject(j, "is constant over the draws (zero variance)")
            }
        }
        var solution = Self.factor(comoments, dimension: d, responses: k, kept: kept)
        if solution == nil {
            // Keep each control that is not collinear with the ones kept before it.
            var accepted: [Int] = []
            for j in kept {
                if Self.factor(comoments, dimension: d, responses: k, kept: accepted + [j]) != nil {
                    accepted.append(j)
                } else {
                    try reject(j, "is collinear with the controls before it")
                }
            }
            kept = accepted
            solution = Self.factor(comoments, dimension: d, responses: k, kept: kept)
        }
        let (factorization, scales) = solution ?? (nil, [])
        var coefficients = [Double](repeating: 0, count: p * k)
        if let factorization {
            for a in 0..<k {
                let scaledCross = kept.indices.map { comoments[(k + kept[$0]) * d + a] * scales[$0] }
                for (u, b) in factorization.solve(scaledCross).enumerated() { coefficients[kept[u] * k + a] = b * scales[u] }
            }
        }
        responseCount = k
        controlCount = p
        keptControls = kept
        self.coefficients = coefficients
        reciprocalConditionNumber = factorization?.reciprocalConditionNumber ?? 1
        self.warnings = warnings
        self.count = count
        self.means = means
        self.comoments = comoments
        self.factorization = factorization
        self.scales = scales
    }

    /// The Cholesky factor of the correlation matrix of the controls `kept` and their scales, or
    /// nil when they are numerically collinear.
    private static func factor(_ comoments: [Double], dimension d: Int, responses k: Int,
                               kept: [Int]) -> (CorrelationFactor?, [Double])? {
        let m = kept.count
        guard m > 0 else { return (nil, []) }
        let scales = kept.map { 1 / comoments[(k + $0) * d + k + $0].squareRoot() }
        var correlation = [Double](repeating: 0, count: m * m)
        for a in 0..<m {
            for b in 0..<m { correlation[a * m + b] = comoments[(k + kept[a]) * d + k + kept[b]] * scales[a] * scales[b] }
        }
        guard let factor = CorrelationFactor(correlation, order: m), factor.reciprocalConditionNumber > 1e-12 else { return nil }
        return (factor, scales)
    }

    // MARK: - Using the fit

    /// The smallest residual sum of squares that sums of magnitude `total` can resolve:
    /// 16ε(p + 1)·total/rcond, with p the controls kept.
    public func roundingFloor(total: Double) -> Double {
        16 * Double.ulpOfOne * Double(keptControls.count + 1) * total / reciprocalConditionNumber
    }

    /// Bᵀv for response `a`: Σ_u B_ua v_u (v has one entry per control).
    public func fitted(_ v: [Double], response a: Int = 0) -> Double {
        var s = 0.0
        for u in keptControls { s += coefficients[u * responseCount + a] * v[u] }
        return s
    }

    /// M_gg⁻¹ v restricted to the kept controls (0 for dropped ones).
    public func solveControls(_ v: [Double]) -> [Double] {
        var result = [Double](repeating: 0, count: controlCount)
        guard let factorization else { return result }
        let solved = factorization.solve(keptControls.indices.map { v[keptControls[$0]] * scales[$0] })
        for (u, x) in solved.enumerated() { result[keptControls[u]] = x * scales[u] }
        return result
    }

    /// The OLS intercept of response `a` on the draws fitted: f̄ₐ − Bₐᵀḡ.
    public func intercept(response a: Int = 0) -> Double {
        means[a] - fitted(Array(means[responseCount...]), response: a)
    }

    /// The residual sum of squares of response `a` on the draws fitted, M_ff − Bₐᵀ M_gf, and
    /// whether it was raised to ``roundingFloor(total:)`` of `scale` (default M_ff).
    public func residualSumOfSquares(response a: Int = 0, scale: Double? = nil) -> (value: Double, atFloor: Bool) {
        let d = means.count, k = responseCount
        var explained = 0.0
        for u in keptControls { explained += coefficients[u * k + a] * comoments[(k + u) * d + a] }
        let rss = comoments[a * d + a] - explained
        let floor = roundingFloor(total: scale ?? comoments[a * d + a])
        return rss >= floor ? (rss, false) : (floor, true)
    }

    /// R² of response `a` on the draws fitted.
    public func rSquared(response a: Int = 0) -> Double {
        let total = comoments[a * (means.count + 1)]
        return total > 0 ? max(0, 1 - residualSumOfSquares(response: a).value / total) : 0
    }

    /// The mean of the residuals f − Bᵀg of response `a` over the draws of `group`.
    public func residualMean(of group: CovarianceMoments, response a: Int = 0) -> Double {
        group.mean[a] - fitted(Array(group.mean[responseCount...]), response: a)
    }

    /// The sample covariance (k × k, row-major) of the residual vectors f − Bᵀg over the draws of
    /// `group` at this fit's B, each variance raised to the rounding floor of the group's M_ff;
    /// and whether any was.
    public func residualCovariance(of group: CovarianceMoments) -> (covariance: [Double], atFloor: Bool) {
        let k = responseCount, d = group.dimension, c = group.comoments, b = coefficients
        var covariance = [Double](repeating: 0, count: k * k)
        var atFloor = false
        for a in 0..<k {
            for e in 0..<k {
                var m = c[a * d + e]
                for u in keptControls {
                    m -= b[u * k + a] * c[(k + u) * d + e] + b[u * k + e] * c[a * d + k + u]
                    for v in keptControls { m += b[u * k + a] * b[v * k + e] * c[(k + u) * d + k + v] }
                }
                if a == e {
                    let floor = roundingFloor(total: c[a * d + a])
                    if m < floor { m = floor; atFloor = true }
                }
                covariance[a * k + e] = m / Double(group.count - 1)
            }
        }
        return (covariance, atFloor)
    }

    /// The warning added when a residual variance was raised to the rounding floor.
    public static let roundingFloorWarning =
        "The controls explain f to within rounding error (R² ≈ 1): the residual variance was raised to the rounding floor κ·ε·Σ(f − f̄)², so the error bar is an upper bound."
}
