import MonteCarloCore

extension VectorValuedControlVariates: FixedSampleEstimator {
    /// Estimates E_π[f] for one integrand: ``estimate(sample:values:)->VectorEstimate`` with T = 1.
    ///
    /// With one integrand the matrix-valued kernel B·k0 is k0 times a positive number (B is 1
    /// whatever ``taskCovariance`` estimates), so this is a control functional with this type's
    /// kernel, form and nugget (10⁻⁶ by default), and what is gained by estimating integrands
    /// jointly is not used. It lets a vector-valued configuration run wherever a
    /// ``FixedSampleEstimator`` is accepted.
    ///
    /// **Statistical properties.** Those of component 0 of the vector estimate: unbiased for
    /// i.i.d. draws in the cross-fitted and split forms (the weighted form's bias is declared);
    /// `variance` is the held-out residual variance (long-run variance on chains) raised to the
    /// delete-a-group jackknife, plus the unseen-tail term for heavy-tailed residuals; normal
    /// interval; ESS σ²_f / `variance`.
    /// - Throws: as ``estimate(sample:values:)->VectorEstimate``.
    // Disfavoured so that `values: []` keeps meaning "no integrands" (the vector form).
    @_disfavoredOverload
    public func estimate(sample: SteinSample, values: [Double]) throws(MonteCarloError) -> Estimate {
        try estimate(sample: sample, values: [values]).component(0)
    }
}
