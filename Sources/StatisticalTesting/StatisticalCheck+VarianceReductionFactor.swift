import MonteCarloCore

extension StatisticalCheck {
    /// Checks a measured variance-reduction factor against its theoretical value, with a
    /// tolerance derived from the sampling error of the two variance estimates it is made of.
    ///
    /// ```swift
    /// // Control variate with correlation ρ = 0.9: factor 1/(1 − ρ²) ≈ 5.26.
    /// let estimate = try controlVariateEstimator.run(samples: 20_000, seed: 5)
    /// let check = try StatisticalCheck.varianceReductionFactor(
    ///     of: estimate, theoreticalFactor: 1 / (1 - 0.81), reducedDegreesOfFreedom: 20_000 - 2)
    /// #expect(check.passed, "\(check)")
    /// ```
    ///
    /// - Parameters:
    ///   - measuredFactor: The measured factor F̂ = σ̂²_plain / (n · σ̂²_estimator), e.g.
    ///     `Diagnostics/varianceReductionFactor`, or any ratio of two variance estimates.
    ///   - theoreticalFactor: The factor F the theory predicts (finite, positive).
    ///   - plainDegreesOfFreedom: ν₁, the degrees of freedom of the plain (numerator) variance
    ///     estimate: n − 1 for the sample variance of n independent draws.
    ///   - reducedDegreesOfFreedom: ν₂, the degrees of freedom of the variance estimate of the
    ///     variance-reduced estimator: n − 1 − p for control variates with p fitted controls,
    ///     n/2 − 1 for n draws in n/2 antithetic pairs, R − 1 for R independent randomizations
    ///     of a quasi-Monte Carlo rule.
    ///   - alpha: The false-alarm probability bound α, in (0, 1); 10⁻³ by default.
    /// - Returns: A check whose ``statistic`` is F̂ / F.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for a theoretical
    ///   factor or degrees of freedom that are not finite and positive, or α outside (0, 1).
    ///
    /// **Statistical properties.** Method: chi-square bounds on each variance estimate with a
    /// Bonferroni split (no F quantile is needed, and no independence is assumed). Write
    /// σ̂ᵢ² = σᵢ² Wᵢ, where νᵢWᵢ ~ χ²_{νᵢ} when the summands are normal. With
    /// Lᵢ = χ²_{α/4, νᵢ}/νᵢ and Uᵢ = χ²_{1−α/4, νᵢ}/νᵢ, each event Wᵢ ∉ [Lᵢ, Uᵢ] has probability
    /// α/2, so by the union bound both Wᵢ lie in their intervals with probability ≥ 1 − α, and
    /// then F̂/F = W₁/W₂ lies in [L₁/U₂, U₁/L₂]. The check passes iff
    ///
    ///     L₁ / U₂  ≤  F̂ / F  ≤  U₁ / L₂,
    ///
    /// with false-alarm probability at most α whatever the dependence between the two estimates
    /// (they usually come from the same draws and are positively correlated, which makes the
    /// ratio less variable and the check more conservative). For independent estimates the exact
    /// F(ν₁, ν₂) region would be narrower by about a third. For non-normal summands with excess
    /// kurtosis γ₂ a sample variance varies like one with ν ≈ 2n/(2 + γ₂) degrees of freedom:
    /// pass that smaller ν to keep the false-alarm bound. Theoretical factors are often
    /// asymptotic (fitted control-variate coefficients lose a factor of about (n − 2)/(n − p − 2));
    /// the check does not allow for that. A measured factor that is not finite and positive
    /// fails the check.
    public static func varianceReductionFactor(
        _ measuredFactor: Double, theoreticalFactor: Double,
        plainDegreesOfFreedom: Double, reducedDegreesOfFreedom: Double,
        falseAlarmProbability alpha: Double = 1e-3
    ) throws(MonteCarloError) -> StatisticalCheck {
        try Require.positive(theoreticalFactor, "theoreticalFactor")
        try Require.positive(plainDegreesOfFreedom, "plainDegreesOfFreedom")
        try Require.positive(reducedDegreesOfFreedom, "reducedDegreesOfFreedom")
        try Require.probability(alpha, "falseAlarmProbability")
        let (nu1, nu2) = (plainDegreesOfFreedom, reducedDegreesOfFreedom)
        let lower1 = ChiSquaredDistribution.quantile(alpha / 4, degreesOfFreedom: nu1) / nu1
        let upper1 = ChiSquaredDistribution.quantile(1 - alpha / 4, degreesOfFreedom: nu1) / nu1
        let lower2 = ChiSquaredDistribution.quantile(alpha / 4, degreesOfFreedom: nu2) / nu2
        let upper2 = ChiSquaredDistribution.quantile(1 - alpha / 4, degreesOfFreedom: nu2) / nu2
        let lower = lower1 / upper2
        let upper = upper1 / lower2
        let name = "variance-reduction factor"
        guard measuredFactor.isFinite, measuredFactor > 0 else {
            return StatisticalCheck(
                name: name, passed: false, statistic: .nan, lowerBound: lower, upperBound: upper,
                falseAlarmProbability: alpha,
                detail: "the measured factor \(measuredFactor) is not finite and positive")
        }
        let ratio = measuredFactor / theoreticalFactor
        return StatisticalCheck(
            name: name, statistic: ratio, lowerBound: lower, upperBound: upper, falseAlarmProbability: alpha,
            detail: "measured factor \(Format.short(measuredFactor)) is \(Format.short(ratio)) × the theoretical "
                + "\(Format.short(theoreticalFactor)); accepted \(Format.short(lower))…\(Format.short(upper)) × "
                + "(\(Format.short(theoreticalFactor * lower))…\(Format.short(theoreticalFactor * upper))) from χ² bounds "
                + "with \(Format.degreesOfFreedom(nu1)) and \(Format.degreesOfFreedom(nu2)) degrees of freedom, Bonferroni split")
    }

    /// Checks an estimate's variance-reduction factor against its theoretical value.
    ///
    /// The measured factor is `Diagnostics/varianceReductionFactor` when the estimator reports
    /// one, and otherwise `effectiveSampleSize / sampleCount` (the same quantity, σ̂²_plain /
    /// (n · variance)). The degrees of freedom default to n − 1 for the plain variance and, for
    /// the reduced one, to the estimate's `Estimate/degreesOfFreedom`, else the
    /// `"varianceDegreesOfFreedom"` figure of its diagnostics (m − 1 for m antithetic pairs or
    /// R RQMC replicates, Σ(nₖ − 1) over the evaluated folds of cross-fitted control
    /// variates), else n − 1; pass them explicitly when you know better (see
    /// ``varianceReductionFactor(_:theoreticalFactor:plainDegreesOfFreedom:reducedDegreesOfFreedom:falseAlarmProbability:)``).
    ///
    /// **Statistical properties.** As for the numeric form: passes iff
    /// L₁/U₂ ≤ F̂/F ≤ U₁/L₂ with chi-square quantiles at α/4 and 1 − α/4 on each variance
    /// estimate (Bonferroni), a false-alarm probability at most α for normal summands.
    ///
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` when the
    ///   estimate has fewer than two samples and no degrees of freedom are given, and the errors
    ///   of the numeric form.
    public static func varianceReductionFactor(
        of estimate: Estimate, theoreticalFactor: Double,
        plainDegreesOfFreedom: Double? = nil, reducedDegreesOfFreedom: Double? = nil,
        falseAlarmProbability alpha: Double = 1e-3
    ) throws(MonteCarloError) -> StatisticalCheck {
        if plainDegreesOfFreedom == nil || (reducedDegreesOfFreedom == nil && estimate.degreesOfFreedom == nil) {
            try Require.count(estimate.sampleCount, atLeast: 2, "to estimate a variance-reduction factor")
        }
        let defaultDegreesOfFreedom = Double(estimate.sampleCount - 1)
        let measured = estimate.diagnostics.varianceReductionFactor
            ?? estimate.effectiveSampleSize / Double(estimate.sampleCount)
        return try varianceReductionFactor(
            measured, theoreticalFactor: theoreticalFactor,
            plainDegreesOfFreedom: plainDegreesOfFreedom ?? defaultDegreesOfFreedom,
            reducedDegreesOfFreedom: reducedDegreesOfFreedom ?? estimate.degreesOfFreedom
                ?? estimate.diagnostics.figures["varianceDegreesOfFreedom"] ?? defaultDegreesOfFreedom,
            falseAlarmProbability: alpha)
    }
}
