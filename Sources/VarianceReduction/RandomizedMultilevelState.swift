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

    private enum CodingKeys: String, CodingKey { case replicates, cost, finestLevel }

    /// Decodes a state, refusing a negative or non-finite cost or a negative finest level.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        replicates = try container.decode(RunningMoments.self, forKey: .replicates)
        cost = try container.decode(Double.self, forKey: .cost)
        finestLevel = try container.decode(Int.self, forKey: .finestLevel)
        try DecodedState.require(cost.isFinite && cost >= 0, "cost \(cost) is negative or not finite", in: decoder)
        try DecodedState.require(finestLevel >= 0, "finest level \(finestLevel) is negative", in: decoder)
    }

    public mutating func merge(_ other: RandomizedMultilevelState) {
        replicates.merge(other.replicates)
        cost += other.cost
        finestLevel = max(finestLevel, other.finestLevel)
    }
}
