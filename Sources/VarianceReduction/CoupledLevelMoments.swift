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

    private enum CodingKeys: String, CodingKey { case differences, fineValues }

    /// Decodes a state, refusing one whose differences and fine values have different counts.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        differences = try container.decode(RunningMoments.self, forKey: .differences)
        fineValues = try container.decode(RunningMoments.self, forKey: .fineValues)
        try DecodedState.require(differences.count == fineValues.count,
                                 "\(differences.count) differences but \(fineValues.count) fine values", in: decoder)
    }

    public mutating func merge(_ other: CoupledLevelMoments) {
        differences.merge(other.differences)
        fineValues.merge(other.fineValues)
    }
}
