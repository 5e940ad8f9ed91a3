import MonteCarloCore

/// The one definition of cross-fitting folds: which draws fit a coefficient and which are
/// averaged with it.
///
/// Independent draws go to fold i mod K by their global index (so block sizes, thread counts and
/// shards never change the split); Markov chains are cut into K contiguous blocks within each
/// chain, fold k taking the k-th block of every chain (`SampleDependence/folds(count:folds:)`),
/// because a draw's neighbours are nearly the same point and interleaved folds would leak.
///
/// ```swift
/// let folds = try CrossFitFolds()          // K = 2
/// folds.fold(ofDraw: 7)                   // 1
/// try folds.groups(drawCount: 5)          // [[0, 2, 4], [1, 3]]
/// ```
///
/// The default K = ``defaultCount`` = 2 is used by every regression control-variate estimator
/// (``ControlVariateMonteCarlo``, ``VectorControlVariateMonteCarlo``, zero-variance control
/// variates): a regression on p controls needs only a few times p training draws, and with two
/// folds each fit sees half of the draws while the cost stays at two solves of order p.
public struct CrossFitFolds: Sendable, Hashable, Codable {
    /// The default number of folds of a regression control-variate fit: 2.
    public static let defaultCount = 2

    /// The number of folds K ≥ 2.
    public let count: Int

    /// K folds.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` when K < 2.
    public init(_ count: Int = CrossFitFolds.defaultCount) throws(MonteCarloError) {
        guard count >= 2 else { throw .invalidParameter(name: "folds", value: Double(count), requirement: "at least 2") }
        self.count = count
    }

    /// The fold of independent draw `index` (its global index): `index mod K`.
    public func fold(ofDraw index: Int) -> Int { Self.fold(ofDraw: index, folds: count) }

    /// The fold of independent draw `index` among `folds` folds: `index mod folds`.
    public static func fold(ofDraw index: Int, folds: Int) -> Int { index % folds }

    /// The draw indices of every fold for `drawCount` draws with the given dependence: i mod K for
    /// independent draws, K contiguous blocks within each chain for chains.
    /// - Throws: the errors of `SampleDependence/chainRanges(count:)`.
    public func groups(drawCount: Int, dependence: SampleDependence = .independent) throws(MonteCarloError) -> [[Int]] {
        try dependence.folds(count: drawCount, folds: count)
    }
}
