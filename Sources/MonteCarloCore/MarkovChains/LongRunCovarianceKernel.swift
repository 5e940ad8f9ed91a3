import Foundation
import LinearAlgebra

/// The computations behind ``LongRunVarianceMethod`` and ``LongRunCovariance``: batch means,
/// overlapping batch means, and Bartlett and Tukey–Hanning spectral variance of p series at
/// once, each in O(n p + n p²) time.
///
/// Every estimator here is a quadratic form (1/n) Σₜ Σₛ W(t, s) xₜ xₛᵀ of the centred draws
/// with a symmetric weight W that is zero across chains, and each weight is written as a sum
/// of outer products of window indicators, so that the double sum becomes
/// window sums rolled along each chain (one pass, no O(n) scratch) followed by one Gram matrix
/// (BLAS `dsyrk` or `dgemm`) per chunk of 4096 windows:
///
/// - batch means: W = (1/b) Σⱼ 1_{Bⱼ} 1_{Bⱼ}ᵀ over the non-overlapping batches Bⱼ;
/// - overlapping batch means: the same over the n − b + 1 full windows of each chain;
/// - Bartlett: (1 − |t − s|/b)₊ = (1/b) Σⱼ 1[t ∈ Wⱼ] 1[s ∈ Wⱼ] over *all* windows
///   Wⱼ = [j, j + b) that meet the chain, partial ones at both ends included, so the result is
///   exactly γ̂₀ + 2 Σ_{k<b} (1 − k/b) γ̂ₖ with divisor-n autocovariances;
/// - Tukey–Hanning: 1[|t − s| < b] (1 + cos(π(t − s)/b))/2, where cos(θ(t − s)) =
///   cos θt cos θs + sin θt sin θs separates, leaving three box sums.
///
/// Every function takes the raw draws and the grand mean μⱼ of each column (all chains
/// together) and centres on the fly (xₜ − μⱼ), so no centred copy of the n × p draws is made.
/// Storage is column-major: column j is `data[j·n ..< (j+1)·n]`.
enum LongRunCovarianceKernel {
    /// Rows of the window-sum matrices handed to BLAS at a time (bounded memory, warm cache).
    static let chunkRows = 4096

    // MARK: - Estimators

    /// Σ over the non-overlapping batches of size b of each chain of SⱼSⱼᵀ (Sⱼ the batch sums),
    /// and the number of batches a; the batch-means estimate is that sum / (b (a − 1)).
    static func batchSums(_ data: UnsafeBufferPointer<Double>, means: [Double], rows n: Int, columns p: Int,
                          ranges: [Range<Int>], batchSize b: Int) -> (gram: [Double], batches: Int) {
        var accumulator = GramAccumulator(columns: p)
        var batches = 0
        for range in ranges {
            let a = range.count / b
            var first = 0
            while first < a {
                let count = min(chunkRows, a - first)
                accumulator.fill(rows: count) { j, left in
                    let base = j * n + range.lowerBound
                    for r in 0..<count {
                        left[r] = centredSum(data, from: base + (first + r) * b, count: b, mean: means[j])
                    }
                }
                first += count
            }
            batches += a
        }
        return (accumulator.result(), batches)
    }

    /// Σ over the n_c − b + 1 full windows of each chain of SⱼSⱼᵀ, and the number of windows.
    /// Window sums are rolled (Sⱼ₊₁ = Sⱼ + x_{j+b} − xⱼ), carried per column from chunk to chunk.
    static func overlappingBatchSums(_ data: UnsafeBufferPointer<Double>, means: [Double], rows n: Int, columns p: Int,
                                     ranges: [Range<Int>], batchSize b: Int) -> (gram: [Double], windows: Int) {
        var accumulator = GramAccumulator(columns: p)
        var windows = 0
        for range in ranges {
            let count = range.count - b + 1
            var rolling = (0..<p).map { j in centredSum(data, from: j * n + range.lowerBound, count: b, mean: means[j]) }
            var first = 0
            while first < count {
                let m = min(chunkRows, count - first)
                accumulator.fill(rows: m) { j, left in
                    let base = j * n + range.lowerBound
                    let mu = means[j]
                    var s = rolling[j]
                    for r in 0..<m {
                        let window = first + r
                        left[r] = s
                        if window + b < range.count { s += (data[base + window + b] - mu) - (data[base + window] - mu) }
                    }
                    rolling[j] = s
                }
                first += m
            }
            windows += count
        }
        return (accumulator.result(), windows)
    }

    /// n × the Bartlett spectral variance with truncation b: Σ over every window that meets a
    /// chain (partial windows included) of SⱼSⱼᵀ / b, window sums rolled as for OBM.
    static func bartlett(_ data: UnsafeBufferPointer<Double>, means: [Double], rows n: Int, columns p: Int,
                         ranges: [Range<Int>], truncation b: Int) -> [Double] {
        var accumulator = GramAccumulator(columns: p)
        for range in ranges {
            let length = range.count
            // Window j covers [j, j + b) ∩ [0, length), for j = −(b − 1) … length − 1.
            let count = length + b - 1
            var rolling = (0..<p).map { j in data[j * n + range.lowerBound] - means[j] }   // window −(b − 1) = {x₀}
            var first = 0
            while first < count {
                let m = min(chunkRows, count - first)
                accumulator.fill(rows: m) { column, left in
                    let base = column * n + range.lowerBound
                    let mu = means[column]
                    var s = rolling[column]
                    for r in 0..<m {
                        let j = first + r - (b - 1)
                        left[r] = s
                        if j + b < length { s += data[base + j + b] - mu }
                        if j >= 0 { s -= data[base + j] - mu }
                    }
                    rolling[column] = s
                }
                first += m
            }
        }
        return accumulator.result().map { $0 / Double(b) }
    }

    /// n × the Tukey–Hanning spectral variance with truncation b (weights (1 + cos(πk/b))/2
    /// for |k| < b): Σₜ xₜ Rₜᵀ / 2 with Rₜ = Uₜ + cos θt V_c,t + sin θt V_s,t, where the three
    /// window sums over (t − b, t + b) — of xₛ, xₛ cos θs and xₛ sin θs, θ = π/b — are rolled
    /// along each chain (one addition and one subtraction per step, phases counted, not divided).
    static func tukeyHanning(_ data: UnsafeBufferPointer<Double>, means: [Double], rows n: Int, columns p: Int,
                             ranges: [Range<Int>], truncation b: Int) -> [Double] {
        tukeyHanning(data, means: means, rows: n, columns: p, ranges: ranges, truncations: [b])[0]
    }

    /// ``tukeyHanning(_:means:rows:columns:ranges:truncation:)`` for several truncations in one
    /// pass (the lugsail estimator needs b and b/3): the centred draws are read once and every
    /// chunk's products for all truncations come from one `dgemm` of the draws against the
    /// side-by-side Rₜ's.
    static func tukeyHanning(_ data: UnsafeBufferPointer<Double>, means: [Double], rows n: Int, columns p: Int,
                             ranges: [Range<Int>], truncations: [Int]) -> [[Double]] {
        // cos(πs/b) and sin(πs/b) have period 2b in s.
        let tables = truncations.map { b in
            (cosines: (0..<(2 * b)).map { cos(Double.pi * Double($0) / Double(b)) },
             sines: (0..<(2 * b)).map { sin(Double.pi * Double($0) / Double(b)) })
        }
        var accumulator = CrossAccumulator(columns: p, blocks: truncations.count)
        for range in ranges {
            let length = range.count
            // Per truncation and column: the rolling sums, carried from chunk to chunk.
            var rolling = [(u: Double, c: Double, s: Double)](repeating: (0, 0, 0), count: p * truncations.count)
            for (block, b) in truncations.enumerated() {
                for j in 0..<p {
                    let base = j * n + range.lowerBound
                    for s in 0..<min(b - 1, length) {
                        let x = data[base + s] - means[j]
                        rolling[block * p + j].u += x
                        rolling[block * p + j].c += x * tables[block].cosines[s % (2 * b)]
                        rolling[block * p + j].s += x * tables[block].sines[s % (2 * b)]
                    }
                }
            }
            var first = 0
            while first < length {
                let m = min(chunkRows, length - first)
                accumulator.fill(rows: m) { j, left, rights in
                    let base = j * n + range.lowerBound
                    let mu = means[j]
                    for r in 0..<m { left[r] = data[base + first + r] - mu }
                    for (block, b) in truncations.enumerated() {
                        let period = 2 * b
                        let right = rights(block)
                        var (u, c, s) = rolling[block * p + j]
                        var phase = first % period                       // of t
                        var addPhase = (first + b - 1) % period          // of t + b − 1
                        var dropPhase = (first + b) % period             // of t − b (≡ t + b)
                        tables[block].cosines.withUnsafeBufferPointer { cosines in
                            tables[block].sines.withUnsafeBufferPointer { sines in
                                for r in 0..<m {
                                    let t = first + r
                                    if t + b - 1 < length {
                                        let x = data[base + t + b - 1] - mu
                                        u += x
                                        c += x * cosines[addPhase]
                                        s += x * sines[addPhase]
                                    }
                                    if t >= b {
                                        let x = data[base + t - b] - mu
                                        u -= x
                                        c -= x * cosines[dropPhase]
                                        s -= x * sines[dropPhase]
                                    }
                                    right[r] = u + cosines[phase] * c + sines[phase] * s
                                    phase = phase + 1 == period ? 0 : phase + 1
                                    addPhase = addPhase + 1 == period ? 0 : addPhase + 1
                                    dropPhase = dropPhase + 1 == period ? 0 : dropPhase + 1
                                }
                            }
                        }
                        rolling[block * p + j] = (u, c, s)
                    }
                }
                first += m
            }
        }
        return (0..<truncations.count).map { accumulator.result(block: $0).map { $0 / 2 } }
    }

    // MARK: - Lag windows

    /// ∫₋₁¹ w(x)² dx of a (possibly lugsail) lag window, which sets the variance of the spectral
    /// estimator: Var(σ̂²) ≈ 2σ⁴ (b/n) ∫ w² (Parzen 1957; Priestley 1981, §6.2).
    static func squaredWindowIntegral(_ window: LongRunVarianceMethod.LagWindow, lugsail: Bool) -> Double {
        func w(_ x: Double) -> Double {
            let ax = abs(x)
            guard ax < 1 else { return 0 }
            switch window {
            case .bartlett: return 1 - ax
            case .tukeyHanning: return (1 + cos(Double.pi * ax)) / 2
            }
        }
        func wl(_ x: Double) -> Double { lugsail ? 2 * w(x) - w(3 * x) : w(x) }
        // Composite Simpson on [0, 1] with the kinks at 1/3 and 1 on grid points; × 2 for symmetry.
        let steps = 3000
        let h = 1.0 / Double(steps)
        var sum = 0.0
        for i in 0...steps {
            let weight: Double = (i == 0 || i == steps) ? 1 : (i % 2 == 1 ? 4 : 2)
            let value = wl(Double(i) * h)
            sum += weight * value * value
        }
        return 2 * sum * h / 3
    }
}

// MARK: - Helpers

/// Accumulates Σ rows of AᵀA over chunks of A filled column by column (p = 1: a plain sum of
/// squares; otherwise BLAS `dsyrk`).
struct GramAccumulator {
    let columns: Int
    private var sum: [Double]
    private var buffer: [Double]

    init(columns p: Int) {
        columns = p
        sum = [Double](repeating: 0, count: p * p)
        buffer = []
    }

    /// Fills an m × p chunk: `body(j, column)` writes column j's m entries, then accumulates.
    mutating func fill(rows m: Int, _ body: (Int, UnsafeMutableBufferPointer<Double>) -> Void) {
        let p = columns
        if buffer.count != m * p { buffer = [Double](repeating: 0, count: m * p) }
        buffer.withUnsafeMutableBufferPointer { all in
            for j in 0..<p { body(j, UnsafeMutableBufferPointer(rebasing: all[(j * m)..<((j + 1) * m)])) }
        }
        if p == 1 {
            sum[0] += buffer.withUnsafeBufferPointer { LongRunCovarianceKernel.dot($0, $0) }
        } else {
            let gram = Matrix(rows: m, columns: p, columnMajor: buffer).gram()
            for i in 0..<(p * p) { sum[i] += gram.storage[i] }
        }
    }

    func result() -> [Double] { sum }
}

/// Accumulates LᵀR over chunks of L and R (m × p each), symmetrized ((S + Sᵀ)/2) at the end.
struct CrossAccumulator {
    let columns: Int
    /// How many p-column right-hand blocks are multiplied by the same left columns.
    let blocks: Int
    private var sum: [Double]
    private var left: [Double] = []
    private var right: [Double] = []

    init(columns p: Int, blocks: Int = 1) {
        columns = p
        self.blocks = blocks
        sum = [Double](repeating: 0, count: p * p * blocks)
    }

    /// Fills the next `m` rows: `body(j, left, rights)` writes column j of the left matrix and,
    /// through `rights(block)`, column j of each right block; then adds leftᵀ · right.
    mutating func fill(rows m: Int,
                       _ body: (Int, UnsafeMutableBufferPointer<Double>, (Int) -> UnsafeMutableBufferPointer<Double>) -> Void) {
        let p = columns
        let height = m
        if left.count != height * p {
            left = [Double](repeating: 0, count: height * p)
            right = [Double](repeating: 0, count: height * p * blocks)
        }
        left.withUnsafeMutableBufferPointer { l in
            right.withUnsafeMutableBufferPointer { r in
                for j in 0..<p {
                    body(j, UnsafeMutableBufferPointer(rebasing: l[(j * height)..<((j + 1) * height)])) { block in
                        let column = block * p + j
                        return UnsafeMutableBufferPointer(rebasing: r[(column * height)..<((column + 1) * height)])
                    }
                }
            }
        }
        if p == 1 {
            left.withUnsafeBufferPointer { l in
                right.withUnsafeBufferPointer { r in
                    for block in 0..<blocks {
                        sum[block] += LongRunCovarianceKernel.dot(l, UnsafeBufferPointer(rebasing: r[(block * height)..<((block + 1) * height)]))
                    }
                }
            }
        } else {
            let product = try! Matrix(rows: height, columns: p, columnMajor: left)
                .product(transposingSelf: true, Matrix(rows: height, columns: p * blocks, columnMajor: right), transposingOther: false)
            for i in 0..<(p * p * blocks) { sum[i] += product.storage[i] }
        }
    }

    /// The symmetrized p × p sum of block `block`.
    func result(block: Int = 0) -> [Double] {
        let p = columns
        let offset = block * p * p
        var symmetric = [Double](repeating: 0, count: p * p)
        for i in 0..<p {
            for j in 0..<p { symmetric[i + j * p] = (sum[offset + i + j * p] + sum[offset + j + i * p]) / 2 }
        }
        return symmetric
    }
}

extension LongRunCovarianceKernel {
/// Σ (xₜ − μ) over `count` values from `start`, with four partial sums (fixed order).
static func centredSum(_ x: UnsafeBufferPointer<Double>, from start: Int, count: Int, mean mu: Double) -> Double {
    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    var i = start
    let end = start + count
    while i + 4 <= end {
        s0 += x[i] - mu
        s1 += x[i + 1] - mu
        s2 += x[i + 2] - mu
        s3 += x[i + 3] - mu
        i += 4
    }
    while i < end {
        s0 += x[i] - mu
        i += 1
    }
    return (s0 + s1) + (s2 + s3)
}

/// Σ (xₜ − μ)² with four partial sums (fixed order), as `RunningMoments` computes it.
static func centredSquares(_ x: UnsafeBufferPointer<Double>, mean mu: Double) -> Double {
    RunningMoments.squaredDeviations(x, about: mu)
}

/// Σ aᵢbᵢ with four partial sums (fixed order: deterministic).
static func dot(_ a: UnsafeBufferPointer<Double>, _ b: UnsafeBufferPointer<Double>) -> Double {
    var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
    var i = 0
    let n = a.count
    while i + 4 <= n {
        s0 += a[i] * b[i]
        s1 += a[i + 1] * b[i + 1]
        s2 += a[i + 2] * b[i + 2]
        s3 += a[i + 3] * b[i + 3]
        i += 4
    }
    while i < n {
        s0 += a[i] * b[i]
        i += 1
    }
    return (s0 + s1) + (s2 + s3)
}
}
