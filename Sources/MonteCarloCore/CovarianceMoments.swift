/// Count, mean vector and co-moment matrix of a stream of vectors, mergeable.
///
/// The vector counterpart of ``RunningMoments``: it keeps Σ (x − x̄)(x − x̄)ᵀ, so it yields the
/// sample covariance of several integrands at once, or the cross-moments of an integrand with
/// control variates (put the integrand first and the controls after it). Updates are Welford's
/// rank-one form; merges are Chan et al.'s (1979) pairwise formula.
///
/// - Complexity: O(k²) per added vector of dimension k; O(k²) storage.
public struct CovarianceMoments: MergeableState, Hashable {
    /// Dimension of the vectors.
    public let dimension: Int
    /// Number of vectors added.
    public private(set) var count: Int = 0
    /// Their mean.
    public private(set) var mean: [Double]
    /// Σ (x − x̄)(x − x̄)ᵀ, row-major, dimension × dimension.
    public private(set) var comoments: [Double]

    /// An empty state for vectors of `dimension` components.
    ///
    /// - Throws: `MonteCarloError.invalidParameter(name:value:requirement:)` if `dimension < 1`.
    public init(dimension: Int) throws(MonteCarloError) {
        guard dimension >= 1 else {
            throw .invalidParameter(name: "dimension", value: Double(dimension), requirement: "at least 1")
        }
        self.init(validatedDimension: dimension)
    }

    /// An empty state for a dimension the caller has already checked to be at least 1.
    package init(validatedDimension dimension: Int) {
        precondition(dimension > 0, "CovarianceMoments needs a positive dimension")
        self.dimension = dimension
        mean = Array(repeating: 0, count: dimension)
        comoments = Array(repeating: 0, count: dimension * dimension)
    }

    /// A state with the given count, means and centred co-moments (row-major), for callers that
    /// summed them another way (e.g. one BLAS Gram product); the caller guarantees they agree.
    package init(count: Int, mean: [Double], comoments: [Double]) {
        precondition(!mean.isEmpty && comoments.count == mean.count * mean.count && count >= 0,
                     "a count, d means and d × d co-moments")
        dimension = mean.count
        self.count = count
        self.mean = mean
        self.comoments = comoments
    }

    private enum CodingKeys: String, CodingKey { case dimension, count, mean, comoments }

    /// Decodes a state, refusing one no sequence of vectors can produce.
    /// - Throws: `DecodingError.dataCorrupted` for a dimension below 1, a mean or co-moment
    ///   matrix of the wrong size, a negative count or one above 2⁵³, non-finite entries, a
    ///   negative diagonal (sum of squares), or non-zero moments with a zero count.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        dimension = try container.decode(Int.self, forKey: .dimension)
        count = try container.decode(Int.self, forKey: .count)
        mean = try container.decode([Double].self, forKey: .mean)
        comoments = try container.decode([Double].self, forKey: .comoments)
        try DecodedState.require(dimension >= 1 && mean.count == dimension && comoments.count == dimension * dimension,
                                 "dimension \(dimension) with \(mean.count) means and \(comoments.count) co-moments", in: decoder)
        try DecodedState.requireCount(count, "count", in: decoder)
        try DecodedState.require(mean.allSatisfy(\.isFinite) && comoments.allSatisfy(\.isFinite),
                                 "a mean or co-moment is not finite", in: decoder)
        try DecodedState.require((0..<dimension).allSatisfy { comoments[$0 * dimension + $0] >= 0 },
                                 "a sum of squares (diagonal co-moment) is negative", in: decoder)
        try DecodedState.require(count > 0 || (mean + comoments).allSatisfy { $0 == 0 },
                                 "an empty state (count 0) has non-zero moments", in: decoder)
    }

    /// Adds one vector (`x.count` must equal ``dimension``).
    public mutating func add(_ x: UnsafeBufferPointer<Double>) {
        precondition(x.count == dimension, "vector dimension mismatch")
        count += 1
        let inverseCount = 1 / Double(count)
        let k = dimension
        withUnsafeTemporaryAllocation(of: Double.self, capacity: k) { delta in
            mean.withUnsafeMutableBufferPointer { mean in
                for i in 0..<k {
                    delta[i] = x[i] - mean[i]
                    mean[i] += delta[i] * inverseCount
                }
                comoments.withUnsafeMutableBufferPointer { c in
                    for i in 0..<k {
                        let after = x[i] - mean[i]
                        for j in 0..<k { c[i * k + j] += delta[j] * after }
                    }
                }
            }
        }
    }

    /// Adds one vector given as an array.
    public mutating func add(_ x: [Double]) {
        x.withUnsafeBufferPointer { add($0) }
    }

    /// Absorbs another state of the same dimension.
    /// - Throws: ``MonteCarloError/incompatibleStates(_:)`` when the dimensions differ.
    public mutating func merge(_ other: CovarianceMoments) throws(MonteCarloError) {
        guard other.dimension == dimension else {
            throw .incompatibleStates("dimension \(dimension) vs \(other.dimension)")
        }
        guard other.count > 0 else { return }
        guard count > 0 else {
            self = other
            return
        }
        let total = count + other.count
        let weight = Double(other.count) / Double(total)
        let scale = Double(count) * weight
        let k = dimension
        var delta = [Double](repeating: 0, count: k)
        for i in 0..<k { delta[i] = other.mean[i] - mean[i] }
        for i in 0..<k {
            for j in 0..<k { comoments[i * k + j] += other.comoments[i * k + j] + delta[i] * delta[j] * scale }
            mean[i] += delta[i] * weight
        }
        count = total
    }

    /// Sample covariance entry (i, j) with divisor n − 1; NaN when fewer than two vectors.
    public func sampleCovariance(_ i: Int, _ j: Int) -> Double {
        count > 1 ? comoments[i * dimension + j] / Double(count - 1) : .nan
    }

    /// The whole sample covariance matrix, row-major.
    public var sampleCovarianceMatrix: [Double] {
        let divisor = Double(count - 1)
        return comoments.map { count > 1 ? $0 / divisor : .nan }
    }
}
