import MonteCarloCore

extension StatisticalCheck {
    /// Checks that an estimate lies within `k` of its own standard errors of a known truth.
    ///
    /// The basic statistical regression test: compute an integral with a closed form and check
    /// that the error bar covers the error.
    ///
    /// ```swift
    /// let estimate = try estimator.run(samples: 10_000, seed: 7)
    /// let check = StatisticalCheck.consistency(of: estimate, with: exp(1) - 1)
    /// #expect(check.passed, "\(check)")
    /// ```
    ///
    /// - Parameters:
    ///   - estimate: The estimate under test.
    ///   - truth: The exact value of the expectation.
    ///   - k: The allowed distance in standard errors, 5 by default.
    /// - Returns: A check whose ``statistic`` is the signed z-score z = (value − truth) / SE and
    ///   whose acceptance region is [−k, k].
    ///
    /// **Statistical properties.** Tests H₀: the estimator is unbiased and its reported variance
    /// is its true variance. Passes iff |value − truth| ≤ k · SE, with SE = `estimate.standardError`.
    /// If the estimate is normal under H₀ (a central-limit approximation for a mean of many
    /// draws), the false-alarm probability is 2(1 − Φ(k)): 5.7 × 10⁻⁷ for k = 5, 6.3 × 10⁻⁵ for
    /// k = 4, 0.0027 for k = 3. When the estimate carries `degreesOfFreedom` ν, the reported
    /// probability is the Student-t one, 2(1 − T_ν(k)). Without normality, Chebyshev's
    /// inequality still bounds it by 1/k² (4% for k = 5). The check also fails when the value or
    /// SE is not finite, when SE = 0 while the value differs from the truth (a zero error bar
    /// that does not cover the error), and when k is not finite and positive. A declared bias
    /// (`Diagnostics/declaredBias`) is not allowed for: test a biased estimator with a larger k
    /// or against its biased limit.
    public static func consistency(
        of estimate: Estimate, with truth: Double, standardErrors k: Double = 5
    ) -> StatisticalCheck {
        let name = "consistency"
        let standardError = estimate.standardError
        let value = estimate.value

        func failure(_ statistic: Double, _ detail: String) -> StatisticalCheck {
            StatisticalCheck(
                name: name, passed: false, statistic: statistic, lowerBound: -k, upperBound: k,
                falseAlarmProbability: 0, detail: detail)
        }
        guard k.isFinite, k > 0 else {
            return failure(.nan, "the tolerance k = \(k) standard errors must be finite and positive")
        }
        guard truth.isFinite else { return failure(.nan, "the truth \(truth) is not finite") }
        guard value.isFinite else { return failure(.nan, "the estimate's value \(value) is not finite") }
        guard estimate.variance >= 0, standardError.isFinite else {
            return failure(
                .nan, "estimate \(Format.value(value)) has a non-finite standard error (variance \(estimate.variance))")
        }

        let falseAlarm = twoSidedTailProbability(k, degreesOfFreedom: estimate.degreesOfFreedom)
        guard standardError > 0 else {
            if value == truth {
                return StatisticalCheck(
                    name: name, passed: true, statistic: 0, lowerBound: -k, upperBound: k,
                    falseAlarmProbability: falseAlarm,
                    detail: "estimate \(Format.value(value)) reports zero variance and equals truth \(Format.value(truth))")
            }
            return StatisticalCheck(
                name: name, passed: false, statistic: value > truth ? .infinity : -.infinity,
                lowerBound: -k, upperBound: k, falseAlarmProbability: falseAlarm,
                detail: "estimate \(Format.value(value)) reports zero variance but differs from truth "
                    + "\(Format.value(truth)) by \(Format.value(value - truth))")
        }

        let z = (value - truth) / standardError
        let side = z >= 0 ? "above" : "below"
        return StatisticalCheck(
            name: name, statistic: z, lowerBound: -k, upperBound: k, falseAlarmProbability: falseAlarm,
            detail: "estimate \(Format.value(value)) ± \(Format.probability(standardError)) is "
                + "\(Format.short(abs(z))) standard errors \(side) truth \(Format.value(truth)); allowed \(Format.short(k))")
    }

    /// P(|X| > k) for X standard normal, or Student-t with `degreesOfFreedom`.
    static func twoSidedTailProbability(_ k: Double, degreesOfFreedom: Double?) -> Double {
        if let degreesOfFreedom, degreesOfFreedom > 0,
            let t = try? StudentTDistribution(degreesOfFreedom: degreesOfFreedom)
        {
            return 2 * t.cumulativeProbability(-k)
        }
        return 2 * NormalDistribution.standardCumulativeProbability(-k)
    }
}
