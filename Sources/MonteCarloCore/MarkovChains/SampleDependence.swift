/// How the draws given to a fixed-sample estimator depend on each other.
///
/// Independent draws (the default) get i.i.d. variance formulas. Markov chain output (Stan,
/// PyMC, NumPyro, a hand-written sampler) is autocorrelated, and i.i.d. formulas understate the
/// error by the integrated autocorrelation time; give the chains instead:
///
/// ```swift
/// // 4 chains of 1000 draws each, stored one after another.
/// let dependence = try SampleDependence.chains(count: 4, totalDraws: 4000)
/// ```
///
/// With chains, estimators fold contiguous blocks within each chain (never i mod K: a draw's
/// neighbours are nearly the same point, so interleaved folds leak) and report the long-run
/// variance of their (held-out) series, estimated by ``LongRunVarianceMethod``.
public enum SampleDependence: Sendable, Hashable, Codable {
    /// Independent draws.
    case independent
    /// Markov chains stored one after another: chain c is the next `lengths[c]` draws.
    case chains(lengths: [Int], longRunVariance: LongRunVarianceMethod = .auto)

    /// `count` chains of equal length that together hold `totalDraws` draws, in order.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` when `count` is
    ///   below 1 or does not divide `totalDraws`.
    public static func chains(count: Int, totalDraws: Int,
                              longRunVariance: LongRunVarianceMethod = .auto) throws(MonteCarloError) -> SampleDependence {
        guard count >= 1 else { throw .invalidParameter(name: "chains", value: Double(count), requirement: "at least 1") }
        guard totalDraws % count == 0 else {
            throw .invalidParameter(name: "chains", value: Double(count),
                                    requirement: "a divisor of the number of draws (\(totalDraws)) so that every chain has the same length")
        }
        return .chains(lengths: Array(repeating: totalDraws / count, count: count), longRunVariance: longRunVariance)
    }

    /// Whether the draws are Markov chains.
    public var isChain: Bool {
        if case .chains = self { return true }
        return false
    }

    /// The ranges of draw indices of each chain (one range 0..<n for independent draws).
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` when the chain
    ///   lengths do not add up to `count`; `MonteCarloError/invalidParameter(name:value:requirement:)`
    ///   for an empty chain list or a chain of length 0.
    public func chainRanges(count: Int) throws(MonteCarloError) -> [Range<Int>] {
        switch self {
        case .independent:
            return [0..<count]
        case .chains(let lengths, _):
            guard !lengths.isEmpty else { throw .invalidParameter(name: "chains", value: 0, requirement: "at least 1") }
            if let bad = lengths.first(where: { $0 < 1 }) {
                throw .invalidParameter(name: "chain length", value: Double(bad), requirement: "at least 1")
            }
            let total = lengths.reduce(0, +)
            guard total == count else { throw .dimensionMismatch(what: "draws in the chains (sum of chain lengths)", expected: count, actual: total) }
            var start = 0
            return lengths.map { length in
                defer { start += length }
                return start..<(start + length)
            }
        }
    }

    /// Splits indices 0..<count into `folds` groups for cross-fitting: i mod K for independent
    /// draws; for chains, K contiguous blocks of (nearly) equal length *within each chain*,
    /// fold k taking the k-th block of every chain.
    /// - Throws: as ``chainRanges(count:)``.
    public func folds(count: Int, folds: Int) throws(MonteCarloError) -> [[Int]] {
        switch self {
        case .independent:
            return (0..<folds).map { k in Array(stride(from: k, to: count, by: folds)) }
        case .chains:
            var groups = [[Int]](repeating: [], count: folds)
            for range in try chainRanges(count: count) {
                let length = range.count
                for k in 0..<folds {
                    let lower = range.lowerBound + k * length / folds
                    let upper = range.lowerBound + (k + 1) * length / folds
                    groups[k].append(contentsOf: lower..<upper)
                }
            }
            return groups
        }
    }

    /// The variance of the mean of `series` (one value per draw, in draw order): s²/n for
    /// independent draws, the long-run variance over the chains otherwise.
    /// - Throws: as ``chainRanges(count:)`` and ``LongRunVarianceMethod/estimate(_:chainLengths:)``.
    public func varianceOfMean(_ series: [Double]) throws(MonteCarloError) -> LongRunVariance {
        switch self {
        case .independent:
            return try LongRunVarianceMethod.independent(series)
        case .chains(let lengths, let method):
            return try method.estimate(series, chainLengths: lengths)
        }
    }
}
