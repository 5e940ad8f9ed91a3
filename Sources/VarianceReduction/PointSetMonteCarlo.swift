import MonteCarloCore

/// Averages f over independent random point sets whose points each follow π.
///
/// Each *sample* is one set of k points from a ``PointSetSampler`` (an orthogonal block of
/// directions, a randomized QMC set, …): its mean f̄ᵣ is unbiased for E_π[f], and the set means
/// of independent sets are i.i.d. Negative correlation inside a set (orthogonal directions, a
/// low-discrepancy set) makes Var f̄ᵣ smaller than σ²/k. With k = 1 this is plain Monte Carlo.
/// The points of a whole block of sets are evaluated in one call of the integrand, so a batch
/// integrand (a BLAS product per call) sees as many points at once as the block holds.
///
/// ```swift
/// let estimator = PointSetMonteCarlo(sampler: sets, integrand: f)
/// let estimate = try estimator.run(samples: 40, seed: 1)     // 40 sets of k points
/// ```
///
/// **Statistical properties.** Unbiased. `variance` is s²_R / R, the sample variance of the R
/// set means divided by R; the interval is Student-t with R − 1 degrees of freedom. ESS is
/// σ²_f / variance with σ²_f the sample variance of all R·k values, so ESS/(R·k) is the
/// variance-reduction factor of the sets over i.i.d. points. A NaN or ∞ value is a typed error
/// whose index counts points over all sets.
///
/// - Complexity: O(R·k) evaluations; memory for one block of sets.
public struct PointSetMonteCarlo<S: PointSetSampler>: MonteCarloEstimator {
    /// The sets.
    public let sampler: S
    /// The integrand f.
    public let integrand: Integrand<S.Point>

    /// Creates the estimator of E_π[f].
    public init(sampler: S, integrand: Integrand<S.Point>) {
        self.sampler = sampler
        self.integrand = integrand
    }

    public var evaluationsPerSample: Int { sampler.pointsPerSet }
    /// About 64 points per block.
    public var preferredBlockSize: Int { max(1, 64 / max(1, sampler.pointsPerSet)) }
    /// About 1000 points, and at least 16 sets.
    public var minimumSamplesBeforeStopping: Int { max(16, 1000 / max(1, sampler.pointsPerSet)) }

    public func makeState() -> SampleMeanState { SampleMeanState() }

    public func accumulate(_ count: Int, firstIndex: Int, into state: inout SampleMeanState,
                           using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) {
        let k = sampler.pointsPerSet
        var points: [S.Point] = []
        points.reserveCapacity(count * k)
        for _ in 0..<count { sampler.appendSet(to: &points, using: &generator) }
        guard points.count == count * k else {
            throw .dimensionMismatch(what: "points drawn by the point-set sampler", expected: count * k, actual: points.count)
        }
        let values = integrand.values(at: points)
        try values.withUnsafeBufferPointer { (all) throws(MonteCarloError) in
            for set in 0..<count {
                try state.addReplicate(UnsafeBufferPointer(rebasing: all[(set * k)..<((set + 1) * k)]),
                                       firstPointIndex: (firstIndex + set) * k)
            }
        }
    }

    public func estimate(from state: SampleMeanState) throws(MonteCarloError) -> Estimate {
        guard state.samples.count >= 2 else {
            throw .insufficientSamples(needed: 2, available: state.samples.count,
                                       reason: "(independent point sets) to estimate a variance")
        }
        return try state.estimate(method: "point-sets", evaluationsPerSample: sampler.pointsPerSet,
                                  degreesOfFreedom: Double(state.samples.count - 1))
    }
}
