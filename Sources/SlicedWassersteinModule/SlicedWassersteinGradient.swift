import Foundation
import LinearAlgebra
import MonteCarloCore

/// A Monte Carlo estimate of ∇_X SW_p^p(μ, ν), the gradient with respect to the points of the
/// source cloud, with the variance of every coordinate and, for small problems, the full
/// covariance.
///
/// **Covariance.** The covariance of the n·d-dimensional flattened gradient is returned in
/// ``covariance`` when n·d is at most the `covarianceLimit` of
/// ``SlicedWasserstein/gradient(projections:controls:seed:covarianceLimit:)`` or
/// ``SlicedWasserstein/gradient(projections:harmonicDegree:seed:covarianceLimit:)`` (1024 by default)
/// and n·L ≤ 2²⁴; otherwise it is `nil` and only its diagonal (``variances``) and trace
/// (``totalVariance``) are kept. Per-point d × d blocks for large n are not offered: with
/// controls fitted per coordinate they need the per-direction residuals of every pair of
/// coordinates of a point, O(n·L·d²) work and a second pass over the directions, which for the
/// sizes where the full matrix does not fit (say n = 10⁴, d = 64) costs more than the gradient.
/// ``pointCovariance(_:)`` extracts a block when the full matrix is there.
public struct SlicedWassersteinGradient: Sendable, Hashable, Codable {
    /// ∂SW_p^p/∂x_{i,k}, row-major n × d (like the points).
    public let values: [Double]
    /// The variance of the estimator of each coordinate (squared standard errors), row-major n × d.
    public let variances: [Double]
    /// Per coordinate, σ²_plain / variance (L for plain Monte Carlo), row-major n × d.
    public let effectiveSampleSizes: [Double]
    /// The number of directions L.
    public let sampleCount: Int
    /// Degrees of freedom of the t intervals (L − 1, or L − q − 1 with q controls).
    public let degreesOfFreedom: Double
    /// The number of points n.
    public let count: Int
    /// The dimension d.
    public let dimension: Int
    /// `"sliced-wasserstein-gradient-mc"`, `"sliced-wasserstein-gradient-cv-"` followed by
    /// `lower`, `upper` or `both`, or `"sliced-wasserstein-gradient-harmonics-"` followed by the degree.
    public let method: String
    /// The covariance matrix of the flattened estimate (coordinate index i·d + k), row-major
    /// (n·d) × (n·d), when it was computed (see the type's discussion); its diagonal equals
    /// ``variances``.
    public let covariance: [Double]?
    /// Warnings to read before trusting the error bars (e.g. a control that was dropped).
    public let warnings: [String]

    /// Σ of the coordinate variances (the trace of the covariance): a scalar summary of the
    /// noise in a gradient step.
    public var totalVariance: Double { variances.reduce(0, +) }

    /// Coordinate k of the gradient at point i as a scalar estimate.
    public func component(point i: Int, coordinate k: Int) -> Estimate {
        let v = variances[i * dimension + k]
        return Estimate(value: values[i * dimension + k], variance: v, sampleCount: sampleCount,
                        effectiveSampleSize: effectiveSampleSizes[i * dimension + k], degreesOfFreedom: degreesOfFreedom,
                        diagnostics: Diagnostics(method: method, warnings: warnings))
    }

    /// The d × d covariance block of the gradient at point i (row-major), when ``covariance`` is there.
    public func pointCovariance(_ i: Int) -> [Double]? {
        guard let covariance else { return nil }
        let d = dimension, size = count * dimension
        var block = [Double](repeating: 0, count: d * d)
        for a in 0..<d { for b in 0..<d { block[a * d + b] = covariance[(i * d + a) * size + i * d + b] } }
        return block
    }
}

extension SlicedWasserstein {
    /// Estimates ∇_X SW_p^p(μ, ν) with respect to the points of ``source`` from L i.i.d.
    /// directions (the same directions as ``estimate(projections:method:seed:)`` with
    /// ``Method/monteCarlo`` and the same seed), optionally with the gradients of the Gaussian
    /// bounds of Nguyen & Ho (2024) as control variates.
    ///
    /// For one direction θ the monotone coupling of the projections is locally constant, so
    /// ∂f(θ)/∂xᵢ = sᵢ θ with sᵢ = Σ_k Δ_k · p|t_k|^{p−1} sign(t_k), the sum over the segments k of
    /// the merged quantile grid that use xᵢ (t_k = θᵀxᵢ − θᵀy_{j(k)}, Δ_k the segment's mass).
    /// All sums over directions are BLAS products per chunk of directions (S·Θᵀ, (S∘S)·(Θ∘Θ)ᵀ, …).
    ///
    /// **Controls.** The bounds' gradients are available in closed form from the Gaussian
    /// approximation: with weights αᵢ and population mean m_μ,
    /// ∇_{xᵢ}(θᵀΔm)² = 2αᵢ(θᵀΔm)θ and ∇_{xᵢ}θᵀΣ_μθ = 2αᵢ(θᵀ(xᵢ − m_μ))θ (θᵀΣ_νθ does not depend
    /// on X). Coordinate (i, k) is regressed on its own controls c = (θᵀu)θ_k − u_k/d (known mean
    /// zero, since E[θθᵀ] = I/d), the factor 2αᵢ being absorbed in the coefficient:
    /// - ``GaussianControls/lower``: u = Δm (exact for a translation Y = X + b);
    /// - ``GaussianControls/upper``: u = Δm + xᵢ − m_μ, the gradient of C_up (exact for a scaling
    ///   about the mean);
    /// - ``GaussianControls/both``: the two controls u = Δm and u = xᵢ − m_μ (their span holds
    ///   both bounds' gradients; exact for any image Y = cX + b with c > 0 and p = 2).
    /// When Δm = 0 the lower control is constant and is dropped, with a warning.
    /// The coefficients are fitted **per output coordinate** (ordinary least squares, intercept
    /// reported): the best slope differs between points (weights, p ≠ 2, non-Gaussian shapes),
    /// the fit costs the same O(L n d) BLAS work as the gradient itself, and each coordinate's
    /// estimate is then exactly the scalar OLS control-variate estimator whose variance formula
    /// is the one used for SW_p^p. A control collinear with the intercept for one coordinate
    /// (e.g. a point at the mean with the upper control) is dropped for that coordinate only.
    ///
    /// - Parameters:
    ///   - projections: L ≥ 2 (≥ q + 3 with q = 1 or 2 controls).
    ///   - controls: nil for plain Monte Carlo.
    ///   - seed: fixes the directions.
    ///   - covarianceLimit: the largest n·d for which the full covariance is computed (≥ 0).
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` for too few
    ///   directions; `MonteCarloError/invalidParameter(name:value:requirement:)` for a negative
    ///   `covarianceLimit`; `MonteCarloError/nonFinite(quantity:index:)` when the gradient overflows.
    /// - Complexity: O(L(n + m)d) flops in BLAS plus O(L(n log n + m log m)) for sorting, and
    ///   O(L(n·d)²) for the full covariance when it is computed.
    ///
    /// **Statistical properties.** f is differentiable in X except where two projections tie
    /// (a null set of directions for points in general position), and there ∇f is bounded, so
    /// the plain average of ∇f(θ_l) is unbiased for ∇SW_p^p wherever SW_p^p is differentiable;
    /// its `variances` entry is s²/L (sample variance of the L per-direction values over L), t
    /// intervals on L − 1 degrees of freedom, ESS = L. With q controls the reported value is the
    /// OLS intercept: biased O(q/L) because the coefficients are fitted on the same directions
    /// (zero when the controls explain the coordinate exactly); its variance is
    /// s²[(AᵀA)⁻¹]₀₀ with s² = RSS/(L − q − 1) (raised to a rounding floor, with a warning, when
    /// the controls explain the coordinate to rounding error); t intervals on L − q − 1 degrees
    /// of freedom; ESS = (plain per-direction variance)/variance, the number of plain directions
    /// with the same precision. The covariance of coordinates a and b is
    /// (Σ_l w_{a,l}w_{b,l})·(Σ_l e_{a,l}e_{b,l})/(L − q − 1), with w_a = e₀ᵀ(A_aᵀA_a)⁻¹A_aᵀ the
    /// weights of the linear rule that gives the intercept and e the OLS residuals (for plain Monte
    /// Carlo, w = 1/L and this is the sample covariance over L); it assumes residuals homoscedastic
    /// in θ, like the variances, and its diagonal equals ``SlicedWassersteinGradient/variances``.
    public func gradient(projections: Int, controls: GaussianControls? = nil, seed: UInt64,
                         covarianceLimit: Int = 1024) throws(MonteCarloError) -> SlicedWassersteinGradient {
        guard projections >= 2 else {
            throw .insufficientSamples(needed: 2, available: max(0, projections), reason: "(directions) for a variance")
        }
        if let controls {
            let q = controls == .both ? 2 : 1
            guard projections >= q + 3 else {
                throw .insufficientSamples(needed: q + 3, available: projections,
                                           reason: "(directions) to fit \(q) gradient control coefficients per coordinate and a variance")
            }
        }
        guard covarianceLimit >= 0 else {
            throw .invalidParameter(name: "covarianceLimit", value: Double(covarianceLimit), requirement: "at least 0")
        }
        let theta = SlicingDirections.uniform(dimension: dimension, count: projections, seed: seed)
        return try gradient(directions: theta, controls: controls, covarianceLimit: covarianceLimit)
    }

    /// The plain (`controlVariates: false`) or lower-control (`true`) gradient; see
    /// ``gradient(projections:controls:seed:covarianceLimit:)``.
    public func gradient(projections: Int, controlVariates: Bool, seed: UInt64) throws(MonteCarloError) -> SlicedWassersteinGradient {
        try gradient(projections: projections, controls: controlVariates ? .lower : nil, seed: seed)
    }

    /// The gradient estimate from given unit directions (column-major d × L).
    func gradient(directions theta: [Double], controls requested: GaussianControls? = nil,
                  covarianceLimit: Int = 1024) throws(MonteCarloError) -> SlicedWassersteinGradient {
        let d = dimension, n = source.count
        let total = theta.count / d
        var warnings: [String] = []
        let dm = meanDifference
        let hasMeanDifference = dm.contains { $0 != 0 }
        var kinds: [GradientControlKind] = []
        switch requested {
        case nil: break
        case .lower: kinds = hasMeanDifference ? [.lower] : []
        case .upper: kinds = [hasMeanDifference ? .upper : .spread]
        case .both: kinds = hasMeanDifference ? [.lower, .spread] : [.spread]
        }
        if requested != nil && !hasMeanDifference {
            warnings.append(requested == .lower
                ? "The mean difference is zero, so the lower control is constant: plain Monte Carlo gradient."
                : "The mean difference is zero, so the lower control is constant: only the spread control is used.")
        }
        let q = kinds.count
        let mean = source.mean
        // Per direction: a_l = θ_lᵀΔm and b_l = θ_lᵀm_μ.
        var a = [Double](repeating: 0, count: total), b = [Double](repeating: 0, count: total)
        for l in 0..<total {
            var sa = 0.0, sb = 0.0
            for k in 0..<d {
                sa += theta[l * d + k] * dm[k]
                sb += theta[l * d + k] * mean[k]
            }
            a[l] = sa
            b[l] = sb
        }
        let wantCovariance = n * d <= covarianceLimit && n * total <= 1 << 24
        var storedS = [Double](repeating: 0, count: wantCovariance ? n * total : 0)
        var sum = Matrix(rows: n, columns: d)
        var squares = Matrix(rows: n, columns: d)
        var controlSums = [Matrix](repeating: Matrix(rows: n, columns: d), count: q)       // Σ P^r θ_k
        var crossMoments = [Matrix](repeating: Matrix(rows: n, columns: d), count: q)      // Σ s P^r θ_k²
        var controlProducts = [Matrix](repeating: Matrix(rows: n, columns: d), count: q * (q + 1) / 2)  // Σ P^r P^t θ_k²
        var controlProjections: [Matrix] = []
        forEachDerivativeChunk(directions: theta, extraMatricesPerColumn: 1 + q, prepare: { start, c, px in
            // P^r[i, l] = θ_lᵀu^r_i, from the projections before they are sorted in place.
            controlProjections = []
            for kind in kinds {
                var pr = Matrix(rows: n, columns: c)
                for l in 0..<c {
                    let al = a[start + l], bl = b[start + l]
                    for i in 0..<n {
                        let centred = px.storage[l * n + i] - bl
                        pr.storage[l * n + i] = kind == .lower ? al : (kind == .spread ? centred : al + centred)
                    }
                }
                controlProjections.append(pr)
            }
        }, consume: { start, chunk, s in
            if wantCovariance {
                for index in s.storage.indices { storedS[start * n + index] = s.storage[index] }
            }
            var squaredTheta = chunk
            for i in squaredTheta.storage.indices { squaredTheta.storage[i] *= squaredTheta.storage[i] }
            var scratch = s
            do {
                try sum.addProduct(s, chunk)
                for i in scratch.storage.indices { scratch.storage[i] = s.storage[i] * s.storage[i] }
                try squares.addProduct(scratch, squaredTheta)
                var pair = 0
                for r in 0..<q {
                    try controlSums[r].addProduct(controlProjections[r], chunk)
                    for i in scratch.storage.indices { scratch.storage[i] = s.storage[i] * controlProjections[r].storage[i] }
                    try crossMoments[r].addProduct(scratch, squaredTheta)
                    for t in r..<q {
                        for i in scratch.storage.indices {
                            scratch.storage[i] = controlProjections[r].storage[i] * controlProjections[t].storage[i]
                        }
                        try controlProducts[pair].addProduct(scratch, squaredTheta)
                        pair += 1
                    }
                }
            } catch {
                preconditionFailure("gradient shapes are consistent by construction: \(error)")
            }
        })
        let l = Double(total)
        let size = q + 1
        let degreesOfFreedom = l - Double(q) - 1
        var values = [Double](repeating: 0, count: n * d)
        var variances = [Double](repeating: 0, count: n * d)
        var ess = [Double](repeating: l, count: n * d)
        var fits: [GradientControlFit] = []
        fits.reserveCapacity(wantCovariance ? n * d : 0)
        var controlMeans = [Double](repeating: 0, count: wantCovariance ? n * d * q : 0)
        var atFloor = false
        var dropped = 0
        for i in 0..<n {
            for k in 0..<d {
                let g = sum[i, k], g2 = squares[i, k]
                guard (g / l).isFinite else { throw .nonFinite(quantity: "gradient", index: i) }
                let centred = max(0, g2 - g * g / l)  // Σ (g − ḡ)²
                let plainVariance = centred / (l - 1) / l
                // Known control means μ^r = u^r_{i,k}/d and the centred sums over directions.
                var mu = [Double](repeating: 0, count: q)
                for r in 0..<q {
                    let centredPoint = source.points[i * d + k] - mean[k]
                    switch kinds[r] {
                    case .lower: mu[r] = dm[k] / Double(d)
                    case .spread: mu[r] = centredPoint / Double(d)
                    case .upper: mu[r] = (dm[k] + centredPoint) / Double(d)
                    }
                    if wantCovariance { controlMeans[(i * d + k) * q + r] = mu[r] }
                }
                var gram = [Double](repeating: 0, count: size * size)
                var moments = [Double](repeating: 0, count: size)
                gram[0] = l
                moments[0] = g
                var pair = 0
                for r in 0..<q {
                    let cs = controlSums[r][i, k]
                    gram[r + 1] = cs - l * mu[r]
                    gram[(r + 1) * size] = gram[r + 1]
                    moments[r + 1] = crossMoments[r][i, k] - mu[r] * g
                    for t in r..<q {
                        let ct = controlSums[t][i, k]
                        let value = controlProducts[pair][i, k] - mu[t] * cs - mu[r] * ct + l * mu[r] * mu[t]
                        gram[(r + 1) * size + t + 1] = value
                        gram[(t + 1) * size + r + 1] = value
                        pair += 1
                    }
                }
                let fit = GradientControlFit(gram: gram, moments: moments, squares: g2)
                if fit.kept < q { dropped += 1 }
                let rss = fit.residualSumOfSquares
                if q > 0 && fit.atFloor { atFloor = true }
                values[i * d + k] = fit.coefficients[0]
                let variance = q == 0 ? plainVariance : max(0, rss) / degreesOfFreedom * fit.inverseGram[0]
                variances[i * d + k] = variance
                ess[i * d + k] = variance > 0 ? plainVariance * l / variance : l
                if wantCovariance { fits.append(fit) }
            }
        }
        if atFloor {
            warnings.append("The controls explain some gradient coordinates to within rounding error: their residual variance was raised to a rounding floor, so those error bars are upper bounds.")
        }
        if dropped > 0 {
            warnings.append("For \(dropped) of \(n * d) coordinates a control was collinear with the others and was dropped.")
        }
        var covariance: [Double]? = nil
        if wantCovariance {
            covariance = gradientCovariance(
                directions: theta, derivatives: storedS, kinds: kinds, fits: fits, controlMeans: controlMeans,
                projectedMeanDifference: a, projectedMean: b, degreesOfFreedom: degreesOfFreedom, variances: variances)
        }
        let name = requested.map { "sliced-wasserstein-gradient-cv-\($0.rawValue)" } ?? "sliced-wasserstein-gradient-mc"
        return SlicedWassersteinGradient(values: values, variances: variances, effectiveSampleSizes: ess, sampleCount: total,
                                         degreesOfFreedom: degreesOfFreedom, count: n, dimension: d,
                                         method: q == 0 ? "sliced-wasserstein-gradient-mc" : name,
                                         covariance: covariance, warnings: warnings)
    }

    /// Runs over the directions in chunks: projects both clouds (one BLAS product each), hands
    /// the unsorted projections of X (n × c) to `prepare`, computes sᵢ(θ_l) = ∂f(θ_l)/∂(θ_lᵀxᵢ)
    /// for every point and direction of the chunk in parallel, and hands S (n × c, column-major)
    /// with the chunk's directions (d × c) to `consume`. The chunk size leaves room for
    /// `extraMatricesPerColumn` further n × c matrices within the projection memory budget.
    func forEachDerivativeChunk(directions theta: [Double], extraMatricesPerColumn: Int,
                                prepare: (_ start: Int, _ columns: Int, _ projections: Matrix) -> Void,
                                consume: (_ start: Int, _ chunk: Matrix, _ derivatives: Matrix) -> Void) {
        let d = dimension, n = source.count, m = target.count
        let total = theta.count / d
        let columnsPerChunk = max(1, ProjectionEvaluator.memoryBudget / (8 * ((2 + extraMatricesPerColumn) * n + m)))
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
            prepare(start, c, px)
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
                        if workers == 1 { work(0) } else { ParallelLoop.run(iterations: workers, work) }
                    }
                }
            }
            px = Matrix(rows: 0, columns: 0)  // release before the caller's products
            py = Matrix(rows: 0, columns: 0)
            consume(start, chunk, s)
            start += c
        }
    }

    /// Cov(a, b) = (Σ_l w_{a,l}w_{b,l})(Σ_l e_{a,l}e_{b,l})/ν from the stored per-direction
    /// derivatives sᵢ(θ_l) (column-major n × L); blocks of directions keep memory at O(block · n·d).
    func gradientCovariance(directions theta: [Double], derivatives s: [Double], kinds: [GradientControlKind],
                            fits: [GradientControlFit], controlMeans: [Double], projectedMeanDifference a: [Double],
                            projectedMean b: [Double], degreesOfFreedom: Double, variances: [Double]) -> [Double] {
        let d = dimension, n = source.count, size = n * d, q = kinds.count
        let total = theta.count / d
        var weightProducts = Matrix(rows: size, columns: size)
        var residualProducts = Matrix(rows: size, columns: size)
        let block = 256
        var start = 0
        while start < total {
            let c = min(block, total - start)
            var w = Matrix(rows: c, columns: size)
            var e = Matrix(rows: c, columns: size)
            for row in 0..<c {
                let l = start + row
                for i in 0..<n {
                    var centredProjection = -b[l]
                    for k in 0..<d { centredProjection += theta[l * d + k] * source.points[i * d + k] }
                    let derivative = s[l * n + i]
                    for k in 0..<d {
                        let index = i * d + k
                        let fit = fits[index]
                        let direction = theta[l * d + k]
                        var weight = fit.inverseGram[0]
                        var residual = derivative * direction - fit.coefficients[0]
                        for r in 0..<q {
                            let projection: Double
                            switch kinds[r] {
                            case .lower: projection = a[l]
                            case .spread: projection = centredProjection
                            case .upper: projection = a[l] + centredProjection
                            }
                            let control = projection * direction - controlMeans[index * q + r]
                            weight += fit.inverseGram[r + 1] * control
                            residual -= fit.coefficients[r + 1] * control
                        }
                        w.storage[index * c + row] = weight
                        e.storage[index * c + row] = residual
                    }
                }
            }
            let ww = w.gram(), ee = e.gram()
            for index in weightProducts.storage.indices {
                weightProducts.storage[index] += ww.storage[index]
                residualProducts.storage[index] += ee.storage[index]
            }
            start += c
        }
        var covariance = [Double](repeating: 0, count: size * size)
        for p in 0..<size {
            for t in 0..<size {
                covariance[p * size + t] = weightProducts[p, t] * residualProducts[p, t] / degreesOfFreedom
            }
            covariance[p * size + p] = variances[p]  // the reported variance (with its rounding floor)
        }
        return covariance
    }
}

/// Which projection u enters a gradient control (θᵀu)θ_k for one point.
enum GradientControlKind: Sendable {
    /// u = Δm (gradient of (θᵀΔm)²).
    case lower
    /// u = xᵢ − m_μ (gradient of θᵀΣ_μθ).
    case spread
    /// u = Δm + xᵢ − m_μ (gradient of C_up).
    case upper
}

extension Matrix {
    /// self += lhs · rhsᵀ.
    mutating func addProduct(_ lhs: Matrix, _ rhs: Matrix) throws(LinearAlgebraError) {
        let product = try lhs.product(transposingSelf: false, rhs, transposingOther: true)
        for i in storage.indices { storage[i] += product.storage[i] }
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

