import Foundation
import LinearAlgebra

/// The multivariate Student-t distribution t_ν(μ, Σ) on ℝᵈ: Z = μ + G/√(W/ν) with
/// G ~ N(0, Σ) and W ~ χ²_ν independent.
///
/// Σ is the dispersion (scale) matrix, not the covariance (which is ν/(ν − 2)·Σ for ν > 2).
/// Every sub-vector is again Student-t with the same ν and the matching block of Σ, so the
/// marginals of a split (X, Y) are known in closed form; `StudentTMutualInformation` (MutualInformation) gives
/// I(X; Y).
///
/// ```swift
/// let t = try MultivariateStudentTDistribution(dispersion: sigma, degreesOfFreedom: 3)
/// var g = Xoshiro256PlusPlus(seed: 1)
/// let z = t.draw(using: &g)
/// print(t.logDensity(z), t.score(z))
/// ```
///
/// - Complexity: O(d³) once (Cholesky of Σ); O(d²) per draw, density or score.
public struct MultivariateStudentTDistribution: ReflectableSampler, Sendable {
    /// The location μ.
    public let location: [Double]
    /// The dispersion matrix Σ.
    public let dispersion: Matrix
    /// ν > 0.
    public let degreesOfFreedom: Double
    let normal: MultivariateNormalDistribution
    let chiSquared: GammaDistribution
    let factorization: CholeskyFactorization
    let logNormalizer: Double

    /// Creates t_ν(location, dispersion); the location defaults to 0.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for ν ≤ 0 or
    ///   non-finite; the errors of `MultivariateNormalDistribution/init(mean:covariance:)` for
    ///   a bad shape or a dispersion that is not positive definite.
    public init(location: [Double]? = nil, dispersion: Matrix, degreesOfFreedom: Double) throws(MonteCarloError) {
        guard degreesOfFreedom > 0, degreesOfFreedom.isFinite else {
            throw .invalidParameter(name: "degreesOfFreedom", value: degreesOfFreedom, requirement: "positive and finite")
        }
        let d = dispersion.rows
        let location = location ?? [Double](repeating: 0, count: d)
        normal = try MultivariateNormalDistribution(mean: [Double](repeating: 0, count: location.count), covariance: dispersion)
        chiSquared = try GammaDistribution(shape: degreesOfFreedom / 2, scale: 2)
        factorization = normal.factorization
        self.location = location
        self.dispersion = dispersion
        self.degreesOfFreedom = degreesOfFreedom
        let nu = degreesOfFreedom, dd = Double(d)
        logNormalizer = lgamma((nu + dd) / 2) - lgamma(nu / 2) - dd / 2 * log(nu * Double.pi)
            - 0.5 * factorization.logDeterminant
    }

    /// The dimension d.
    public var dimension: Int { location.count }

    /// μ + G/√(W/ν).
    public func draw<G: RandomNumberGenerator>(using generator: inout G) -> [Double] {
        let g = normal.draw(using: &generator)
        let w = chiSquared.draw(using: &generator)
        let factor = 1 / (w / degreesOfFreedom).squareRoot()
        return zip(location, g).map { $0 + factor * $1 }
    }

    /// z ↦ 2μ − z (the law is symmetric about μ).
    public func reflection(of point: [Double]) -> [Double] { zip(location, point).map { 2 * $0 - $1 } }

    /// log p(z) = log Γ((ν + d)/2) − log Γ(ν/2) − (d/2) log(νπ) − ½ log det Σ − ((ν + d)/2) log(1 + q/ν),
    /// q = (z − μ)ᵀ Σ⁻¹ (z − μ).
    public func logDensity(_ z: [Double]) -> Double {
        let centred = zip(z, location).map { $0 - $1 }
        let q = zip(centred, factorization.solve(centred)).reduce(0) { $0 + $1.0 * $1.1 }
        return logNormalizer - (degreesOfFreedom + Double(dimension)) / 2 * log1p(q / degreesOfFreedom)
    }

    /// The score ∇ log p(z) = −(ν + d) Σ⁻¹(z − μ) / (ν + q).
    public func score(_ z: [Double]) -> [Double] {
        let centred = zip(z, location).map { $0 - $1 }
        let solved = factorization.solve(centred)
        let q = zip(centred, solved).reduce(0) { $0 + $1.0 * $1.1 }
        let factor = -(degreesOfFreedom + Double(dimension)) / (degreesOfFreedom + q)
        return solved.map { factor * $0 }
    }

    /// The law of the coordinates `range`: t_ν(μ_range, Σ_range,range).
    /// - Throws: As ``init(location:dispersion:degreesOfFreedom:)``.
    public func marginal(_ range: Range<Int>) throws(MonteCarloError) -> MultivariateStudentTDistribution {
        var block = Matrix(rows: range.count, columns: range.count)
        for (i, r) in range.enumerated() { for (j, c) in range.enumerated() { block[i, j] = dispersion[r, c] } }
        return try MultivariateStudentTDistribution(location: Array(location[range]), dispersion: block,
                                                    degreesOfFreedom: degreesOfFreedom)
    }
}
