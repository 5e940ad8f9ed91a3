import MonteCarloCore

/// The moments of one level's coupled samples: the differences P_ℓ − P_{ℓ−1} and the fine values P_ℓ.
///
/// The mergeable state of one level of ``MultilevelMonteCarlo``: blocks of samples drawn on
/// different threads merge in block order, as in ``MonteCarloDriver``.
public struct CoupledLevelMoments: MergeableState, Hashable {
    /// The differences P_ℓ − P_{ℓ−1} (P₀ at level 0).
    public internal(set) var differences = RunningMoments()
    /// The fine values P_ℓ (for the effective sample size against plain Monte Carlo on P_ℓ).
    public internal(set) var fineValues = RunningMoments()

    /// An empty state.
    public init() {}

    public mutating func merge(_ other: CoupledLevelMoments) {
        differences.merge(other.differences)
        fineValues.merge(other.fineValues)
    }
}
