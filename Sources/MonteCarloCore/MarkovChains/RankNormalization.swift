/// Rank normalization of draws: average ranks, then normal scores Φ⁻¹((r − 3/8)/(S + 1/4)).
///
/// ```swift
/// let z = RankNormalization.normalScores([2.0, 7.5, 7.5, -1.0])
/// // ranks 2, 3.5, 3.5, 1 → z ≈ [−0.32, 0.54, 0.54, −1.07]
/// ```
///
/// Replacing draws by the normal scores of their ranks makes R̂ and the effective sample size
/// well defined for heavy-tailed draws (no finite mean or variance needed) and invariant under
/// monotone transformations (Vehtari, Gelman, Simpson, Carpenter & Bürkner 2021). The offset
/// 3/8 is Blom's (1958) approximation to the expected normal order statistics.
public enum RankNormalization {
    /// The ranks 1 … S of `values` in ascending order, tied values sharing the mean of the ranks
    /// they span (the "average" method).
    ///
    /// - Complexity: O(S log S).
    public static func averageRanks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count, values[order[end]] == values[order[start]] { end += 1 }
            // Positions start ..< end (0-based) hold ranks start + 1 … end; their mean:
            let shared = Double(start + 1 + end) / 2
            for position in start..<end { ranks[order[position]] = shared }
            start = end
        }
        return ranks
    }

    /// The normal scores z = Φ⁻¹((r − 3/8)/(S + 1/4)) of `values`, r the average rank among all
    /// S values.
    ///
    /// - Complexity: O(S log S).
    /// - Statistical properties: for S continuous draws the scores are, to a good approximation,
    ///   the expected standard normal order statistics, so their distribution is close to N(0, 1)
    ///   whatever the distribution of the draws; ties (e.g. indicator draws) share one score.
    public static func normalScores(_ values: [Double]) -> [Double] {
        let size = Double(values.count)
        return averageRanks(values).map { rank in
            NormalDistribution.standardQuantile((rank - 0.375) / (size + 0.25))
        }
    }
}
