import Foundation
import LinearAlgebra
import MonteCarloCore
@testable import SteinControlVariates

/// Test problems with exact answers (reference notes, §7.1).
enum TestProblems {
    /// T4 (South et al. 2022, Fig. 2a): π = N(0, I₄), f = 1 + x₂ + 0.1x₁x₂x₃ + sin(x₁)exp(−(x₂x₃)²),
    /// E f = 1, Var f = 1.2757.
    static func southFourD(_ x: [Double]) -> Double {
        1 + x[1] + 0.1 * x[0] * x[1] * x[2] + sin(x[0]) * exp(-(x[1] * x[2]) * (x[1] * x[2]))
    }
    static let southFourDVariance = 1.2757

    /// T5: π = N(0, 1), f = 1 + x + x² + sin(πx)exp(−x²), E f = 2, Var f = 3.464.
    static func southOneD(_ x: [Double]) -> Double {
        1 + x[0] + x[0] * x[0] + sin(Double.pi * x[0]) * exp(-x[0] * x[0])
    }
    static let southOneDVariance = 3.464

    /// T3: N(μ, Σ), μ = (−1.5, 1.5), Σ = [[1, .5], [.5, 2]].
    static let correlatedMean = [-1.5, 1.5]
    static func correlatedGaussian() throws -> MultivariateNormalDistribution {
        try MultivariateNormalDistribution(mean: correlatedMean, covariance: Matrix(rows: [[1, 0.5], [0.5, 2]]))
    }

    /// A sample of `count` draws and the integrand's values, from stream `replication` of `seed`.
    static func draw<D: ScoredSampler>(_ distribution: D, count: Int, seed: UInt64, replication: Int = 0,
                                       integrand: ([Double]) -> Double) throws -> (SteinSample, [Double]) {
        var generator = RandomStreams(seed: seed).stream(replication)
        let sample = try SteinSample(drawing: count, from: distribution, using: &generator)
        return (sample, (0..<count).map { integrand(sample.point($0)) })
    }
}

extension TestProblems {
    /// T6: under the correlated Gaussian T3, f = sin(x₁ + x₂/2) + cos(x₂). With a = (1, ½),
    /// E sin(aᵀx) = sin(aᵀμ)e^{−aᵀΣa/2} and E cos(x₂) = cos(μ₂)e^{−Σ₂₂/2}; aᵀμ = −¾, aᵀΣa = 2,
    /// Σ₂₂ = 2, so E f = e^{−1}(cos 1.5 − sin 0.75).
    static func correlatedSmooth(_ x: [Double]) -> Double { sin(x[0] + 0.5 * x[1]) + cos(x[1]) }
    static let correlatedSmoothTruth = exp(-1.0) * (cos(1.5) - sin(0.75))
}

extension BananaDistribution {
    /// The `mcmc-stein` example's four integrands with their exact expectations.
    var integrands: [(name: String, truth: Double, f: @Sendable ([Double]) -> Double)] {
        let (a, b) = (scale, curvature)
        return [
            ("x2", 0, { $0[1] }),
            ("x1^2", a * a, { $0[0] * $0[0] }),
            ("x2^2", 1 + 2 * b * b * a * a * a * a, { $0[1] * $0[1] }),
            ("cos x1", exp(-a * a / 2), { cos($0[0]) }),
        ]
    }
}

extension TestProblems {
    /// sin x₁ under the correlated Gaussian T3: E sin x₁ = sin(μ₁)e^(−Σ₁₁/2) = sin(−1.5)e^(−½)
    /// (the `mcest cv` tests' integrand).
    static func sineFirst(_ x: [Double]) -> Double { sin(x[0]) }
    static let sineFirstTruth = sin(-1.5) * exp(-0.5)

}
