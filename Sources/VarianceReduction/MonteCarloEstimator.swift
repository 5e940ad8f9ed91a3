import MonteCarloCore

/// An estimator of an expectation E_π[f] that accumulates draws into a mergeable state.
///
/// The unit of work is a *sample*: one draw for plain Monte Carlo, control variates and
/// importance sampling, one pair for antithetic sampling, one randomized point set for
/// randomized QMC. ``MonteCarloDriver`` feeds blocks of samples, each from its own random
/// stream, merges block states in a fixed order and finalizes with ``estimate(from:)``.
public protocol MonteCarloEstimator: Sendable {
    /// The accumulator this estimator keeps.
    associatedtype State: MergeableState
    /// What it produces: an `Estimate`, or a `VectorEstimate` for vector integrands.
    associatedtype Output: StoppableEstimate = Estimate

    /// An empty state.
    func makeState() -> State

    /// Draws `count` samples from `generator` and adds them to `state`.
    /// - Parameters:
    ///   - count: the number of samples (draws, pairs or replicates) to add.
    ///   - firstIndex: global index of the first sample, used to name bad draws in errors.
    ///   - state: the accumulator to add to.
    ///   - generator: the block's random stream.
    func accumulate(_ count: Int, firstIndex: Int, into state: inout State,
                    using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError)

    /// The estimate from an accumulated state.
    func estimate(from state: State) throws(MonteCarloError) -> Output

    /// Integrand evaluations per sample (1, or 2 for pairs, or the point-set size for RQMC).
    var evaluationsPerSample: Int { get }

    /// Samples per block the driver should use (a block is the unit of parallel work).
    var preferredBlockSize: Int { get }

    /// Samples (in this estimator's unit) drawn before an error target is first checked, when the
    /// ``StoppingRule`` does not say: enough for the variance estimate to be worth planning from.
    /// 1000 draws by default; 16 replicates for randomized QMC, whose samples are whole point sets.
    var minimumSamplesBeforeStopping: Int { get }
}

extension MonteCarloEstimator {
    public var evaluationsPerSample: Int { 1 }
    public var preferredBlockSize: Int { 4096 }
    public var minimumSamplesBeforeStopping: Int { 1000 }

    /// Runs the estimator for a fixed number of samples on all cores and returns the estimate.
    ///
    /// **Statistical properties.** Exactly those of the estimator (its bias, its `variance` and
    /// how that is estimated are documented on each conforming type); the driver only decides
    /// which streams the blocks draw from and merges their states in a fixed order.
    ///
    /// The result depends only on `seed` and `samples`, never on the number of threads.
    public func run(samples: Int, seed: UInt64) throws(MonteCarloError) -> Output {
        try MonteCarloDriver(stoppingRule: .sampleCount(samples)).run(self, seed: seed).estimate
    }
}

extension Sampler {
    /// `count` draws into a new array, written in place (no per-draw growth checks).
    @inlinable
    func drawBatch(_ count: Int, using generator: inout Xoshiro256PlusPlus) -> [Point] {
        Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { (buffer.baseAddress! + i).initialize(to: draw(using: &generator)) }
            initialized = count
        }
    }
}

extension Integrand {
    /// f at every point. Values the integrand leaves unwritten stay NaN, so they are caught.
    @inlinable
    func values(at points: [Point]) -> [Double] {
        var values = [Double](repeating: .nan, count: points.count)
        points.withUnsafeBufferPointer { p in values.withUnsafeMutableBufferPointer { evaluate(p, $0) } }
        return values
    }
}

extension VectorIntegrand {
    /// f at every point, row-major (`outputDimension` values per point); unwritten values stay NaN.
    @inlinable
    func values(at points: [Point]) -> [Double] {
        var values = [Double](repeating: .nan, count: points.count * outputDimension)
        points.withUnsafeBufferPointer { p in values.withUnsafeMutableBufferPointer { evaluate(p, $0) } }
        return values
    }
}

/// The index of the first NaN or ∞ in `values`, if any.
@usableFromInline
func firstNonFinite(_ values: [Double]) -> Int? {
    values.firstIndex { !$0.isFinite }
}

/// An estimate a stopping rule can judge: scalar or vector.
public protocol StoppableEstimate: Sendable, Codable, Hashable {
    /// The half-width of the `level` interval (the largest over components).
    func halfWidth(level: Double) throws(MonteCarloError) -> Double
    /// The largest ratio of a component's `level` half-width to its |value| (0 when the
    /// half-width is 0, +∞ when only the value is 0): a relative-error target e is met when this
    /// is at most e.
    func relativeHalfWidth(level: Double) throws(MonteCarloError) -> Double
    /// A value and standard error to record in a run's history (the least precise component).
    var summary: (value: Double, standardError: Double) { get }
}

extension Estimate: StoppableEstimate {
    public func halfWidth(level: Double) throws(MonteCarloError) -> Double {
        try confidenceInterval(level: level).width / 2
    }

    public func relativeHalfWidth(level: Double) throws(MonteCarloError) -> Double {
        let halfWidth = try halfWidth(level: level)
        return halfWidth == 0 ? 0 : halfWidth / abs(value)
    }

    public var summary: (value: Double, standardError: Double) { (value, standardError) }
}

extension VectorEstimate: StoppableEstimate {
    public func halfWidth(level: Double) throws(MonteCarloError) -> Double {
        var widest = 0.0
        for i in 0..<dimension { widest = max(widest, try component(i).halfWidth(level: level)) }
        return widest
    }

    public func relativeHalfWidth(level: Double) throws(MonteCarloError) -> Double {
        var widest = 0.0
        for i in 0..<dimension { widest = max(widest, try component(i).relativeHalfWidth(level: level)) }
        return widest
    }

    public var summary: (value: Double, standardError: Double) {
        let errors = standardErrors
        let worst = errors.indices.max { errors[$0] < errors[$1] } ?? 0
        return (values[worst], errors[worst])
    }
}
