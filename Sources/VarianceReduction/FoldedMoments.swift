import MonteCarloCore

/// Joint moments of (f, h − θ) kept separately per fold: draw i goes to fold i mod K
/// (``CrossFitFolds/fold(ofDraw:folds:)``).
///
/// The state of the regression control-variate estimators (scalar and vector): folds make
/// cross-fitting and pilot splits computable from moments alone, and the fold of a draw depends
/// only on its global index, so block sizes and thread counts never change the split.
public struct FoldedMoments: MergeableState, Hashable {
    /// One accumulator per fold.
    public internal(set) var groups: [CovarianceMoments]

    /// `folds` empty accumulators for vectors of `dimension` components.
    package init(folds: Int, dimension: Int) {
        groups = Array(repeating: CovarianceMoments(validatedDimension: dimension), count: folds)
    }

    private enum CodingKeys: String, CodingKey { case groups }

    /// Decodes a state; each fold is checked by `CovarianceMoments`'s decoding.
    /// - Throws: `DecodingError.dataCorrupted` for no folds or folds of different dimensions.
    public init(from decoder: any Decoder) throws {
        groups = try decoder.container(keyedBy: CodingKeys.self).decode([CovarianceMoments].self, forKey: .groups)
        try DecodedState.require(!groups.isEmpty && groups.allSatisfy { $0.dimension == groups[0].dimension },
                                 "no folds, or folds of different dimensions", in: decoder)
    }

    /// Adds the joint vector of draw `index` to its fold.
    mutating func add(_ row: [Double], index: Int) {
        groups[CrossFitFolds.fold(ofDraw: index, folds: groups.count)].add(row)
    }

    /// All folds merged.
    func merged() throws(MonteCarloError) -> CovarianceMoments {
        var all = CovarianceMoments(validatedDimension: groups[0].dimension)
        for group in groups { try all.merge(group) }
        return all
    }

    /// The folds other than `excluded`, merged.
    func merged(excluding excluded: Int) throws(MonteCarloError) -> CovarianceMoments {
        var all = CovarianceMoments(validatedDimension: groups[0].dimension)
        for (j, group) in groups.enumerated() where j != excluded { try all.merge(group) }
        return all
    }

    public mutating func merge(_ other: FoldedMoments) throws(MonteCarloError) {
        guard groups.count == other.groups.count else {
            throw .incompatibleStates("\(groups.count) vs \(other.groups.count) folds")
        }
        for j in groups.indices { try groups[j].merge(other.groups[j]) }
    }
}
