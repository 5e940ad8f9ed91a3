import MonteCarloCore

/// A real-valued integrand f, evaluated a batch of points at a time.
///
/// f must be a deterministic function of the point (estimators may evaluate a point twice, e.g.
/// to name a draw whose value was not finite).
///
/// Give a scalar closure for convenience, or a batch closure to vectorize the evaluation (one
/// call per block of draws instead of one per draw).
///
/// ```swift
/// let f = Integrand<Double> { u in exp(u) }
/// let g = Integrand<Double>(batch: { points, values in
///     for i in points.indices { values[i] = exp(points[i]) }
/// })
/// ```
public struct Integrand<Point>: Sendable {
    /// Writes f(points[i]) into values[i] for every i.
    public let evaluate: @Sendable (_ points: UnsafeBufferPointer<Point>, _ values: UnsafeMutableBufferPointer<Double>) -> Void

    /// The pointwise function, when the integrand was made from one (lets estimators fuse
    /// drawing, evaluating and accumulating into one pass).
    public let pointwise: (@Sendable (Point) -> Double)?

    /// An integrand from a batch closure.
    @inlinable
    public init(batch: @escaping @Sendable (UnsafeBufferPointer<Point>, UnsafeMutableBufferPointer<Double>) -> Void) {
        evaluate = batch
        pointwise = nil
    }

    /// An integrand from a closure evaluated at one point.
    @inlinable
    public init(_ function: @escaping @Sendable (Point) -> Double) {
        evaluate = { points, values in
            for i in points.indices { values[i] = function(points[i]) }
        }
        pointwise = function
    }
}

/// A vector-valued integrand f: Point → ℝᵏ, evaluated a batch of points at a time.
public struct VectorIntegrand<Point>: Sendable {
    /// The number k of components.
    public let outputDimension: Int
    /// Writes f(points[i]) into values[i·k ..< (i+1)·k].
    public let evaluate: @Sendable (_ points: UnsafeBufferPointer<Point>, _ values: UnsafeMutableBufferPointer<Double>) -> Void

    /// A vector integrand from a batch closure writing k values per point, row-major.
    ///
    /// - Throws: `MonteCarloError.invalidParameter(name:value:requirement:)` if
    ///   `outputDimension < 1`.
    public init(outputDimension: Int,
                batch: @escaping @Sendable (UnsafeBufferPointer<Point>, UnsafeMutableBufferPointer<Double>) -> Void
    ) throws(MonteCarloError) {
        try Self.requireComponents(outputDimension)
        self.outputDimension = outputDimension
        evaluate = batch
    }

    /// A vector integrand from a closure returning the k values at one point.
    /// A returned array of the wrong length is recorded as NaN values, so the estimator reports it.
    ///
    /// - Throws: `MonteCarloError.invalidParameter(name:value:requirement:)` if
    ///   `outputDimension < 1`.
    public init(outputDimension: Int, _ function: @escaping @Sendable (Point) -> [Double]) throws(MonteCarloError) {
        try Self.requireComponents(outputDimension)
        self.init(validatedOutputDimension: outputDimension, function)
    }

    /// The closure form of ``init(validatedOutputDimension:batch:)``.
    package init(validatedOutputDimension outputDimension: Int, _ function: @escaping @Sendable (Point) -> [Double]) {
        precondition(outputDimension > 0, "a vector integrand needs at least one component")
        self.outputDimension = outputDimension
        evaluate = { points, values in
            for i in points.indices {
                let v = function(points[i])
                for j in 0..<outputDimension { values[i * outputDimension + j] = v.count == outputDimension ? v[j] : .nan }
            }
        }
    }

    /// A vector integrand whose `outputDimension` the caller (inside the package) has already
    /// checked to be at least 1.
    package init(validatedOutputDimension outputDimension: Int,
                 batch: @escaping @Sendable (UnsafeBufferPointer<Point>, UnsafeMutableBufferPointer<Double>) -> Void) {
        precondition(outputDimension > 0, "a vector integrand needs at least one component")
        self.outputDimension = outputDimension
        evaluate = batch
    }

    private static func requireComponents(_ outputDimension: Int) throws(MonteCarloError) {
        guard outputDimension >= 1 else {
            throw .invalidParameter(
                name: "outputDimension", value: Double(outputDimension), requirement: "at least 1")
        }
    }
}

/// What to do when the integrand returns NaN or ±∞.
public enum NonFinitePolicy: String, Sendable, Hashable, Codable {
    /// Throw `MonteCarloError/nonFinite(quantity:index:)` naming the first offending draw (the default).
    case fail
    /// Drop the draw (or pair, or replicate), count it and report the count and a warning in the diagnostics.
    case skipAndReport
}
