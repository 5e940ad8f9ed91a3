import MonteCarloCore
import SteinControlVariates

extension EvidenceLowerBound {
    /// The ELBO value with Stein control variates: the integrand at `samples` independent draws
    /// of ε ~ N(0, I) is post-processed by any fixed-sample estimator, which may use the score of
    /// the base measure, −ε.
    ///
    /// ```swift
    /// let value = try elbo.steinEstimate(samples: 500, seed: 1,
    ///                                    estimator: SteinControlFunctional(polynomialDegree: 2))
    /// ```
    ///
    /// - Parameters:
    ///   - samples: n, the number of draws.
    ///   - seed: fixes the draws (stream 0 of `seed`).
    ///   - form: the integrand, log w by default.
    ///   - estimator: 5-fold cross-fitted control functionals with a Gaussian kernel by default;
    ///     `ZeroVarianceControlVariates`, `AutomaticControlVariates`, `NystromControlFunctional`,
    ///     `SampleMean` (plain Monte Carlo on the same draws) or any `FixedSampleEstimator`.
    /// - Throws: the errors of the estimator (for example too few draws for its folds).
    ///
    /// **Statistical properties.** Those of `estimator` on independent draws (see its type; the
    /// default cross-fitted form is unbiased, a weighted form's bias is declared). With
    /// polynomial controls of degree 2 (`ZeroVarianceControlVariates(degree: 2)`, or semi-exact
    /// control functionals, `polynomialDegree: 2`) the estimate is exact when log w is quadratic
    /// in ε, i.e. for Gaussian targets. Kernel methods cost O(n³): use hundreds to a few
    /// thousand draws, not millions.
    public func steinEstimate(samples: Int, seed: UInt64, form: ValueForm = .logWeight,
                              estimator: any FixedSampleEstimator = SteinControlFunctional()) throws(MonteCarloError) -> Estimate {
        let f = integrand(form)
        return try estimator.estimate(sampling: standardNormal, count: samples, seed: seed) { epsilon in
            var value = 0.0
            [epsilon].withUnsafeBufferPointer { points in
                withUnsafeMutablePointer(to: &value) { f.evaluate(points, UnsafeMutableBufferPointer(start: $0, count: 1)) }
            }
            return value
        }
    }

    /// ``steinEstimate(samples:seed:form:estimator:)`` with a control functional.
    public func steinEstimate(samples: Int, seed: UInt64, form: ValueForm = .logWeight,
                              functional: SteinControlFunctional) throws(MonteCarloError) -> Estimate {
        try steinEstimate(samples: samples, seed: seed, form: form, estimator: functional)
    }
}
