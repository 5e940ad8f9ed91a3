/// A low-discrepancy point set in [0, 1)^s that can be randomized, for randomized quasi-Monte Carlo.
///
/// Sobol points (GSL, s ≤ 40) are randomized by a random *digital shift*: the 30-bit binary
/// expansion of each coordinate is XOR-ed with a random 30-bit word per dimension and the
/// remaining low bits are filled uniformly. Halton points (GSL, s ≤ 1229) are randomized by a
/// random shift modulo 1 (Cranley & Patterson 1976). Either way every randomized point is
/// uniform on the cube, so the average over a randomized set is an unbiased estimate, and
/// independent randomizations give an honest variance.
///
/// ```swift
/// let points = try QuasiRandomPointSet(.sobol, dimension: 2, count: 1024)
/// var generator = Xoshiro256PlusPlus(seed: 1)
/// let shifted = points.randomized(using: &generator)   // 1024 × 2, row-major
/// ```
public struct QuasiRandomPointSet: Sendable, Hashable, Codable {
    /// The construction of the underlying sequence.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// Sobol's sequence (Bratley & Fox 1988 implementation in GSL), up to 40 dimensions.
        case sobol
        /// Halton's sequence, up to 1229 dimensions.
        case halton

        /// The largest dimension GSL supports for this kind.
        public var maximumDimension: Int { self == .sobol ? 40 : 1229 }
    }

    /// Sequence kind.
    public let kind: Kind
    /// Dimension s.
    public let dimension: Int
    /// Number of points n.
    public let count: Int
    /// The unrandomized points, row-major (point i occupies `dimension` consecutive entries).
    public let points: [Double]

    /// Generates the first `count` points of the sequence, starting at the origin.
    /// - Throws: ``MonteCarloError/invalidParameter(name:value:requirement:)`` for a dimension
    ///   outside 1…``Kind/maximumDimension`` or a count below 1.
    public init(_ kind: Kind, dimension: Int, count: Int) throws(MonteCarloError) {
        guard dimension >= 1, dimension <= kind.maximumDimension else {
            throw .invalidParameter(name: "dimension", value: Double(dimension),
                                    requirement: "between 1 and \(kind.maximumDimension) for \(kind)")
        }
        guard count >= 1 else {
            throw .invalidParameter(name: "count", value: Double(count), requirement: "at least 1")
        }
        self.kind = kind
        self.dimension = dimension
        self.count = count
        // GSL's sequences start after the origin; putting it back makes the first 2^m Sobol points
        // a (t, m, s)-net (every elementary box of volume 2^−(m−t) holds exactly 2^t points).
        points = Array(repeating: 0, count: dimension)
            + (try GSL.quasiRandomPoints(sobol: kind == .sobol, dimension: dimension, count: count - 1))
    }

    /// The largest double below 1 and a tiny positive number: randomized points stay in (0, 1).
    static let belowOne = 1 - 0x1.0p-53
    static let aboveZero = 0x1.0p-60

    /// One independent randomization of the whole point set, row-major (every coordinate in (0, 1)).
    public func randomized<G: RandomNumberGenerator>(using generator: inout G) -> [Double] {
        var result = [Double](repeating: 0, count: points.count)
        randomize(into: &result, using: &generator)
        return result
    }

    /// Writes one independent randomization into `output` (which must hold `count · dimension` values).
    public func randomize<G: RandomNumberGenerator>(into output: inout [Double], using generator: inout G) {
        precondition(output.count == points.count, "output must hold count × dimension values")
        let s = dimension
        switch kind {
        case .sobol:
            let scale = 0x1.0p30
            let shifts = (0..<s).map { _ in UInt32(truncatingIfNeeded: generator.next() >> 34) }
            for i in 0..<count {
                for j in 0..<s {
                    let bits = UInt32(points[i * s + j] * scale) ^ shifts[j]
                    // Open-interval fill, clamped below 1: quantile maps never see 0 or 1.
                    output[i * s + j] = min((Double(bits) + generator.nextOpenUniform()) / scale, Self.belowOne)
                }
            }
        case .halton:
            let shifts = (0..<s).map { _ in generator.nextUniform() }
            for i in 0..<count {
                for j in 0..<s {
                    var u = points[i * s + j] + shifts[j]
                    if u >= 1 { u -= 1 }
                    output[i * s + j] = min(max(u, Self.aboveZero), Self.belowOne)
                }
            }
        }
    }
}
