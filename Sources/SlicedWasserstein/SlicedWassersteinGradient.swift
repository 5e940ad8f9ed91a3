import Foundation
import Dispatch
import LinearAlgebra
import MonteCarloCore

/// A Monte Carlo estimate of ∇_X SW_p^p(μ, ν), the gradient with respect to the points of the
/// source cloud, with the marginal variance of every coordinate.
///
/// The full covariance of an n·d-dimensional gradient does not fit in memory for large clouds,
/// so only its diagonal (the squared standard errors of the coordinates) is kept; use
/// ``component(point:coordinate:)`` for a scalar `Estimate` of one coordinate.
public struct SlicedWassersteinGradient: Sendable, Hashable, Codable {
    /// ∂SW_p^p/∂x_{i,k}, row-major n × d (like the points).
    public let values: [Double]
    /// The variance of the estimator of each coordinate (squared standard errors), row-major n × d.
    public let variances: [Double]
    /// Per coordinate, σ²_plain / variance (L for plain Monte Carlo), row-major n × d.
    public let effectiveSampleSizes: [Double]
    /// The number of directions L.
    public let sampleCount: Int
    /// Degrees of freedom of the t intervals (L − 1).
    public let degreesOfFreedom: Double
    /// The number of points n.
    public let count: Int
    /// The dimension d.
    public let dimension: Int
    /// `"sliced-wasserstein-gradient-mc"` or `"sliced-wasserstein-gradient-cv-lower"`.
    public let method: String
    /// Warnings to read before trusting the error bars (e.g. a control that was dropped).
    public let warnings: [String]

    /// Σ of the coordinate variances: a scalar summary of the noise in a gradient step.
    public var totalVariance: Double { variances.reduce(0, +) }

    /// Coordinate k of the gradient at point i as a scalar estimate.
    public func component(point i: Int, coordinate k: Int) -> Estimate {
        let v = variances[i * dimension + k]
        return Estimate(value: values[i * dimension + k], variance: v, sampleCount: sampleCount,
                        effectiveSampleSize: effectiveSampleSizes[i * dimension + k], degreesOfFreedom: degreesOfFreedom,
                        diagnostics: Diagnostics(method: method, warnings: warnings))
    }
}

extension SlicedWasserstein {
    /// Estimates ∇_X SW_p^p(μ, ν) with respect to the points of ``source`` by plain Monte Carlo
    /// over L i.i.d. directions (the same directions as ``estimate(projections:method:seed:)``
    /// with ``Method/monteCarlo`` and the same seed).
    ///
    /// For one direction θ the monotone coupling of the projections is locally constant, so
    /// ∂f(θ)/∂xᵢ = sᵢ θ with sᵢ = Σ_k Δ_k · p|t_k|^{p−1} sign(t_k), the sum over the segments k of
    /// the merged quantile grid that use xᵢ (t_k = θᵀxᵢ − θᵀy_{j(k)}, Δ_k the segment's mass).
    /// The mean over directions and the per-coordinate second moments are each one BLAS product
    /// per chunk of directions (S·Θᵀ and (S∘S)·(Θ∘Θ)ᵀ).
    ///
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` for L < 2.
    /// - Complexity: O(L(n + m)d) flops in BLAS plus O(L(n log n + m log m)) for sorting.
    ///
    /// **Statistical properties.** f is differentiable in X except where two projections tie
    /// (a null set of directions for points in general position), and there ∇f is bounded, so
    /// the average of ∇f(θ_l) is unbiased for ∇SW_p^p wherever SW_p^p is differentiable. Each
    /// coordinate's `variances` entry is s²/L (sample variance of the L per-direction gradients
    /// over L), with t intervals on L − 1 degrees of freedom; covariances between coordinates
    /// are not reported. ESS is L (no variance reduction); control variates for the gradient
    /// are not implemented yet.
    ///
    /// With `controlVariates: true`, every coordinate (i, k) is regressed on the d controls
    /// h_k(θ) = (θᵀΔm)θ_k − Δm_k/d, the derivatives of the lower Gaussian bound (θᵀΔm)² with
    /// respect to the mean (known mean zero after centring), and the OLS intercept is reported:
    /// exact for a translation, biased O(d/L) otherwise, variance s²ᵢₖ[(AᵀA)⁻¹]₀₀ with
    /// s²ᵢₖ = RSSᵢₖ/(L − d − 1) (raised to a rounding floor when the controls explain the
    /// coordinate exactly), t intervals on L − d − 1 degrees of freedom. Because the controls are
    /// shared, the intercept is one fixed linear rule Σ_l w_l ∇f(θ_l) for all coordinates.
    public func gradient(projections: Int, controlVariates: Bool = false, seed: UInt64) throws(MonteCarloError) -> SlicedWassersteinGradient {
        guard projections >= 2 else {
            throw .insufficientSamples(needed: 2, available: max(0, projections), reason: "(directions) for a variance")
        }
        let d = dimension
        if controlVariates && projections < d + 3 {
            throw .insufficientSamples(needed: d + 3, available: projections,
                                       reason: "(directions) to fit \(d) gradient control coefficients and a variance")
        }
        let theta = SlicingDirections.uniform(dimension: d, count: projections, seed: seed)
        return try gradient(directions: theta, controlVariates: controlVariates)
    }

    /// The gradient estimate from given unit directions (column-major d × L).
    func gradient(directions theta: [Double], controlVariates: Bool = false) throws(MonteCarloError) -> SlicedWassersteinGradient {
        let d = dimension, n = source.count, m = target.count
        let total = theta.count / d
        var warnings: [String] = []
        // Design A = [1, H] of the shared controls, and its inverse Gram matrix.
        var design: GradientControlDesign? = nil
        if controlVariates {
            design = GradientControlDesign(directions: theta, count: total, meanDifference: meanDifference)
            if design == nil {
                warnings.append("The mean difference is zero or the gradient controls are collinear: plain Monte Carlo gradient.")
            }
        }
        let q = design == nil ? 0 : d
        var projectedOnDesign = Matrix(rows: n, columns: (q + 1) * d)  // Σ_l A_{l,j} s_{l,i} θ_{l,k}
        let columnsPerChunk = max(1, ProjectionEvaluator.memoryBudget / (8 * (2 * n + m)))
        var sum = Matrix(rows: n, columns: d)
        var squares = Matrix(rows: n, columns: d)
        let xMatrix = Matrix(rows: d, columns: n, columnMajor: source.points)
        let yMatrix = Matrix(rows: d, columns: m, columnMajor: target.points)
        let order = Order(self.p)
        var start = 0
        while start < total {
            let c = min(columnsPerChunk, total - start)
            let chunk = Matrix(rows: d, columns: c, columnMajor: Array(theta[(start * d)..<((start + c) * d)]))
            var px: Matrix, py: Matrix
            do {
                px = try xMatrix.product(transposingSelf: true, chunk, transposingOther: false)
                py = try yMatrix.product(transposingSelf: true, chunk, transposingOther: false)
            } catch {
                preconditionFailure("projection shapes are consistent by construction: \(error)")
            }
            var s = Matrix(rows: n, columns: c)
            let workers = max(1, min(threadCount, c))
            let x = source, y = target
            px.storage.withUnsafeMutableBufferPointer { pxb in
                py.storage.withUnsafeMutableBufferPointer { pyb in
                    s.storage.withUnsafeMutableBufferPointer { sb in
                        let shared = GradientPointers(px: pxb.baseAddress!, py: pyb.baseAddress!, s: sb.baseAddress!)
                        let work: @Sendable (Int) -> Void = { w in
                            var workspace = GradientWorkspace(x: x, y: y)
                            var column = w
                            while column < c {
                                workspace.derivatives(shared.px + column * n, shared.py + column * m,
                                                      into: shared.s + column * n, order: order)
                                column += workers
                            }
                        }
                        if workers == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
                    }
                }
            }
            var squaredS = s
            for i in squaredS.storage.indices { squaredS.storage[i] *= squaredS.storage[i] }
            var squaredTheta = chunk
            for i in squaredTheta.storage.indices { squaredTheta.storage[i] *= squaredTheta.storage[i] }
            do {
                let partial = try s.product(transposingSelf: false, chunk, transposingOther: true)  // n × d
                let partialSquares = try squaredS.product(transposingSelf: false, squaredTheta, transposingOther: true)
                for i in sum.storage.indices {
                    sum.storage[i] += partial.storage[i]
                    squares.storage[i] += partialSquares.storage[i]
                }
                if let design {
                    // V (c × (p+1)d): V[l, j·d + k] = A[l, j] θ_{l,k}; then S·V.
                    var v = Matrix(rows: c, columns: (q + 1) * d)
                    for l in 0..<c {
                        for j in 0...q {
                            let a = design.column(j, row: start + l)
                            for k in 0..<d { v[l, j * d + k] = a * chunk[k, l] }
                        }
                    }
                    let partialDesign = try s.product(transposingSelf: false, v, transposingOther: false)
                    for i in projectedOnDesign.storage.indices { projectedOnDesign.storage[i] += partialDesign.storage[i] }
                }
            } catch {
                preconditionFailure("gradient shapes are consistent by construction: \(error)")
            }
            start += c
        }
        let l = Double(total)
        var values = [Double](repeating: 0, count: n * d)
        var variances = [Double](repeating: 0, count: n * d)
        var ess = [Double](repeating: l, count: n * d)
        var atFloor = false
        for i in 0..<n {
            for k in 0..<d {
                let mean = sum[i, k] / l
                guard mean.isFinite else { throw .nonFinite(quantity: "gradient", index: i) }
                let centred = max(0, squares[i, k] - l * mean * mean)  // Σ (g − ḡ)²
                let plainVariance = centred / (l - 1) / l
                guard let design else {
                    values[i * d + k] = mean
                    variances[i * d + k] = plainVariance
                    continue
                }
                // b = Aᵀg; intercept = e₀ᵀ(AᵀA)⁻¹b; RSS = gᵀg − bᵀ(AᵀA)⁻¹b.
                let b = (0...q).map { projectedOnDesign[i, $0 * d + k] }
                let solved = design.inverseGram.multiplied(by: b)
                let explained = zip(b, solved).reduce(0) { $0 + $1.0 * $1.1 }
                let floor = 16 * Double.ulpOfOne * Double(q + 1) * centred / design.reciprocalConditionNumber
                var rss = squares[i, k] - explained
                if rss < floor { rss = floor; atFloor = true }
                values[i * d + k] = solved[0]
                variances[i * d + k] = rss / (l - Double(q) - 1) * design.inverseGram[0, 0]
                ess[i * d + k] = variances[i * d + k] > 0 ? plainVariance * l / variances[i * d + k] : l
            }
        }
        if atFloor {
            warnings.append("The controls explain some gradient coordinates to within rounding error: their residual variance was raised to a rounding floor, so those error bars are upper bounds.")
        }
        return SlicedWassersteinGradient(values: values, variances: variances, effectiveSampleSizes: ess, sampleCount: total,
                                         degreesOfFreedom: l - Double(q) - 1, count: n, dimension: d,
                                         method: design == nil ? "sliced-wasserstein-gradient-mc" : "sliced-wasserstein-gradient-cv-lower",
                                         warnings: warnings)
    }
}

struct GradientPointers: @unchecked Sendable {
    let px: UnsafeMutablePointer<Double>
    let py: UnsafeMutablePointer<Double>
    let s: UnsafeMutablePointer<Double>
}

/// Per-worker buffers for the gradient: indices of X travel with the sorted projections.
struct GradientWorkspace {
    let x: PointCloud, y: PointCloud
    var indices: [Double]
    var weightsX: [Double]
    var weightsY: [Double]
    var sorter: RadixSorter

    init(x: PointCloud, y: PointCloud) {
        self.x = x
        self.y = y
        indices = [Double](repeating: 0, count: x.count)
        weightsX = [Double](repeating: 0, count: x.count)
        weightsY = [Double](repeating: 0, count: y.count)
        sorter = RadixSorter(capacity: max(x.count, y.count), withCompanion: true)
    }

    /// Writes sᵢ = ∂f/∂(θᵀxᵢ) for every i (original order) into `s`.
    mutating func derivatives(_ xs: UnsafeMutablePointer<Double>, _ ys: UnsafeMutablePointer<Double>,
                              into s: UnsafeMutablePointer<Double>, order: Order) {
        let n = x.count, m = y.count
        let x = self.x, y = self.y
        // Move the sorter out (an empty one allocates nothing) so the buffers can be borrowed together.
        var sorter = RadixSorter.empty
        swap(&sorter, &self.sorter)
        defer { swap(&sorter, &self.sorter) }
        indices.withUnsafeMutableBufferPointer { ib in
            weightsX.withUnsafeMutableBufferPointer { wxb in
                weightsY.withUnsafeMutableBufferPointer { wyb in
                    let index = ib.baseAddress!, wx = wxb.baseAddress!, wy = wyb.baseAddress!
                    for i in 0..<n { index[i] = Double(i) }
                    for j in 0..<m { wy[j] = y.weight(j) }
                    sorter.sort(xs, count: n, companion: index)
                    sorter.sort(ys, count: m, companion: wy)
                    for i in 0..<n { wx[i] = x.weight(Int(index[i])); s[i] = 0 }
                    // Walk the merged grid of cumulative weights, as in sortedWeightedCost.
                    var i = 0, j = 0
                    var cumX = n == 1 ? 1 : wx[0], cumY = m == 1 ? 1 : wy[0]
                    var position = 0.0
                    while i < n && j < m {
                        let next = min(cumX, cumY)
                        if next > position {
                            let t = xs[i] - ys[j]
                            let slope: Double
                            switch order.kind {
                            case 2: slope = 2 * t
                            case 1: slope = t > 0 ? 1 : (t < 0 ? -1 : 0)
                            default: slope = order.p * pow(abs(t), order.p - 1) * (t > 0 ? 1 : (t < 0 ? -1 : 0))
                            }
                            s[Int(index[i])] += (next - position) * slope
                            position = next
                        }
                        if cumX <= next {
                            i += 1
                            if i < n { cumX = i == n - 1 ? 1 : cumX + wx[i] }
                        }
                        if cumY <= next {
                            j += 1
                            if j < m { cumY = j == m - 1 ? 1 : cumY + wy[j] }
                        }
                    }
                }
            }
        }
    }
}

/// A = [1, H] with H[l, k] = (θ_lᵀΔm)θ_{l,k} − Δm_k/d, and (AᵀA)⁻¹.
struct GradientControlDesign {
    let controls: [Double]  // L × d, row-major
    let dimension: Int
    let inverseGram: Matrix
    let reciprocalConditionNumber: Double

    init?(directions theta: [Double], count: Int, meanDifference dm: [Double]) {
        let d = dm.count
        guard dm.contains(where: { $0 != 0 }) else { return nil }
        var h = [Double](repeating: 0, count: count * d)
        for l in 0..<count {
            var t = 0.0
            for k in 0..<d { t += theta[l * d + k] * dm[k] }
            for k in 0..<d { h[l * d + k] = t * theta[l * d + k] - dm[k] / Double(d) }
        }
        var gram = Matrix(rows: d + 1, columns: d + 1)
        gram[0, 0] = Double(count)
        for l in 0..<count {
            for a in 0..<d {
                gram[0, a + 1] += h[l * d + a]
                for b in a..<d { gram[a + 1, b + 1] += h[l * d + a] * h[l * d + b] }
            }
        }
        for a in 0...d { for b in 0..<a { gram[a, b] = gram[b, a] } }
        // Scale to unit diagonal for the conditioning test.
        let scales = (0...d).map { gram[$0, $0] > 0 ? 1 / gram[$0, $0].squareRoot() : 0 }
        guard !scales.contains(0) else { return nil }
        var scaled = gram
        for a in 0...d { for b in 0...d { scaled[a, b] *= scales[a] * scales[b] } }
        guard let factor = try? scaled.choleskyFactorization(), factor.jitter == 0,
              factor.reciprocalConditionNumber > 1e-12 else { return nil }
        var inverse = factor.inverse()
        for a in 0...d { for b in 0...d { inverse[a, b] *= scales[a] * scales[b] } }
        controls = h
        dimension = d
        inverseGram = inverse
        reciprocalConditionNumber = factor.reciprocalConditionNumber
    }

    /// A[row, j]: 1 for j = 0, else H[row, j − 1].
    @inline(__always)
    func column(_ j: Int, row: Int) -> Double { j == 0 ? 1 : controls[row * dimension + j - 1] }
}
