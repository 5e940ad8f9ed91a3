import MonteCarloCore

/// Runs an estimation `count` times, replication r drawing from random stream r of `seed`,
/// and collects the estimates in replication order.
///
/// Replication r receives the generator `RandomStreams(seed: seed).stream(r)`: the streams are
/// disjoint blocks of one xoshiro256++ sequence, so the replications are independent and the
/// whole list is fixed by `seed`.
///
/// ```swift
/// let estimates = try replicate(400, seed: 2024) { _, generator in
///     try PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { exp($0) })
///         .run(samples: 1_000, seed: generator.next())
/// }
/// let report = try CalibrationReport(estimates: estimates, truth: exp(1) - 1)
/// ```
///
/// - Parameters:
///   - count: The number of replications R; none run when it is zero or negative.
///   - seed: The seed of the family of streams.
///   - body: Makes one estimate from its replication index and its own generator.
/// - Returns: The R estimates, `estimates[r]` from replication r.
/// - Throws: The first error `body` throws, with its type preserved.
/// - Complexity: R calls of `body`, plus one xoshiro jump (256 steps) per replication.
///
/// **Statistical properties.** Streams cannot overlap unless one replication draws more than
/// 2¹²⁸ numbers, so the estimates are independent when each replication uses only its
/// generator — the assumption behind every replication-based ``StatisticalCheck``.
public func replicate<E: Error>(
    _ count: Int, seed: UInt64,
    _ body: (_ replication: Int, _ generator: inout Xoshiro256PlusPlus) throws(E) -> Estimate
) throws(E) -> [Estimate] {
    guard count > 0 else { return [] }
    var estimates: [Estimate] = []
    estimates.reserveCapacity(count)
    // Stream r is the seed's generator jumped r times (RandomStreams.stream(r)); walking the
    // streams in order costs one jump each.
    var streamStart = Xoshiro256PlusPlus(seed: seed)
    for replication in 0..<count {
        var generator = streamStart
        estimates.append(try body(replication, &generator))
        streamStart.jump()
    }
    return estimates
}

/// Runs an estimation for replications 0..<count and collects the estimates in order.
///
/// Use this form when the code under test takes a seed rather than a generator: derive a
/// distinct seed from the replication index, e.g. `seed: 1_000 + UInt64(replication)`.
///
/// ```swift
/// let estimates = try replicate(400) { replication in
///     try estimator.run(samples: 1_000, seed: 1_000 + UInt64(replication))
/// }
/// ```
///
/// - Parameters:
///   - count: The number of replications R; none run when it is zero or negative.
///   - body: Makes the estimate of one replication.
/// - Returns: The R estimates, `estimates[r]` from replication r.
/// - Throws: The first error `body` throws, with its type preserved.
///
/// **Statistical properties.** The checks assume independent replications: distinct seeds give
/// independent streams only as far as the code under test seeds its generator well (the
/// toolkit's generators expand a seed with SplitMix64, so consecutive seeds are fine).
public func replicate<E: Error>(
    _ count: Int, _ body: (_ replication: Int) throws(E) -> Estimate
) throws(E) -> [Estimate] {
    guard count > 0 else { return [] }
    var estimates: [Estimate] = []
    estimates.reserveCapacity(count)
    for replication in 0..<count { estimates.append(try body(replication)) }
    return estimates
}
