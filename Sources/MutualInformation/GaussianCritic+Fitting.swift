import LinearAlgebra
import MonteCarloCore

extension GaussianCritic {
    /// The Gaussian critic with the plug-in mean and covariance (n − 1 denominator) of training
    /// pairs: the optimal critic when (X, Y) is jointly Gaussian, a heuristic otherwise.
    ///
    /// Evaluate bounds with it on pairs *not* used here: on its own training pairs a fitted
    /// critic overstates I. For jointly Gaussian data the plug-in critic's expected bound falls
    /// below I by O(d²/n) (the Kullback–Leibler cost of the estimated covariance); for
    /// non-Gaussian margins it can fall far below I.
    /// - Parameters:
    ///   - x: training values of X, one array of d_x entries per pair.
    ///   - y: training values of Y, one array of d_y entries per pair, in the same order.
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` for unequal
    ///   counts or ragged rows, `MonteCarloError/nonFinite(quantity:index:)` for NaN or infinite
    ///   entries, `MonteCarloError/insufficientSamples(needed:available:reason:)` for fewer than
    ///   d + 2 pairs (d = d_x + d_y), and the errors of ``init(covariance:xDimension:mean:)``
    ///   when the sample covariance is singular (e.g. a constant or duplicated column).
    public static func fitted(x: [[Double]], y: [[Double]]) throws(MonteCarloError) -> GaussianCritic {
        guard x.count == y.count else { throw .dimensionMismatch(what: "pairs (x and y counts)", expected: x.count, actual: y.count) }
        guard let dx = x.first?.count, let dy = y.first?.count, dx > 0, dy > 0 else {
            throw .insufficientSamples(needed: 1, available: 0, reason: "(pairs with non-empty x and y) to fit a Gaussian critic")
        }
        let n = x.count, d = dx + dy
        guard n >= d + 2 else {
            throw .insufficientSamples(needed: d + 2, available: n, reason: "(pairs) for a nonsingular \(d)×\(d) sample covariance")
        }
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n {
            guard x[i].count == dx else { throw .dimensionMismatch(what: "entries of x[\(i)]", expected: dx, actual: x[i].count) }
            guard y[i].count == dy else { throw .dimensionMismatch(what: "entries of y[\(i)]", expected: dy, actual: y[i].count) }
            for k in 0..<d {
                let v = k < dx ? x[i][k] : y[i][k - dx]
                guard v.isFinite else { throw .nonFinite(quantity: k < dx ? "x[\(i)][\(k)]" : "y[\(i)][\(k - dx)]", index: i) }
                mean[k] += v / Double(n)
            }
        }
        var covariance = Matrix(rows: d, columns: d)
        for i in 0..<n {
            let centred = (0..<d).map { k in (k < dx ? x[i][k] : y[i][k - dx]) - mean[k] }
            for a in 0..<d { for b in 0...a { covariance[a, b] += centred[a] * centred[b] } }
        }
        for a in 0..<d {
            for b in 0...a {
                covariance[a, b] /= Double(n - 1)
                covariance[b, a] = covariance[a, b]
            }
        }
        return try GaussianCritic(covariance: covariance, xDimension: dx, mean: mean)
    }
}
