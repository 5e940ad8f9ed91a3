import Foundation
import MonteCarloCore
import Testing
@testable import SteinControlVariates

/// Estimators on several chains report the values' rank-normalized split-R̂ and warn above 1.01.
@Suite("Convergence warnings on chains")
struct ChainConvergenceTests {
    /// Four AR(1) chains (ρ = 0.5, d = 2) of 500 draws; `shift` is added to the last chain.
    static func sample(shift: Double) throws -> SteinSample {
        var generator = RandomStreams(seed: 21).stream(0)
        var points: [Double] = []
        for c in 0..<4 {
            var x = [generator.nextStandardNormal(), generator.nextStandardNormal()]
            for _ in 0..<500 {
                points += x.map { $0 + (c == 3 ? shift : 0) }
                x = x.map { 0.5 * $0 + 0.75.squareRoot() * generator.nextStandardNormal() }
            }
        }
        // Scores of N(0, I) (for the shifted chain the target is "wrong": that is the point).
        return try SteinSample(count: 2000, dimension: 2, points: points, scores: points.map { -$0 },
                               dependence: .chains(count: 4, totalDraws: 2000))
    }

    @Test("mixed chains: R̂ near 1, no warning; a chain shifted by one SD: R̂ > 1.01 and a warning")
    func rHatWarning() throws {
        for (shift, expectWarning) in [(0.0, false), (1.0, true)] {
            let sample = try Self.sample(shift: shift)
            let values = (0..<sample.count).map { sample.points[2 * $0] }
            for estimate in [try SampleMean().estimate(sample: sample, values: values),
                             try ZeroVarianceControlVariates(degree: 1).estimate(sample: sample, values: values)] {
                let rHat = try #require(estimate.diagnostics.figures["rHat"])
                let warned = estimate.diagnostics.warnings.contains { $0.contains("R̂") }
                // Mixed: split-R̂ of 8 half-chains of 250 draws with τ = 3 stays below 1.01 (its
                // sampling SD is a few thousandths here). Shifted by 1 SD, the chain means
                // (0, 0, 0, 1) have variance 1/4 against a within-chain variance of 1, so
                // R̂ ≈ √(1 + 1/4) ≈ 1.12 before rank normalization: far above 1.01.
                #expect(expectWarning ? rHat > 1.01 : rHat < 1.01, "shift \(shift): R̂ \(rHat)")
                #expect(warned == expectWarning, "\(estimate.diagnostics.warnings)")
            }
        }
    }

    @Test("independent draws and a single chain carry no R̂")
    func noRHat() throws {
        let sample = try Self.sample(shift: 0)
        let values = (0..<sample.count).map { sample.points[2 * $0] }
        for dependence in [SampleDependence.independent, .chains(lengths: [2000])] {
            let estimate = try SampleMean().estimate(sample: sample.with(dependence: dependence), values: values)
            #expect(estimate.diagnostics.figures["rHat"] == nil)
        }
    }
}
