import MonteCarloCore

/// Plain Monte Carlo: the sample mean of f over independent draws from π.
///
/// ```swift
/// let estimator = PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { exp($0) })
/// let estimate = try estimator.run(samples: 100_000, seed: 1)   // e − 1 ± 0.0016
/// ```
///
/// **Statistical properties.** Unbiased. `variance` is s²/n, the unbiased sample variance of
/// the n values divided by n; it is itself unbiased for Var(μ̂). The interval is normal
/// (central limit theorem), so it needs f to have a finite variance and n large enough for the
/// skewness of f. ESS equals n by definition (variance-reduction factor 1).
///
/// - Complexity: O(n) evaluations, O(1) memory beyond one block of draws.
public struct PlainMonteCarlo<S: Sampler>: MonteCarloEstimator {
    /// The measure π.
    public let sampler: S
    /// The integrand f.
    public let integrand: Integrand<S.Point>
    /// What to do with NaN or ∞ values of f.
    public let nonFinitePolicy: NonFinitePolicy

    /// Creates the estimator of E_π[f].
    public init(sampler: S, integrand: Integrand<S.Point>, nonFinitePolicy: NonFinitePolicy = .fail) {
        self.sampler = sampler
        self.integrand = integrand
        self.nonFinitePolicy = nonFinitePolicy
    }

    public func makeState() -> SampleMeanState { SampleMeanState() }

    public func accumulate(_ count: Int, firstIndex: Int, into state: inout SampleMeanState,
                           using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) {
        var points = [S.Point]()
        points.reserveCapacity(count)
        for _ in 0..<count { points.append(sampler.draw(using: &generator)) }
        var values = [Double](repeating: 0, count: count)
        points.withUnsafeBufferPointer { p in values.withUnsafeMutableBufferPointer { integrand.evaluate(p, $0) } }
        try values.withUnsafeMutableBufferPointer { (buffer) throws(MonteCarloError) in
            if let bad = firstNonFinite(buffer) {
                guard nonFinitePolicy == .skipAndReport else { throw .nonFinite(quantity: "integrand", index: firstIndex + bad) }
                for v in buffer {
                    if v.isFinite { state.samples.add(v) } else { state.skipped += 1 }
                }
            } else {
                state.samples.add(contentsOf: UnsafeBufferPointer(buffer))
            }
        }
    }

    public func estimate(from state: SampleMeanState) throws(MonteCarloError) -> Estimate {
        try state.estimate(method: "plain", evaluationsPerSample: 1, degreesOfFreedom: nil)
    }
}
