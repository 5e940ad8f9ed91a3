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
/// **Performance.** For every chunk of directions, the projections of X (n × d) on all of them
/// are one BLAS product X·Θ (through `LinearAlgebra`); the columns are then sorted and costed
/// in parallel with per-thread buffers (no allocation per direction). The chunk size depends
/// only on n and m (projections use at most about 128 MiB), and each direction's value depends
/// only on the seed, so results are the same for any ``threadCount``.
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
    ///   - seed: fixes every direction: group g of directions (64 plain directions, one
    ///     orthogonal block, one randomized point set) uses stream g of `RandomStreams`.
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
        let d = dimension
        guard projections >= 2 else {
            throw .insufficientSamples(needed: 2, available: max(0, projections), reason: "(directions) for a variance")
        }
        switch method {
        case .monteCarlo:
            let theta = SlicingDirections.uniform(dimension: d, count: projections, seed: seed)
            let f = try evaluator.evaluate(directions: theta, wantVariances: false).costs
            return Self.groupedEstimate(f, groupSize: 1, method: "sliced-wasserstein-mc", figures: [:],
                                        pointCount: source.count + target.count)
        case .orthogonal:
            let blocks = (projections + d - 1) / d
            guard blocks >= 2 else {
                throw .insufficientSamples(needed: 2 * d, available: projections,
                                           reason: "(directions: two orthogonal blocks of d) for a variance")
            }
            let theta = SlicingDirections.orthogonalBlocks(dimension: d, blocks: blocks, seed: seed)
            let f = try evaluator.evaluate(directions: theta, wantVariances: false).costs
            return Self.groupedEstimate(f, groupSize: d, method: "sliced-wasserstein-orthogonal",
                                   figures: ["blocks": Double(blocks)], pointCount: source.count + target.count)
        case .randomizedQuasiMonteCarlo(let randomizations):
            guard randomizations >= 2 else {
                throw .invalidParameter(name: "randomizations", value: Double(randomizations), requirement: "at least 2")
            }
            guard d <= QuasiRandomPointSet.Kind.sobol.maximumDimension else {
                throw .invalidParameter(name: "dimension", value: Double(d),
                                        requirement: "at most \(QuasiRandomPointSet.Kind.sobol.maximumDimension) for Sobol directions")
            }
            let perSet = (projections + randomizations - 1) / randomizations
            let theta = try SlicingDirections.randomizedQuasiRandom(
                dimension: d, pointsPerSet: perSet, randomizations: randomizations, seed: seed)
            let f = try evaluator.evaluate(directions: theta, wantVariances: false).costs
            return Self.groupedEstimate(f, groupSize: perSet, method: "sliced-wasserstein-rqmc-sobol",
                                   figures: ["randomizations": Double(randomizations), "pointsPerRandomization": Double(perSet)],
                                   pointCount: source.count + target.count)
        case .randomizedSpiral(let randomizations):
            guard randomizations >= 2 else {
                throw .invalidParameter(name: "randomizations", value: Double(randomizations), requirement: "at least 2")
            }
            guard d == 3 else {
                throw .invalidParameter(name: "dimension", value: Double(d), requirement: "3 for spiral directions")
            }
            let perSet = (projections + randomizations - 1) / randomizations
            let theta = SlicingDirections.randomizedSpiral(pointsPerSet: perSet, randomizations: randomizations, seed: seed)
            let f = try evaluator.evaluate(directions: theta, wantVariances: false).costs
            return Self.groupedEstimate(f, groupSize: perSet, method: "sliced-wasserstein-rqmc-spiral",
                                   figures: ["randomizations": Double(randomizations), "pointsPerRandomization": Double(perSet)],
                                   pointCount: source.count + target.count)
        case .controlVariates(let controls):
            return try controlVariateEstimate(projections: projections, controls: controls, seed: seed)
        case .sphericalHarmonics(let maxDegree):
            return try harmonicEstimate(projections: projections, maxDegree: maxDegree, seed: seed)
        }
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

    // MARK: - Implementation

    /// Mean over i.i.d. groups of consecutive values (group size 1 = plain Monte Carlo).
    /// Mean over i.i.d. groups; `pointCount` = n + m sets the rounding floor of the variance.
    static func groupedEstimate(_ f: [Double], groupSize: Int, method: String, figures: [String: Double],
                                pointCount: Int) -> Estimate {
        let groups = f.count / groupSize
        var groupMoments = RunningMoments()
        var all = RunningMoments()
        for g in 0..<groups {
            var s = 0.0
            for i in (g * groupSize)..<((g + 1) * groupSize) { s += f[i] }
            groupMoments.add(s / Double(groupSize))
        }
        for v in f { all.add(v) }
        // Group means that agree to rounding error (an orthogonal block on an affine image, a
        // constant f) say nothing about the error below the rounding of each W_p^p, a sum over
        // the n + m points: the variance is raised to that floor, as an upper bound.
        let floor = groupRoundingFloor(mean: groupMoments.mean, pointCount: pointCount)
        let atFloor = groupMoments.varianceOfMean < floor
        let variance = max(groupMoments.varianceOfMean, floor)
        let ess = atFloor ? Double(f.count) : effectiveSampleSize(perDraw: all.sampleVariance, variance: variance, count: f.count)
        var figures = figures
        figures["perDirectionVariance"] = all.sampleVariance
        return Estimate(
            value: groupMoments.mean, variance: variance, sampleCount: f.count, effectiveSampleSize: ess,
            degreesOfFreedom: Double(groups - 1),
            diagnostics: Diagnostics(method: method, varianceReductionFactor: ess / Double(f.count), figures: figures,
                                     warnings: atFloor ? ["The direction groups agree to rounding error: the variance was raised to the rounding floor (8·√(n + m)·ε·|SW_p^p|)², an upper bound; ESS is reported as the number of directions."] : []))
    }

    /// The squared rounding error of one W_p^p, a sum of n + m terms: (8·√(n + m)·ε·|value|)².
    static func groupRoundingFloor(mean: Double, pointCount: Int) -> Double {
        let error = 8 * Double(pointCount).squareRoot() * Double.ulpOfOne * abs(mean)
        return error * error
    }

    static func effectiveSampleSize(perDraw: Double, variance: Double, count: Int) -> Double {
        if variance > 0 { return perDraw / variance }
        return Double(count)  // constant f: every method is exact, no reduction to report
    }

    func harmonicEstimate(projections: Int, maxDegree: Int, seed: UInt64) throws(MonteCarloError) -> Estimate {
        let harmonics = try harmonicControls(projections: projections, maxDegree: maxDegree)
        let theta = SlicingDirections.uniform(dimension: dimension, count: projections, seed: seed)
        let f = try evaluator.evaluate(directions: theta, wantVariances: false).costs
        let columns = harmonics.centredValues(directions: theta, count: projections)
        return try Self.harmonicEstimate(costs: f, columns: columns, dimension: dimension, maxDegree: maxDegree)
    }

    func controlVariateEstimate(projections: Int, controls: GaussianControls, seed: UInt64) throws(MonteCarloError) -> Estimate {
        let theta = SlicingDirections.uniform(dimension: dimension, count: projections, seed: seed)
        let values = try gaussianControlColumns(directions: theta, controls: controls)
        return try Self.gaussianControlEstimate(costs: values.costs, columns: values.columns, controls: controls,
                                                figures: values.figures)
    }

    /// The regression-intercept estimate from per-direction costs and centred controls, with the
    /// diagnostics every control-variate method reports.
    static func regressionEstimate(values f: [Double], controls columns: [[Double]], names: [String], method: String,
                            declaredBias: String, figures extra: [String: Double]) throws(MonteCarloError) -> Estimate {
        let fit = try InterceptRegression(values: f, controls: columns, names: names)
        var all = RunningMoments()
        for v in f { all.add(v) }
        let ess = effectiveSampleSize(perDraw: all.sampleVariance, variance: fit.variance, count: f.count)
        var figures = ["rSquared": fit.rSquared, "reciprocalConditionNumber": fit.reciprocalConditionNumber,
                       "perDirectionVariance": all.sampleVariance]
        figures.merge(extra) { $1 }
        return Estimate(
            value: fit.value, variance: fit.variance, sampleCount: f.count, effectiveSampleSize: ess,
            degreesOfFreedom: fit.degreesOfFreedom,
            diagnostics: Diagnostics(method: method, coefficients: fit.coefficients,
                                     varianceReductionFactor: ess / Double(f.count), declaredBias: declaredBias,
                                     figures: figures, warnings: fit.warnings))
    }
}
