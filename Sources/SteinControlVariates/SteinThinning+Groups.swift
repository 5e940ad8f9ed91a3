import MonteCarloCore

extension SteinThinning {
    /// Stein thinning of G independent pieces of `sample` separately, for honest error bars
    /// from independent groups (``SteinControlFunctional/estimate(thinned:values:)``).
    ///
    /// The pieces: every chain of `sample` (one "chain" for independent draws) cut into
    /// ⌈`groups` / chains⌉ contiguous segments of (nearly) equal length, so G = chains ×
    /// segments ≥ `groups`; at every cut inside a chain the first ``SteinSample/foldGap`` = ⌈τ̂⌉
    /// draws of the later segment are left out, so that neighbouring segments are nearly
    /// independent. Piece g gets m_g points, m_g ∝ its length (largest remainders, Σ m_g = m),
    /// all pieces at the kernel's length-scale on the whole sample.
    ///
    /// Within a piece the greedy rule differs from ``select(_:count:)`` in two ways, both
    /// measured (AR(1) chains, ρ = 0.8, d = 2, m = 50 of n = 500, G = 5, R = 200): the objective
    /// leaves out k0(xᵢ, xᵢ)/2, so that step t minimises the increase of the off-diagonal sum
    /// Σ_{s≠s′} k0(x_{πₛ}, x_{πₛ′}), and the first point is the piece's middle draw. With the
    /// diagonal term (the V-statistic of Riabiz et al. 2022) a greedy set of 10 points is drawn
    /// towards the mode, where k0(x, x) is smallest: the groups' thinned means were biased by
    /// −1.7 of their standard errors, and control functionals over such groups by −1.4 to −5.5
    /// (coverage 18–78%); starting from the draw with the smallest k0(x, x) still left −0.29.
    /// Without both, the bias stayed within 0.2 standard errors. ``select(_:count:)`` keeps the
    /// objective of Riabiz et al.: on one thinned set of 50 of the 500 draws, control functionals
    /// were twice as accurate with it (root-mean-square error 0.038 against 0.077 without the
    /// diagonal), though biased by about 0.7 of their standard deviation.
    ///
    /// Why groups: the points of one thinned set are more evenly spread than draws from π, and
    /// their selection is a deterministic function of the chain; no quantity computed within
    /// the set measures how its averages vary from chain to chain (the held-out residual
    /// variance overstated it 8–12 times, see ``SteinThinning``). Separately thinned
    /// independent pieces give independent group averages.
    ///
    /// - Parameters:
    ///   - sample: draws with their scores; chains (`SampleDependence/chains(lengths:longRunVariance:)`)
    ///     or independent draws. A single chain passed as independent draws is cut without gaps.
    ///   - m: the total number of points, at least 2 per group.
    ///   - groups: the least number of groups G, at least 3 (the jackknife fits on G − 2 groups);
    ///     5 by default (a Student-t interval with G − 1 degrees of freedom: more groups give
    ///     shorter intervals, but shorter pieces).
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for `groups` below
    ///   3, or m below 2G or above the number of draws of a piece;
    ///   `MonteCarloError/insufficientSamples(needed:available:reason:)` when a piece would have
    ///   fewer than 2 draws; the errors of ``select(_:count:)``.
    /// - Complexity: O(n·m/G) Stein-kernel evaluations.
    public func thinnedGroups(_ sample: SteinSample, count m: Int, groups: Int = 5) throws(MonteCarloError) -> ThinnedSample {
        guard groups >= 3 else { throw .invalidParameter(name: "groups", value: Double(groups), requirement: "at least 3") }
        let pieces = try Self.pieces(of: sample, atLeast: groups)
        guard m >= 2 * pieces.count else {
            throw .invalidParameter(name: "count", value: Double(m), requirement: "at least 2 per group (\(2 * pieces.count) for \(pieces.count) groups)")
        }
        let sizes = Self.allocate(m, proportionalTo: pieces.map(\.count))
        let lengthScale = try baseLengthScale(on: sample)
        var indices: [Int] = []
        indices.reserveCapacity(m)
        for (piece, size) in zip(pieces, sizes) {
            guard size >= 1, size <= piece.count else {
                throw .invalidParameter(name: "count", value: Double(m), requirement: "at least 1 and at most the draws of every piece (\(size) for a piece of \(piece.count))")
            }
            let part = try Self.draws(of: sample, at: Array(piece))
            for i in try select(part, count: size, lengthScale: lengthScale, diagonal: false) { indices.append(piece.lowerBound + i) }
        }
        return ThinnedSample(sample: try Self.draws(of: sample, at: indices),
                             groupSizes: sizes, indices: indices, pieceLengths: pieces.map(\.count),
                             autocorrelationGap: sample.foldGap)
    }

    /// Every chain cut into ⌈`groups` / chains⌉ contiguous segments, the first ``SteinSample/foldGap``
    /// draws after each cut left out (unless that would leave a segment under half its length).
    static func pieces(of sample: SteinSample, atLeast groups: Int) throws(MonteCarloError) -> [Range<Int>] {
        let chains = try sample.dependence.chainRanges(count: sample.count)
        let segments = (groups + chains.count - 1) / chains.count
        let gap = sample.foldGap
        var pieces: [Range<Int>] = []
        for chain in chains {
            for s in 0..<segments {
                var start = chain.lowerBound + s * chain.count / segments
                let end = chain.lowerBound + (s + 1) * chain.count / segments
                if s > 0, 2 * gap <= end - start { start += gap }
                guard end - start >= 2 else {
                    throw .insufficientSamples(needed: 2 * segments, available: chain.count, reason: "(2 per segment) in every chain to cut it into \(segments) segments")
                }
                pieces.append(start..<end)
            }
        }
        return pieces
    }

    /// `total` split in proportion to `weights` by largest remainders.
    static func allocate(_ total: Int, proportionalTo weights: [Int]) -> [Int] {
        let sum = Double(weights.reduce(0, +))
        let exact = weights.map { Double(total) * Double($0) / sum }
        var sizes = exact.map { Int($0.rounded(.down)) }
        // Largest remainder first; ties to the earlier piece.
        let order = exact.indices.sorted { (exact[$0] - Double(sizes[$0]), $1) > (exact[$1] - Double(sizes[$1]), $0) }
        for k in 0..<(total - sizes.reduce(0, +)) { sizes[order[k]] += 1 }
        return sizes
    }
}
