import Foundation
import MonteCarloCore

/// The Kraskov–Stögbauer–Grassberger k-nearest-neighbour estimators of I(X; Y) (Kraskov,
/// Stögbauer & Grassberger 2004), both algorithms, max-norm in every space, any d_x and d_y.
///
/// For each point zᵢ = (xᵢ, yᵢ) the k nearest neighbours in the joint max-norm
/// ‖z − z′‖ = max(‖x − x′‖∞, ‖y − y′‖∞) are found with a k-d tree (ties ordered by index), then:
/// - algorithm 1: ε(i) = distance to the k-th neighbour, nₓ(i) = #{j ≠ i : ‖xⱼ − xᵢ‖ < ε(i)}
///   (strict), likewise n_y; Î = ψ(k) + ψ(N) − ⟨ψ(nₓ + 1) + ψ(n_y + 1)⟩.
/// - algorithm 2: εₓ(i), ε_y(i) = the largest marginal distances among the k neighbours,
///   nₓ(i) = #{j ≠ i : ‖xⱼ − xᵢ‖ ≤ εₓ(i)}; Î = ψ(k) − 1/k + ψ(N) − ⟨ψ(nₓ) + ψ(n_y)⟩.
/// When X and Y are both one-dimensional, neighbours come from sorted arrays instead: blocks
/// of the x order, each sorted by y, searched outwards from the query (see the complexity
/// note), and the marginal counts from the sorted marginals, queries taken in sorted order so
/// each window's edges are predicted from the previous window and placed by counting the
/// comparisons around the prediction (C kernels in `MonteCarloShims`, `mc_ksg.h`).
/// Otherwise one-dimensional marginals are counted by binary search in a sorted copy and
/// others with a k-d tree. Every path finds the same neighbours, ε and counts as the O(N²)
/// definition (ties by index), so the value does not depend on the path.
///
/// ```swift
/// let ksg = KSGEstimator(algorithm: .one, neighbors: 3, seed: 7)
/// let estimate = try ksg.estimate(x: xs, y: ys)  // xs, ys: [[Double]] paired by index
/// ```
///
/// Deterministic: no noise is added unless `tieBreakingNoise` is set, and then it is drawn
/// from `seed`. Raw-value KSG is only approximately invariant under monotone transforms of the
/// marginals (they move the neighbours); with `rankTransform` it is exactly invariant. Ties (duplicate coordinates) make distances zero and break the counts; a
/// warning reports them.
///
/// **Statistical properties.** KSG is consistent but biased, with a systematic error that is a
/// function of k/N and of the density's non-uniformity at the neighbour scale (KSG 2004): in
/// one dimension it is small (|bias| ≲ 0.02 nats at N = 500 on Gaussians), essentially zero for
/// independent X, Y (KSG 2004: the estimate fluctuates around 0), and strongly **negative**
/// in higher dimension or at high MI (5-d pairs with ρ = 0.6, I = 1.12: about −0.25 at N = 2000
/// with k = 3; the sample size needed grows exponentially in I, Gao et al. 2015). The bias is
/// not estimated; `declaredBias` states its direction. Algorithm 1 has slightly smaller
/// variance, algorithm 2 slightly smaller bias; larger k lowers the variance and raises the
/// bias.
///
/// *Variance.* `variance` estimates Var(Î_N) in two steps.
/// 1. A jackknife J_N = ((N − 1)/N) Σⱼ (Î₋ⱼ − Ī₋)², computed from the one pass (see
///    `KSGJackknife`). By default it is the exact delete-one jackknife (on trees, also in
///    1 + 1 d below 8192 points): removing a point only lowers the counts of the windows that
///    hold it and replaces it by the (k + 1)-th neighbour where it was among the k nearest. By the
///    Efron–Stein inequality E J_N ≥ Var(Î_{N−1}) for any symmetric statistic; for KSG it is
///    too large by a factor f, measured 1.5–2.9 (largest near independence), because the
///    neighbour counts make Î a statistic of high Hoeffding order. When X and Y are both
///    one-dimensional and the blocks below hold at least 1024 points (`fixedRadiusJackknife`
///    = 1 in `figures`; N ≥ 8192 with the default 8 blocks) it is the jackknife with every other
///    point's radius held fixed (only the count decrements), which needs nothing beyond the
///    estimate's own counts and windows; it is another multiple f of the variance. Where that f
///    differs between the blocks and N the rescaling fails, so the exact jackknife is kept
///    elsewhere: with fixed radii the rescaled variance measured 0.40–0.72 of the empirical one
///    in 10 + 10 d (N = 500 and 2000), and 0.69–0.75 in 1 + 1 d at N = 500 (blocks of 62
///    points) on independent Student-t data, where the exact jackknife gave 0.94.
/// 2. f is measured on the data: the first m·b points of a seeded random permutation form m
///    disjoint blocks of b = min(⌊N/m⌋, `maximumBlockSize`) points (default 1024: above
///    8192 points the blocks are a random subsample, so their cost stops growing with N);
///    s², the sample variance of the m block estimates, is unbiased
///    for Var(Î_b) (the blocks are independent samples), and J̄_b, the mean of the blocks'
///    jackknives, estimates f·Var(Î_b). So `variance` = J_N · s² / J̄_b (averaged over
///    `repetitions` partitions). This assumes only that f is the same at sizes b and N; unlike
///    plain subsampling (s²·b/N, in `figures["subsampleVariance"]`) it does not assume
///    Var ∝ 1/N, which KSG reaches slowly (that rescaling measured 0.51–1.15 of the empirical
///    variance, mostly low).
/// Measured reported/empirical variance over 200 data sets per cell (k = 3, m = 8, one
/// partition; `mibench --calibration`), every cell inside the χ² band (0.73…1.42):
/// - 1 + 1 d with fixed radii (`--sizes 10000,20000,100000 --pairs 1`), algorithm 1 /
///   algorithm 2: Gaussian 0.85 / 0.85 (N = 10⁴), 0.94 / 1.08 (2·10⁴), 1.03 / 1.05 (10⁵);
///   Student-t ν = 3 1.29 / 1.25, 1.30 / 1.34, 1.06 / 1.12 (the exact jackknife gave 0.81–1.24
///   on the same cells); with `--rho 0` (independent) 0.85–1.19 at N ∈ {10⁴, 2·10⁴, 10⁵}, and
///   with `--rho 0.9` at N = 10⁴ 1.04–1.26;
/// - exact, 1 + 1 d at N ∈ {500, 2000}: 0.89–1.33; 2 + 2 and 10 + 10 d: 0.76–1.19 over
///   N ∈ {500, 2000} and N = 10⁴ in 2 + 2, Gaussian and Student-t (ν = 3) data, both
///   algorithms;
/// - plain subsampling gave 0.51–1.15 on the same data.
/// The weak corner is 10 + 10 d at small N (blocks of N/8 points in 20 dimensions): on the data of
/// the full calibration test (`PlugInVarianceCalibrationTests`, other seeds) KSG-2 at N = 500 on
/// Student-t ν = 3 measured 0.72, just outside its band (0.74…1.42), and the test fails there.
/// 10 + 10 d at N = 10⁴ is the opt-in test `ksgVarianceHighDimension` (R = 200 per cell): both algorithms, Gaussian and
/// Student-t (ν = 3) data, all four inside the χ² band: empirical/reported 1.03 and 0.98
/// (algorithms 1 and 2) on Gaussian data, 1.12 and 1.11 on Student-t. The lowest
/// ratios are in 10 + 10 dimensions (0.76–0.96), where blocks of N/8 points are very sparse and
/// f is somewhat smaller there than at N (see the MutualInformation article "Standard errors of the
/// plug-in estimators"). s² has m − 1 degrees of freedom, so the interval is Student-t with
/// m − 1. Resampling *with* replacement is not used: duplicated points get zero distances and
/// corrupt the neighbour counts. `figures["subsampleMeanShift"]` = mean block value − Î, a bias
/// self-check: a shift well beyond the standard error means the estimate still depends on N.
/// `figures["jackknifeOverestimation"]` = J̄_b / s² (the measured f; noisy, m − 1 degrees of
/// freedom). ESS = sample variance of the per-point terms −ψ(nₓ + 1) − ψ(n_y + 1) (or
/// −ψ(nₓ) − ψ(n_y)) divided by `variance`.
///
/// - Complexity: one + one dimensions: O(N) to build (radix sorts, and the cascades that lead
///   from each slot of a block to the matching slot of the next) plus, per point, the few
///   blocks of about √(kN) points within the k-th neighbour distance (entered through the
///   cascades, without a search) and, per count, 32 comparisons around each edge's prediction
///   (O(log Δ) more when the edge lies beyond them, Δ its distance from the prediction).
///   Otherwise O(N log N) expected for the neighbour
///   search in low dimension (k-d tree with 64-point bucket leaves, built with quickselect),
///   plus the range counts, whose cost grows with the points near each marginal ball's
///   surface. With fixed radii the variance adds only a scatter over the count pass's windows
///   (linear) and the m blocks (an estimate with its jackknife on m·b ≤ 8192 points per
///   repetition by default). The exact jackknife (on trees, also for 1 + 1 d below 8192 points)
///   adds one neighbour and one or two
///   counts per point and marginal (counted in the estimate's own traversal of a marginal tree,
///   which also records the window), a scatter over the marginal windows (a replay of the
///   recorded windows in a tree) and the blocks. The blocks run on a thread of their own while
///   the full computation runs (unless the call is itself inside a parallel loop). Measured at
///   N = 10⁵, 1 + 1 d, k = 3 (CPU time, `OPENBLAS_NUM_THREADS=1 perf stat -e task-clock mibench
///   --profile value|estimate|none`, mean of 8, the data's generation subtracted): the value
///   takes 48 ms and the estimate with its variance 64 ms, so the variance adds 0.33 times the
///   value's cost (0.80 times with the exact jackknife: 51 and 92 ms in the same session). The
///   whole `mcest mi FILE --x 0 --y 1 --method ksg` process on those 10⁵ rows (.npy) takes
///   80–83 ms of CPU and 55–57 ms of wall clock on 2 idle cores (`perf stat -r 15`; 115 ms and
///   76 ms with the exact jackknife). Earlier, with the exact jackknife: value 0.027 s, estimate
///   with its variance 0.061 s, whole process 0.066 s (before the cascades, counted spans and
///   replacement counts in the count pass:
///   0.038, 0.083 and 0.100 s). In 10 + 10 d at
///   N = 10⁴ an estimate with its variance takes
///   about 1.5 s of CPU in a release build, 2.2 times less than when the jackknife's counts and
///   scatter traversed the marginal trees separately (`mibench --calibration --replications 1
///   --sizes 10000 --pairs 10 --nu inf`, user time, both algorithms: 3.0 s against 6.7 s).
///   Points are processed in 64 fixed chunks on all
///   cores (each block in one chunk); the terms are summed in index order, so the result does
///   not depend on the thread count, the chunking or the timing of the blocks' thread.
public struct KSGEstimator: Sendable, Hashable, Codable {
    /// Which of the two KSG estimators.
    public enum Algorithm: String, Sendable, Hashable, Codable {
        /// Algorithm 1: strict counts within the joint k-NN distance.
        case one
        /// Algorithm 2: non-strict counts within the marginal extents of the k-NN rectangle.
        case two
    }

    /// Algorithm 1 or 2.
    public var algorithm: Algorithm
    /// k, the number of neighbours (≥ 1; KSG recommend 2–4).
    public var neighbors: Int
    /// m, the number of disjoint blocks on which the jackknife's overestimation is measured (≥ 2).
    public var subsampleBlocks: Int
    /// The number of independent random partitions averaged (≥ 1; each costs about one estimate
    /// on m·b points).
    public var repetitions: Int
    /// The largest block size b (≥ k + 2; default 1024): b = min(⌊N/m⌋, this), so above
    /// m × this many points the blocks use only a random subset of m·b points and the variance's
    /// extra cost stops growing with them (see the type's discussion).
    public var maximumBlockSize: Int
    /// Fixes the partitions and the optional noise.
    public var seed: UInt64
    /// If set, adds η·max(1, mean|column|)·N(0, 1) to every coordinate to break ties (as
    /// scikit-learn does with η = 10⁻¹⁰); `nil` (the default) adds nothing.
    public var tieBreakingNoise: Double?
    /// If `true`, every coordinate is replaced by its rank (1…N; equal values share the lowest
    /// rank) before the neighbour search. The estimate then depends on the data only through
    /// the marginal ranks, so it is exactly invariant under strictly increasing transforms of
    /// each coordinate (the copula form of KSG). It estimates the same I, since MI is invariant
    /// under such transforms, with a different finite-N bias. `false` by default (raw values,
    /// as in KSG 2004). Applied after the optional tie-breaking noise.
    public var rankTransform: Bool

    public init(algorithm: Algorithm = .one, neighbors: Int = 3, subsampleBlocks: Int = 8, repetitions: Int = 1,
                maximumBlockSize: Int = 1024, seed: UInt64 = 0, tieBreakingNoise: Double? = nil, rankTransform: Bool = false) {
        self.algorithm = algorithm
        self.neighbors = neighbors
        self.subsampleBlocks = subsampleBlocks
        self.repetitions = repetitions
        self.maximumBlockSize = maximumBlockSize
        self.seed = seed
        self.tieBreakingNoise = tieBreakingNoise
        self.rankTransform = rankTransform
    }

    /// The point estimate Î on all N pairs, without a variance.
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` for unequal
    ///   counts or ragged rows; `MonteCarloError/nonFinite(quantity:index:)` for NaN/∞;
    ///   `MonteCarloError/invalidParameter(name:value:requirement:)` for k < 1 or a bad noise
    ///   scale; `MonteCarloError/insufficientSamples(needed:available:reason:)` for N ≤ k.
    public func value(x: [[Double]], y: [[Double]]) throws(MonteCarloError) -> Double {
        try validate()
        let data = try prepared(PairedSamples(x: x, y: y))
        return try KSGComputation(data, algorithm: algorithm, k: neighbors).value
    }

    /// One-dimensional convenience for ``value(x:y:)-(_,[[Double]])``.
    public func value(x: [Double], y: [Double]) throws(MonteCarloError) -> Double {
        try validate()
        let data = try prepared(PairedSamples.line(x: x, y: y))
        return try KSGComputation(data, algorithm: algorithm, k: neighbors, line: usesRawValues ? (x, y) : nil).value
    }

    /// Whether the neighbour search sees the data as given (no noise, no ranks), so that one-dimensional
    /// X and Y can be used as they are.
    var usesRawValues: Bool { tieBreakingNoise == nil && !rankTransform }

    /// Î with its variance (the jackknife rescaled on subsamples; see the type's discussion).
    /// - Throws: As ``value(x:y:)-(_,[[Double]])``, and `insufficientSamples` when the blocks
    ///   would have fewer than k + 2 points (N < m(k + 2)).
    public func estimate(x: [[Double]], y: [[Double]]) throws(MonteCarloError) -> Estimate {
        try validate()
        return try estimate(prepared(PairedSamples(x: x, y: y)))
    }

    /// - Parameter line: For one-dimensional X and Y, their values as in `data` if the caller has
    ///   them (saves splitting `data`).
    func estimate(_ data: PairedSamples, line: (x: [Double], y: [Double])? = nil) throws(MonteCarloError) -> Estimate {
        let n = data.count, k = neighbors, m = subsampleBlocks
        let blockSize = min(n / m, maximumBlockSize)
        guard blockSize >= k + 2 else {
            throw .insufficientSamples(needed: m * (k + 2), available: n,
                                       reason: "for \(m) subsample blocks of at least k + 2 = \(k + 2) points")
        }
        // The blocks need only the data and the seed: unless this already runs inside a parallel
        // loop (whose iterations occupy the cores), they run on a thread of their own while the
        // full computation runs, whose serial steps leave a core idle. Each result is the same
        // whatever the timing; they are combined below in repetition and block order.
        // One-dimensional X and Y with blocks of at least `fixedRadiusBlockSize` points: the
        // jackknife with fixed radii (calibrated there, and much cheaper); otherwise the exact one.
        let kind: KSGJackknife.Kind = data.xDimension == 1 && data.yDimension == 1 && blockSize >= Self.fixedRadiusBlockSize
            ? .fixedRadii : .exact
        let full: KSGComputation, runs: [[(value: Double, jackknife: Double)]]
        if ParallelLoop.isInsideWorker {
            full = try KSGComputation(data, algorithm: algorithm, k: k, jackknife: kind, line: line)
            runs = try blockRuns(data, blockSize: blockSize, jackknife: kind)
        } else {
            let background = BlockRuns()
            let finished = DispatchSemaphore(value: 0)
            let estimator = self
            // A thread of its own, not a queue's: waiting for it can never starve a thread pool.
            Thread {
                background.result = Result { () throws(MonteCarloError) in
                    try estimator.blockRuns(data, blockSize: blockSize, jackknife: kind)
                }
                finished.signal()
            }.start()
            let computed = Result { () throws(MonteCarloError) in
                try KSGComputation(data, algorithm: algorithm, k: k, jackknife: kind, line: line)
            }
            finished.wait()
            full = try computed.get()
            runs = try background.result!.get()
        }
        let fullJackknife = full.jackknife!.variance
        var blockVariance = 0.0, blockJackknife = 0.0
        var blockMeans = RunningMoments()
        for blocks in runs {
            var blockValues = RunningMoments()
            for block in blocks {
                blockValues.add(block.value)
                blockMeans.add(block.value)
                blockJackknife += block.jackknife / Double(m * repetitions)
            }
            blockVariance += blockValues.sampleVariance / Double(repetitions)
        }
        // Var(Î_N) ≈ J_N · s²_b / J̄_b: the jackknife's overestimation factor, measured on the blocks.
        var warnings = data.degeneracyWarnings
        let variance: Double
        if blockJackknife > 0 {
            variance = fullJackknife * blockVariance / blockJackknife
        } else {
            variance = fullJackknife
            warnings.append("The blocks' jackknife variances are all 0 (degenerate data): the standard error is the "
                + "plain jackknife, an upper bound in expectation.")
        }
        let perPoint = full.pointTermVariance
        if full.zeroDistances > 0 {
            warnings.append("\(full.zeroDistances) points have a zero k-th neighbour distance (tied points): the "
                + "neighbour counts are unreliable; remove duplicates or set tieBreakingNoise.")
        }
        return Estimate(
            value: full.value, variance: variance, sampleCount: n,
            effectiveSampleSize: variance > 0 ? perPoint / variance : Double(n),
            degreesOfFreedom: Double(m - 1),
            diagnostics: Diagnostics(
                method: algorithm == .one ? "ksg1" : "ksg2",
                declaredBias: "Systematic error depending on k/N and the local non-uniformity of the density: small in "
                    + "one dimension, negative (underestimates I) in higher dimension and at high MI.",
                figures: ["neighbors": Double(k), "subsampleBlocks": Double(m), "blockSize": Double(blockSize),
                          "fixedRadiusJackknife": kind == .fixedRadii ? 1 : 0,
                          "repetitions": Double(repetitions), "subsampleMeanShift": blockMeans.mean - full.value,
                          "jackknifeVariance": fullJackknife,
                          "jackknifeOverestimation": blockVariance > 0 ? blockJackknife / blockVariance : .nan,
                          "subsampleVariance": blockVariance * Double(blockSize) / Double(n),
                          "maximumBlockSize": Double(maximumBlockSize),
                          "pointTermVariance": perPoint / Double(n),
                          "zeroDistances": Double(full.zeroDistances)],
                warnings: warnings))
    }

    /// The value and the jackknife variance of every block of every repetition (repetition r:
    /// the blocks of the seeded random permutation `stream(2 + r)`), in repetition order.
    func blockRuns(_ data: PairedSamples, blockSize: Int,
                   jackknife kind: KSGJackknife.Kind) throws(MonteCarloError) -> [[(value: Double, jackknife: Double)]] {
        let n = data.count
        var runs: [[(value: Double, jackknife: Double)]] = []
        for r in 0..<repetitions {
            var generator = Self.stream(2 + r, seed: seed)
            var permutation = Array(0..<n)
            for i in stride(from: n - 1, to: 0, by: -1) {
                permutation.swapAt(i, Int(generator.next() % UInt64(i + 1)))
            }
            runs.append(try Self.blockComputations(data, permutation: permutation, blocks: subsampleBlocks, size: blockSize,
                                                   algorithm: algorithm, k: neighbors, jackknife: kind))
        }
        return runs
    }

    /// The outcome of ``blockRuns(_:blockSize:jackknife:)`` on the thread that computed it, read after that
    /// thread's work has been waited for.
    final class BlockRuns: @unchecked Sendable {
        /// `nil` until the blocks have run.
        var result: Result<[[(value: Double, jackknife: Double)]], MonteCarloError>?
    }

    /// The value and the jackknife variance of KSG on each of the `blocks` disjoint blocks of
    /// `size` points taken in `permutation` order (m·size ≤ N). The blocks run concurrently, each
    /// in one chunk (a block's results do not depend on its chunking), so their serial steps overlap.
    static func blockComputations(_ data: PairedSamples, permutation: [Int], blocks m: Int, size blockSize: Int,
                                  algorithm: Algorithm, k: Int,
                                  jackknife kind: KSGJackknife.Kind) throws(MonteCarloError) -> [(value: Double, jackknife: Double)] {
        let d = data.xDimension + data.yDimension
        var results = [Result<(value: Double, jackknife: Double), MonteCarloError>](repeating: .success((0, 0)), count: m)
        results.withUnsafeMutableBufferPointer { buffer in
            let out = SharedPointer(buffer.baseAddress!)
            ParallelLoop.run(iterations: m) { b in
                var joint = [Double]()
                joint.reserveCapacity(blockSize * d)
                for p in permutation[(b * blockSize)..<((b + 1) * blockSize)] {
                    joint.append(contentsOf: data.joint[(p * d)..<((p + 1) * d)])
                }
                let block = PairedSamples(count: blockSize, xDimension: data.xDimension, yDimension: data.yDimension, joint: joint)
                do throws(MonteCarloError) {
                    let computation = try KSGComputation(block, algorithm: algorithm, k: k, jackknife: kind, chunks: 1)
                    out.pointer[b] = .success((computation.value, computation.jackknife!.variance))
                } catch {
                    out.pointer[b] = .failure(error)
                }
            }
        }
        var values: [(value: Double, jackknife: Double)] = []
        values.reserveCapacity(m)
        for result in results { values.append(try result.get()) }
        return values
    }

    /// One-dimensional convenience for ``estimate(x:y:)-(_,[[Double]])``.
    public func estimate(x: [Double], y: [Double]) throws(MonteCarloError) -> Estimate {
        try validate()
        return try estimate(prepared(PairedSamples.line(x: x, y: y)), line: usesRawValues ? (x, y) : nil)
    }

    /// The smallest block size at which one-dimensional X and Y use the jackknife with fixed
    /// radii (see the type's discussion): 1024, so from N = 8192 with the default 8 blocks.
    static let fixedRadiusBlockSize = 1024

    func validate() throws(MonteCarloError) {
        guard neighbors >= 1 else { throw .invalidParameter(name: "neighbors", value: Double(neighbors), requirement: "at least 1") }
        guard subsampleBlocks >= 2 else {
            throw .invalidParameter(name: "subsampleBlocks", value: Double(subsampleBlocks), requirement: "at least 2")
        }
        guard repetitions >= 1 else { throw .invalidParameter(name: "repetitions", value: Double(repetitions), requirement: "at least 1") }
        guard maximumBlockSize >= neighbors + 2 else {
            throw .invalidParameter(name: "maximumBlockSize", value: Double(maximumBlockSize), requirement: "at least k + 2")
        }
        if let eta = tieBreakingNoise, !(eta > 0 && eta.isFinite) {
            throw .invalidParameter(name: "tieBreakingNoise", value: eta, requirement: "finite and positive")
        }
    }

    /// `RandomStreams(seed: seed).stream(index)`, the same generator, by `index` jumps from the
    /// seeded state: for the few small indices used here this avoids building the streams' table
    /// of jump powers, which costs more instructions than a whole estimate on 10⁵ points (a
    /// one-time cost, but paid by every `mcest mi` process).
    static func stream(_ index: Int, seed: UInt64) -> Xoshiro256PlusPlus {
        var generator = Xoshiro256PlusPlus(seed: seed)
        for _ in 0..<index { generator.jump() }
        return generator
    }

    func prepared(_ data: PairedSamples) throws(MonteCarloError) -> PairedSamples {
        guard data.count > neighbors else {
            throw .insufficientSamples(needed: neighbors + 1, available: data.count, reason: "for k = \(neighbors) neighbours")
        }
        guard tieBreakingNoise != nil || rankTransform else { return data }
        let d = data.xDimension + data.yDimension, n = data.count
        var joint = data.joint
        if let eta = tieBreakingNoise {
            var generator = Self.stream(1, seed: seed)
            for c in 0..<d {
                var meanAbsolute = 0.0
                for i in 0..<n { meanAbsolute += abs(joint[i * d + c]) / Double(n) }
                let scale = eta * max(1, meanAbsolute)
                for i in 0..<n { joint[i * d + c] += scale * generator.nextStandardNormal() }
            }
        }
        if rankTransform {
            var order = Array(0..<n)
            for c in 0..<d {
                order.sort { joint[$0 * d + c] < joint[$1 * d + c] || (joint[$0 * d + c] == joint[$1 * d + c] && $0 < $1) }
                var ranks = [Double](repeating: 0, count: n)
                var rank = 1
                for p in 0..<n {
                    if p > 0 && joint[order[p] * d + c] != joint[order[p - 1] * d + c] { rank = p + 1 }
                    ranks[order[p]] = Double(rank)
                }
                for i in 0..<n { joint[i * d + c] = ranks[i] }
            }
        }
        return PairedSamples(count: n, xDimension: data.xDimension, yDimension: data.yDimension, joint: joint)
    }
}

extension KSGEstimator {
    enum CodingKeys: String, CodingKey {
        case algorithm, neighbors, subsampleBlocks, repetitions, maximumBlockSize, seed, tieBreakingNoise, rankTransform
    }

    /// Decodes an estimator; encodings from before `maximumBlockSize` existed get its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(algorithm: try c.decode(Algorithm.self, forKey: .algorithm), neighbors: try c.decode(Int.self, forKey: .neighbors),
                  subsampleBlocks: try c.decode(Int.self, forKey: .subsampleBlocks),
                  repetitions: try c.decode(Int.self, forKey: .repetitions),
                  maximumBlockSize: try c.decodeIfPresent(Int.self, forKey: .maximumBlockSize) ?? KSGEstimator().maximumBlockSize,
                  seed: try c.decode(UInt64.self, forKey: .seed),
                  tieBreakingNoise: try c.decodeIfPresent(Double.self, forKey: .tieBreakingNoise),
                  rankTransform: try c.decode(Bool.self, forKey: .rankTransform))
    }
}

/// One KSG evaluation on a data set.
struct KSGComputation {
    let value: Double
    let pointTermVariance: Double
    let zeroDistances: Int
    /// The leave-one-out analysis (`nil` unless requested).
    let jackknife: KSGJackknife?

    /// - Parameters:
    ///   - chunks: The number of pieces the points are split into for the cores (default
    ///     min(N, 64)); the results do not depend on it.
    ///   - line: For one-dimensional X and Y, the x and y values of `data` if the caller has them
    ///     as arrays (they are then not copied out of `data`).
    init(_ data: PairedSamples, algorithm: KSGEstimator.Algorithm, k: Int, jackknife kind: KSGJackknife.Kind? = nil,
         chunks: Int? = nil, line: (x: [Double], y: [Double])? = nil) throws(MonteCarloError) {
        let n = data.count, dx = data.xDimension, dy = data.yDimension, d = dx + dy
        guard n > k else { throw .insufficientSamples(needed: k + 1, available: n, reason: "for k = \(k) neighbours") }
        let wantsJackknife = kind != nil
        if wantsJackknife && n < k + 2 {
            throw .insufficientSamples(needed: k + 2, available: n, reason: "for the jackknife variance with k = \(k) neighbours")
        }
        let xs: [Double], ys: [Double]
        if let line, dx == 1, dy == 1, line.x.count == n, line.y.count == n {
            (xs, ys) = line
        } else {
            var xValues = [Double](repeating: 0, count: n * dx)
            var yValues = [Double](repeating: 0, count: n * dy)
            for i in 0..<n {
                for c in 0..<dx { xValues[i * dx + c] = data.joint[i * d + c] }
                for c in 0..<dy { yValues[i * dy + c] = data.joint[i * d + dx + c] }
            }
            (xs, ys) = (xValues, yValues)
        }
        // ψ at integers: ψ(1) = −γ, ψ(m + 1) = ψ(m) + 1/m.
        var psiTable = [Double](repeating: 0, count: n + 2)
        psiTable[1] = digamma(1)
        for m in 1...n { psiTable[m + 1] = psiTable[m] + 1 / Double(m) }
        let psi = psiTable

        // One-dimensional X and Y: sorted arrays, for the value alone or with the jackknife with
        // fixed radii; otherwise, and for the exact jackknife, trees (see `KSGJackknife`).
        precondition(kind != .fixedRadii || (dx == 1 && dy == 1), "KSGComputation: fixed radii only in 1 + 1 dimensions")
        let planar = dx == 1 && dy == 1 && kind != .exact
        // Per-point terms, computed in fixed chunks (independent of the thread count) and
        // summed in index order afterwards, so the result does not depend on scheduling.
        var points = KSGJackknife.PointData(terms: [Double](repeating: 0, count: n),
                                            countX: wantsJackknife ? [Int](repeating: 0, count: n) : [],
                                            countY: wantsJackknife ? [Int](repeating: 0, count: n) : [],
                                            radiusX: wantsJackknife ? [Double](repeating: 0, count: n) : [],
                                            radiusY: wantsJackknife ? [Double](repeating: 0, count: n) : [],
                                            neighbours: wantsJackknife && !planar ? [Int](repeating: 0, count: n * (k + 1)) : [])
        let chunkCount = min(n, max(1, chunks ?? 64))
        var zeroCounts = [Int](repeating: 0, count: chunkCount)
        let marginals: (x: KSGJackknife.Marginal, y: KSGJackknife.Marginal)?
        var windows: (x: KSGJackknife.Windows, y: KSGJackknife.Windows)? = nil
        var recounted: KSGJackknife.Recounted? = nil
        if planar {
            let plane = PlanarNeighborIndex(x: xs, y: ys, neighbors: k)
            zeroCounts[0] = KSGComputation.evaluatePlanar(plane: plane, xs: xs, ys: ys, psi: psi, algorithm: algorithm, k: k,
                                                          chunks: chunkCount, into: &points, jackknife: wantsJackknife,
                                                          windows: &windows)
            marginals = wantsJackknife
                ? (.line(sorted: plane.sortedX, order: plane.xOrder), .line(sorted: plane.sortedY, order: plane.yOrder)) : nil
        } else if wantsJackknife {
            let pass = KSGComputation.recountedPass(data, xs: xs, ys: ys, psi: psi, algorithm: algorithm, k: k,
                                                    chunks: chunkCount, into: &points)
            zeroCounts[0] = pass.zeros
            marginals = (pass.x, pass.y)
            recounted = pass.recounted
        } else {
            let jointTree = data.joint.withUnsafeBufferPointer { KDTree($0, count: n, dimension: d) }
            let xCounter = MarginalCounter(xs, count: n, dimension: dx)
            let yCounter = MarginalCounter(ys, count: n, dimension: dy)
            points.withOutputs { output in
                zeroCounts.withUnsafeMutableBufferPointer { zerosBuffer in
                    let zeros = SharedPointer(zerosBuffer.baseAddress!)
                    ParallelLoop.run(iterations: chunkCount) { chunk in
                        let range = (chunk * n / chunkCount)..<((chunk + 1) * n / chunkCount)
                        zeros.pointer[chunk] = KSGComputation.evaluate(
                            range, data: data, xs: xs, ys: ys, jointTree: jointTree, xCounter: xCounter, yCounter: yCounter,
                            psi: psi, algorithm: algorithm, k: k, into: output)
                    }
                }
            }
            marginals = nil
        }
        var terms = RunningMoments()
        terms.add(contentsOf: points.terms)
        let zeros = zeroCounts.reduce(0, +)
        let base = algorithm == .one ? psi[k] + psi[n] : psi[k] - 1 / Double(k) + psi[n]
        value = base + terms.mean
        pointTermVariance = terms.sampleVariance
        zeroDistances = zeros
        jackknife = marginals.map {
            KSGJackknife(points: points, xs: xs, ys: ys, dx: dx, dy: dy, x: $0.x, y: $0.y, windows: windows,
                         recounted: recounted, psi: psi, algorithm: algorithm, k: k, chunks: chunkCount)
        }
    }
}

/// Output pointers shared by the parallel chunks; each chunk writes the entries of its own points.
struct PointOutputs: @unchecked Sendable {
    let terms: UnsafeMutablePointer<Double>
    /// `nil` unless the jackknife pieces are wanted.
    let countX: UnsafeMutablePointer<Int>?
    let countY: UnsafeMutablePointer<Int>?
    let radiusX: UnsafeMutablePointer<Double>?
    let radiusY: UnsafeMutablePointer<Double>?
    let neighbours: UnsafeMutablePointer<Int>?
}

extension KSGJackknife.PointData {
    /// Runs `body` with pointers to the arrays (the optional ones `nil` when empty).
    mutating func withOutputs<R>(_ body: (PointOutputs) -> R) -> R {
        terms.withUnsafeMutableBufferPointer { t in
            countX.withUnsafeMutableBufferPointer { cx in
                countY.withUnsafeMutableBufferPointer { cy in
                    radiusX.withUnsafeMutableBufferPointer { rx in
                        radiusY.withUnsafeMutableBufferPointer { ry in
                            neighbours.withUnsafeMutableBufferPointer { nb in
                                // Empty arrays give nil (their buffers' addresses must never be written).
                                body(PointOutputs(terms: t.baseAddress!, countX: cx.isEmpty ? nil : cx.baseAddress,
                                                  countY: cy.isEmpty ? nil : cy.baseAddress,
                                                  radiusX: rx.isEmpty ? nil : rx.baseAddress,
                                                  radiusY: ry.isEmpty ? nil : ry.baseAddress,
                                                  neighbours: nb.isEmpty ? nil : nb.baseAddress))
                            }
                        }
                    }
                }
            }
        }
    }
}

extension KSGComputation {
    /// Computes the per-point terms of the points at tree positions `range` into `terms` (by
    /// original index), without the jackknife's pieces (see ``recountedPass(_:xs:ys:psi:algorithm:k:chunks:into:)``);
    /// returns the number of zero k-NN distances.
    static func evaluate(_ range: Range<Int>, data: PairedSamples, xs: [Double], ys: [Double], jointTree: KDTree,
                         xCounter: MarginalCounter, yCounter: MarginalCounter, psi: [Double],
                         algorithm: KSGEstimator.Algorithm, k: Int, into output: PointOutputs) -> Int {
        let dx = data.xDimension, dy = data.yDimension, d = dx + dy
        let terms = output.terms
        let distances = UnsafeMutablePointer<Double>.allocate(capacity: k)
        let neighbours = UnsafeMutablePointer<Int>.allocate(capacity: k)
        let stack = UnsafeMutablePointer<Int>.allocate(capacity: KDTree.stackCapacity)
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: KDTree.leafSize)
        defer {
            distances.deallocate()
            neighbours.deallocate()
            stack.deallocate()
            scratch.deallocate()
        }
        var zeros = 0
        jointTree.withView { tree in
            xCounter.withCounting(stack: stack, scratch: scratch) { countX in
                yCounter.withCounting(stack: stack, scratch: scratch) { countY in
                    data.joint.withUnsafeBufferPointer { joint in
                        xs.withUnsafeBufferPointer { xp in
                            ys.withUnsafeBufferPointer { yp in
                                psi.withUnsafeBufferPointer { psi in
                                    // Queries in tree order (neighbouring queries touch the same
                                    // nodes: cache-friendly); each writes its own term by index.
                                    for position in range {
                                        let i = tree.indices[position]
                                        let q = joint.baseAddress! + i * d
                                        tree.nearest(q, k: k, excluding: i, distances: distances,
                                                     neighbours: neighbours, stack: stack, scratch: scratch)
                                        let xq = xp.baseAddress! + i * dx, yq = yp.baseAddress! + i * dy
                                        switch algorithm {
                                        case .one:
                                            let epsilon = distances[k - 1]
                                            if epsilon == 0 { zeros += 1 }
                                            // The strict count includes the point itself unless ε = 0.
                                            let own = epsilon > 0 ? 1 : 0
                                            let nx = countX(xq, epsilon, true) - own
                                            let ny = countY(yq, epsilon, true) - own
                                            terms[i] = -(psi[nx + 1] + psi[ny + 1])
                                        case .two:
                                            var ex = 0.0, ey = 0.0
                                            for t in 0..<k {
                                                let j = neighbours[t]
                                                for c in 0..<dx { ex = max(ex, abs(xp[j * dx + c] - xq[c])) }
                                                for c in 0..<dy { ey = max(ey, abs(yp[j * dy + c] - yq[c])) }
                                            }
                                            if distances[k - 1] == 0 { zeros += 1 }
                                            let nx = countX(xq, ex, false) - 1
                                            let ny = countY(yq, ey, false) - 1
                                            terms[i] = -(psi[nx] + psi[ny])
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return zeros
    }
}

extension PairedSamples {
    /// One-dimensional X and Y without per-point arrays; the same checks and errors as
    /// `init(x:y:)`.
    static func line(x: [Double], y: [Double]) throws(MonteCarloError) -> PairedSamples {
        guard x.count == y.count else {
            throw .dimensionMismatch(what: "number of y draws (one per x draw)", expected: x.count, actual: y.count)
        }
        guard !x.isEmpty else { throw .insufficientSamples(needed: 1, available: 0, reason: "paired draws") }
        var joint = [Double](repeating: 0, count: 2 * x.count)
        for i in 0..<x.count {
            guard x[i].isFinite else { throw .nonFinite(quantity: "x coordinate", index: i) }
            guard y[i].isFinite else { throw .nonFinite(quantity: "y coordinate", index: i) }
            joint[2 * i] = x[i]
            joint[2 * i + 1] = y[i]
        }
        return PairedSamples(count: x.count, xDimension: 1, yDimension: 1, joint: joint)
    }
}

extension PointOutputs {
    /// Stores point i's counts and radii when the jackknife pieces are wanted.
    @inline(__always)
    func record(_ i: Int, _ nx: Int, _ ny: Int, _ rx: Double, _ ry: Double) {
        guard let countX, let countY, let radiusX, let radiusY else { return }
        countX[i] = nx
        countY[i] = ny
        radiusX[i] = rx
        radiusY[i] = ry
    }
}

/// Max-norm range counts in a marginal space: binary search in 1-D, a k-d tree otherwise.
struct MarginalCounter {
    let line: SortedLine?
    let tree: KDTree?

    init(_ values: [Double], count n: Int, dimension: Int) {
        if dimension == 1 {
            line = SortedLine(values)
            tree = nil
        } else {
            line = nil
            tree = values.withUnsafeBufferPointer { KDTree($0, count: n, dimension: dimension) }
        }
    }

    /// Runs `body` with a counting function (q, radius, strict) → #points within the radius.
    func withCounting<R>(stack: UnsafeMutablePointer<Int>, scratch: UnsafeMutablePointer<Double>,
                         _ body: ((UnsafePointer<Double>, Double, Bool) -> Int) -> R) -> R {
        if let line {
            return line.sorted.withUnsafeBufferPointer { sorted in
                body { q, r, strict in SortedLine.count(sorted, q[0], radius: r, strict: strict) }
            }
        }
        return tree!.withView { view in
            body { q, r, strict in view.count(q, radius: r, strict: strict, stack: stack, scratch: scratch) }
        }
    }
}
