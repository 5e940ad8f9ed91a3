import MonteCarloCore

/// Stein thinning: m points of a sample or Markov chain chosen greedily to minimise the kernel
/// Stein discrepancy of the selected set (Riabiz, Chen, Cockayne, Swietach, Niederer, Mackey &
/// Oates 2022).
///
/// Step t selects, with replacement,
///
///     πₜ = argminᵢ  k0(xᵢ, xᵢ)/2 + Σ_{s<t} k0(x_{πₛ}, xᵢ),
///
/// the point whose addition most lowers the V-statistic of KSD² of the selected set. Unlike
/// keeping every k-th draw, it corrects for burn-in and for a chain that over-visits a
/// region, and it needs only the scores, never p's normalising constant.
///
/// ```swift
/// let thinning = SteinThinning()                            // IMQ, median heuristic
/// let indices = try thinning.select(chain, count: 100)       // indices into the chain
/// let thinned = try thinning.thinned(chain, count: 100)      // a SteinSample of those draws
/// let groups = try thinning.thinnedGroups(chain, count: 100) // 5 pieces thinned separately
/// ```
///
/// **Statistical properties.** For a chain that is V-uniformly ergodic for p, the KSD of the
/// selected empirical measure tends to 0 as n, m → ∞ with m growing suitably with n (Riabiz et al.
/// 2022, Theorem 1), so averages over the selected points are consistent; the selection depends
/// on all draws, so the selected points are neither independent nor a chain, and they are more
/// evenly spread than draws from p. Error bars computed from one thinned set are therefore not
/// honest. Measured on AR(1) chains (ρ = 0.8) in d = 2 with cross-fitted control functionals
/// on the thinned points (R = 200; `SteinThinningTests`): m = 50 of n = 500 covered 100%, the
/// empirical variance of the estimates being 0.11–0.12 of the reported one (error bars about 3
/// times too wide), with a bias of −0.23 to −0.25 reported standard errors (about 0.7 of the
/// estimates' own standard deviation, so even an exact variance would not give 95% intervals);
/// m = 100 of n = 1000: 100%, 0.08–0.09, −0.20 to −0.23. For honest error bars thin
/// independent pieces separately with ``thinnedGroups(_:count:groups:)`` and use
/// ``SteinControlFunctional/estimate(thinned:values:)``: covered 95–98% with empirical /
/// reported variance 0.95–1.15 on the same chains. The price is accuracy: root-mean-square
/// errors 0.078–0.084 (m = 50) and 0.039–0.044 (m = 100), against 0.038 and 0.015 for control
/// functionals on one thinned set, and 0.13 and 0.09 for the plain mean of all n draws.
///
/// - Complexity: O(n·m) Stein-kernel evaluations (one kernel column per step, with a running
///   sum), O(n) memory.
public struct SteinThinning: Sendable, Hashable, Codable {
    /// The base kernel and its length-scale rule.
    public var kernel: KernelSpecification

    /// Creates the thinning rule.
    /// - Parameter kernel: the inverse multiquadric (β = −½) with the median-heuristic
    ///   length-scale by default, the recommended kernel of Riabiz et al. (2022) without a
    ///   preconditioner matrix.
    public init(kernel: KernelSpecification = .inverseMultiquadric()) {
        self.kernel = kernel
    }

    /// The indices (into `sample`, in the order chosen, possibly repeated) of the m selected draws.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for m outside
    ///   1…n; `MonteCarloError/invalidArgument(_:)` when the median heuristic meets draws that
    ///   all coincide; the errors of ``RadialKernel/init(_:lengthScale:)``.
    public func select(_ sample: SteinSample, count m: Int) throws(MonteCarloError) -> [Int] {
        let n = sample.count
        guard m >= 1, m <= n else {
            throw .invalidParameter(name: "count", value: Double(m), requirement: "between 1 and the number of draws (\(n))")
        }
        return try select(sample, count: m, lengthScale: baseLengthScale(on: sample))
    }

    /// The kernel's length-scale on `sample`.
    /// - Throws: `MonteCarloError/invalidArgument(_:)` when the median heuristic meets draws
    ///   that all coincide.
    func baseLengthScale(on sample: SteinSample) throws(MonteCarloError) -> Double {
        if kernel.lengthScale == .medianHeuristic, sample.count > 1, KernelSteinDiscrepancy.allCoincide(sample) {
            throw .invalidArgument("All draws coincide: the median-heuristic length-scale would be 0. Give a fixed length-scale or more varied draws.")
        }
        return try kernel.baseLengthScale(on: sample)
    }

    /// As ``select(_:count:)`` at a given base length-scale (m is not checked). Without
    /// `diagonal`, the objective leaves out k0(xᵢ, xᵢ)/2: step t then minimises the increase of
    /// the off-diagonal (U-statistic) sum Σ_{s≠s′} k0(x_{πₛ}, x_{πₛ′}), and the first point is
    /// the middle draw of `sample`.
    func select(_ sample: SteinSample, count m: Int, lengthScale: Double, diagonal: Bool = true) throws(MonteCarloError) -> [Int] {
        let n = sample.count
        let stein = try kernel.steinKernel(lengthScale: lengthScale)
        let d = sample.dimension
        // objective[i] = k0(xᵢ, xᵢ)/2 + Σ over selected s of k0(x_s, xᵢ).
        var objective = [Double](repeating: 0, count: n)
        if diagonal { sample.points.withUnsafeBufferPointer { p in
            sample.scores.withUnsafeBufferPointer { s in
                for i in 0..<n {
                    let x = p.baseAddress! + i * d, u = s.baseAddress! + i * d
                    objective[i] = 0.5 * stein.entry(x, u, x, u, dimension: d)
                }
            }
        } }
        let everyRow = Array(0..<n)
        var selected: [Int] = []
        selected.reserveCapacity(m)
        for t in 0..<m {
            var best = t == 0 && !diagonal ? n / 2 : 0
            if t > 0 || diagonal { for i in 1..<n where objective[i] < objective[best] { best = i } }
            selected.append(best)
            let column = stein.matrix(for: sample, rows: everyRow, columns: [best])
            for i in 0..<n { objective[i] += column.storage[i] }
        }
        return selected
    }

    /// The selected draws as an independent-draws ``SteinSample`` (repeats kept).
    /// - Throws: the errors of ``select(_:count:)``.
    public func thinned(_ sample: SteinSample, count m: Int) throws(MonteCarloError) -> SteinSample {
        try Self.draws(of: sample, at: try select(sample, count: m))
    }

    /// The draws `indices` of `sample` (repeats kept) as independent draws.
    static func draws(of sample: SteinSample, at indices: [Int]) throws(MonteCarloError) -> SteinSample {
        let d = sample.dimension
        var points: [Double] = [], scores: [Double] = []
        points.reserveCapacity(indices.count * d)
        scores.reserveCapacity(indices.count * d)
        for i in indices {
            points.append(contentsOf: sample.points[(i * d)..<((i + 1) * d)])
            scores.append(contentsOf: sample.scores[(i * d)..<((i + 1) * d)])
        }
        return try SteinSample(count: indices.count, dimension: d, points: points, scores: scores)
    }
}
