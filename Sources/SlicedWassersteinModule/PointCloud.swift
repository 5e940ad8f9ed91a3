import MonteCarloCore

/// A weighted point cloud in ℝ^d: the empirical measure Σᵢ αᵢ δ_{xᵢ}, stored contiguously.
///
/// Points are stored row-major (point i occupies `dimension` consecutive entries of
/// ``points``), which is how files and most users lay them out; the sliced estimators hand the
/// buffer to BLAS as a column-major d × n matrix without copying it.
///
/// ```swift
/// let x = try PointCloud(rows: [[0, 0], [1, 0], [0, 2]])
/// let y = try PointCloud(points: [0, 0, 3, 1], dimension: 2, weights: [0.25, 0.75])
/// ```
public struct PointCloud: Sendable, Hashable, Codable {
    /// The number n of points.
    public let count: Int
    /// The dimension d of the space.
    public let dimension: Int
    /// The points, row-major: `points[i * dimension + k]` is coordinate k of point i.
    public let points: [Double]
    /// The weights αᵢ normalized to sum to 1, or `nil` for the uniform weights 1/n.
    public let weights: [Double]?

    /// A cloud from row-major coordinates.
    ///
    /// - Parameters:
    ///   - points: `count · dimension` finite coordinates, point after point.
    ///   - dimension: d ≥ 1.
    ///   - weights: optional non-negative weights, one per point, not all zero; they are
    ///     normalized to sum to 1. `nil` means uniform.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for d < 1, a
    ///   negative, non-finite or all-zero weight vector;
    ///   `MonteCarloError/insufficientSamples(needed:available:reason:)` for an empty cloud;
    ///   `MonteCarloError/dimensionMismatch(what:expected:actual:)` when the number of
    ///   coordinates is not a multiple of d or the weights do not have one entry per point;
    ///   `MonteCarloError/nonFinite(quantity:index:)` naming the first point with a NaN or ∞
    ///   coordinate.
    /// - Complexity: O(n d).
    public init(points: [Double], dimension: Int, weights: [Double]? = nil) throws(MonteCarloError) {
        guard dimension >= 1 else {
            throw .invalidParameter(name: "dimension", value: Double(dimension), requirement: "at least 1")
        }
        guard points.count % dimension == 0 else {
            throw .dimensionMismatch(what: "point coordinates (a multiple of the dimension \(dimension))",
                                     expected: (points.count / dimension + 1) * dimension, actual: points.count)
        }
        let n = points.count / dimension
        guard n >= 1 else {
            throw .insufficientSamples(needed: 1, available: 0, reason: "in a point cloud")
        }
        if let bad = points.firstIndex(where: { !$0.isFinite }) {
            throw .nonFinite(quantity: "point coordinate", index: bad / dimension)
        }
        self.count = n
        self.dimension = dimension
        self.points = points
        self.weights = try weights.map { w throws(MonteCarloError) in try PointCloud.normalizedWeights(w, count: n) }
    }

    /// A cloud from a list of points (each an array of d coordinates).
    /// - Throws: as ``init(points:dimension:weights:)``; a ragged list is a
    ///   `MonteCarloError/dimensionMismatch(what:expected:actual:)` naming the first bad row.
    public init(rows: [[Double]], weights: [Double]? = nil) throws(MonteCarloError) {
        guard let first = rows.first else {
            throw .insufficientSamples(needed: 1, available: 0, reason: "in a point cloud")
        }
        let d = first.count
        for (i, row) in rows.enumerated() where row.count != d {
            throw .dimensionMismatch(what: "coordinates of point \(i)", expected: d, actual: row.count)
        }
        try self.init(points: rows.flatMap { $0 }, dimension: d, weights: weights)
    }

    /// Validates and normalizes weights (sum 1).
    static func normalizedWeights(_ weights: [Double], count: Int) throws(MonteCarloError) -> [Double] {
        guard weights.count == count else {
            throw .dimensionMismatch(what: "weights (one per point)", expected: count, actual: weights.count)
        }
        var total = 0.0
        for (i, w) in weights.enumerated() {
            guard w.isFinite else { throw .nonFinite(quantity: "weight", index: i) }
            guard w >= 0 else { throw .invalidParameter(name: "weights[\(i)]", value: w, requirement: "non-negative") }
            total += w
        }
        guard total > 0, total.isFinite else {
            throw .invalidParameter(name: "sum of weights", value: total, requirement: "finite and positive")
        }
        return weights.map { $0 / total }
    }

    /// The weight of point i (1/n when uniform).
    @inline(__always)
    func weight(_ i: Int) -> Double { weights?[i] ?? 1 / Double(count) }

    // MARK: - Moments

    /// The weighted mean m = Σ αᵢ xᵢ.
    public var mean: [Double] {
        var m = [Double](repeating: 0, count: dimension)
        for i in 0..<count {
            let w = weight(i)
            for k in 0..<dimension { m[k] += w * points[i * dimension + k] }
        }
        return m
    }

    /// The weighted (population, divisor 1) covariance Σ = Σ αᵢ (xᵢ − m)(xᵢ − m)ᵀ, row-major d × d.
    public var covariance: [Double] {
        let d = dimension
        let m = mean
        var c = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        for i in 0..<count {
            let w = weight(i)
            for k in 0..<d { centred[k] = points[i * d + k] - m[k] }
            for a in 0..<d {
                let wa = w * centred[a]
                for b in a..<d { c[a * d + b] += wa * centred[b] }
            }
        }
        for a in 0..<d { for b in 0..<a { c[a * d + b] = c[b * d + a] } }
        return c
    }

    /// tr Σ = Σ αᵢ |xᵢ − m|², by two passes.
    var totalVariance: Double {
        let d = dimension
        let m = mean
        var total = 0.0
        for i in 0..<count {
            var s = 0.0
            for k in 0..<d {
                let c = points[i * d + k] - m[k]
                s += c * c
            }
            total += weight(i) * s
        }
        return total
    }
}
