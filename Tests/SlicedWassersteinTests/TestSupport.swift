import Foundation
import MonteCarloCore
@testable import SlicedWassersteinModule

/// Random clouds and closed forms shared by the suites.
enum Support {
    /// n standard normal points in dimension d, row-major.
    static func gaussianPoints(_ n: Int, _ d: Int, seed: UInt64) -> [Double] {
        var g = Xoshiro256PlusPlus(seed: seed)
        return (0..<(n * d)).map { _ in g.nextStandardNormal() }
    }

    /// n points of N(mean, L Lᵀ) with L lower triangular given row-major.
    static func gaussianPoints(_ n: Int, mean: [Double], choleskyLower l: [Double], seed: UInt64) -> [Double] {
        let d = mean.count
        let z = gaussianPoints(n, d, seed: seed)
        var x = [Double](repeating: 0, count: n * d)
        for i in 0..<n {
            for a in 0..<d {
                var s = mean[a]
                for b in 0...a { s += l[a * d + b] * z[i * d + b] }
                x[i * d + a] = s
            }
        }
        return x
    }

    /// Lower Cholesky factor of a small SPD matrix (row-major).
    static func cholesky(_ m: [Double], _ d: Int) -> [Double] {
        var l = [Double](repeating: 0, count: d * d)
        for i in 0..<d {
            for j in 0...i {
                var s = m[i * d + j]
                for k in 0..<j { s -= l[i * d + k] * l[j * d + k] }
                l[i * d + j] = i == j ? s.squareRoot() : s / l[j * d + j]
            }
        }
        return l
    }

    /// E|θ₁|^p for θ uniform on S^{d−1}: Γ(d/2)Γ((p+1)/2)/(√π Γ((d+p)/2)).
    static func sphereAbsoluteMoment(p: Double, d: Int) -> Double {
        exp(lgamma(Double(d) / 2) + lgamma((p + 1) / 2) - lgamma((Double(d) + p) / 2)) / Double.pi.squareRoot()
    }

    /// Sliced Wasserstein between n standard normal points x in dimension d and their affine
    /// image y = a·x + v, with its closed form: the projections are matched in order, so
    /// SW₂² = tr M/d exactly, M = (1/n) Σ uᵢuᵢᵀ, uᵢ = (a − 1)xᵢ + v.
    static func affineImage(n: Int, scale a: Double, shift v: [Double],
                            seed: UInt64) throws -> (problem: SlicedWasserstein, truth: Double) {
        let d = v.count
        let x = gaussianPoints(n, d, seed: seed)
        let y = (0..<(n * d)).map { a * x[$0] + v[$0 % d] }
        let sw = try SlicedWasserstein(try PointCloud(points: x, dimension: d), try PointCloud(points: y, dimension: d))
        var truth = 0.0
        for i in 0..<n { for k in 0..<d { let t = (a - 1) * x[i * d + k] + v[k]; truth += t * t } }
        return (sw, truth / Double(n * d))
    }

    /// Anchor B of the reference notes (d = 3).
    static let anchorBMean2: [Double] = [1, 2, -1]
    static let anchorBCov1: [Double] = [1, 0, 0, 0, 2, 0, 0, 0, 3]
    static let anchorBCov2: [Double] = [2, 0.5, 0, 0.5, 1, 0.3, 0, 0.3, 1.5]

    static func anchorB(n: Int, seed: UInt64) throws -> (PointCloud, PointCloud) {
        let x = gaussianPoints(n, mean: [0, 0, 0], choleskyLower: cholesky(anchorBCov1, 3), seed: seed)
        let y = gaussianPoints(n, mean: anchorBMean2, choleskyLower: cholesky(anchorBCov2, 3), seed: seed &+ 1)
        return (try PointCloud(points: x, dimension: 3), try PointCloud(points: y, dimension: 3))
    }
}
