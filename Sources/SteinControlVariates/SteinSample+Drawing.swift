import MonteCarloCore

extension SteinSample {
    /// Draws `count` points from `distribution` and records the score at each.
    /// - Throws: the errors of ``init(count:dimension:points:scores:dependence:)`` (e.g. a non-finite score).
    public init<D: ScoredSampler, G: RandomNumberGenerator>(
        drawing count: Int, from distribution: D, using generator: inout G
    ) throws(MonteCarloError) {
        guard count >= 1 else { throw .insufficientSamples(needed: 1, available: count, reason: "to form a Stein sample") }
        var points: [Double] = []
        var scores: [Double] = []
        var dimension = 0
        for i in 0..<count {
            let x = distribution.draw(using: &generator)
            if i == 0 {
                dimension = x.count
                points.reserveCapacity(count * dimension)
                scores.reserveCapacity(count * dimension)
            }
            let u = distribution.score(x)
            guard x.count == dimension, u.count == dimension else {
                throw .dimensionMismatch(what: "draw \(i) or its score", expected: dimension, actual: x.count == dimension ? u.count : x.count)
            }
            points.append(contentsOf: x)
            scores.append(contentsOf: u)
        }
        try self.init(count: count, dimension: dimension, points: points, scores: scores)
    }
}
