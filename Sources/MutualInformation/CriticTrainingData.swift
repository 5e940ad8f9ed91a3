import MonteCarloCore

/// Validated paired training draws: equal counts, consistent non-zero dimensions, finite values.
struct CriticTrainingData: Sendable {
    let x: [[Double]]
    let y: [[Double]]
    let xDimension: Int
    let yDimension: Int
    var count: Int { x.count }

    init(x: [[Double]], y: [[Double]]) throws(MonteCarloError) {
        guard x.count == y.count else {
            throw .dimensionMismatch(what: "number of y draws (one per x draw)", expected: x.count,
                                                   actual: y.count)
        }
        guard x.count >= 2 else {
            throw .insufficientSamples(needed: 2, available: x.count, reason: "to train a critic")
        }
        let dx = x[0].count, dy = y[0].count
        guard dx >= 1 else { throw .dimensionMismatch(what: "coordinates of x[0]", expected: 1, actual: 0) }
        guard dy >= 1 else { throw .dimensionMismatch(what: "coordinates of y[0]", expected: 1, actual: 0) }
        do {
            try Self.check(x, dimension: dx, name: "x")
            try Self.check(y, dimension: dy, name: "y")
        } catch { throw error }
        self.x = x
        self.y = y
        xDimension = dx
        yDimension = dy
    }

    /// Every vector has `dimension` finite entries.
    static func check(_ draws: [[Double]], dimension: Int, name: String) throws(MonteCarloError) {
        for (i, v) in draws.enumerated() {
            guard v.count == dimension else {
                throw .dimensionMismatch(what: "coordinates of \(name)[\(i)]", expected: dimension, actual: v.count)
            }
            if let k = v.firstIndex(where: { !$0.isFinite }) {
                throw .nonFinite(quantity: "coordinate \(k) of \(name)", index: i)
            }
        }
    }

    /// Per-coordinate means and (population) standard deviations.
    /// - Throws: `MonteCarloError/invalidArgument(_:)` if a coordinate is constant.
    static func standardization(_ draws: [[Double]], name: String) throws(MonteCarloError)
        -> (center: [Double], scale: [Double]) {
        let d = draws[0].count
        var center = [Double](repeating: 0, count: d), scale = [Double](repeating: 0, count: d)
        for k in 0..<d {
            var moments = RunningMoments()
            for v in draws { moments.add(v[k]) }
            center[k] = moments.mean
            let sd = (moments.sampleVariance * Double(moments.count - 1) / Double(moments.count)).squareRoot()
            guard sd > 0, sd.isFinite else {
                throw .invalidArgument(
                    "Coordinate \(k) of \(name) is constant (or overflows) in the training pairs; a critic cannot use it.")
            }
            scale[k] = sd
        }
        return (center, scale)
    }
}
