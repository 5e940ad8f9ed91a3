import MonteCarloCore

/// The Barber–Agakov lower bound I(X; Y) ≥ H(X) + E_P[log q(x | y)] (Barber & Agakov 2003).
public enum BarberAgakov {
    /// Estimates the Barber–Agakov bound from a known entropy and conditional log-densities.
    ///
    /// ```swift
    /// let values = pairs.map { decoder.logDensity($0.x, given: $0.y) }
    /// let estimate = try BarberAgakov.estimate(entropyOfX: h, conditionalLogDensities: values)
    /// ```
    ///
    /// - Parameters:
    ///   - entropyOfX: H(X) in nats (known; differential entropy may be negative).
    ///   - conditionalLogDensities: log q(xᵢ | yᵢ) on n ≥ 2 i.i.d. joint pairs.
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` for n < 2,
    ///   `MonteCarloError/nonFinite(quantity:index:)` for a non-finite log-density,
    ///   `MonteCarloError/invalidParameter(name:value:requirement:)` for a non-finite entropy.
    ///
    /// **Statistical properties.** The value H(X) + mean log q is unbiased for the bound,
    /// which is ≤ I with equality iff q(x | y) = p(x | y); the gap E_Y KL(p(·|y) ‖ q(·|y)) is
    /// declared. `variance` = s²/n, the sample variance of log q over n; ESS = n (plain mean).
    /// Student-t degrees of freedom n − 1. Measured with the true conditional on 20 correlated
    /// Gaussian pairs, n = 64: empirical/reported variance 0.98–1.03 over 2000 batches at
    /// I = 2…10 (`BoundVarianceCalibrationTests`).
    public static func estimate(entropyOfX: Double, conditionalLogDensities: [Double]) throws(MonteCarloError) -> Estimate {
        guard entropyOfX.isFinite else {
            throw .invalidParameter(name: "entropyOfX", value: entropyOfX, requirement: "finite")
        }
        let n = conditionalLogDensities.count
        guard n >= 2 else { throw .insufficientSamples(needed: 2, available: n, reason: "for a variance") }
        if let bad = conditionalLogDensities.firstIndex(where: { !$0.isFinite }) {
            throw .nonFinite(quantity: "conditional log-density", index: bad)
        }
        var moments = RunningMoments()
        moments.add(contentsOf: conditionalLogDensities)
        return Estimate(
            value: entropyOfX + moments.mean, variance: moments.varianceOfMean, sampleCount: n,
            effectiveSampleSize: Double(n), degreesOfFreedom: Double(n - 1),
            diagnostics: Diagnostics(
                method: "barber-agakov",
                declaredBias: "Lower bound: below I by E_Y KL(p(x|y) ‖ q(x|y)) unless q is the true conditional.",
                figures: ["entropyOfX": entropyOfX]))
    }
}
