import MonteCarloCore

/// Post-stratification: plain Monte Carlo draws, sorted into strata after the fact and reweighted
/// by the strata's known probabilities.
///
/// Each *sample* is one draw u uniform on the unit cube, mapped to π by the sampler; the draw
/// counts in the stratum of a ``StratificationGrid`` that holds u. The estimate is Σ w_h ȳ_h
/// with w_h = 1/H, as for ``StratifiedMonteCarlo``, but the counts n_h are random (multinomial)
/// instead of fixed. Use it when draws cannot be steered into strata, or to compare with
/// stratification at the same grid: for large n its variance is close to proportional
/// allocation's (Cochran 1977, §5A.9), larger by about (1/n²) Σ (1 − w_h) σ_h².
///
/// ```swift
/// let grid = try StratificationGrid(divisions: 16, cubeDimension: 1)
/// let estimator = try PostStratifiedMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { exp($0) }, grid: grid)
/// let estimate = try estimator.run(samples: 16_000, seed: 1)
/// ```
///
/// **Statistical properties.** Conditionally on the counts (n_1, …, n_H), the draws in stratum
/// h are i.i.d. from π restricted to it, so the estimator is unbiased *given the counts* whenever
/// it is defined (every n_h ≥ 2; otherwise the estimate is a typed error, an event of
/// probability at most n·H·(1 − 1/H)^(n−1), negligible once n ≫ H log H). `variance` is the
/// conditional variance given the counts, Σ w_h² s_h²/n_h, estimated within strata (Holt & Smith
/// 1979 argue this is the variance to report); the unconditional variance is its expectation.
/// Student-t interval with Satterthwaite's degrees of freedom; ESS as for
/// ``StratifiedMonteCarlo`` (σ²_plain by the law of total variance over the strata). A NaN or ∞
/// value of f is a typed error naming the draw.
///
/// - Complexity: O(n·s) for n draws in s cube dimensions; memory O(H).
public struct PostStratifiedMonteCarlo<S: UnitCubeSampler>: MonteCarloEstimator {
    /// The measure π, as the image of the unit cube.
    public let sampler: S
    /// The integrand f.
    public let integrand: Integrand<S.Point>
    /// The strata.
    public let grid: StratificationGrid

    /// Creates the estimator.
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` when the grid's cube
    ///   dimension is not the sampler's.
    public init(sampler: S, integrand: Integrand<S.Point>, grid: StratificationGrid) throws(MonteCarloError) {
        guard grid.cubeDimension == sampler.cubeDimension else {
            throw .dimensionMismatch(what: "cube dimension of the strata", expected: sampler.cubeDimension,
                                     actual: grid.cubeDimension)
        }
        self.sampler = sampler
        self.integrand = integrand
        self.grid = grid
    }

    public var preferredBlockSize: Int { 1024 }

    public func makeState() -> StratifiedState { StratifiedState(strata: grid.stratumCount) }

    public func accumulate(_ count: Int, firstIndex: Int, into state: inout StratifiedState,
                           using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) {
        var u = [Double](repeating: 0.5, count: grid.cubeDimension)
        var points = [S.Point]()
        points.reserveCapacity(count)
        var strata = [Int]()
        strata.reserveCapacity(count)
        u.withUnsafeMutableBufferPointer { u in
            for _ in 0..<count {
                for c in u.indices { u[c] = generator.nextOpenUniform() }
                strata.append(grid.stratum(of: UnsafeBufferPointer(u)))
                points.append(sampler.point(fromUnitCube: UnsafeBufferPointer(u)))
            }
        }
        let values = integrand.values(at: points)
        for i in 0..<count {
            guard values[i].isFinite else { throw .nonFinite(quantity: "integrand", index: firstIndex + i) }
            state.strata[strata[i]].add(values[i])
        }
    }

    public func estimate(from state: StratifiedState) throws(MonteCarloError) -> Estimate {
        guard state.strata.count == grid.stratumCount else {
            throw .incompatibleStates("a state with \(state.strata.count) strata for a grid of \(grid.stratumCount)")
        }
        return try state.estimate(method: "post-stratified")
    }
}
