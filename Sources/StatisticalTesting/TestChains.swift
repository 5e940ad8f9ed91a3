import Foundation
import MonteCarloCore

/// Markov chains with a known stationary law, for testing error bars on dependent draws.
///
/// ```swift
/// var generator = Xoshiro256PlusPlus(seed: 5)
/// let chain = TestChains.langevinOnCorrelatedGaussian(chains: 4, length: 250, using: &generator)
/// // chain.points[2i], chain.points[2i + 1]: draw i; chain.scores: ∇ log π there
/// ```
public enum TestChains {
    /// Metropolis-adjusted Langevin (MALA) chains on the bivariate normal π = N(0, Σ),
    /// Σ = [[1, ρ], [ρ, 1]], each started in its stationary law.
    ///
    /// From x with score u(x) = −Σ⁻¹x, the proposal is y = x + (h/2)u(x) + √h ξ, ξ ~ N(0, I₂),
    /// accepted with probability min(1, π(y)q(x | y) / (π(x)q(y | x))) (Roberts & Tweedie 1996).
    /// Every chain starts from an exact draw of π, so all its states have law π and the chains are
    /// stationary from the first draw.
    ///
    /// - Parameters:
    ///   - chains: The number of independent chains.
    ///   - length: The draws kept per chain (the starting state first).
    ///   - rho: The correlation ρ in (−1, 1); 0.6 by default.
    ///   - step: The step h > 0; 0.5 by default.
    ///   - generator: The source of randomness (two normals to start each chain, then two normals
    ///     and one uniform per step).
    /// - Returns: The states chain after chain, row-major (`chains · length` × 2), and the scores
    ///   −Σ⁻¹x at them in the same layout.
    public static func langevinOnCorrelatedGaussian(
        chains: Int, length: Int, correlation rho: Double = 0.6, step: Double = 0.5,
        using generator: inout Xoshiro256PlusPlus
    ) -> (points: [Double], scores: [Double]) {
        let det = 1 - rho * rho
        func score(_ x: [Double]) -> [Double] { [-(x[0] - rho * x[1]) / det, -(x[1] - rho * x[0]) / det] }
        func logDensity(_ x: [Double]) -> Double { -(x[0] * x[0] - 2 * rho * x[0] * x[1] + x[1] * x[1]) / (2 * det) }
        func logProposal(_ to: [Double], from: [Double], _ u: [Double]) -> Double {
            let a = to[0] - from[0] - step / 2 * u[0], b = to[1] - from[1] - step / 2 * u[1]
            return -(a * a + b * b) / (2 * step)
        }
        var points: [Double] = [], scores: [Double] = []
        points.reserveCapacity(2 * max(0, chains * length))
        scores.reserveCapacity(2 * max(0, chains * length))
        for _ in 0..<max(0, chains) {
            let z1 = generator.nextStandardNormal(), z2 = generator.nextStandardNormal()
            var x = [z1, rho * z1 + det.squareRoot() * z2]
            var u = score(x)
            for _ in 0..<max(0, length) {
                points.append(contentsOf: x)
                scores.append(contentsOf: u)
                let proposal = [x[0] + step / 2 * u[0] + step.squareRoot() * generator.nextStandardNormal(),
                                x[1] + step / 2 * u[1] + step.squareRoot() * generator.nextStandardNormal()]
                let v = score(proposal)
                let logRatio = logDensity(proposal) - logDensity(x) + logProposal(x, from: proposal, v) - logProposal(proposal, from: x, u)
                if log(generator.nextOpenUniform()) < logRatio {
                    x = proposal
                    u = v
                }
            }
        }
        return (points, scores)
    }
}
