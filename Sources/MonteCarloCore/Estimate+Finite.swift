extension Estimate {
    /// Checks that the estimate can be reported as a number with an error bar: a finite value,
    /// a finite non-negative variance, a finite 95% interval and a finite effective sample size
    /// (+∞ only with zero variance, where it is exact).
    ///
    /// Inputs near the top of double precision (|x| ≳ 10¹⁵⁰ squared, 10³⁰⁸ summed) overflow
    /// the squares and sums the estimators need; the result is then ±∞ or NaN, never a usable
    /// number, and this turns it into an error that says so.
    ///
    /// ```swift
    /// let reported = try estimate.requireFinite("SW_2^2")
    /// ```
    /// - Parameter what: the quantity, for the message.
    /// - Returns: the estimate itself.
    /// - Throws: `MonteCarloError/invalidArgument(_:)` naming `what` and the non-finite figures.
    @discardableResult
    public func requireFinite(_ what: String) throws(MonteCarloError) -> Estimate {
        let interval = try confidenceInterval(level: 0.95)
        guard value.isFinite, variance.isFinite, variance >= 0,
              effectiveSampleSize.isFinite || (effectiveSampleSize == .infinity && variance == 0),
              interval.lower.isFinite, interval.upper.isFinite else {
            throw .invalidArgument("The estimate of \(what) is not finite (value \(value), variance \(variance), "
                + "ESS \(effectiveSampleSize)): the inputs' magnitudes overflow double precision in its squares or sums. "
                + "Rescale the data (e.g. divide by a power of ten) and scale the result back.")
        }
        return self
    }
}
