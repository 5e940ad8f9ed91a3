// Inputs.swift — the random inputs shared by several families: Gaussian AR(1) and MALA chains
// with their scores, heavy-tailed (Student-t) draws, and the closed forms that go with them.

import Foundation
import MonteCarlo
import StatisticalTesting

enum Inputs {
    /// `chains` AR(1) chains xₜ = ρxₜ₋₁ + √(1 − ρ²)eₜ in d = 2 (componentwise), started in their
    /// stationary law N(0, I), stored one after another, with scores −x. τ = (1 + ρ)/(1 − ρ) for
    /// f = x (9 at ρ = 0.8).
    static func autoregressiveSample(chains: Int, length: Int, rho: Double,
                                     using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) -> SteinSample {
        var points: [Double] = []
        points.reserveCapacity(chains * length * 2)
        let innovation = (1 - rho * rho).squareRoot()
        for _ in 0..<chains {
            var x = [generator.nextStandardNormal(), generator.nextStandardNormal()]
            for _ in 0..<length {
                points.append(contentsOf: x)
                x = [rho * x[0] + innovation * generator.nextStandardNormal(), rho * x[1] + innovation * generator.nextStandardNormal()]
            }
        }
        return try SteinSample(count: chains * length, dimension: 2, points: points, scores: points.map { -$0 },
                               dependence: .chains(count: chains, totalDraws: chains * length))
    }

    /// MALA (step h = 0.5, started in stationarity) on N(0, Σ), Σ = [[1, ρ], [ρ, 1]], ρ = 0.6,
    /// `chains` chains of `length` draws with their scores −Σ⁻¹x.
    static func langevinSample(chains: Int, length: Int, using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) -> SteinSample {
        let chain = TestChains.langevinOnCorrelatedGaussian(chains: chains, length: length, correlation: 0.6, step: 0.5,
                                                            using: &generator)
        return try SteinSample(count: chains * length, dimension: 2, points: chain.points, scores: chain.scores,
                               dependence: .chains(count: chains, totalDraws: chains * length))
    }

    /// E cos(tX) for X ~ t₅: the characteristic function (1 + √5|t| + 5t²/3) e^{−√5|t|}
    /// (K_{5/2} in closed form). For the standard bivariate t₅ (identity dispersion), x₁ and
    /// (x₁ + x₂)/√2 are t₅, so E cos x₁ = φ(1) and E cos(x₁ + x₂) = φ(√2).
    static func studentT5CharacteristicFunction(_ t: Double) -> Double {
        let z = 5.0.squareRoot() * abs(t)
        return (1 + z + z * z / 3) * exp(-z)
    }

    /// x ~ N(0, I_d), y = ρx + √(1 − ρ²)ε: d independent pairs with correlation ρ.
    static func gaussianPairs(count: Int, dimension d: Int, correlation rho: Double,
                              using generator: inout Xoshiro256PlusPlus) -> (x: [[Double]], y: [[Double]]) {
        let noise = (1 - rho * rho).squareRoot()
        var xs: [[Double]] = [], ys: [[Double]] = []
        xs.reserveCapacity(count)
        ys.reserveCapacity(count)
        for _ in 0..<count {
            let x = (0..<d).map { _ in generator.nextStandardNormal() }
            xs.append(x)
            ys.append(x.map { rho * $0 + noise * generator.nextStandardNormal() })
        }
        return (xs, ys)
    }

    /// (x, y) from a multivariate Student-t with `dispersion` (X first, d_x = `xDimension`).
    static func studentTPairs(count: Int, distribution: MultivariateStudentTDistribution, xDimension: Int,
                              using generator: inout Xoshiro256PlusPlus) -> (x: [[Double]], y: [[Double]]) {
        var xs: [[Double]] = [], ys: [[Double]] = []
        xs.reserveCapacity(count)
        ys.reserveCapacity(count)
        for _ in 0..<count {
            let z = distribution.draw(using: &generator)
            xs.append(Array(z[..<xDimension]))
            ys.append(Array(z[xDimension...]))
        }
        return (xs, ys)
    }
}
