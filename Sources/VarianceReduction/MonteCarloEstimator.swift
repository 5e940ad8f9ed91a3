import MonteCarloCore

/// An estimator of an expectation E_π[f] that accumulates draws into a mergeable state.
///
/// The unit of work is a *sample*: one draw for plain Monte Carlo, control variates and
/// importance sampling, one pair for antithetic sampling, one randomized point set for
/// randomized QMC. ``MonteCarloDriver`` feeds blocks of samples, each from its own random
/// stream, merges block states in a fixed order and finalizes with ``estimate(from:)``.
public protocol MonteCarloEstimator: Sendable {
    /// The accumulator this estimator keeps.
    associatedtype State: MergeableState

    /// An empty state.
    func makeState() -> State

    /// Draws `count` samples from `generator` and adds them to `state`.
    /// - Parameter firstIndex: global index of the first sample, used to name bad draws in errors.
    func accumulate(_ count: Int, firstIndex: Int, into state: inout State,
                    using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError)

    /// The estimate from an accumulated state.
    func estimate(from state: State) throws(MonteCarloError) -> Estimate

    /// Integrand evaluations per sample (1, or 2 for pairs, or the point-set size for RQMC).
    var evaluationsPerSample: Int { get }

    /// Samples per block the driver should use (a block is the unit of parallel work).
    var preferredBlockSize: Int { get }
}

extension MonteCarloEstimator {
    public var evaluationsPerSample: Int { 1 }
    public var preferredBlockSize: Int { 4096 }

    /// Runs the estimator for a fixed number of samples on all cores and returns the estimate.
    ///
    /// The result depends only on `seed` and `samples`, never on the number of threads.
    public func run(samples: Int, seed: UInt64) throws(MonteCarloError) -> Estimate {
        try MonteCarloDriver(stoppingRule: .sampleCount(samples)).run(self, seed: seed).estimate
    }
}

/// Checks a batch of values for NaN/∞ and reports the first bad one.
@inline(__always)
func firstNonFinite(_ values: UnsafeMutableBufferPointer<Double>) -> Int? {
    var sum = 0.0
    for v in values { sum += v * 0 }  // NaN·0 and ∞·0 are NaN: one branch-free pass
    guard sum.isNaN else { return nil }
    return values.firstIndex { !$0.isFinite }
}
