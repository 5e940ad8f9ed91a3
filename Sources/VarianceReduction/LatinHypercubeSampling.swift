import MonteCarloCore

/// Replicated Latin hypercube sampling: averages f over independent Latin hypercube designs.
///
/// A design of m points cuts every coordinate of the unit cube into m equal intervals and puts
/// exactly one point in each interval of each coordinate: u_ij = (π_j(i) + U_ij)/m with
/// independent uniform permutations π_j and uniforms U_ij (McKay, Beckman & Conover 1979). Every
/// point is uniform on the cube, and the design mean stratifies every one-dimensional margin at
/// once: for f = μ + Σ_j g_j(u_j) + r(u) (Stein 1987) a smooth additive part contributes only
/// O(m⁻³) to the variance of a design mean, against σ²/m for m plain draws, so LHS helps
/// integrands that are nearly additive, in any dimension, and never does much worse than plain
/// (Owen 1997: its variance is at most σ²/(m − 1)).
///
/// Each *sample* is one design. A single design gives **no** unbiased estimate of its own
/// variance (its points are dependent, and their spread overstates the error by the removed
/// additive part), so the variance comes from R ≥ 2 independent designs.
///
/// ```swift
/// let sampler = try UnitCube(dimension: 5)
/// let estimator = try LatinHypercubeSampling(sampler: sampler, integrand: Integrand { $0.reduce(0, +) },
///                                            designSize: 64)
/// let estimate = try estimator.run(samples: 50, seed: 1)   // 50 designs × 64 points
/// ```
///
/// **Statistical properties.** Unbiased (every point is uniform on the cube). `variance` is
/// s²_R / R, the sample variance of the R design means divided by R; the designs are i.i.d., so
/// it is unbiased and the interval is Student-t with R − 1 degrees of freedom. Fewer than 2
/// designs is a typed error. `sampleCount` counts evaluations (R·m). ESS is σ²_plain /
/// variance with σ²_plain the sample variance of all R·m values (slightly biased, as the values
/// within a design are dependent), and the variance-reduction factor is ESS/(R·m). A NaN or ∞
/// value is a typed error whose index counts points over all designs.
///
/// - Complexity: O(R·m·s) for R designs of m points in s cube dimensions; memory O(m·s) per block.
public struct LatinHypercubeSampling<S: UnitCubeSampler>: MonteCarloEstimator {
    /// The measure π, as the image of the unit cube.
    public let sampler: S
    /// The integrand f.
    public let integrand: Integrand<S.Point>
    /// m, the points per design.
    public let designSize: Int
    /// q for a randomized orthogonal array of q² points, `nil` for a Latin hypercube.
    public let orthogonalArrayLevels: Int?

    /// Creates the estimator.
    /// - Parameters:
    ///   - sampler: the measure π, as the image of the unit cube.
    ///   - integrand: the integrand f.
    ///   - designSize: m, points per design: at least 1, at most 2²⁴.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for m out of range.
    public init(sampler: S, integrand: Integrand<S.Point>, designSize: Int) throws(MonteCarloError) {
        guard designSize >= 1, designSize <= 1 << 24 else {
            throw .invalidParameter(name: "designSize", value: Double(designSize), requirement: "in 1...\(1 << 24)")
        }
        self.sampler = sampler
        self.integrand = integrand
        self.designSize = designSize
        orthogonalArrayLevels = nil
    }

    /// Creates the estimator on randomized orthogonal arrays of strength 2 (Owen 1992) instead of
    /// Latin hypercubes.
    ///
    /// A design is Bose's array of q² rows and q + 1 columns over q symbols, in which every pair
    /// of columns takes each of the q² pairs of symbols exactly once; the symbols of each column
    /// are permuted at random and coordinate j of row i is (π_j(A_ij) + U_ij)/q. Every point is
    /// uniform on the cube, every margin is stratified into q intervals of q points, and every
    /// two-dimensional margin into the q × q grid with one point per cell, so two-factor
    /// interactions are stratified too: for f = u₀u₁ a design mean has variance exactly
    /// ((4q² − 1)/72 + 1/144)/q⁶ ≈ 1/(18 n²) with n = q², against about 1/(144 n) for a Latin
    /// hypercube of n points. Statistical properties as for the Latin hypercube.
    /// - Parameters:
    ///   - sampler: the measure π, as the image of the unit cube, of dimension at most q + 1.
    ///   - integrand: the integrand f.
    ///   - levels: q, a prime from 2 to 4093; each design has q² points.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for q not a prime
    ///   in range or a cube dimension above q + 1.
    public init(sampler: S, integrand: Integrand<S.Point>, orthogonalArrayLevels levels: Int) throws(MonteCarloError) {
        guard levels >= 2, levels <= 4093, (2..<levels).allSatisfy({ $0 * $0 > levels || levels % $0 != 0 }) else {
            throw .invalidParameter(name: "orthogonalArrayLevels", value: Double(levels), requirement: "a prime in 2...4093")
        }
        guard sampler.cubeDimension <= levels + 1 else {
            throw .invalidParameter(name: "orthogonalArrayLevels", value: Double(levels),
                                    requirement: "at least the cube dimension minus 1 (\(sampler.cubeDimension - 1))")
        }
        self.sampler = sampler
        self.integrand = integrand
        designSize = levels * levels
        orthogonalArrayLevels = levels
    }

    public var evaluationsPerSample: Int { designSize }
    /// About 1024 points per block.
    public var preferredBlockSize: Int { max(1, 1024 / designSize) }
    /// 16 designs, as for randomized QMC replicates (a t interval on 15 degrees of freedom).
    public var minimumSamplesBeforeStopping: Int { 16 }

    public func makeState() -> SampleMeanState { SampleMeanState() }

    public func accumulate(_ count: Int, firstIndex: Int, into state: inout SampleMeanState,
                           using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) {
        try state.addReplicates(integrand.values(at: drawPointGroups(count, using: &generator)), size: designSize,
                                firstReplicate: firstIndex)
    }

    public func estimate(from state: SampleMeanState) throws(MonteCarloError) -> Estimate {
        guard state.samples.count >= 2 else {
            throw .insufficientSamples(
                needed: 2, available: state.samples.count,
                reason: "independent Latin hypercube designs: a single design gives no unbiased estimate of its variance")
        }
        return try state.estimate(method: methodName, evaluationsPerSample: designSize,
                                  degreesOfFreedom: Double(state.samples.count - 1))
    }
}
