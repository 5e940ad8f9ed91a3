import MonteCarloCore

extension SteinControlFunctional {
    /// Estimates E_π[f] from Stein-thinned groups of points, with an error bar from a
    /// delete-a-group jackknife over the independent groups.
    ///
    /// Cross-fitting with the folds = the G groups of `thinned`
    /// (``SteinThinning/thinnedGroups(_:count:groups:)``): group g's estimate ēg is the mean of
    /// the residuals fᵢ − ψ̂₋g(xᵢ) over its m_g points, ψ̂₋g fitted (and, under ``tuning``,
    /// tuned) on the other groups' points with this estimator's kernel, nugget and
    /// ``polynomialDegree``; ``form`` is not used.
    ///
    /// ```swift
    /// let thinned = try SteinThinning().thinnedGroups(chain, count: 100)        // 5 groups
    /// let values = (0..<thinned.sample.count).map { f(thinned.sample.point($0)) }
    /// let estimate = try SteinControlFunctional().estimate(thinned: thinned, values: values)
    /// let interval = try estimate.confidenceInterval(level: 0.95)                 // Student-t, 4 df
    /// ```
    ///
    /// **Statistical properties.** The estimate is θ̂ = Σ_g (m_g/m) ēg. Every fitted control has
    /// mean zero under π, so each ēg is a thinned average of f minus a mean-zero function, and θ̂
    /// is consistent when the thinned points' discrepancy to π vanishes as the pieces grow
    /// (proved by Riabiz et al. 2022, Theorem 1, for their objective, which keeps the diagonal
    /// term that ``SteinThinning/thinnedGroups(_:count:groups:)`` leaves out; not proved for
    /// this variant). The finite-sample bias, from where the thinned points lie, is not
    /// estimated: measured below at +0.02 to +0.19 reported standard errors (declared up to
    /// 0.25 in the tests). `variance` is the delete-a-group jackknife over
    /// the groups, V_J = (G − 1)/G · Σ_h (θ̂₋h − θ̄)², θ̂₋h the same cross-fit without group h
    /// (each remaining group fitted on the other G − 2, hyper-parameters re-selected); Student-t
    /// interval on G − 1 degrees of freedom. The groups are the independent units: the
    /// jackknife treats θ̂ as a function of G independent pieces (Efron & Stein 1981: conservative
    /// in expectation for symmetric statistics of independent units). Assumptions: the pieces
    /// are independent — separate chains, or segments of one chain much longer than its
    /// integrated autocorrelation time τ (neighbouring segment means correlate by about
    /// τ/(2·length), making V_J too small by a factor of about 1 + τ/length; a warning when a
    /// piece is shorter than 10τ̂) — and G is not tiny (G − 1 degrees of freedom).
    ///
    /// Why not simpler error bars (measured on the AR(1) chains below, R = 200):
    /// - the within-group held-out residual variance s²_g/m_g (what ``estimate(sample:values:)``
    ///   uses) treats the points as draws from π, but thinned points are more evenly spread, so
    ///   it overstates the error: on one thinned set of m = 50 from n = 500 the empirical /
    ///   reported variance was 0.11–0.12 (0.08–0.09 for m = 100 of 1000; coverage 100%);
    /// - the between-group variance of the ēg, Σ_g m_g (ēg − θ̂)²/((G − 1)m), is too small
    ///   (empirical / reported 1.5–1.9, coverage 84.5–89.5%): each ēg's control is fitted on
    ///   the other groups, so the ēg share their fits and are positively correlated. It is
    ///   reported as figure `betweenGroupVariance`.
    ///
    /// Measured (`SteinThinningTests`, AR(1) chains with ρ = 0.8 in d = 2, f = sin x₁ + cos x₂ +
    /// x₁x₂ + x₂²/2, n = 500, m = 50, G = 5, IMQ thinning kernel with c = 1, R = 200): one chain in
    /// 5 segments covered 95.5% with empirical / reported variance 0.97 and bias +0.02 SE;
    /// 5 chains of 100 covered 97.5%, 0.95, +0.14 SE. At n = 1000, m = 100 (R = 400): 96.8%,
    /// 1.04, +0.19 SE and 95.5%, 1.06, +0.15 SE. The price of honest error bars is accuracy:
    /// the root-mean-square error was 0.078 and 0.084 (m = 50), against 0.038 for control
    /// functionals on one Stein-thinned set of the same 50 points (whose error bars are about 3×
    /// too wide), 0.10–0.11 for the plain thinned means of the groups, 0.017–0.022 for control
    /// functionals on all 500 draws, and 0.13 for their plain mean; at m = 100 of n = 1000,
    /// 0.041 against 0.015, 0.062–0.067, and 0.09 (plain mean of all draws). Its 95% intervals
    /// (t on 4 degrees of freedom) were 1.2–1.3 times as wide as the too-wide one-set intervals.
    ///
    /// ESS is σ²_f / `variance`, σ²_f the sample variance of f over the m thinned points: the
    /// number of independent draws from π whose mean would be as precise. Figure
    /// `thinnedMeanVariance` is the between-group variance of the groups' plain means of f
    /// (plain thinning; independent groups with unshared means, so that one is not too small:
    /// measured empirical / reported 0.99–1.22).
    ///
    /// **Guard.** When V_J exceeds `thinnedMeanVariance`, the plain thinned mean Σ_g (m_g/m) f̄_g
    /// is reported with that variance, with a warning (a choice between two estimates by
    /// their estimated variances, slightly optimistic).
    ///
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` when `values` does
    ///   not have one entry per thinned point; `MonteCarloError/nonFinite(quantity:index:)`;
    ///   the settings errors of ``estimate(sample:values:)``;
    ///   `MonteCarloError/insufficientSamples(needed:available:reason:)` for fewer than 3
    ///   groups, and the errors of a `ThinnedSample` whose groups do not describe its points
    ///   (a decoded value); `MonteCarloError/notPositiveDefinite(jitterTried:)` when a kernel matrix does
    ///   not factor.
    /// - Complexity: G fits on m(G − 1)/G points and G(G − 1) on m(G − 2)/G points (tuning:
    ///   times its candidates and folds).
    public func estimate(thinned: ThinnedSample, values: [Double]) throws(MonteCarloError) -> Estimate {
        let sample = thinned.sample
        try sample.validate(values: values)
        try validateSettings()
        try thinned.validate()
        let groups = thinned.groups
        let m = Double(sample.count)
        let baseLength = try kernel.baseLengthScale(on: sample)
        let (p, controls) = try ZeroVarianceControlVariates.polynomialPart(degree: polynomialDegree, for: sample)
        let data = FitData(sample: sample, values: values, controls: controls, polynomialCount: p)
        var log = FitLog()
        // The cross-fit over the groups, and the G delete-a-group replicates (fits on G − 2 groups).
        var residualMeans: [Double] = [], plainMeans: [Double] = []
        for (g, evaluation) in groups.enumerated() {
            let fit = try fitSelected(data, training: Self.union(groups, without: [g]), baseLength: baseLength, log: &log)
            residualMeans.append(fit.residuals(data, at: evaluation).residuals.reduce(0, +) / Double(evaluation.count))
            plainMeans.append(evaluation.reduce(0) { $0 + values[$1] } / Double(evaluation.count))
        }
        var replicates: [Double] = []
        for h in groups.indices {
            var sum = 0.0, count = 0
            for (g, evaluation) in groups.enumerated() where g != h {
                var refits = FitLog()
                let fit = try fitSelected(data, training: Self.union(groups, without: [g, h]), baseLength: baseLength, log: &refits)
                sum += fit.residuals(data, at: evaluation).residuals.reduce(0, +)
                count += evaluation.count
            }
            replicates.append(sum / Double(count))
        }
        let sizes = thinned.groupSizes.map(Double.init)
        let (cf, betweenVariance) = Self.betweenGroups(residualMeans, sizes: sizes)
        let (plain, plainVariance) = Self.betweenGroups(plainMeans, sizes: sizes)
        var value = cf, variance = Self.jackknifeVariance(replicates)
        var method = "\(methodPrefix)-thinned-groups"
        var warnings = thinned.shortPieceWarning.map { [$0] } ?? []
        if log.fallbacks == log.fits || !(variance <= plainVariance) {
            if log.fallbacks < log.fits {
                warnings.append("The control functional's jackknife variance \(variance) exceeds the thinned mean's between-group variance \(plainVariance); the plain thinned mean is reported instead.")
            }
            value = plain
            variance = plainVariance
            method = "thinned-mean (\(method) fell back)"
        }
        if log.fallbacks > 0 {
            warnings.append("Cross-validation found no gain over the sample mean in \(log.fallbacks) of \(log.fits) fits; those fits use the plain sample mean (no control).")
        }
        let ess = Estimate.effectiveSampleSize(perDrawVariance: sampleVariance(values), estimatorVariance: variance,
                                               evaluations: sample.count)
        var figures: [String: Double] = [
            "groups": Double(groups.count), "betweenGroupVariance": betweenVariance, "thinnedMeanVariance": plainVariance,
            "sampleMeanFallbacks": Double(log.fallbacks), "baseLengthScale": baseLength,
        ]
        if let first = log.firstLengthScale { figures["lengthScale"] = first }
        if log.kernelFits > 0 {
            figures["relativeJitter"] = log.largestRelativeJitter
            figures["reciprocalConditionNumber"] = log.smallestReciprocalCondition
        }
        return Estimate(value: value, variance: variance, sampleCount: sample.count, effectiveSampleSize: ess,
                        degreesOfFreedom: Double(groups.count - 1),
                        diagnostics: Diagnostics(method: method, varianceReductionFactor: ess / m,
                                                 figures: figures, warnings: warnings))
    }

    /// The storage indices of every group but those in `excluded`, in order.
    static func union(_ groups: [[Int]], without excluded: Set<Int>) -> [Int] {
        var indices: [Int] = []
        for (g, group) in groups.enumerated() where !excluded.contains(g) { indices.append(contentsOf: group) }
        return indices
    }

    /// The size-weighted mean θ̂ = Σ (m_g/m) x_g of group estimates and its between-group
    /// variance Σ m_g (x_g − θ̂)² / ((G − 1) m).
    static func betweenGroups(_ estimates: [Double], sizes: [Double]) -> (mean: Double, variance: Double) {
        let total = sizes.reduce(0, +)
        var mean = 0.0
        for (x, w) in zip(estimates, sizes) { mean += w / total * x }
        var spread = 0.0
        for (x, w) in zip(estimates, sizes) { spread += w * (x - mean) * (x - mean) }
        return (mean, spread / (Double(estimates.count - 1) * total))
    }
}
