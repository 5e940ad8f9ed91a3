import Foundation
import LinearAlgebra
import MonteCarloCore

/// The exact (optimal) critic T(x, y) = log p(y | x) − log p(y) = log r(x, y) for jointly
/// Gaussian (X, Y).
///
/// Use it to check a bound or a trained critic against the truth: DV, SMILE and JS-DV are
/// optimal at T, NWJ and JS-NWJ at T + 1 (``scoreMatrix(x:y:offset:)`` takes the offset).
///
/// ```swift
/// let critic = try GaussianCritic(covariance: sigma, xDimension: 20)
/// let scores = try critic.scoreMatrix(x: xs, y: ys, offset: 1)
/// let nwj = try VariationalBound.nwj.estimate(from: scores)  // unbiased for I
/// ```
///
/// **Statistical properties.** Deterministic. With this critic NWJ(T + 1) is unbiased for I and
/// DV(T) has only the finite-B log-of-mean bias; the density ratio r has Var_Q(r) = e^{2I} − 1
/// for d independent pairs of equal correlation (section "Heavy tails" of ``VariationalBound``).
public struct GaussianCritic: Sendable {
    /// d_x.
    public let xDimension: Int
    /// d_y.
    public let yDimension: Int
    /// The exact I(X; Y).
    public let mutualInformation: Double

    let meanX: [Double]
    let meanY: [Double]
    let regression: Matrix        // Σ_XX⁻¹ Σ_XY (dx × dy)
    let conditionalLower: Matrix  // Cholesky factor of Σ_{Y|X}
    let marginalLower: Matrix     // Cholesky factor of Σ_YY
    let constant: Double          // ½ log det Σ_YY − ½ log det Σ_{Y|X}

    /// - Parameters:
    ///   - covariance: The joint covariance of (X, Y), X first.
    ///   - xDimension: d_x, in 1..<d.
    ///   - mean: The joint mean (zeros by default).
    /// - Throws: As ``GaussianMutualInformation/exact(covariance:xDimension:)``, and
    ///   `dimensionMismatch` for a mean of the wrong length.
    public init(covariance: Matrix, xDimension: Int, mean: [Double]? = nil) throws(MonteCarloError) {
        let blocks = try GaussianBlocks(covariance, xDimension: xDimension)
        let d = covariance.rows, dy = d - xDimension
        let mean = mean ?? [Double](repeating: 0, count: d)
        guard mean.count == d else { throw .dimensionMismatch(what: "mean entries", expected: d, actual: mean.count) }
        self.xDimension = xDimension
        yDimension = dy
        meanX = Array(mean[0..<xDimension])
        meanY = Array(mean[xDimension...])
        let a = blocks.regressionOfYOnX
        regression = a
        var conditional = GaussianBlocks.block(covariance, xDimension..<d, xDimension..<d)
        for k in 0..<dy {
            for m in 0..<dy {
                var s = 0.0
                for l in 0..<xDimension { s += covariance[xDimension + k, l] * a[l, m] }
                conditional[k, m] -= s
            }
        }
        // Symmetrize against rounding.
        for k in 0..<dy { for m in 0..<k { let v = 0.5 * (conditional[k, m] + conditional[m, k]); conditional[k, m] = v; conditional[m, k] = v } }
        let conditionalFactor = try GaussianBlocks.factor(conditional)
        conditionalLower = conditionalFactor.lower
        marginalLower = blocks.yy.lower
        constant = 0.5 * (blocks.yy.logDeterminant - conditionalFactor.logDeterminant)
        mutualInformation = 0.5 * (blocks.xx.logDeterminant + blocks.yy.logDeterminant - blocks.joint.logDeterminant)
    }

    /// The covariance of d independent coordinate pairs (Xₖ, Yₖ) with correlation ρ, X first:
    /// I = −(d/2) log(1 − ρ²).
    public static func correlatedPairsCovariance(dimension d: Int, correlation rho: Double) -> Matrix {
        var sigma = Matrix.identity(2 * d)
        for k in 0..<d {
            sigma[k, d + k] = rho
            sigma[d + k, k] = rho
        }
        return sigma
    }

    func conditionalMean(_ x: [Double]) -> [Double] {
        var m = meanY
        for l in 0..<xDimension {
            let c = x[l] - meanX[l]
            for k in 0..<yDimension { m[k] += regression[l, k] * c }
        }
        return m
    }

    /// log r(x, y).
    public func logRatio(x: [Double], y: [Double]) -> Double {
        var conditional = zip(y, conditionalMean(x)).map { $0 - $1 }
        var marginal = zip(y, meanY).map { $0 - $1 }
        forwardSubstitute(conditionalLower, &conditional)
        forwardSubstitute(marginalLower, &marginal)
        return constant - 0.5 * squaredNorm(conditional) + 0.5 * squaredNorm(marginal)
    }

    /// S[i, j] = log r(xᵢ, yⱼ) + offset for a batch.
    /// - Throws: `dimensionMismatch` for unequal counts or wrong lengths; the errors of
    ///   ``ScoreMatrix/init(batchSize:values:)``.
    /// - Complexity: O(B d_y² + B² d_y).
    public func scoreMatrix(x: [[Double]], y: [[Double]], offset: Double = 0) throws(MonteCarloError) -> ScoreMatrix {
        guard x.count == y.count else {
            throw .dimensionMismatch(what: "number of y draws (one per x draw)", expected: x.count, actual: y.count)
        }
        let b = x.count, dy = yDimension
        var whitenedMeans = [Double](repeating: 0, count: b * dy)   // L_c⁻¹ m(xᵢ)
        var whitenedY = [Double](repeating: 0, count: b * dy)       // L_c⁻¹ yⱼ
        var marginalTerms = [Double](repeating: 0, count: b)        // ½‖L_y⁻¹(yⱼ − μ_y)‖²
        for i in 0..<b {
            guard x[i].count == xDimension else { throw .dimensionMismatch(what: "coordinates of x[\(i)]", expected: xDimension, actual: x[i].count) }
            guard y[i].count == dy else { throw .dimensionMismatch(what: "coordinates of y[\(i)]", expected: dy, actual: y[i].count) }
            var m = conditionalMean(x[i])
            forwardSubstitute(conditionalLower, &m)
            var w = y[i]
            forwardSubstitute(conditionalLower, &w)
            var centred = zip(y[i], meanY).map { $0 - $1 }
            forwardSubstitute(marginalLower, &centred)
            for k in 0..<dy {
                whitenedMeans[i * dy + k] = m[k]
                whitenedY[i * dy + k] = w[k]
            }
            marginalTerms[i] = 0.5 * squaredNorm(centred)
        }
        var values = [Double](repeating: 0, count: b * b)
        for i in 0..<b {
            for j in 0..<b {
                var s = 0.0
                for k in 0..<dy {
                    let diff = whitenedY[j * dy + k] - whitenedMeans[i * dy + k]
                    s += diff * diff
                }
                values[i * b + j] = constant + offset - 0.5 * s + marginalTerms[j]
            }
        }
        return try ScoreMatrix(batchSize: b, values: values)
    }
}

/// Solves L·v = b in place for lower-triangular L.
func forwardSubstitute(_ lower: Matrix, _ v: inout [Double]) {
    let n = v.count
    for i in 0..<n {
        var s = v[i]
        for j in 0..<i { s -= lower[i, j] * v[j] }
        v[i] = s / lower[i, i]
    }
}

func squaredNorm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 } }
