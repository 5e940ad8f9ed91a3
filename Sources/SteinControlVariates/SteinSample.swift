import MonteCarloCore
import VarianceReduction

/// Draws x₁ … xₙ ∈ ℝᵈ from a target π together with the score u(xᵢ) = ∇ log π(xᵢ) at each draw,
/// and how the draws depend on each other.
///
/// The input of every Stein-kernel estimator: typically the output of a sampler (i.i.d. draws
/// or MCMC), post-processed. ``dependence`` says whether the draws are independent (the
/// default) or one or more Markov chains stored one after another; with chains, every estimator
/// that takes a sample folds contiguous blocks within each chain and reports the long-run
/// variance of its held-out residual series (see `SampleDependence`). Points and scores are stored contiguously, row-major: point i is
/// `points[i·d ..< (i+1)·d]`, so kernel matrices are built from one buffer without per-entry
/// allocation. Integrand values are passed separately, so one sample serves several integrands.
///
/// ```swift
/// let sample = try SteinSample(points: [[0.1, -0.3], [1.2, 0.4], [-0.7, 0.9]],
///                              scores: [[-0.1, 0.3], [-1.2, -0.4], [0.7, -0.9]])
/// sample.count      // 3
/// sample.dimension  // 2
/// ```
public struct SteinSample: Sendable, Hashable, Codable {
    /// The number of draws n.
    public let count: Int
    /// The dimension d of each draw.
    public let dimension: Int
    /// The draws, row-major: n·d numbers.
    public let points: [Double]
    /// The scores ∇ log π at the draws, row-major: n·d numbers.
    public let scores: [Double]
    /// Whether the draws are independent or Markov chains (and how to estimate their long-run variance).
    public let dependence: SampleDependence
    /// For chains, how many draws on each side of an evaluation block are kept out of the
    /// training set that fits its control: ⌈τ̂⌉, the largest integrated autocorrelation time of
    /// the coordinates (Geyer's initial monotone sequence, pooled chains). 0 for independent draws.
    ///
    /// Why: a draw and its chain neighbours are nearly the same point (a rejected MCMC proposal
    /// repeats it exactly), so a kernel fit trained on the neighbours of an evaluation block
    /// interpolates its draws and the held-out residuals understate the error.
    public let foldGap: Int

    /// Creates a sample from flat row-major arrays.
    /// - Parameters:
    ///   - count: n ≥ 1.
    ///   - dimension: d ≥ 1.
    ///   - points: n·d coordinates, point after point.
    ///   - scores: n·d score components, point after point.
    ///   - dependence: independent draws (default) or chains whose lengths add up to n.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for n or d below 1;
    ///   `MonteCarloError/dimensionMismatch(what:expected:actual:)` when an array does not hold
    ///   n·d numbers; `MonteCarloError/nonFinite(quantity:index:)` naming the first draw with a
    ///   NaN or infinite coordinate or score; the errors of `SampleDependence/chainRanges(count:)`
    ///   when the chain lengths do not describe n draws.
    /// - Complexity: O(nd).
    public init(count: Int, dimension: Int, points: [Double], scores: [Double],
                dependence: SampleDependence = .independent) throws(MonteCarloError) {
        guard count >= 1 else { throw .invalidParameter(name: "count", value: Double(count), requirement: "at least 1") }
        guard dimension >= 1 else {
            throw .invalidParameter(name: "dimension", value: Double(dimension), requirement: "at least 1")
        }
        guard points.count == count * dimension else {
            throw .dimensionMismatch(what: "points (count × dimension numbers)", expected: count * dimension, actual: points.count)
        }
        guard scores.count == count * dimension else {
            throw .dimensionMismatch(what: "scores (count × dimension numbers)", expected: count * dimension, actual: scores.count)
        }
        if let bad = points.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(quantity: "point", index: bad / dimension) }
        if let bad = scores.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(quantity: "score", index: bad / dimension) }
        _ = try dependence.chainRanges(count: count)
        self.foldGap = Self.autocorrelationGap(points: points, dimension: dimension, dependence: dependence)
        self.count = count
        self.dimension = dimension
        self.points = points
        self.scores = scores
        self.dependence = dependence
    }

    /// Creates a sample from one array per draw.
    /// - Throws: as ``init(count:dimension:points:scores:dependence:)``; also
    ///   `MonteCarloError/dimensionMismatch(what:expected:actual:)` when the lists differ in
    ///   length or a draw's length differs from the first draw's.
    public init(points: [[Double]], scores: [[Double]], dependence: SampleDependence = .independent) throws(MonteCarloError) {
        guard let first = points.first else {
            throw .insufficientSamples(needed: 1, available: 0, reason: "to form a Stein sample")
        }
        guard scores.count == points.count else {
            throw .dimensionMismatch(what: "scores (one per point)", expected: points.count, actual: scores.count)
        }
        let d = first.count
        var flatPoints: [Double] = []
        var flatScores: [Double] = []
        flatPoints.reserveCapacity(points.count * d)
        flatScores.reserveCapacity(points.count * d)
        for i in points.indices {
            guard points[i].count == d else {
                throw .dimensionMismatch(what: "coordinates of point \(i)", expected: d, actual: points[i].count)
            }
            guard scores[i].count == d else {
                throw .dimensionMismatch(what: "components of score \(i)", expected: d, actual: scores[i].count)
            }
            flatPoints.append(contentsOf: points[i])
            flatScores.append(contentsOf: scores[i])
        }
        try self.init(count: points.count, dimension: d, points: flatPoints, scores: flatScores, dependence: dependence)
    }

    /// The same draws with another dependence structure.
    /// - Throws: the errors of `SampleDependence/chainRanges(count:)`.
    public func with(dependence: SampleDependence) throws(MonteCarloError) -> SteinSample {
        try SteinSample(count: count, dimension: dimension, points: points, scores: scores, dependence: dependence)
    }

    /// Cross-fitting folds of all draws (`CrossFitFolds`): i mod K for independent draws, K
    /// contiguous blocks within each chain for chains.
    func folds(_ k: Int) throws(MonteCarloError) -> [[Int]] {
        try CrossFitFolds(k).groups(drawCount: count, dependence: dependence)
    }

    /// ⌈largest τ̂ over the coordinates⌉ for chains, 0 for independent draws (or when τ̂
    /// cannot be estimated, e.g. chains too short).
    static func autocorrelationGap(points: [Double], dimension d: Int, dependence: SampleDependence) -> Int {
        guard case .chains(let lengths, _) = dependence else { return 0 }
        let n = points.count / d
        var largest = 1.0
        for j in 0..<d {
            let series = (0..<n).map { points[$0 * d + j] }
            guard let result = try? LongRunVarianceMethod.initialSequence(.monotone).estimate(series, chainLengths: lengths),
                  result.sampleVariance > 0 else { continue }
            largest = max(largest, result.longRunVariance / result.sampleVariance)
        }
        return Int(largest.rounded(.up))
    }

    /// `candidates` without the draws within ``foldGap`` steps of an `evaluation` draw of the
    /// same chain (independent draws: `candidates` unchanged). When that would remove more than
    /// half of the candidates, the gap is halved until it does not.
    func training(excluding evaluation: [Int], from candidates: [Int]) -> [Int] {
        Self.training(excluding: evaluation, from: candidates, count: count, dependence: dependence, gap: foldGap)
    }

    /// As ``training(excluding:from:)`` for `count` draws with the given dependence and gap.
    static func training(excluding evaluation: [Int], from candidates: [Int], count: Int,
                         dependence: SampleDependence, gap: Int) -> [Int] {
        guard gap > 0, !evaluation.isEmpty, let ranges = try? dependence.chainRanges(count: count) else { return candidates }
        // Distance from every draw to the nearest evaluation draw of its chain.
        var distance = [Int](repeating: Int.max, count: count)
        var isEvaluation = [Bool](repeating: false, count: count)
        for i in evaluation { isEvaluation[i] = true }
        for range in ranges {
            var last: Int? = nil
            for i in range {
                if isEvaluation[i] { last = i }
                if let last { distance[i] = i - last }
            }
            last = nil
            for i in range.reversed() {
                if isEvaluation[i] { last = i }
                if let last { distance[i] = min(distance[i], last - i) }
            }
        }
        var g = gap
        while true {
            let kept = candidates.filter { distance[$0] > g }
            if 2 * kept.count >= candidates.count || g == 0 { return kept }
            g /= 2
        }
    }

    /// Inner cross-validation folds of a training set (sorted draw indices): every K-th entry
    /// for independent draws, K contiguous runs of the list for chains.
    func innerFolds(of training: [Int], folds k: Int) -> [[Int]] {
        Self.innerFolds(of: training, folds: k, chains: dependence.isChain)
    }

    /// As ``innerFolds(of:folds:)`` for draws that are (`chains`) or are not Markov chains.
    /// The folds are `CrossFitFolds` of the list's positions, the list taken as one chain.
    static func innerFolds(of training: [Int], folds k: Int, chains: Bool) -> [[Int]] {
        let m = training.count
        let dependence: SampleDependence = chains ? .chains(lengths: [m]) : .independent
        guard m > 0, let folds = try? CrossFitFolds(k), let positions = try? folds.groups(drawCount: m, dependence: dependence) else {
            return Array(repeating: [], count: k)
        }
        return positions.map { $0.map { training[$0] } }
    }

    /// Point i as an array.
    public func point(_ i: Int) -> [Double] { Array(points[(i * dimension)..<((i + 1) * dimension)]) }

    /// The score at point i as an array.
    public func score(_ i: Int) -> [Double] { Array(scores[(i * dimension)..<((i + 1) * dimension)]) }

    /// Checks that `values` has one finite entry per draw.
    func validate(values: [Double]) throws(MonteCarloError) {
        guard values.count == count else {
            throw .dimensionMismatch(what: "integrand values (one per draw)", expected: count, actual: values.count)
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(quantity: "integrand", index: bad) }
    }
}
