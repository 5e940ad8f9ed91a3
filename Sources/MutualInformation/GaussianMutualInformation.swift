import Foundation
import LinearAlgebra
import MonteCarloCore

/// Mutual information of jointly Gaussian vectors: the closed form and the plug-in estimator.
///
/// For (X, Y) ~ N(μ, Σ) with blocks Σ_XX (d_x × d_x), Σ_YY and Σ_XY,
/// I(X; Y) = ½ log(det Σ_XX · det Σ_YY / det Σ) = −½ Σᵢ log(1 − ρᵢ²), where ρᵢ are the
/// canonical correlations.
public enum GaussianMutualInformation {
    /// The exact I(X; Y) of a Gaussian with joint covariance `covariance`, X being the first
    /// `xDimension` coordinates.
    ///
    /// ```swift
    /// let i = try GaussianMutualInformation.exact(covariance: Matrix(rows: [[1, 0.75], [0.75, 1]]), xDimension: 1)
    /// // 0.41334
    /// ```
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` for a non-square
    ///   matrix, `MonteCarloError/invalidParameter(name:value:requirement:)` for
    ///   `xDimension` outside 1..<d, `MonteCarloError/notPositiveDefinite(jitterTried:)`.
    /// - Complexity: O(d³).
    ///
    /// **Statistical properties.** Exact (no sampling); rounding error of order ε·κ(Σ).
    public static func exact(covariance: Matrix, xDimension: Int) throws(MonteCarloError) -> Double {
        let blocks = try GaussianBlocks(covariance, xDimension: xDimension)
        return 0.5 * (blocks.xx.logDeterminant + blocks.yy.logDeterminant - blocks.joint.logDeterminant)
    }

    /// The plug-in (canonical-correlation) estimator from paired samples, bias-corrected to be
    /// exactly unbiased for Gaussian data.
    ///
    /// ```swift
    /// let estimate = try GaussianMutualInformation.estimate(x: xs, y: ys)
    /// ```
    ///
    /// - Parameters:
    ///   - x: n draws of X (each with d_x ≥ 1 coordinates).
    ///   - y: n draws of Y, paired by index.
    ///   - biasCorrected: Subtract the exact Wishart bias (default `true`).
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` for unequal counts
    ///   or ragged rows; `MonteCarloError/insufficientSamples(needed:available:reason:)` for
    ///   n < d_x + d_y + 2; `MonteCarloError/nonFinite(quantity:index:)` for NaN/∞;
    ///   `MonteCarloError/notPositiveDefinite(jitterTried:)` for a singular sample covariance.
    /// - Complexity: O(n d² + d³), d = d_x + d_y.
    ///
    /// **Statistical properties.** Î = ½(log det Σ̂_XX + log det Σ̂_YY − log det Σ̂) with the
    /// n − 1 sample covariance. Since (n − 1)Σ̂ is Wishart with n − 1 degrees of freedom, and its
    /// diagonal blocks too, E log det Σ̂_k = log det Σ_k + Σ_{i=1}^{k} ψ((n − i)/2) + k log(2/(n − 1));
    /// subtracting ½[b(d_x) + b(d_y) − b(d_x + d_y)], b(k) = Σ_{i=1}^{k} ψ((n − i)/2), makes the
    /// estimator exactly unbiased for Gaussian data (the uncorrected bias, ≈ d_x d_y/(2n), is in
    /// `figures["plugInBias"]`). For non-Gaussian data it estimates the Gaussian (CCA) proxy,
    /// which is not I; that is declared. `variance` = Σᵢ ρ̂ᵢ²/n + d_x d_y/(2n²): the first term is
    /// the delta-method variance (Var ρ̂ᵢ ≈ (1 − ρᵢ²)²/n, canonical correlations asymptotically
    /// independent, ∂I/∂ρᵢ = ρᵢ/(1 − ρᵢ²)), equal to Var_P(PMI)/n, the efficiency bound; the
    /// second is the exact leading variance at independence (Î ≈ χ²_{d_x d_y}/(2n)), which keeps
    /// the interval honest near I = 0. ESS = n (the estimator is efficient, so plain PMI Monte
    /// Carlo with known densities would need n draws for the same precision).
    public static func estimate(x: [[Double]], y: [[Double]], biasCorrected: Bool = true) throws(MonteCarloError) -> Estimate {
        let data = try PairedSamples(x: x, y: y)
        let n = data.count, dx = data.xDimension, dy = data.yDimension, d = dx + dy
        guard n >= d + 2 else {
            throw .insufficientSamples(needed: d + 2, available: n, reason: "for a nonsingular \(d)×\(d) sample covariance")
        }
        // Two-pass sample covariance.
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n { for k in 0..<d { mean[k] += data.joint[i * d + k] } }
        for k in 0..<d { mean[k] /= Double(n) }
        var covariance = Matrix(rows: d, columns: d)
        var centred = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for k in 0..<d { centred[k] = data.joint[i * d + k] - mean[k] }
            for a in 0..<d { for b in 0...a { covariance[a, b] += centred[a] * centred[b] } }
        }
        for a in 0..<d {
            for b in 0...a {
                covariance[a, b] /= Double(n - 1)
                covariance[b, a] = covariance[a, b]
            }
        }
        let blocks = try GaussianBlocks(covariance, xDimension: dx)
        let plugIn = 0.5 * (blocks.xx.logDeterminant + blocks.yy.logDeterminant - blocks.joint.logDeterminant)
        func wishartShift(_ k: Int) -> Double { (1...k).reduce(0) { $0 + digamma(Double(n - $1) / 2) } }
        let bias = 0.5 * (wishartShift(dx) + wishartShift(dy) - wishartShift(d))
        let value = biasCorrected ? plugIn - bias : plugIn
        let squaredCorrelations = blocks.sumOfSquaredCanonicalCorrelations
        let variance = squaredCorrelations / Double(n) + Double(dx * dy) / (2 * Double(n) * Double(n))
        return Estimate(
            value: value, variance: variance, sampleCount: n, effectiveSampleSize: Double(n),
            diagnostics: Diagnostics(
                method: biasCorrected ? "gaussian-plug-in-unbiased" : "gaussian-plug-in",
                declaredBias: biasCorrected
                    ? "Unbiased for Gaussian data; for other laws it estimates the Gaussian (canonical-correlation) proxy, not I."
                    : "Biased upward by about d_x·d_y/(2n) for Gaussian data (exact value in figures); a Gaussian proxy otherwise.",
                figures: ["plugIn": plugIn, "plugInBias": bias, "sumSquaredCanonicalCorrelations": squaredCorrelations]))
    }
}

/// Cholesky factorizations of a joint covariance and its two diagonal blocks.
struct GaussianBlocks {
    let covariance: Matrix
    let xDimension: Int
    let joint: CholeskyFactorization
    let xx: CholeskyFactorization
    let yy: CholeskyFactorization

    init(_ covariance: Matrix, xDimension: Int) throws(MonteCarloError) {
        let d = covariance.rows
        guard covariance.columns == d else {
            throw .dimensionMismatch(what: "covariance columns (square matrix)", expected: d, actual: covariance.columns)
        }
        guard xDimension >= 1, xDimension < d else {
            throw .invalidParameter(name: "xDimension", value: Double(xDimension), requirement: "in 1..<\(d) (both X and Y non-empty)")
        }
        self.covariance = covariance
        self.xDimension = xDimension
        joint = try GaussianBlocks.factor(covariance)
        xx = try GaussianBlocks.factor(GaussianBlocks.block(covariance, 0..<xDimension, 0..<xDimension))
        yy = try GaussianBlocks.factor(GaussianBlocks.block(covariance, xDimension..<d, xDimension..<d))
    }

    var yDimension: Int { covariance.rows - xDimension }

    static func block(_ m: Matrix, _ rows: Range<Int>, _ columns: Range<Int>) -> Matrix {
        var result = Matrix(rows: rows.count, columns: columns.count)
        for (i, r) in rows.enumerated() { for (j, c) in columns.enumerated() { result[i, j] = m[r, c] } }
        return result
    }

    static func factor(_ m: Matrix) throws(MonteCarloError) -> CholeskyFactorization {
        let factor: CholeskyFactorization
        do {
            factor = try m.choleskyFactorization(initialJitter: 1e-300, maximumJitter: 1e-300)
        } catch {
            switch error {
            case .nonFinite(let row, _): throw .nonFinite(quantity: "covariance entry", index: row)
            case .notPositiveDefinite(let jitter): throw .notPositiveDefinite(jitterTried: jitter)
            default: throw .invalidArgument("The covariance matrix could not be factored: \(error)")
            }
        }
        guard factor.jitter == 0 else { throw .notPositiveDefinite(jitterTried: factor.jitter) }
        return factor
    }

    /// Σ_XX⁻¹ Σ_XY (d_x × d_y).
    var regressionOfYOnX: Matrix {
        xx.solve(GaussianBlocks.block(covariance, 0..<xDimension, xDimension..<covariance.rows))
    }

    /// Σᵢ ρᵢ² = tr(Σ_XX⁻¹ Σ_XY Σ_YY⁻¹ Σ_YX).
    var sumOfSquaredCanonicalCorrelations: Double {
        let d = covariance.rows
        let a = regressionOfYOnX  // dx × dy
        let b = yy.solve(GaussianBlocks.block(covariance, xDimension..<d, 0..<xDimension))  // dy × dx
        var trace = 0.0
        for i in 0..<xDimension { for j in 0..<yDimension { trace += a[i, j] * b[j, i] } }
        return trace
    }
}

/// n paired draws stored contiguously (row-major joint rows [x, y]).
struct PairedSamples {
    let count: Int
    let xDimension: Int
    let yDimension: Int
    /// Row-major n × (d_x + d_y).
    let joint: [Double]

    init(x: [[Double]], y: [[Double]]) throws(MonteCarloError) {
        guard x.count == y.count else {
            throw .dimensionMismatch(what: "number of y draws (one per x draw)", expected: x.count, actual: y.count)
        }
        guard let firstX = x.first, let firstY = y.first else {
            throw .insufficientSamples(needed: 1, available: 0, reason: "paired draws")
        }
        let dx = firstX.count, dy = firstY.count
        guard dx >= 1 else { throw .invalidArgument("X has zero coordinates.") }
        guard dy >= 1 else { throw .invalidArgument("Y has zero coordinates.") }
        var joint = [Double]()
        joint.reserveCapacity(x.count * (dx + dy))
        for i in 0..<x.count {
            guard x[i].count == dx else { throw .dimensionMismatch(what: "coordinates of x[\(i)]", expected: dx, actual: x[i].count) }
            guard y[i].count == dy else { throw .dimensionMismatch(what: "coordinates of y[\(i)]", expected: dy, actual: y[i].count) }
            for v in x[i] {
                guard v.isFinite else { throw .nonFinite(quantity: "x coordinate", index: i) }
                joint.append(v)
            }
            for v in y[i] {
                guard v.isFinite else { throw .nonFinite(quantity: "y coordinate", index: i) }
                joint.append(v)
            }
        }
        count = x.count
        xDimension = dx
        yDimension = dy
        self.joint = joint
    }

    init(count: Int, xDimension: Int, yDimension: Int, joint: [Double]) {
        self.count = count
        self.xDimension = xDimension
        self.yDimension = yDimension
        self.joint = joint
    }
}
