import MonteCarloCore

extension StatisticalCheck {
    /// Checks that the confidence intervals of independent replications contain the truth as
    /// often as their level promises: not too rarely and not too often.
    ///
    /// ```swift
    /// let estimates = try replicate(400, seed: 11) { _, generator in
    ///     try estimator.run(samples: 1_000, seed: generator.next())
    /// }
    /// let check = try StatisticalCheck.coverage(of: estimates, containing: 0.5)
    /// #expect(check.passed, "\(check)")
    /// // PASS coverage: 381 of 400 intervals (95.2%) contain truth 0.5; nominal 95%, accepted
    /// //   364…393 (91.0%–98.2%) (false-alarm probability 0.00048)
    /// ```
    ///
    /// - Parameters:
    ///   - estimates: R ≥ 1 estimates from independent replications.
    ///   - truth: The exact value of the expectation.
    ///   - level: The confidence level of each interval, in (0, 1); 0.95 by default. Intervals
    ///     come from `Estimate/confidenceInterval(level:)` (Student-t when the estimate has
    ///     degrees of freedom, normal otherwise).
    ///   - alpha: The total false-alarm probability α of the two-sided test, in (0, 1); 10⁻³ by default.
    /// - Returns: A check whose ``statistic`` is the observed coverage C/R and whose bounds are
    ///   a/R and b/R for the acceptance region a ≤ C ≤ b.
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` for an empty
    ///   list, `MonteCarloError/invalidConfidenceLevel(_:)` for a level outside (0, 1),
    ///   `MonteCarloError/invalidParameter(name:value:requirement:)` for a non-finite truth or α
    ///   outside (0, 1).
    ///
    /// **Statistical properties.** Let C be the number of the R intervals that contain the truth.
    /// Under H₀ (independent replications, each interval covering with probability exactly
    /// `level`), C ~ Binomial(R, level). The acceptance region [a, b] is the central one:
    /// a = the smallest k with F(k) ≥ α/2 and b = the smallest k with F(k) ≥ 1 − α/2, where F is
    /// the Binomial(R, level) distribution function; so P(C < a) = F(a − 1) < α/2 and
    /// P(C > b) = 1 − F(b) ≤ α/2, and the exact false-alarm probability F(a − 1) + 1 − F(b) ≤ α
    /// is reported. Too low a coverage means error bars that are too small or a bias; too high a
    /// coverage means error bars that are too large — both fail. Intervals from the normal
    /// approximation cover slightly less than `level` for small samples and heavy tails, so H₀
    /// holds only approximately; choose sample sizes where the central limit theorem is good.
    /// Power: at R = 400, level 0.95 and α = 10⁻³ the region is 364…393, about ±3.3 binomial
    /// standard deviations (4.4 intervals each), so a coverage below 91% or above 98.25% fails.
    public static func coverage(
        of estimates: [Estimate], containing truth: Double, level: Double = 0.95,
        falseAlarmProbability alpha: Double = 1e-3
    ) throws(MonteCarloError) -> StatisticalCheck {
        try validateCoverageArguments(
            replications: estimates.count, truth: truth, level: level, alpha: alpha)
        var covered = 0
        var nonFinite = 0
        for estimate in estimates {
            if !estimate.value.isFinite || !estimate.standardError.isFinite { nonFinite += 1 }
            if try estimate.confidenceInterval(level: level).contains(truth) { covered += 1 }
        }
        let trials = estimates.count
        let region = binomialAcceptanceRegion(trials: trials, probability: level, alpha: alpha)
        let count = Double(trials)
        var detail = "\(covered) of \(trials) intervals (\(Format.percent(Double(covered) / count))) contain truth "
            + "\(Format.value(truth)); nominal \(Format.percent(level)), accepted \(region.lower)…\(region.upper) "
            + "(\(Format.percent(Double(region.lower) / count))–\(Format.percent(Double(region.upper) / count)))"
        if nonFinite > 0 { detail += "; \(nonFinite) estimates have a non-finite value or standard error" }
        if region.lower == 0 && region.upper == trials {
            detail += "; every outcome is accepted: use more replications for this check to have power"
        }
        return StatisticalCheck(
            name: "coverage", passed: region.lower <= covered && covered <= region.upper,
            statistic: Double(covered) / count, lowerBound: Double(region.lower) / count,
            upperBound: Double(region.upper) / count, falseAlarmProbability: region.falseAlarmProbability,
            detail: detail)
    }

    /// Runs `estimate` for replications 0..<R and checks the coverage of their intervals.
    ///
    /// Equivalent to ``coverage(of:containing:level:falseAlarmProbability:)`` applied to
    /// `(0..<count).map(estimate)`; the arguments are validated before any replication runs.
    /// Derive each replication's seed from its index (e.g. `seed: base + UInt64(replication)`),
    /// or use ``replicate(_:seed:_:)`` to get a generator per replication.
    ///
    /// **Statistical properties.** As for the array form: C ~ Binomial(R, level) under H₀ and
    /// the two-sided acceptance region has false-alarm probability at most α. The replications
    /// must be independent, so each must use its own seed or stream.
    ///
    /// - Throws: The errors of the array form, and any error `estimate` throws.
    public static func coverage(
        replications count: Int, containing truth: Double, level: Double = 0.95,
        falseAlarmProbability alpha: Double = 1e-3,
        _ estimate: (_ replication: Int) throws(MonteCarloError) -> Estimate
    ) throws(MonteCarloError) -> StatisticalCheck {
        try validateCoverageArguments(replications: count, truth: truth, level: level, alpha: alpha)
        let estimates = try replicate(count, estimate)
        return try coverage(of: estimates, containing: truth, level: level, falseAlarmProbability: alpha)
    }

    static func validateCoverageArguments(
        replications: Int, truth: Double, level: Double, alpha: Double
    ) throws(MonteCarloError) {
        try Require.count(replications, atLeast: 1, "to check coverage")
        try Require.level(level)
        try Require.finite(truth, "truth")
        try Require.probability(alpha, "falseAlarmProbability")
    }

    /// The central acceptance region [lower, upper] of Binomial(trials, probability) with tail
    /// probabilities at most α/2 each, and its exact total false-alarm probability.
    static func binomialAcceptanceRegion(
        trials: Int, probability: Double, alpha: Double
    ) -> (lower: Int, upper: Int, falseAlarmProbability: Double) {
        let lower = BinomialDistribution.quantile(alpha / 2, probability: probability, trials: trials)
        let upper = BinomialDistribution.quantile(1 - alpha / 2, probability: probability, trials: trials)
        let below = BinomialDistribution.cumulativeProbability(lower - 1, probability: probability, trials: trials)
        let above = 1 - BinomialDistribution.cumulativeProbability(upper, probability: probability, trials: trials)
        return (lower, upper, below + above)
    }
}
