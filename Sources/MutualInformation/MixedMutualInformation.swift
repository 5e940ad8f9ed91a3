import Foundation
import MonteCarloCore

/// The nearest-neighbour estimator of I(X; Y) of Gao, Kannan, Oh & Viswanath (2017) for
/// variables that may be continuous, discrete, or mixtures of both (ties have positive
/// probability), in nats, with a calibrated standard error.
///
/// With ρᵢ the max-norm distance from zᵢ = (xᵢ, yᵢ) to its k-th nearest neighbour (ties by index):
/// - when ρᵢ > 0: k̃ᵢ = k, and nₓ,ᵢ = #{j ≠ i : ‖xⱼ − xᵢ‖ < ρᵢ} (strict), likewise n_y,ᵢ;
/// - when ρᵢ = 0 (at least k points coincide with zᵢ): k̃ᵢ = 1 + the number of other points
///   equal to zᵢ (the whole tie, not just k), and nₓ,ᵢ, n_y,ᵢ count the other points equal to
///   xᵢ, yᵢ;
/// - Î = (1/N) Σᵢ [ψ(k̃ᵢ) + log N − ψ(nₓ,ᵢ + 1) − ψ(n_y,ᵢ + 1)].
/// This is the form of the authors' reference implementation (Gao's `Mixed_KSG`: digamma of
/// the counts including the point itself, radius just below ρᵢ). The paper writes the marginal
/// terms as log(nₓ,ᵢ + 1) with non-strict counts, which is equivalent only as k → ∞: at k = 5 it
/// was measured 0.2 nats low on the uniform-shift example below (numpy replication, N = 500 and
/// 2000), where this form is within 0.01. On continuous data it is KSG's algorithm 1 with log N
/// for ψ(N); on purely discrete data it is ψ(n_xy) + log N − ψ(n_x) − ψ(n_y) per point, close
/// to the plug-in estimator.
/// Discrete coordinates are given as numbers (category codes); only equality and the
/// max-norm distance between codes matter, so code unordered categories 0, 1, 2, …
///
/// ```swift
/// let mi = try MixedMutualInformation(neighbors: 5, seed: 1).estimate(x: xs, y: ys)  // [[Double]] each
/// ```
///
/// **Statistical properties.** Consistent for discrete–continuous mixtures under the paper's
/// conditions (Gao et al. 2017, Theorem 1, for k growing with N). Bias: no closed form; on
/// continuous parts it has KSG's bias (small in one dimension, negative in higher dimension or
/// at high MI), on discrete parts it is close to the plug-in's. Atoms *inside* the support of
/// a continuous part bias it strongly downwards at finite N: a continuous point within ρᵢ of
/// an atom's coordinate counts the whole atom in its marginal window. Measured with k = 5 (mean
/// over data sets − I): X uniform on {0, 1, 2, 3}, Y | X uniform on [X, X + 2]
/// (I = log 4 − ¾ log 2): −0.012 ± 0.005 at N = 500, −0.005 ± 0.003 at N = 2000; half
/// continuous (X ~ U(0, 1), Y = X + U(0, 1)), half on {−1, −2}², atoms apart from it (see
/// `MixedMutualInformationTests`): −0.035 ± 0.0015 at N = 500, −0.022 ± 0.001 at 1000,
/// −0.017 ± 0.0007 at 2000 and −0.012 ± 0.0005 at 4000 (500 data sets each); but
/// half a bivariate Gaussian (ρ = 0.9) and half on {±1}², atoms inside the Gaussian's support:
/// −0.27 at N = 500 and −0.20 at N = 2000 (numpy replication, 20 data sets each). Not estimated.
///
/// *Variance.* `variance` estimates Var(Î_N) as ``KSGEstimator`` does, in two steps.
/// 1. The delete-one jackknife J_N = ((N − 1)/N) Σⱼ (Î₋ⱼ − Ī₋)², computed exactly from one
///    pass, tie rules included (removing point j lowers the counts of the windows that hold
///    it; where j was among i's k nearest, ρᵢ moves to the (k + 1)-th distance; a tie of
///    k̃ ≥ k + 2 points loses one point and keeps ρ = 0, a tie of exactly k + 1 gets ρ > 0; see
///    the extension in `MixedMutualInformation+Jackknife.swift`, checked against N
///    recomputations in the tests). By Efron–Stein it overestimates, by a factor f (mean
///    J̄_b/s² measured 1.7–1.9 on the half-discrete mixture above).
/// 2. f is measured on m = `subsampleBlocks` disjoint random blocks (`seed`) of
///    b = min(⌊N/m⌋, `maximumBlockSize`) points: `variance` = J_N · s²/J̄_b, with s² the sample
///    variance of the m block estimates (unbiased for Var(Î_b)) and J̄_b the mean of their
///    jackknives. This assumes only that f is the same at sizes b and N.
/// Plain subsampling (s²·b/N, this type's variance before) assumes Var ∝ 1/N instead, which
/// fails here at small N: on that mixture N·Var(Î_N) is 0.34 at N = 50, 0.52 at 100,
/// 0.58 at 200, 0.49 at 500, 0.47 at 1000 and 0.51 at 2000 (numpy replication, 1000 data sets
/// each, ±5 %), because how many atoms hold more than k points (ρ = 0) changes with N; so
/// with blocks of 50 points it reported 0.70 of the variance at N = 500. The interval is
/// Student-t with m − 1 degrees of freedom. Measured empirical/reported variance s²/v̄ over
/// R data sets of the half-continuous, half-discrete mixture (`MixedCalibrationTests`, k = 5,
/// m = 10; χ² bands at α = 10⁻³): 0.98 at N = 500, 0.88 at 1000, 0.94 at 2000 and 1.02 at
/// 4000 over R = 500 (band 0.81…1.22; `MONTECARLO_CALIBRATION=full`), and 1.01 at N = 500 and
/// 0.92 at 1000 over R = 200 (band 0.70…1.36; the default run), where plain subsampling gave
/// 1.43 at N = 500 (too small a standard error). With the blocks capped at b = 1024 (a
/// throwaway release driver, same data): 0.84 at N = 2·10⁴ (R = 300, band 0.75…1.29) and
/// 1.12 at N = 5·10⁴ (R = 200). The measured f grows slowly with b (mean 1.73 at b = 50, 1.92
/// at 400, 2.0 at 1024), which makes the variance somewhat conservative where b ≪ N; both
/// ratios are inside their bands. ESS = sample variance of the per-point
/// terms divided by `variance`.
/// `figures["jackknifeOverestimation"]` = J̄_b/s² (noisy: m − 1 degrees of freedom),
/// `figures["subsampleMeanShift"]` = mean block value − Î (a bias self-check).
///
/// - Complexity: one k-d tree search of k + 1 neighbours in the joint space, one strict range
///   count per point and marginal at ρᵢ and one at the (k + 1)-th distance (sorted-array
///   windows in one dimension), counts at radius 0 where ties occur, a scatter of per-point
///   increments over the marginal windows, and the same with the jackknife on the m blocks
///   (m·b ≤ 10240 points by default, concurrently). Measured on the half-discrete mixture, k = 5,
///   release build (`valgrind --tool=callgrind`, value against estimate): the standard error
///   adds 1.1 times the value's instructions at N = 1000 (1.75·10⁷ against 1.61·10⁷, besides a
///   one-off 4.4·10⁷ per process for the random streams' jump table) and 0.35 times at
///   N = 10⁴ (2.7·10⁸ against 7.8·10⁸). An atom's identical points are searched through its
///   first k + 1 members only (`CoincidentPoints`, the same neighbours): before, every query
///   on an atom of t points scanned all t, and the whole `mcest mi --method mixed` at
///   N = 10⁵ on that mixture took 1.77 s of CPU (0.98 s wall on 2 idle cores); now 0.25 s
///   (0.23 s), release build, same output.
public struct MixedMutualInformation: Sendable, Hashable, Codable {
    /// k, the number of neighbours (≥ 1; Gao et al. use 5).
    public var neighbors: Int
    /// m, the number of disjoint blocks on which the jackknife's overestimation is measured (≥ 2).
    public var subsampleBlocks: Int
    /// The largest block size b: b = min(⌊N/m⌋, this).
    public var maximumBlockSize: Int
    /// Fixes the random blocks.
    public var seed: UInt64

    public init(neighbors: Int = 5, subsampleBlocks: Int = 10, maximumBlockSize: Int = 1024, seed: UInt64 = 0) {
        self.neighbors = neighbors
        self.subsampleBlocks = subsampleBlocks
        self.maximumBlockSize = maximumBlockSize
        self.seed = seed
    }

    /// Î without a variance.
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` for mismatched
    ///   lengths or ragged rows; `MonteCarloError/nonFinite(quantity:index:)` for NaN or ∞;
    ///   `MonteCarloError/invalidArgument(_:)` for a constant column (which includes all-tied
    ///   data); `MonteCarloError/invalidParameter(name:value:requirement:)` for k < 1;
    ///   `MonteCarloError/insufficientSamples(needed:available:reason:)` for N ≤ k.
    public func value(x: [[Double]], y: [[Double]]) throws(MonteCarloError) -> Double {
        let (xs, ys) = try validated(x: NeighborSample(x, name: "X"), y: NeighborSample(y, name: "Y"))
        return try Self.evaluate(x: xs, y: ys, k: neighbors).value
    }

    /// One-dimensional X and Y: as the two-dimensional `value(x:y:)`.
    public func value(x: [Double], y: [Double]) throws(MonteCarloError) -> Double {
        let (xs, ys) = try validated(x: NeighborSample(line: x, name: "X"), y: NeighborSample(line: y, name: "Y"))
        return try Self.evaluate(x: xs, y: ys, k: neighbors).value
    }

    /// Î with its rescaled-jackknife variance (see the type's discussion).
    /// - Throws: As the two-dimensional `value(x:y:)`; `insufficientSamples` when a block would
    ///   hold k + 1 points or fewer (N < m(k + 2)); `invalidParameter` for m < 2 or
    ///   `maximumBlockSize` ≤ k + 1.
    public func estimate(x: [[Double]], y: [[Double]]) throws(MonteCarloError) -> Estimate {
        let (xs, ys) = try validated(x: NeighborSample(x, name: "X"), y: NeighborSample(y, name: "Y"))
        return try estimate(xs, ys)
    }

    /// One-dimensional X and Y: as the two-dimensional `estimate(x:y:)`.
    public func estimate(x: [Double], y: [Double]) throws(MonteCarloError) -> Estimate {
        let (xs, ys) = try validated(x: NeighborSample(line: x, name: "X"), y: NeighborSample(line: y, name: "Y"))
        return try estimate(xs, ys)
    }

    // MARK: - Implementation

    func validated(x: @autoclosure () throws(MonteCarloError) -> NeighborSample,
                   y: @autoclosure () throws(MonteCarloError) -> NeighborSample) throws(MonteCarloError) -> (NeighborSample, NeighborSample) {
        guard neighbors >= 1 else { throw .invalidParameter(name: "neighbors", value: Double(neighbors), requirement: "at least 1") }
        let xs = try x(), ys = try y()
        guard xs.count == ys.count else { throw .dimensionMismatch(what: "points of Y (one per point of X)", expected: xs.count, actual: ys.count) }
        return (xs, ys)
    }

    func estimate(_ x: NeighborSample, _ y: NeighborSample) throws(MonteCarloError) -> Estimate {
        let n = x.count, k = neighbors, m = subsampleBlocks
        guard m >= 2 else { throw .invalidParameter(name: "subsampleBlocks", value: Double(m), requirement: "at least 2") }
        guard maximumBlockSize > k + 1 else {
            throw .invalidParameter(name: "maximumBlockSize", value: Double(maximumBlockSize), requirement: "more than k + 1")
        }
        let blockSize = min(n / m, maximumBlockSize)
        guard blockSize > k + 1 else {
            throw .insufficientSamples(needed: m * (k + 2), available: n,
                                       reason: "for \(m) subsample blocks of more than k + 1 = \(k + 1) points")
        }
        let full = try Self.evaluate(x: x, y: y, k: k, jackknife: true)
        let permutation = BlockRescaledJackknife.permutation(n, seed: seed, stream: 4)
        let rescaled = try BlockRescaledJackknife(jackknife: full.jackknife, blocks: m) { b throws(MonteCarloError) in
            let picked = permutation[(b * blockSize)..<((b + 1) * blockSize)]
            let block = try Self.evaluate(x: x.subset(picked), y: y.subset(picked), k: k, jackknife: true, chunks: 1)
            return (block.value, block.jackknife)
        }
        return rescaled.estimate(
            value: full.value, pointTermVariance: full.pointTermVariance, sampleCount: n,
            method: "gao-kannan-oh-viswanath-mixed",
            declaredBias: "Consistent; KSG-like bias on continuous parts, small on discrete parts (not estimated)",
            figures: ["neighbors": Double(k), "blockSize": Double(blockSize), "tiedPoints": Double(full.tiedPoints)])
    }

    /// The value, the sample variance of the per-point terms, and how many points have ρᵢ = 0.
    struct Evaluation {
        var value: Double
        var pointTermVariance: Double
        var tiedPoints: Int
        /// Î₋ⱼ for each j (empty unless asked for).
        var leaveOneOut: [Double] = []

        /// The delete-one jackknife variance ((N − 1)/N) Σⱼ (Î₋ⱼ − Ī₋)².
        var jackknife: Double { BlockRescaledJackknife.jackknife(leaveOneOut) }
    }

    static func evaluate(x: NeighborSample, y: NeighborSample, k: Int, jackknife: Bool = false,
                         chunks: Int = 64) throws(MonteCarloError) -> Evaluation {
        let n = x.count, search = jackknife ? k + 1 : k
        guard n > search else {
            throw .insufficientSamples(needed: search + 1, available: n,
                                       reason: jackknife ? "for k = \(k) neighbours and the jackknife" : "for k = \(k) neighbours")
        }
        let dz = x.dimension + y.dimension
        var joint = [Double]()
        joint.reserveCapacity(n * dz)
        for i in 0..<n {
            joint.append(contentsOf: x.values[(i * x.dimension)..<((i + 1) * x.dimension)])
            joint.append(contentsOf: y.values[(i * y.dimension)..<((i + 1) * y.dimension)])
        }
        let table = NeighborSample(count: n, dimension: dz, values: joint).neighbors(k: search, chunks: chunks)
        var radius = [Double](repeating: 0, count: n)
        var tied = 0
        for i in 0..<n {
            radius[i] = table.distances[i * search + k - 1]
            if radius[i] == 0 { tied += 1 }
        }
        // Counts including i itself: strictly inside ρᵢ, or (where ρᵢ = 0) the ties.
        let spaceX = KSGJackknife.Marginal(x.values, count: n, dimension: x.dimension)
        let spaceY = KSGJackknife.Marginal(y.values, count: n, dimension: y.dimension)
        var countX = spaceX.counts(radius, coordinates: x.values, dimension: x.dimension, strict: true, chunks: chunks)
        var countY = spaceY.counts(radius, coordinates: y.values, dimension: y.dimension, strict: true, chunks: chunks)
        var countZ = [Int](repeating: 0, count: n)
        if tied > 0 {
            let zero = [Double](repeating: 0, count: n)
            let tiesX = spaceX.counts(zero, coordinates: x.values, dimension: x.dimension, strict: false, chunks: chunks)
            let tiesY = spaceY.counts(zero, coordinates: y.values, dimension: y.dimension, strict: false, chunks: chunks)
            countZ = KSGJackknife.Marginal(joint, count: n, dimension: dz)
                .counts(zero, coordinates: joint, dimension: dz, strict: false, chunks: chunks)
            for i in 0..<n where radius[i] == 0 {
                countX[i] = tiesX[i]
                countY[i] = tiesY[i]
            }
        }
        let psi = digammaTable(upTo: n)
        let logN = log(Double(n))
        var terms = [Double](repeating: 0, count: n)
        for i in 0..<n {
            let neighbours = radius[i] == 0 ? psi[countZ[i]] : psi[k]
            terms[i] = neighbours + logN - psi[countX[i]] - psi[countY[i]]
        }
        var moments = RunningMoments()
        moments.add(contentsOf: terms)
        var evaluation = Evaluation(value: moments.mean, pointTermVariance: moments.sampleVariance, tiedPoints: tied)
        guard jackknife else { return evaluation }
        let points = PointData(terms: terms, radius: radius, countX: countX, countY: countY, countZ: countZ, table: table)
        evaluation.leaveOneOut = Self.leaveOneOut(points, x: x, y: y, spaceX: spaceX, spaceY: spaceY, psi: psi, k: k,
                                                  chunks: chunks)
        return evaluation
    }
}
