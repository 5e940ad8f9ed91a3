import MonteCarloCore

/// Stratified sampling: a fixed number of draws inside every stratum of a grid on the unit cube.
///
/// The cube the sampler maps to π is cut into H equal-probability strata by a
/// ``StratificationGrid``; each *sample* is one sweep with `allocation[h]` independent draws
/// uniform on stratum h, mapped to π by the sampler. The estimate weights each stratum's mean by
/// its probability w_h = 1/H. Stratification removes the between-strata part of the variance of
/// f: with proportional allocation (the same number of draws in every stratum) the variance is
/// (1/n) Σ w_h σ_h², never more than plain Monte Carlo's σ²/n. Neyman allocation, n_h ∝ w_h σ_h
/// (Neyman 1934), minimizes the variance for a given n; ``neyman(sampler:integrand:grid:drawsPerSample:pilotDrawsPerStratum:seed:)``
/// sets it from the within-stratum standard deviations of a pilot.
///
/// ```swift
/// // E[e^U] with 16 strata of U and one draw in each per sweep.
/// let grid = try StratificationGrid(divisions: 16, cubeDimension: 1)
/// let estimator = try StratifiedMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { exp($0) }, grid: grid)
/// let estimate = try estimator.run(samples: 1000, seed: 1)   // 1000 sweeps, 16 000 evaluations
/// ```
///
/// **Statistical properties.** Unbiased for E_π[f] with any fixed allocation (Neyman's is fixed
/// by a pilot on its own stream, whose draws are not reused). `variance` is the variance of the
/// estimator, Σ w_h² s_h²/n_h, estimated *within* strata: s_h² is the unbiased sample variance
/// of the n_h values in stratum h, so it is itself unbiased; every stratum needs n_h ≥ 2, hence
/// at least 2 sweeps. The interval is Student-t with Satterthwaite's degrees of freedom.
/// `sampleCount` counts evaluations. ESS is σ²_plain / variance, with σ²_plain estimated from the
/// strata by the law of total variance, Σ w_h s_h² + Σ w_h (ȳ_h − ȳ)²; the variance-reduction
/// factor is ESS / n. A NaN or ∞ value of f is a typed error whose index counts evaluations
/// (sweep i holds evaluations i·k ..< (i + 1)·k, stratum by stratum).
///
/// With proportional allocation the sweep averages are i.i.d. and unbiased, so
/// ``ControlVariates`` stacks on this estimator; with any other allocation it refuses.
///
/// - Complexity: O(n·s) for n evaluations in s cube dimensions; memory O(H) for the state and
///   one block of points.
public struct StratifiedMonteCarlo<S: UnitCubeSampler>: MonteCarloEstimator {
    /// The measure π, as the image of the unit cube.
    public let sampler: S
    /// The integrand f.
    public let integrand: Integrand<S.Point>
    /// The strata.
    public let grid: StratificationGrid
    /// Draws in each stratum per sweep (each at least 1).
    public let allocation: [Int]
    /// The stratum of each position of a sweep.
    let stratumOfPosition: [Int]

    /// Creates the estimator with explicit per-sweep draw counts.
    /// - Parameters:
    ///   - sampler: the measure π, as the image of the unit cube.
    ///   - integrand: the integrand f.
    ///   - grid: the strata; its cube dimension must be the sampler's.
    ///   - allocation: draws in stratum h per sweep, one count per stratum, each at least 1.
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` when the grid's cube
    ///   dimension is not the sampler's or there is not one count per stratum;
    ///   `MonteCarloError/invalidParameter(name:value:requirement:)` for a count below 1 or a
    ///   sweep of more than 2²⁴ evaluations.
    public init(sampler: S, integrand: Integrand<S.Point>, grid: StratificationGrid, allocation: [Int]) throws(MonteCarloError) {
        guard grid.cubeDimension == sampler.cubeDimension else {
            throw .dimensionMismatch(what: "cube dimension of the strata", expected: sampler.cubeDimension,
                                     actual: grid.cubeDimension)
        }
        guard allocation.count == grid.stratumCount else {
            throw .dimensionMismatch(what: "allocation (one count per stratum)", expected: grid.stratumCount,
                                     actual: allocation.count)
        }
        var positions: [Int] = []
        for (h, count) in allocation.enumerated() {
            guard count >= 1 else {
                throw .invalidParameter(name: "allocation[\(h)]", value: Double(count), requirement: "at least 1 draw per sweep")
            }
            guard positions.count + count <= StratificationGrid.maximumStrata else {
                throw .invalidParameter(name: "allocation", value: Double(positions.count) + Double(count),
                                        requirement: "at most \(StratificationGrid.maximumStrata) evaluations per sweep")
            }
            positions.append(contentsOf: repeatElement(h, count: count))
        }
        self.sampler = sampler
        self.integrand = integrand
        self.grid = grid
        self.allocation = allocation
        stratumOfPosition = positions
    }

    /// Creates the estimator with proportional allocation: `drawsPerStratum` draws in every stratum per sweep.
    /// - Throws: as ``init(sampler:integrand:grid:allocation:)``.
    public init(sampler: S, integrand: Integrand<S.Point>, grid: StratificationGrid,
                drawsPerStratum: Int = 1) throws(MonteCarloError) {
        guard drawsPerStratum >= 1 else {
            throw .invalidParameter(name: "drawsPerStratum", value: Double(drawsPerStratum), requirement: "at least 1")
        }
        try self.init(sampler: sampler, integrand: integrand, grid: grid,
                      allocation: Array(repeating: drawsPerStratum, count: grid.stratumCount))
    }

    /// Whether every stratum gets the same number of draws (proportional allocation, as the strata
    /// are equally probable).
    public var isProportional: Bool { allocation.allSatisfy { $0 == allocation[0] } }

    public var evaluationsPerSample: Int { stratumOfPosition.count }
    /// About 1024 evaluations per block.
    public var preferredBlockSize: Int { max(1, 1024 / stratumOfPosition.count) }
    /// About 1000 draws, and at least 2 sweeps (the within-stratum variances need 2 draws per stratum).
    public var minimumSamplesBeforeStopping: Int { max(2, 1000 / stratumOfPosition.count) }

    public func makeState() -> StratifiedState { StratifiedState(strata: grid.stratumCount) }

    public func accumulate(_ count: Int, firstIndex: Int, into state: inout StratifiedState,
                           using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) {
        let k = stratumOfPosition.count
        let values = integrand.values(at: drawPointGroups(count, using: &generator))
        for i in 0..<count {
            for l in 0..<k {
                let value = values[i * k + l]
                guard value.isFinite else { throw .nonFinite(quantity: "integrand", index: (firstIndex + i) * k + l) }
                state.strata[stratumOfPosition[l]].add(value)
            }
        }
    }

    public func estimate(from state: StratifiedState) throws(MonteCarloError) -> Estimate {
        guard state.strata.count == grid.stratumCount else {
            throw .incompatibleStates("a state with \(state.strata.count) strata for a grid of \(grid.stratumCount)")
        }
        return try state.estimate(method: methodName)
    }

    // MARK: - Neyman allocation

    /// The estimator with Neyman allocation n_h ∝ σ_h (equal stratum weights), the within-stratum
    /// standard deviations σ_h estimated by a pilot.
    ///
    /// The pilot draws `pilotDrawsPerStratum` values in every stratum from stream 0 of
    /// `RandomStreams(seed:)`; they only set the allocation and are not part of any later
    /// estimate, so the estimator stays unbiased and its variance formula exact given the
    /// allocation. Stratum h gets max(1, round(k · s_h / Σ s_j)) draws per sweep, k =
    /// `drawsPerSample`: at least one, so that two sweeps give every stratum the two values its
    /// variance needs. When every pilot stratum is constant, the allocation is proportional.
    ///
    /// - Parameters:
    ///   - sampler: the measure π, as the image of the unit cube.
    ///   - integrand: the integrand f.
    ///   - grid: the strata; its cube dimension must be the sampler's.
    ///   - drawsPerSample: k, the approximate number of evaluations per sweep (rounding and the
    ///     minimum of one per stratum can change it a little).
    ///   - pilotDrawsPerStratum: pilot draws in each stratum, at least 2.
    ///   - seed: the pilot's seed; use one different from the main run's.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for fewer than 2 pilot
    ///   draws per stratum or k below the number of strata; the errors of
    ///   ``init(sampler:integrand:grid:allocation:)``; `MonteCarloError/nonFinite(quantity:index:)`
    ///   for a NaN or ∞ pilot value.
    public static func neyman(sampler: S, integrand: Integrand<S.Point>, grid: StratificationGrid, drawsPerSample: Int,
                              pilotDrawsPerStratum: Int = 16, seed: UInt64) throws(MonteCarloError) -> Self {
        guard pilotDrawsPerStratum >= 2 else {
            throw .invalidParameter(name: "pilotDrawsPerStratum", value: Double(pilotDrawsPerStratum),
                                    requirement: "at least 2, to estimate the within-stratum variances")
        }
        guard drawsPerSample >= grid.stratumCount else {
            throw .invalidParameter(name: "drawsPerSample", value: Double(drawsPerSample),
                                    requirement: "at least the number of strata (\(grid.stratumCount))")
        }
        let pilot = try Self(sampler: sampler, integrand: integrand, grid: grid, drawsPerStratum: pilotDrawsPerStratum)
        var state = pilot.makeState()
        var generator = RandomStreams(seed: seed).stream(0)
        do {
            try pilot.accumulate(1, firstIndex: 0, into: &state, using: &generator)
        } catch {
            if case let .nonFinite(quantity, index) = error { throw .nonFinite(quantity: "pilot \(quantity)", index: index) }
            throw error
        }
        let deviations = state.strata.map { $0.sampleVariance.squareRoot() }
        let total = deviations.reduce(0, +)
        let allocation = deviations.map { deviation in
            total > 0 ? max(1, Int((Double(drawsPerSample) * deviation / total).rounded()))
                : max(1, drawsPerSample / grid.stratumCount)
        }
        return try Self(sampler: sampler, integrand: integrand, grid: grid, allocation: allocation)
    }
}
