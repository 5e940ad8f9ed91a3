import MonteCarloCore

extension StatisticalCheck {
    /// Checks that the mean of independent replications is consistent with the truth, using
    /// the replications' own spread (a one-sample t-test).
    ///
    /// Pooling R replications makes a bias R^{1/2} times easier to see than in one estimate:
    /// it detects biases of a fraction of one standard error, such as the O(1/n) bias of
    /// control-variate coefficients fitted on the same draws.
    ///
    /// ```swift
    /// let check = try StatisticalCheck.meanBias(of: estimates, truth: 0.5)
    /// #expect(check.passed, "\(check)")
    /// ```
    ///
    /// - Parameters:
    ///   - estimates: R ≥ 2 estimates from independent replications.
    ///   - truth: The exact value of the expectation.
    ///   - alpha: The false-alarm probability α, in (0, 1); 10⁻³ by default.
    /// - Returns: A check whose ``statistic`` is t = (x̄ − truth) / (s / √R) and whose acceptance
    ///   region is [−t_{1−α/2, R−1}, t_{1−α/2, R−1}].
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` for fewer than
    ///   two estimates, `MonteCarloError/invalidParameter(name:value:requirement:)` for a
    ///   non-finite truth or α outside (0, 1).
    ///
    /// **Statistical properties.** With x̄ and s² the mean and empirical variance of the R values,
    /// t = (x̄ − truth)/(s/√R) follows Student's t with R − 1 degrees of freedom when the values
    /// are independent N(truth, σ²); the check passes iff |t| ≤ t_{1−α/2, R−1}, so its
    /// false-alarm probability is α (approximately, for non-normal values, by the central limit
    /// theorem over replications). The reported variances are not used, so this check separates
    /// bias from miscalibrated error bars; the detail also gives the bias in units of one
    /// replication's reported standard error, (x̄ − truth)/√v̄.
    /// A non-finite value fails the check; if all values are equal (s = 0) it passes iff they
    /// equal the truth.
    public static func meanBias(
        of estimates: [Estimate], truth: Double, falseAlarmProbability alpha: Double = 1e-3
    ) throws(MonteCarloError) -> StatisticalCheck {
        try Require.count(estimates.count, atLeast: 2, "to test the mean of replications")
        try Require.finite(truth, "truth")
        try Require.probability(alpha, "falseAlarmProbability")
        let name = "mean bias"
        let count = estimates.count
        let bound = StudentTDistribution.standardQuantile(1 - alpha / 2, degreesOfFreedom: Double(count - 1))

        if let bad = estimates.firstIndex(where: { !$0.value.isFinite }) {
            return StatisticalCheck(
                name: name, passed: false, statistic: .nan, lowerBound: -bound, upperBound: bound,
                falseAlarmProbability: alpha,
                detail: "replication \(bad) has non-finite value \(estimates[bad].value)")
        }
        var values = RunningMoments()
        var reported = RunningMoments()
        for estimate in estimates {
            values.add(estimate.value)
            reported.add(estimate.variance)
        }
        let difference = values.mean - truth
        let standardErrorOfMean = (values.sampleVariance / Double(count)).squareRoot()
        let t: Double
        if standardErrorOfMean > 0 {
            t = difference / standardErrorOfMean
        } else {
            t = difference == 0 ? 0 : (difference > 0 ? .infinity : -.infinity)
        }
        var detail = "the mean \(Format.value(values.mean)) of \(count) values differs from truth "
            + "\(Format.value(truth)) by \(Format.value(difference)) (t = \(Format.short(t)))"
        let reportedStandardError = reported.mean.squareRoot()
        if reportedStandardError > 0 && reportedStandardError.isFinite {
            detail += ", \(Format.short(difference / reportedStandardError)) reported standard errors"
        }
        detail += "; accepted |t| ≤ \(Format.short(bound)) (Student t, \(count - 1) degrees of freedom)"
        return StatisticalCheck(
            name: name, statistic: t, lowerBound: -bound, upperBound: bound,
            falseAlarmProbability: alpha, detail: detail)
    }
}
