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
    @inlinable
    public init(sampler: S, integrand: Integrand<S.Point>, nonFinitePolicy: NonFinitePolicy = .fail) {
        self.sampler = sampler
        self.integrand = integrand
        self.nonFinitePolicy = nonFinitePolicy
    }

    @inlinable
    public func makeState() -> SampleMeanState { SampleMeanState() }

    @inlinable
    public func accumulate(_ count: Int, firstIndex: Int, into state: inout SampleMeanState,
                           using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) {
        // Chunks small enough that points and values stay in the L1 cache.
        let chunk = Swift.min(count, 512)
        if let function = integrand.pointwise {
            try accumulatePointwise(function, count, chunk: chunk, firstIndex: firstIndex, into: &state, using: &generator)
            return
        }
        var points = [S.Point]()
        points.reserveCapacity(chunk)
        var values = [Double](repeating: .nan, count: chunk)
        var done = 0
        while done < count {
            let size = Swift.min(chunk, count - done)
            points.removeAll(keepingCapacity: true)
            for _ in 0..<size { points.append(sampler.draw(using: &generator)) }
            try values.withUnsafeMutableBufferPointer { (buffer) throws(MonteCarloError) in
                let slice = UnsafeMutableBufferPointer(rebasing: buffer[0..<size])
                slice.update(repeating: .nan)  // values the integrand leaves unwritten are caught
                points.withUnsafeBufferPointer { integrand.evaluate($0, slice) }
                try state.addSamples(UnsafeBufferPointer(slice), firstIndex: firstIndex + done, policy: nonFinitePolicy)
            }
            done += size
        }
    }

    /// One fused pass per chunk: draw, evaluate, update shifted sums in registers. A chunk whose
    /// sums come out non-finite is replayed from its saved generator state into a buffer, so the
    /// offending draw can be named or skipped (the draws are the same: the stream is replayed).
    @inlinable
    func accumulatePointwise(_ function: (S.Point) -> Double, _ count: Int, chunk: Int, firstIndex: Int,
                             into state: inout SampleMeanState,
                             using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) {
        var done = 0
        while done < count {
            let size = Swift.min(chunk, count - done)
            let chunkStart = generator
            let shift = function(sampler.draw(using: &generator))
            var sum = 0.0, squares = 0.0
            for _ in 1..<size {
                let d = function(sampler.draw(using: &generator)) - shift
                sum += d
                squares += d * d
            }
            if shift.isFinite, sum.isFinite, squares.isFinite {
                state.addBlock(count: size, shift: shift, shiftedSum: sum, shiftedSquares: squares)
            } else {
                var replay = chunkStart
                let values = (0..<size).map { _ in function(sampler.draw(using: &replay)) }
                try values.withUnsafeBufferPointer { (buffer) throws(MonteCarloError) in
                    try state.addSamples(buffer, firstIndex: firstIndex + done, policy: nonFinitePolicy)
                }
            }
            done += size
        }
    }

    public func estimate(from state: SampleMeanState) throws(MonteCarloError) -> Estimate {
        try state.estimate(method: "plain", evaluationsPerSample: 1, degreesOfFreedom: nil)
    }
}
