import MonteCarloCore

/// A coordinate-wise map u = Φ⁻¹(F̂(v)) fitted on training draws: each coordinate is sent
/// through its empirical distribution function and then the standard normal quantile
/// ("normal scores", the Gaussian-copula transform of Ince et al. 2017).
///
/// ```swift
/// let scores = try MarginalNormalScores(fitting: trainX)
/// let u = scores.transform(evaluationX)   // roughly N(0, 1) margins, bounded
/// ```
///
/// F̂ is the training sample's distribution function, interpolated linearly between order
/// statistics: a value at the k-th smallest of n training values (k = 1…n) maps to
/// F̂ = k/(n + 1), and values outside the training range are clamped to the extremes. So every
/// transformed coordinate lies in [Φ⁻¹(1/(n + 1)), Φ⁻¹(n/(n + 1))] (about ±3.3 for n = 1000),
/// whatever the tails of the input.
///
/// **Why critics use it.** Mutual information is unchanged by an invertible map of X or of Y, and
/// the map is fixed once fitted, so a critic T(u(x), u(y)) is just another critic of (x, y):
/// every bound evaluated with it on other pairs keeps its meaning (a lower bound stays a lower
/// bound, by the data-processing inequality where clamping loses information). Heavy-tailed
/// margins then cannot make e^T explode on a few product pairs, which is what ruins NWJ and DV
/// with a quadratic critic on Student-t data.
public struct MarginalNormalScores: Sendable, Hashable, Codable {
    /// The sorted training values of each coordinate.
    public let sortedValues: [[Double]]

    /// The number of coordinates.
    public var dimension: Int { sortedValues.count }

    /// Fits the map on n ≥ 2 training vectors of equal length.
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` for fewer than 2
    ///   draws; `MonteCarloError/dimensionMismatch(what:expected:actual:)` for ragged or empty
    ///   vectors; `MonteCarloError/nonFinite(quantity:index:)` for a NaN or infinite value.
    /// - Complexity: O(d n log n).
    public init(fitting draws: [[Double]]) throws(MonteCarloError) {
        guard draws.count >= 2 else {
            throw .insufficientSamples(needed: 2, available: draws.count, reason: "to fit marginal normal scores")
        }
        let d = draws[0].count
        guard d >= 1 else { throw .dimensionMismatch(what: "coordinates of draws[0]", expected: 1, actual: 0) }
        try CriticTrainingData.check(draws, dimension: d, name: "draws")
        var sorted: [[Double]] = []
        for k in 0..<d { sorted.append(draws.map { $0[k] }.sorted()) }
        sortedValues = sorted
    }

    /// u(v) for one vector of length ``dimension``.
    /// - Precondition: `v.count == dimension` (checked by the batch entry points of the critics).
    public func transform(_ v: [Double]) -> [Double] {
        var u = [Double](repeating: 0, count: v.count)
        for k in v.indices { u[k] = Self.normalScore(v[k], sorted: sortedValues[k]) }
        return u
    }

    /// u(v) for each vector.
    public func transform(_ draws: [[Double]]) -> [[Double]] {
        var out: [[Double]] = []
        out.reserveCapacity(draws.count)
        for v in draws { out.append(transform(v)) }
        return out
    }

    /// Φ⁻¹(F̂(v)) with the interpolated, clamped F̂ described above.
    static func normalScore(_ v: Double, sorted s: [Double]) -> Double {
        let n = s.count
        // The number of training values ≤ v, by binary search.
        var low = 0, high = n
        while low < high {
            let mid = (low + high) / 2
            if s[mid] <= v { low = mid + 1 } else { high = mid }
        }
        let rank: Double  // in [1, n]
        if low == 0 {
            rank = 1
        } else if low == n {
            rank = Double(n)
        } else {
            let lower = s[low - 1], upper = s[low]
            rank = Double(low) + (upper > lower ? (v - lower) / (upper - lower) : 0)
        }
        return NormalDistribution.standardQuantile(rank / Double(n + 1))
    }
}
