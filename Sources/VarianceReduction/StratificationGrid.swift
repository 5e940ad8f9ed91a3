import MonteCarloCore

/// Equal-probability strata of the unit cube: a grid on some of its coordinates.
///
/// Coordinate `coordinates[j]` of the cube is cut into `divisions[j]` intervals of equal
/// length, and a stratum is one cell of the resulting grid (the other coordinates are left
/// whole). There are H = ∏ divisions strata, each of probability w_h = 1/H under the uniform
/// law on the cube; a `UnitCubeSampler` carries them over to its measure π.
///
/// ```swift
/// // 8 × 8 strata on the first two of three cube coordinates.
/// let grid = try StratificationGrid(coordinates: [0, 1], divisions: [8, 8], cubeDimension: 3)
/// grid.stratumCount   // 64
/// ```
///
/// Strata are numbered with the first listed coordinate varying fastest.
public struct StratificationGrid: Sendable, Hashable, Codable {
    /// The stratified cube coordinates (distinct, each below ``cubeDimension``).
    public let coordinates: [Int]
    /// The number of intervals each of them is cut into (each at least 1).
    public let divisions: [Int]
    /// The dimension of the cube.
    public let cubeDimension: Int

    /// Creates the grid.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for a cube dimension
    ///   below 1, no coordinate, a coordinate out of range or repeated, a division count below 1,
    ///   or more than 2²⁴ strata; `MonteCarloError/dimensionMismatch(what:expected:actual:)`
    ///   unless there is one division count per coordinate.
    public init(coordinates: [Int], divisions: [Int], cubeDimension: Int) throws(MonteCarloError) {
        guard cubeDimension >= 1 else {
            throw .invalidParameter(name: "cubeDimension", value: Double(cubeDimension), requirement: "at least 1")
        }
        guard !coordinates.isEmpty else {
            throw .invalidParameter(name: "coordinates.count", value: 0, requirement: "at least one stratified coordinate")
        }
        guard divisions.count == coordinates.count else {
            throw .dimensionMismatch(what: "strata counts (one per stratified coordinate)",
                                     expected: coordinates.count, actual: divisions.count)
        }
        for (j, c) in coordinates.enumerated() {
            guard c >= 0, c < cubeDimension else {
                throw .invalidParameter(name: "coordinates[\(j)]", value: Double(c),
                                        requirement: "a cube coordinate in 0..<\(cubeDimension)")
            }
            guard !coordinates[..<j].contains(c) else {
                throw .invalidParameter(name: "coordinates[\(j)]", value: Double(c), requirement: "not repeated")
            }
        }
        var total = 1
        for (j, k) in divisions.enumerated() {
            guard k >= 1 else {
                throw .invalidParameter(name: "divisions[\(j)]", value: Double(k), requirement: "at least 1 stratum")
            }
            total = total.multipliedReportingOverflow(by: k).overflow ? Int.max : total * k
            guard total <= Self.maximumStrata else {
                throw .invalidParameter(name: "strata", value: Double(total),
                                        requirement: "at most \(Self.maximumStrata) strata in all")
            }
        }
        self.coordinates = coordinates
        self.divisions = divisions
        self.cubeDimension = cubeDimension
    }

    /// `divisions` strata on the first coordinate of a cube of dimension `cubeDimension`.
    /// - Throws: as ``init(coordinates:divisions:cubeDimension:)``.
    public init(divisions: Int, cubeDimension: Int) throws(MonteCarloError) {
        try self.init(coordinates: [0], divisions: [divisions], cubeDimension: cubeDimension)
    }

    /// The largest number of strata accepted (the state keeps moments per stratum).
    public static let maximumStrata = 1 << 24

    /// H, the number of strata.
    public var stratumCount: Int { divisions.reduce(1, *) }

    /// The stratum holding the cube point `u` (``cubeDimension`` entries in [0, 1)).
    func stratum(of u: UnsafeBufferPointer<Double>) -> Int {
        var index = 0, stride = 1
        for (c, k) in zip(coordinates, divisions) {
            let cell = Swift.min(k - 1, Swift.max(0, Int(u[c] * Double(k))))
            index += cell * stride
            stride *= k
        }
        return index
    }

    /// Moves the uniform cube point `u` into `stratum`: u_c ↦ (i_c + u_c)/k_c on every stratified
    /// coordinate c, where i_c is the stratum's cell on c. A uniform point becomes uniform on the stratum.
    func place(_ u: UnsafeMutableBufferPointer<Double>, in stratum: Int) {
        var rest = stratum
        for (c, k) in zip(coordinates, divisions) {
            let cell = rest % k
            rest /= k
            // The nearest double below 1 keeps the point inside the half-open cell.
            u[c] = Swift.min((Double(cell) + u[c]) / Double(k), (Double(cell + 1) / Double(k)).nextDown)
        }
    }
}
