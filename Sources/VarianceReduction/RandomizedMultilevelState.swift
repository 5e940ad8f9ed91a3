import MonteCarloCore

/// The mergeable state of ``RandomizedMultilevelMonteCarlo``: the moments of the i.i.d.
/// unbiased replicates Z and the cost they took.
public struct RandomizedMultilevelState: MergeableState, Hashable {
    /// The replicates Z.
    public internal(set) var replicates = RunningMoments()
    /// Σ of the declared costs of the coupled samples the replicates used.
    public internal(set) var cost = 0.0
    /// The finest level any replicate reached.
    public internal(set) var finestLevel = 0

    /// An empty state.
    public init() {}

    public mutating func merge(_ other: RandomizedMultilevelState) {
        replicates.merge(other.replicates)
        cost += other.cost
        finestLevel = max(finestLevel, other.finestLevel)
    }
}
