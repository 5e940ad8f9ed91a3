import MonteCarloCore

extension StatisticalCheck {
    /// Checks that the variance an estimator reports matches the variance of its values over
    /// independent replications.
    ///
    /// ```swift
    /// let estimates = try replicate(200, seed: 3) { _, generator in
    ///     try estimator.run(samples: 1_000, seed: generator.next())
    /// }
    /// let check = try StatisticalCheck.varianceCalibration(of: estimates)
    /// #expect(check.passed, "\(check)")
    /// // FAIL variance calibration: the 200 values vary 3.92 × more than reported (empirical
    /// //   variance 3.9e-06, mean reported 1e-06); accepted ratio 0.703…1.36 from χ² with 199
    /// //   degrees of freedom; reported standard errors look 1.98 × too small …
    /// ```
    ///
    /// - Parameters:
    ///   - estimates: R ≥ 2 estimates from independent replications.
    ///   - alpha: The false-alarm probability α, in (0, 1); 10⁻³ by default.
    /// - Returns: A check whose ``statistic`` is the ratio s² / v̄ of the empirical variance of
    ///   the values to the mean reported variance.
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` for fewer than
    ///   two estimates, `MonteCarloError/invalidParameter(name:value:requirement:)` for α
    ///   outside (0, 1).
    ///
    /// **Statistical properties.** Let x₁…x_R be the values, s² = Σ(x_r − x̄)²/(R − 1) their
    /// empirical variance and v̄ = Σ v_r / R the mean of the reported variances. If the values
    /// are independent N(μ, σ²) (central limit theorem for each replication), then
    /// (R − 1) s²/σ² ~ χ²_{R−1}. The check treats v̄ as the true σ² and passes iff
    ///
    ///     χ²_{α/2, R−1} / (R − 1)  ≤  s² / v̄  ≤  χ²_{1−α/2, R−1} / (R − 1),
    ///
    /// where χ²_{p, ν} is the p-quantile; the false-alarm probability is then exactly α. This
    /// is an approximation in two ways. First, v̄ is itself noisy: if each v_r is estimated from
    /// about n draws, v̄ has relative variance about (2 + γ₂)/(R n) (γ₂ the integrand's excess
    /// kurtosis), against 2/(R − 1) for s², so it widens the spread of the ratio by a factor of
    /// about 1 + (2 + γ₂)/(4n): under 1% for n ≥ 100 and light tails, and ignored. For small
    /// per-replication n (say n < 30) or heavy tails the real false-alarm probability exceeds α:
    /// test with larger n there. Second,
    /// non-normal values (few draws per replication, skewed or heavy-tailed integrands) make s²
    /// more variable than the χ² law says. Bias does not affect this check (s² is taken about
    /// x̄); ``meanBias(of:truth:falseAlarmProbability:)`` and coverage test it.
    /// Power: at R = 400 and α = 10⁻³ the accepted ratio is 0.783…1.25, so standard errors
    /// 1.2 times too small (ratio 1.44) fail with probability about 0.97.
    /// A non-finite value or reported variance, or a negative variance, fails the check.
    public static func varianceCalibration(
        of estimates: [Estimate], falseAlarmProbability alpha: Double = 1e-3
    ) throws(MonteCarloError) -> StatisticalCheck {
        try Require.count(estimates.count, atLeast: 2, "to compare reported with empirical variance")
        try Require.probability(alpha, "falseAlarmProbability")
        let name = "variance calibration"
        let count = estimates.count
        let nu = Double(count - 1)
        let lower = ChiSquaredDistribution.quantile(alpha / 2, degreesOfFreedom: nu) / nu
        let upper = ChiSquaredDistribution.quantile(1 - alpha / 2, degreesOfFreedom: nu) / nu

        if let bad = estimates.firstIndex(where: { !$0.value.isFinite || !$0.variance.isFinite || $0.variance < 0 }) {
            return StatisticalCheck(
                name: name, passed: false, statistic: .nan, lowerBound: lower, upperBound: upper,
                falseAlarmProbability: alpha,
                detail: "replication \(bad) has value \(estimates[bad].value) and variance \(estimates[bad].variance); "
                    + "both must be finite and the variance non-negative")
        }

        var values = RunningMoments()
        var reported = RunningMoments()
        for estimate in estimates {
            values.add(estimate.value)
            reported.add(estimate.variance)
        }
        let empirical = values.sampleVariance
        let meanReported = reported.mean
        let ratio: Double
        if meanReported > 0 {
            ratio = empirical / meanReported
        } else {
            ratio = empirical == 0 ? 1 : .infinity
        }

        let comparison: String
        if ratio >= 1 {
            comparison = "vary \(Format.short(ratio)) × more than reported"
        } else {
            comparison = "vary \(Format.short(1 / ratio)) × less than reported"
        }
        var detail = "the \(count) values \(comparison) (empirical variance \(Format.probability(empirical)), "
            + "mean reported \(Format.probability(meanReported))); accepted ratio \(Format.short(lower))…\(Format.short(upper)) "
            + "from χ² with \(count - 1) degrees of freedom"
        if ratio.isFinite && ratio > 0 && !(lower <= ratio && ratio <= upper) {
            let factor = ratio.squareRoot()
            detail += factor > 1
                ? "; reported standard errors look \(Format.short(factor)) × too small"
                : "; reported standard errors look \(Format.short(1 / factor)) × too large"
        }
        return StatisticalCheck(
            name: name, statistic: ratio, lowerBound: lower, upperBound: upper,
            falseAlarmProbability: alpha, detail: detail)
    }
}
