import MonteCarloCore

/// Stein-thinned points of G independent pieces of a sample, thinned separately: the input of
/// ``SteinControlFunctional/estimate(thinned:values:)``, whose error bar is a delete-a-group
/// jackknife over these independent groups.
///
/// Made by ``SteinThinning/thinnedGroups(_:count:groups:)``. The pieces are the chains of the
/// sample, each cut into contiguous segments so that there are at least the requested number
/// of groups; group g holds the points thinned from piece g, stored one group after another.
///
/// ```swift
/// let thinned = try SteinThinning().thinnedGroups(chain, count: 100)   // 5 segments of one chain
/// thinned.groupSizes      // 5 sizes adding up to 100, ∝ the segments' lengths
/// thinned.sample.count    // 100
/// ```
public struct ThinnedSample: Sendable, Hashable, Codable {
    /// The selected draws (repeats kept), group after group, as independent draws.
    public let sample: SteinSample
    /// The number of selected points of each group, in storage order.
    public let groupSizes: [Int]
    /// For every selected point, its index in the thinned (original) sample.
    public let indices: [Int]
    /// The number of draws of each piece the groups were thinned from.
    public let pieceLengths: [Int]
    /// The original sample's ``SteinSample/foldGap`` (⌈τ̂⌉ for chains, 0 for independent draws):
    /// the draws left out at every cut between two segments of one chain.
    public let autocorrelationGap: Int

    /// The number of groups G.
    public var groupCount: Int { groupSizes.count }

    /// The storage indices (into ``sample``) of every group.
    public var groups: [[Int]] {
        var start = 0
        var result: [[Int]] = []
        for size in groupSizes {
            result.append(Array(start..<(start + size)))
            start += size
        }
        return result
    }

    /// Checks that the groups describe the points (a decoded value may not): at least 3 groups,
    /// each non-empty, m points in all, one index per point.
    func validate() throws(MonteCarloError) {
        guard groupSizes.count >= 3 else {
            throw .insufficientSamples(needed: 3, available: groupSizes.count, reason: "(groups) for a delete-a-group jackknife over cross-fitted groups")
        }
        if let bad = groupSizes.firstIndex(where: { $0 < 1 }) {
            throw .invalidParameter(name: "group size", value: Double(groupSizes[bad]), requirement: "at least 1")
        }
        guard groupSizes.reduce(0, +) == sample.count else {
            throw .dimensionMismatch(what: "points in the groups (sum of group sizes)", expected: sample.count, actual: groupSizes.reduce(0, +))
        }
        guard indices.count == sample.count else {
            throw .dimensionMismatch(what: "indices (one per thinned point)", expected: sample.count, actual: indices.count)
        }
    }

    /// A warning when a piece is shorter than 10 autocorrelation times: neighbouring segments
    /// of one chain are then correlated enough to make the between-group variance too small.
    var shortPieceWarning: String? {
        guard autocorrelationGap > 0, let shortest = pieceLengths.min(), shortest < 10 * autocorrelationGap else { return nil }
        return "The shortest thinned piece has \(shortest) draws, fewer than 10 autocorrelation times (τ̂ ≈ \(autocorrelationGap)): "
            + "the groups are not independent and the between-group error bar is too small (by a factor of about 1 + τ̂/length "
            + "in variance); use longer chains or fewer groups."
    }

    init(sample: SteinSample, groupSizes: [Int], indices: [Int], pieceLengths: [Int], autocorrelationGap: Int) {
        self.sample = sample
        self.groupSizes = groupSizes
        self.indices = indices
        self.pieceLengths = pieceLengths
        self.autocorrelationGap = autocorrelationGap
    }
}
