import Foundation
import LinearAlgebra

/// The multivariate normal distribution N(μ, Σ) on ℝᵈ, through the Cholesky factor Σ = LLᵀ.
///
/// Draws are μ + Lz with z ~ N(0, I) from the ziggurat; the log-density and the score
/// ∇ log p(x) = −Σ⁻¹(x − μ) use the same factor (LAPACK `dpotrf`/`dpotrs` through
/// `LinearAlgebra`). Reflectable (x ↦ 2μ − x) for antithetic sampling and a unit-cube image
/// (normal quantiles, then μ + Lz) for quasi-Monte Carlo.
///
/// - Complexity: O(d³) once at construction; O(d²) per draw, density or score.
public struct MultivariateNormalDistribution: ReflectableSampler, UnitCubeSampler, Sendable {
    /// The mean μ.
    public let mean: [Double]
    /// The covariance Σ.
    public let covariance: Matrix
    /// Lower-triangular L with Σ = LLᵀ.
    let factorization: CholeskyFactorization

    /// Creates N(mean, covariance).
    /// - Throws: ``MonteCarloError/dimensionMismatch(what:expected:actual:)`` when the shapes
    ///   disagree, ``MonteCarloError/invalidParameter(name:value:requirement:)`` for a non-finite
    ///   entry, ``MonteCarloError/notPositiveDefinite(jitterTried:)`` when Σ is not positive
    ///   definite (no jitter is added: the distribution would silently change).
    public init(mean: [Double], covariance: Matrix) throws(MonteCarloError) {
        guard !mean.isEmpty else { throw .invalidArgument("A multivariate normal needs at least one dimension.") }
        guard covariance.rows == mean.count, covariance.columns == mean.count else {
            throw .dimensionMismatch(what: "covariance rows and columns (one per mean entry)", expected: mean.count,
                                     actual: covariance.rows == mean.count ? covariance.columns : covariance.rows)
        }
        for (i, m) in mean.enumerated() where !m.isFinite {
            throw .invalidParameter(name: "mean[\(i)]", value: m, requirement: "finite")
        }
        do {
            factorization = try covariance.choleskyFactorization(initialJitter: 1e-300, maximumJitter: 1e-300)
        } catch {
            switch error {
            case .nonFinite(let row, let column):
                throw .invalidParameter(name: "covariance[\(row), \(column)]", value: covariance[row, column], requirement: "finite")
            case .notPositiveDefinite(let jitter): throw .notPositiveDefinite(jitterTried: jitter)
            default: throw .invalidArgument("The covariance matrix could not be factored: \(error)")
            }
        }
        guard factorization.jitter == 0 else { throw .notPositiveDefinite(jitterTried: factorization.jitter) }
        self.mean = mean
        self.covariance = covariance
    }

    /// The dimension d.
    public var dimension: Int { mean.count }
    public var cubeDimension: Int { dimension }

    /// μ + Lz.
    func transform(_ z: [Double]) -> [Double] {
        let l = factorization.lower
        var x = mean
        for j in 0..<dimension {
            let zj = z[j]
            for i in j..<dimension { x[i] += l[i, j] * zj }
        }
        return x
    }

    public func draw<G: RandomNumberGenerator>(using generator: inout G) -> [Double] {
        transform((0..<dimension).map { _ in generator.nextStandardNormal() })
    }

    /// x ↦ 2μ − x.
    public func reflection(of point: [Double]) -> [Double] { zip(mean, point).map { 2 * $0 - $1 } }

    public func point(fromUnitCube u: UnsafeBufferPointer<Double>) -> [Double] {
        transform(u.map { NormalDistribution.standardQuantile($0) })
    }

    /// log p(x) = −½ (x − μ)ᵀΣ⁻¹(x − μ) − ½ log det Σ − (d/2) log 2π.
    public func logDensity(_ x: [Double]) -> Double {
        let centred = zip(x, mean).map { $0 - $1 }
        let solved = factorization.solve(centred)
        let quadratic = zip(centred, solved).reduce(0) { $0 + $1.0 * $1.1 }
        return -0.5 * (quadratic + factorization.logDeterminant + Double(dimension) * log(2 * Double.pi))
    }

    /// The score ∇ log p(x) = −Σ⁻¹(x − μ).
    public func score(_ x: [Double]) -> [Double] {
        factorization.solve(zip(x, mean).map { $0 - $1 }).map { -$0 }
    }
}
