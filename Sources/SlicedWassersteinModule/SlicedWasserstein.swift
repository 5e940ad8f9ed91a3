import Foundation
import LinearAlgebra
import MonteCarloCore
import VarianceReduction

/// Monte Carlo estimators of the sliced Wasserstein distance between two point clouds, with
/// honest error bars and variance reduction.
///
/// SW_p^p(μ, ν) = E_θ[f(θ)], f(θ) = W_p^p(θ#μ, θ#ν), θ uniform on the sphere S^{d−1} and θ#μ
/// the law of ⟨θ, X⟩ for X ~ μ (Rabin et al. 2011; Bonneel et al. 2015). The expectation over
/// θ is estimated from L directions; every estimator returns an `Estimate` of SW_p^p with the
/// variance of the estimator, and ``estimateDistance(projections:method:seed:)`` turns it into
/// SW_p by the delta method.
///
/// ```swift
/// let x = try PointCloud(points: xs, dimension: 3)
/// let y = try PointCloud(points: ys, dimension: 3)
/// let sw = try SlicedWasserstein(x, y, p: 2)
/// let plain = try sw.estimate(projections: 1000, seed: 1)
/// let cv = try sw.estimate(projections: 1000, method: .controlVariates(.lower), seed: 1)
/// print(cv)                     // 2.1185 ± 0.0031 (n = 1000, ESS = 290000)
/// ```
///
/// **Methods.** ``Method/monteCarlo`` (i.i.d. directions ε/|ε|, ε ~ N(0, I)), ``Method/orthogonal``
/// (blocks of d orthonormal directions, Rowland et al. 2019), ``Method/randomizedQuasiMonteCarlo(randomizations:)``
/// (Sobol directions, randomized), ``Method/controlVariates(_:)`` (the Gaussian-approximation
/// bounds of Nguyen & Ho 2024 fitted by least squares) and ``Method/sphericalHarmonics(maxDegree:)``
/// (even-degree spherical harmonics, Leluc et al. 2024, for small d). To combine directions with
/// the generic estimators of `VarianceReduction`, see ``gaussianSpaceIntegrand``. Which wins depends on the geometry
/// (Leluc et al. 2024; Petrovic, Bardenet & Desolneux 2025): the lower-bound control when the
/// means differ, randomized QMC in small d, orthogonal blocks in large d.
///
/// **No antithetic directions.** f is even, f(−θ) = f(θ) exactly (projecting on −θ reflects
/// both measures, which leaves the cost of the monotone coupling unchanged), so the antithetic
/// pair (θ, −θ) has correlation +1: twice the cost for the same variance. The sliced analogue of
/// antithetic sampling is the orthogonal block.
///
/// **A recipe over `VarianceReduction`.** Every method is a direction scheme
/// (``IndependentDirections``, ``OrthogonalDirections``, ``SobolDirections``, ``SpiralDirections``,
/// or your own ``SlicingDirectionSampler``), the integrand ``gaussianSpaceIntegrand``, optional
/// controls, and a generic estimator (`PointSetMonteCarlo` or `ControlVariateMonteCarlo`) run by
/// `MonteCarloDriver`; see ``Recipe``. Sharding is the driver's (block states merged in block order).
///
/// **Performance.** The driver runs blocks of about 64 directions on ``threadCount`` threads;
/// in each block the projections of X (n × d) on all its directions are one BLAS product X·Θ
/// (through `LinearAlgebra`), and the columns are sorted and costed with the block's buffers.
/// Each direction's value depends only on the seed, so results are the same for any
/// ``threadCount``. Run OpenBLAS on one thread (`BLASThreads.set(1)`) when ``threadCount`` > 1:
/// the blocks are the parallelism.
public struct SlicedWasserstein: Sendable {
    /// How the directions are chosen and combined.
    public enum Method: Sendable, Hashable, Codable {
        /// L i.i.d. uniform directions; sample mean, variance s²/L, Student-t interval (L − 1 d.o.f.).
        case monteCarlo
        /// ⌈L/d⌉ independent blocks of d orthonormal directions (rows of Haar random orthogonal
        /// matrices); block means are i.i.d., variance s²_B/B, t interval (B − 1 d.o.f.).
        case orthogonal
        /// R independently randomized Sobol direction sets of ⌈L/R⌉ points each (d ≤ 40): set
        /// means are i.i.d., variance s²_R/R, t interval (R − 1 d.o.f.).
        case randomizedQuasiMonteCarlo(randomizations: Int)
        /// d = 3 only: R independent Haar rotations of the generalized spiral point set of ⌈L/R⌉
        /// points on S² (randomized QSW of Nguyen, Bariletto & Ho 2024); set means are i.i.d.,
        /// variance s²_R/R, t interval (R − 1 d.o.f.). Often the best choice in d = 3. The t
        /// interval needs near-normal set means: use R ≥ 20 (measured coverage of 95% intervals:
        /// 93.3% with R = 10, 94.8% with R = 25, on an affine image).
        case randomizedSpiral(randomizations: Int)
        /// i.i.d. directions with the Gaussian-approximation control variates, OLS intercept.
        case controlVariates(GaussianControls)
        /// i.i.d. directions with spherical-harmonic control variates of even degrees 2…`maxDegree`
        /// (Leluc et al. 2024), OLS intercept; C(D + d − 1, d − 1) − 1 controls for D = `maxDegree`,
        /// so for small d (e.g. d = 3: 5, 14, 27 controls for D = 2, 4, 6). Odd degrees are
        /// useless because f is even. The OLS error bar assumes homoscedastic residuals: keep
        /// L ≳ 100k (measured coverage of 95% intervals with k = 4: 93.5% at L = 100, 94.3% at
        /// L = 400).
        case sphericalHarmonics(maxDegree: Int)
    }

    /// The control variates of Nguyen & Ho (2024), from the Gaussian approximations of the
    /// projected measures (Δm = m_μ − m_ν, Σ the population covariances).
    public enum GaussianControls: String, Sendable, Hashable, Codable, CaseIterable {
        /// C_low(θ) = (θᵀΔm)², E C_low = |Δm|²/d.
        case lower
        /// C_up(θ) = (θᵀΔm)² + θᵀΣ_μθ + θᵀΣ_νθ, E C_up = (|Δm|² + tr Σ_μ + tr Σ_ν)/d.
        case upper
        /// Both controls in one regression.
        case both
    }

    /// The first measure μ.
    public let source: PointCloud
    /// The second measure ν.
    public let target: PointCloud
    /// The order p ≥ 1.
    public let p: Double
    /// Threads used to sort and cost projections (the result does not depend on it).
    public var threadCount: Int

    /// Δm = m_μ − m_ν.
    let meanDifference: [Double]
    /// tr Σ_μ + tr Σ_ν.
    let totalVariance: Double

    /// The problem SW_p(μ, ν).
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` when the clouds
    ///   live in different dimensions; `MonteCarloError/invalidParameter(name:value:requirement:)`
    ///   for p < 1 or a thread count below 1.
    public init(_ source: PointCloud, _ target: PointCloud, p: Double = 2,
                threadCount: Int = ProcessInfo.processInfo.activeProcessorCount) throws(MonteCarloError) {
        guard source.dimension == target.dimension else {
            throw .dimensionMismatch(what: "point dimension of the two clouds", expected: source.dimension,
                                     actual: target.dimension)
        }
        try OneDimensionalWasserstein.validateOrder(p)
        guard threadCount >= 1 else {
            throw .invalidParameter(name: "threadCount", value: Double(threadCount), requirement: "at least 1")
        }
        self.source = source
        self.target = target
        self.p = p
        self.threadCount = threadCount
        let sourceMean = source.mean, targetMean = target.mean
        let difference = zip(sourceMean, targetMean).map { $0 - $1 }
        totalVariance = source.totalVariance + target.totalVariance
        // A mean difference at the rounding level of the data (e.g. a scaling about the common
        // mean) is treated as exactly zero, so the lower control is recognized as constant.
        let magnitude = sourceMean.reduce(0) { $0 + $1 * $1 } + targetMean.reduce(0) { $0 + $1 * $1 } + totalVariance
        let differenceNorm2 = difference.reduce(0) { $0 + $1 * $1 }
        let roundingLevel = 64 * Double.ulpOfOne
        meanDifference = differenceNorm2 <= roundingLevel * roundingLevel * magnitude
            ? [Double](repeating: 0, count: difference.count) : difference
    }

    /// The dimension d.
    public var dimension: Int { source.dimension }

    var evaluator: ProjectionEvaluator {
        ProjectionEvaluator(x: source, y: target, order: Order(p), threadCount: threadCount)
    }

    // MARK: - Per-direction values

    /// f(θ) = W_p^p(θ#μ, θ#ν) for each given direction (POT's `projected_emds`).
    ///
    /// - Parameter directions: L directions, column-major d × L (direction l occupies entries
    ///   `l·d ..< (l+1)·d`); used as given (normalize them yourself).
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` when the count is
    ///   not a multiple of d; `MonteCarloError/nonFinite(quantity:index:)` for a non-finite
    ///   entry (index = direction) or an overflowing cost.
    /// - Complexity: O(L(n + m)d) for the projections (BLAS), O(L(n log n + m log m)) for sorting.
    public func projectedCosts(directions: [Double]) throws(MonteCarloError) -> [Double] {
        let d = dimension
        guard directions.count % d == 0 else {
            throw .dimensionMismatch(what: "direction coordinates (a multiple of the dimension \(d))",
                                     expected: (directions.count / d + 1) * d, actual: directions.count)
        }
        if let bad = directions.firstIndex(where: { !$0.isFinite }) {
            throw .nonFinite(quantity: "direction coordinate", index: bad / d)
        }
        return try evaluator.evaluate(directions: directions, wantVariances: false).costs
    }

    // MARK: - Estimators

    /// An estimate of SW_p^p(μ, ν) from about `projections` directions.
    ///
    /// - Parameters:
    ///   - projections: L, the number of directions (≥ 2; orthogonal blocks round it up to a
    ///     multiple of d, randomized QMC to a multiple of R).
    ///   - method: how directions are drawn and combined (plain Monte Carlo by default).
    ///   - seed: fixes every direction: block b of the driver (64 plain directions, or about 64
    ///     directions' worth of orthogonal blocks or randomized point sets) uses stream b of `RandomStreams`.
    /// - Returns: the estimate of SW_p^p; `sampleCount` is the number of directions evaluated.
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` when there are
    ///   too few directions (or blocks, or randomizations) for a variance;
    ///   `MonteCarloError/invalidParameter(name:value:requirement:)` for QMC with d > 40 or
    ///   fewer than 2 randomizations; `MonteCarloError/nonFinite(quantity:index:)` when a
    ///   projected cost overflows.
    /// - Complexity: O(L(n + m)d) flops in BLAS plus O(L(n log n + m log m)) for sorting;
    ///   memory O((n + m)·min(L, C)) with C the chunk size (≤ 128 MiB of projections).
    ///
    /// **Statistical properties.** Every method is unbiased for SW_p^p except the control
    /// variates (Gaussian bounds and spherical harmonics), whose coefficients are fitted by
    /// least squares on the same directions (bias O(k/L) for k controls, declared in the
    /// diagnostics; zero when f is exactly linear in the controls, e.g. a translation with the
    /// lower control, or an affine image with both Gaussian controls or any harmonics). The
    /// coefficient is the OLS slope on sample-centred controls, not the CV-SW paper's shortcut
    /// (control centred at its known mean in the denominator), which loses orders of magnitude
    /// when the control is highly correlated with f.
    /// `variance` is the variance of the estimator (squared standard error), estimated from the
    /// spread of i.i.d. units: single directions (plain: s²/L), orthogonal blocks (s²_B/B),
    /// randomized point sets (Sobol or spiral: s²_R/R), or regression residuals (control variates:
    /// s²[(AᵀA)⁻¹]₀₀ with A = [1, C − E C] and s² = RSS/(L − k − 1)). All intervals are
    /// Student-t with the matching degrees of freedom. The ESS is σ²_f / variance with σ²_f the
    /// sample variance of f over all directions evaluated: the number of i.i.d. directions
    /// plain Monte Carlo would need for the same precision (ESS/L is the variance-reduction
    /// factor). When the controls explain f to rounding error (a pure translation with the
    /// lower control), the residual variance is raised to a rounding floor and a warning says so.
    public func estimate(projections: Int, method: Method = .monteCarlo, seed: UInt64) throws(MonteCarloError) -> Estimate {
        try recipe(projections: projections, method: method).run(seed: seed)
    }

    /// An estimate of SW_p^p from `sets` independent sets of directions of any scheme, by
    /// `PointSetMonteCarlo` run on ``threadCount`` threads (the result does not depend on them).
    ///
    /// **Statistical properties.** Unbiased when every direction of a set is uniform on the
    /// sphere (the scheme's contract); `variance` is s²_R/R over the R set means (raised to the
    /// rounding floor when they agree to rounding error), with a Student-t interval on R − 1
    /// degrees of freedom; ESS is σ²_f/variance with σ²_f the variance of f over all directions.
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` for fewer than
    ///   2 sets; `MonteCarloError/nonFinite(quantity:index:)` when a projected cost overflows.
    public func estimate<D: SlicingDirectionSampler>(directions: D, sets: Int, seed: UInt64) throws(MonteCarloError) -> Estimate {
        guard sets >= 2 else {
            throw .insufficientSamples(needed: 2, available: max(0, sets), reason: "(sets of directions) for a variance")
        }
        return try Recipe(problem: self, directions: directions, sets: sets).run(seed: seed)
    }

    /// An estimate of SW_p(μ, ν) = (SW_p^p)^{1/p}, by the delta method from
    /// ``estimate(projections:method:seed:)``; see ``distanceEstimate(fromPower:p:)``.
    public func estimateDistance(projections: Int, method: Method = .monteCarlo, seed: UInt64) throws(MonteCarloError) -> Estimate {
        try SlicedWasserstein.distanceEstimate(fromPower: estimate(projections: projections, method: method, seed: seed), p: p)
    }

    /// SW_p from an estimate of SW_p^p by the delta method.
    ///
    /// value = v^{1/p}, variance = (v^{1/p − 1}/p)² · Var(v̂), same degrees of freedom, sample
    /// count and ESS (both variances scale by the same factor).
    ///
    /// **Statistical properties.** Not unbiased even when v̂ is: by Jensen's inequality the root
    /// of an unbiased estimate is biased downward, by about (p − 1)/(2p²)·v^{1/p − 2}·Var(v̂) (a
    /// second-order expansion), which is declared in the diagnostics together with the figure
    /// `"jensenBiasApproximation"`. The interval is the first-order (delta-method) interval; it
    /// is reliable when the relative standard error of v̂ is small.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` when v̂ ≤ 0 with a
    ///   positive variance (a control-variate estimate can be negative), since the root's
    ///   derivative is then undefined. v̂ = 0 with zero variance (identical clouds) gives 0 ± 0.
    public static func distanceEstimate(fromPower power: Estimate, p: Double) throws(MonteCarloError) -> Estimate {
        try OneDimensionalWasserstein.validateOrder(p)
        var diagnostics = power.diagnostics
        diagnostics.method += "-root"
        let v = power.value
        if v == 0 && power.variance == 0 {
            return Estimate(value: 0, variance: 0, sampleCount: power.sampleCount,
                            effectiveSampleSize: power.effectiveSampleSize,
                            degreesOfFreedom: power.degreesOfFreedom, diagnostics: diagnostics)
        }
        guard v > 0 else {
            throw .invalidParameter(name: "estimate of SW_p^p", value: v,
                                    requirement: "positive to take its p-th root by the delta method")
        }
        let root = p == 1 ? v : pow(v, 1 / p)
        let derivative = root / (p * v)
        let bias = -(p - 1) / (2 * p * p) * root / (v * v) * power.variance
        diagnostics.figures["jensenBiasApproximation"] = bias
        let statement = "delta method: (SW_p^p)^{1/p} is biased by about \(bias) (second-order Jensen term)"
        diagnostics.declaredBias = diagnostics.declaredBias.map { $0 + "; " + statement } ?? statement
        return Estimate(value: root, variance: derivative * derivative * power.variance,
                        sampleCount: power.sampleCount, effectiveSampleSize: power.effectiveSampleSize,
                        degreesOfFreedom: power.degreesOfFreedom, diagnostics: diagnostics)
    }
}
