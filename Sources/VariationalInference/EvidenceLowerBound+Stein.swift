import MonteCarloCore
import SteinControlVariates

extension EvidenceLowerBound {
    /// The ELBO value with Stein-kernel control variates: the integrand over ε ~ N(0, I) is
    /// post-processed by a control functional that uses the score of the base measure, −ε.
    ///
    /// ```swift
    /// let value = try elbo.steinEstimate(samples: 500, seed: 1,
    ///                                    functional: SteinControlFunctional(polynomialDegree: 2))
    /// ```
    ///
    /// **Statistical properties.** Those of the chosen `SteinControlFunctional` form (the
    /// default cross-fitted form is unbiased, with a variance pooled over folds; the weighted
    /// form's bias is declared). With `polynomialDegree: 2` (semi-exact control functionals) the
    /// estimate is exact when log w is quadratic in ε, i.e. for Gaussian targets. Cost O(n³) in
    /// the number of draws n: use hundreds to a few thousand draws, not millions.
    public func steinEstimate(samples: Int, seed: UInt64, form: ValueForm = .logWeight,
                              functional: SteinControlFunctional = SteinControlFunctional()) throws(MonteCarloError) -> Estimate {
        let f = integrand(form)
        let base = standardNormal
        return try functional.estimate(sampling: base, count: samples, seed: seed) { epsilon in
            var value = 0.0
            [epsilon].withUnsafeBufferPointer { points in
                withUnsafeMutablePointer(to: &value) { f.evaluate(points, UnsafeMutableBufferPointer(start: $0, count: 1)) }
            }
            return value
        }
    }
}
