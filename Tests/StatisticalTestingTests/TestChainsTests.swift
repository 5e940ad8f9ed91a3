import Foundation
import MonteCarloCore
import StatisticalTesting
import Testing

/// The MALA chains on a correlated Gaussian that the chain calibration suites share.
@Suite("Test chains")
struct TestChainsTests {
    /// Layout (chain after chain, two coordinates per draw), scores −Σ⁻¹x at every draw, and
    /// stationarity: the last states of 1000 chains of 10 draws are independent draws of
    /// π = N(0, Σ), Σ = [[1, ρ], [ρ, 1]], so their mean of x₁x₂ is within 5 standard errors of
    /// E[x₁x₂] = ρ (Var(x₁x₂) = 1 + ρ² for a standard bivariate normal).
    @Test("MALA chains on a correlated Gaussian: layout, scores and stationary law")
    func langevinOnCorrelatedGaussian() {
        let (chains, length, rho) = (1000, 10, 0.6)
        var generator = Xoshiro256PlusPlus(seed: 77)
        let chain = TestChains.langevinOnCorrelatedGaussian(chains: chains, length: length, correlation: rho,
                                                            using: &generator)
        #expect(chain.points.count == 2 * chains * length && chain.scores.count == chain.points.count)
        let det = 1 - rho * rho
        for i in 0..<(chains * length) {
            let (x, y) = (chain.points[2 * i], chain.points[2 * i + 1])
            #expect(chain.scores[2 * i] == -(x - rho * y) / det && chain.scores[2 * i + 1] == -(y - rho * x) / det)
        }
        var sum = 0.0
        for c in 0..<chains {
            let last = 2 * (c * length + length - 1)
            sum += chain.points[last] * chain.points[last + 1]
        }
        let standardError = ((1 + rho * rho) / Double(chains)).squareRoot()
        #expect(abs(sum / Double(chains) - rho) <= 5 * standardError, "mean of x₁x₂ \(sum / Double(chains))")
    }
}
