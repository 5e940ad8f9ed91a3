import Foundation
import VarianceReduction

/// Control variates spanning the spherical harmonics of even degree 2, 4, …, D on S^{d−1}
/// (Leluc, Dieuleveut, Portier, Segers & Zhuman 2024), as homogeneous monomials.
///
/// The homogeneous polynomials of degree D restricted to the sphere are exactly the span of
/// the harmonics of degrees D, D − 2, …, 0 (Stein & Weiss 1971, ch. IV), and the monomials
/// θ^a, |a| = D, are linearly independent there. One combination of them, (Σθᵢ²)^{D/2}, is
/// the constant 1; dropping the monomial θ₁^D (whose coefficient in it is 1) removes that
/// dependence. The remaining C(D + d − 1, d − 1) − 1 monomials therefore span the same space
/// as the even-degree harmonics 2..D, and an OLS control-variate estimate depends only on that
/// span — so this is the SHCV estimator restricted to even degrees, without a harmonics library.
/// The means are E θ^a = Γ(d/2) Πᵢ Γ((aᵢ + 1)/2) / (π^{d/2} Γ((D + d)/2)) for even aᵢ, else 0.
struct SphericalHarmonicControls: Sendable {
    let dimension: Int
    let degree: Int
    /// Exponent vectors, row-major (count × d).
    let exponents: [Int]
    let means: [Double]
    var count: Int { means.count }

    init(dimension d: Int, degree: Int) {
        precondition(degree >= 2 && degree % 2 == 0)
        var all: [[Int]] = []
        var current = [Int](repeating: 0, count: d)
        func enumerate(_ index: Int, _ remaining: Int) {
            if index == d - 1 {
                current[index] = remaining
                all.append(current)
                return
            }
            for e in stride(from: remaining, through: 0, by: -1) {
                current[index] = e
                enumerate(index + 1, remaining - e)
            }
        }
        enumerate(0, degree)
        all.removeFirst()  // θ₁^D (the first in this order): removes the constant combination
        dimension = d
        self.degree = degree
        exponents = all.flatMap { $0 }
        let half = Double(d) / 2
        let common = lgamma(half) - half * log(Double.pi) - lgamma((Double(degree) + Double(d)) / 2)
        means = all.map { a in
            guard a.allSatisfy({ $0 % 2 == 0 }) else { return 0 }
            return exp(common + a.reduce(0) { $0 + lgamma((Double($1) + 1) / 2) })
        }
    }

    /// Control values minus their means, one array per control, for L directions (column-major d × L).
    func centredValues(directions theta: [Double], count: Int) -> [[Double]] {
        let d = dimension, D = degree
        var columns = [[Double]](repeating: [Double](repeating: 0, count: count), count: means.count)
        var powers = [Double](repeating: 1, count: d * (D + 1))
        for l in 0..<count {
            for k in 0..<d {
                var p = 1.0
                for e in 0...D {
                    powers[k * (D + 1) + e] = p
                    p *= theta[l * d + k]
                }
            }
            for j in 0..<means.count {
                var v = 1.0
                for k in 0..<d { v *= powers[k * (D + 1) + exponents[j * d + k]] }
                columns[j][l] = v - means[j]
            }
        }
        return columns
    }
}

extension SphericalHarmonicControls {
    /// The monomials θ^a of the direction θ = p/|p| of each point, for `ControlVariateMonteCarlo`
    /// (their means are ``means``).
    var vectorIntegrand: VectorIntegrand<[Double]> {
        let d = dimension, D = degree, exponents = exponents, k = means.count
        return VectorIntegrand(validatedOutputDimension: k, batch: { points, values in
            var powers = [Double](repeating: 1, count: d * (D + 1))
            for (l, point) in points.enumerated() {
                let norm = point.reduce(0) { $0 + $1 * $1 }.squareRoot()
                for c in 0..<d {
                    let t = point.count == d && norm > 0 ? point[c] / norm : .nan
                    var p = 1.0
                    for e in 0...D {
                        powers[c * (D + 1) + e] = p
                        p *= t
                    }
                }
                for j in 0..<k {
                    var v = 1.0
                    for c in 0..<d { v *= powers[c * (D + 1) + exponents[j * d + c]] }
                    values[l * k + j] = v
                }
            }
        })
    }
}
