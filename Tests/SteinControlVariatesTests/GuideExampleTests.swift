import Foundation
import MonteCarloCore
import SteinControlVariates
import Testing

/// The worked example of the guide "Error bars for Markov chain output"
/// (`SteinControlVariates.docc/MarkovChainErrorBars.md`), run on chains whose answers are known.
@Suite("Guide: error bars for Markov chain output")
struct GuideExampleTests {
    /// Four Gaussian AR(1) chains xₜ = ρxₜ₋₁ + √(1 − ρ²)εₜ, ρ = 0.8, each started in
    /// stationarity: a reversible Markov chain with stationary law N(0, 1), score u(x) = −x.
    /// For f = cos x, E[f] = e^(−1/2) and the long-run variance is
    /// σ²_∞ = e^(−1)[(cosh 1 − 1) + 2 Σₖ (cosh ρᵏ − 1)] ≈ 0.875 (τ ≈ 4.4).
    static func chains(count: Int, length: Int, rho: Double, seed: UInt64) -> (draws: [[Double]], scores: [[Double]]) {
        let streams = RandomStreams(seed: seed)
        var draws: [[Double]] = []
        for c in 0..<count {
            var generator = streams.stream(c)
            var x = generator.nextStandardNormal()
            for _ in 0..<length {
                draws.append([x])
                x = rho * x + (1 - rho * rho).squareRoot() * generator.nextStandardNormal()
            }
        }
        return (draws, draws.map { [-$0[0]] })
    }

    static func exactLongRunVarianceOfCosine(rho: Double) -> Double {
        var sum = Foundation.cosh(1.0) - 1
        var power = rho
        while power > 1e-17 {
            sum += 2 * (Foundation.cosh(power) - 1)
            power *= rho
        }
        return exp(-1) * sum
    }

    @Test("the guide's snippet: sample mean and ZV-CV with chain-aware error bars cover E[cos x] on AR(1) chains")
    func guideSnippet() throws {
        let (draws, scores) = Self.chains(count: 4, length: 1000, rho: 0.8, seed: 2031)

        // --- the guide's snippet, verbatim ---
        // 4 chains of 1000 draws each, stored one after another, with their scores.
        let sample = try SteinSample(points: draws, scores: scores,
                                     dependence: .chains(count: 4, totalDraws: draws.count))
        let values = draws.map { cos($0[0]) }

        let plain = try SampleMean().estimate(sample: sample, values: values)
        let zv = try ZeroVarianceControlVariates(degree: 2).estimate(sample: sample, values: values)

        // For contrast only: the same draws treated as independent (error bar too narrow).
        let naive = try SampleMean().estimate(sample: sample.with(dependence: .independent), values: values)
        // --- end of the snippet ---

        let truth = exp(-0.5)
        for (name, estimate) in [("sample mean", plain), ("ZV-CV degree 2", zv)] {
            #expect(abs(estimate.value - truth) <= 5 * estimate.standardError,
                    "\(name): \(estimate.value) ± \(estimate.standardError), truth \(truth)")
            #expect(estimate.diagnostics.method != "sample-mean", "\(name): a chain error bar, not the i.i.d. one")
        }
        // The chain-aware error bar of the mean is near the exact √(σ²_∞/n); the i.i.d. one is
        // too narrow by about √τ ≈ 2.1.
        let exact = (Self.exactLongRunVarianceOfCosine(rho: 0.8) / Double(draws.count)).squareRoot()
        #expect(plain.standardError > 0.6 * exact && plain.standardError < 1.5 * exact,
                "chain SE \(plain.standardError) vs exact \(exact)")
        #expect(naive.standardError < 0.7 * plain.standardError, "i.i.d. SE \(naive.standardError) vs chain SE \(plain.standardError)")
        #expect(abs(plain.value - naive.value) <= 1e-12, "the same mean either way")
    }

    @Test("the closed-form long-run variance of cos x under the AR(1) chain matches the reference value")
    func exactLongRunVariance() {
        #expect(abs(Self.exactLongRunVarianceOfCosine(rho: 0.8) - 0.8754) < 5e-4)
    }
}
