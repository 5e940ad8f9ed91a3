import Foundation
import MonteCarloCore
import Testing

/// Draws for the chain-diagnostics tests: stationary Gaussian AR(1) chains.
enum ChainFixtures {
    /// x₀ ~ N(0, 1), xₜ = ρ xₜ₋₁ + √(1 − ρ²) eₜ: stationary N(0, 1), lag-k correlation ρᵏ,
    /// integrated autocorrelation time τ = (1 + ρ)/(1 − ρ).
    static func autoregressive(rho: Double, count: Int, stream: Int, seed: UInt64 = 2021) -> [Double] {
        var generator = RandomStreams(seed: seed).stream(stream)
        var x = generator.nextStandardNormal()
        let scale = (1 - rho * rho).squareRoot()
        return (0..<count).map { _ in
            defer { x = rho * x + scale * generator.nextStandardNormal() }
            return x
        }
    }

    /// `chains` independent AR(1) chains of `count` draws (streams 0, 1, …).
    static func chains(_ chains: Int, rho: Double, count: Int, seed: UInt64 = 2021) -> [[Double]] {
        (0..<chains).map { autoregressive(rho: rho, count: count, stream: $0, seed: seed) }
    }
}

@Suite("ChainDiagnostics: R̂, bulk/tail ESS, MCSE")
struct ChainDiagnosticsTests {
    @Test("Average ranks share ties; normal scores are Φ⁻¹((r − 3/8)/(S + 1/4))")
    func ranks() {
        #expect(RankNormalization.averageRanks([2, 7.5, 7.5, -1]) == [2, 3.5, 3.5, 1])
        #expect(RankNormalization.averageRanks([1, 1, 1]) == [2, 2, 2])
        let z = RankNormalization.normalScores([2, 7.5, 7.5, -1])
        let expected = [2, 3.5, 3.5, 1].map { NormalDistribution.standardQuantile(($0 - 0.375) / 4.25) }
        #expect(z == expected)
        #expect(z[1] == z[2] && z[3] < z[0] && z[0] < z[1])
    }

    /// Well-mixed chains: 4 AR(1) chains (ρ = 0.5, τ = 3) of 5000 draws, split into M = 8 of
    /// N = 2500. R̂² = (N − 1)/N + (B/N)/W with B/N the variance of the 8 split-chain means,
    /// ≈ τ W/N · X, X ~ χ²₇/7, so R̂ ≈ 1 + (τX − 1)/(2N). P(X > 5) ≈ 10⁻⁵, hence
    /// R̂ < 1 + (3·5 − 1)/5000 ≈ 1.0028; and R̂ ≥ √((N − 1)/N) always.
    @Test("R̂ ≈ 1 for four independent AR(1) chains, and the summary has no warning")
    func wellMixed() throws {
        let chains = ChainFixtures.chains(4, rho: 0.5, count: 5000)
        let rHat = try ChainDiagnostics.rankNormalizedSplitRHat(chains)
        #expect(rHat < 1.0028, "R̂ = \(rHat)")
        #expect(rHat >= (2499.0 / 2500).squareRoot())
        let split = try ChainDiagnostics.splitRHat(chains)
        #expect(split < 1.0028 && split >= (2499.0 / 2500).squareRoot())
        let summary = try ChainSummary(name: "x", chains: chains)
        #expect(summary.warnings.isEmpty, "\(summary.warnings)")
        #expect(summary.rHat == rHat)
        #expect(summary.chainCount == 4 && summary.drawsPerChain == 5000)
        #expect(summary.estimate.standardError == summary.meanStandardError)
    }

    /// One chain shifted by δ = 1 (one stationary sd): 2 of the 8 split chains are shifted,
    /// so B/N ≈ δ'² · (2·6/8²) · 8/7 ≈ 0.21 δ'² where δ' ≥ 0.8 δ is the shift after rank
    /// normalization, against a sampling level of τ/N ≈ 10⁻³: R̂ ≈ √(1 + 0.13) ≈ 1.06 > 1.03.
    @Test("One shifted chain: R̂ > 1.01 and the warning says the error bar cannot be trusted")
    func shiftedChain() throws {
        var chains = ChainFixtures.chains(4, rho: 0.5, count: 5000)
        chains[2] = chains[2].map { $0 + 1 }
        let rHat = try ChainDiagnostics.rankNormalizedSplitRHat(chains)
        #expect(rHat > 1.03, "R̂ = \(rHat)")
        let summary = try ChainSummary(name: "theta", chains: chains)
        #expect(summary.warnings.contains { $0.hasPrefix("theta: R̂ = ") && $0.contains("cannot be trusted") }, "\(summary.warnings)")
        #expect(summary.estimate.diagnostics.warnings == summary.warnings)
    }

    /// Chains that differ only in scale: the folded R̂ sees what the bulk R̂ cannot.
    @Test("A chain with twice the spread: folded R̂ catches it")
    func scaledChain() throws {
        var chains = ChainFixtures.chains(4, rho: 0.5, count: 5000)
        chains[1] = chains[1].map { 2 * $0 }
        #expect(try ChainDiagnostics.rankNormalizedSplitRHat(chains) > 1.03)
    }

    /// i.i.d. draws, S = 4 × 25000 = 10⁵: the multi-chain autocorrelations ρ̂ₜ are ≈ N(0, 1/S);
    /// Geyer's sequence stops at the first negative pair sum, after a geometric number of pairs
    /// (P(more than 6 pairs) ≈ 2⁻⁶), so τ̂ − 1 ≈ 2 Σ_{t ≤ K} ρ̂ₜ with K ≤ 12 lags has sd
    /// ≤ 2√(12/S); 4 sd: |ESS/S − 1| ≤ 8√(12/S) ≈ 0.088.
    @Test("Bulk, tail and mean ESS of i.i.d. draws ≈ the number of draws")
    func independentDraws() throws {
        let chains = ChainFixtures.chains(4, rho: 0, count: 25_000, seed: 7)
        let s = 100_000.0
        let bound = 8 * (12 / s).squareRoot()
        for (kind, ess) in [("bulk", try ChainDiagnostics.bulkEffectiveSampleSize(chains)),
                            ("tail", try ChainDiagnostics.tailEffectiveSampleSize(chains)),
                            ("mean", try ChainDiagnostics.meanEffectiveSampleSize(chains))] {
            #expect(abs(ess / s - 1) <= bound, "\(kind) ESS = \(ess)")
        }
        // MCSE ≈ 1/√S for unit-variance draws, within the same relative bound (halved by the root).
        let mcse = try ChainDiagnostics.meanStandardError(chains)
        #expect(abs(mcse * s.squareRoot() - 1) <= bound)
    }

    /// AR(1) with ρ = 0.8: ESS of the mean → S(1 − ρ)/(1 + ρ) = S/9. The truncated sum over K lags
    /// estimates σ²_∞ with relative variance ≈ 2(2K + 1)/S (Priestley 1981, rectangular window at
    /// frequency 0); Geyer's sequence stops near ρᵗ ≈ noise (t ≈ 17), so K ≤ 40 and the relative
    /// sd is ≤ √(162/10⁵) ≈ 0.04; 4 sd: 0.16. Truncation bias ρ⁴⁰ is negligible.
    @Test("ESS of an AR(1) chain with ρ = 0.8 ≈ S(1 − ρ)/(1 + ρ)")
    func autoregressiveESS() throws {
        let chains = ChainFixtures.chains(4, rho: 0.8, count: 25_000, seed: 8)
        let truth = 100_000 * 0.2 / 1.8
        let mean = try ChainDiagnostics.meanEffectiveSampleSize(chains)
        #expect(abs(mean / truth - 1) <= 0.16, "ESS_mean = \(mean), theory \(truth)")
        let unsplit = try ChainDiagnostics.effectiveSampleSize(chains)
        #expect(abs(unsplit / truth - 1) <= 0.16, "ESS = \(unsplit), theory \(truth)")
        // Normal scores of a Gaussian chain are nearly the chain itself: bulk ESS is close too.
        let bulk = try ChainDiagnostics.bulkEffectiveSampleSize(chains)
        #expect(abs(bulk / truth - 1) <= 0.2, "bulk ESS = \(bulk), theory \(truth)")
    }

    @Test("Constant draws: ESS is the number of split draws, as in ArviZ")
    func constantDraws() throws {
        let chains = [[Double]](repeating: [1, 1, 1, 1, 1], count: 3)
        #expect(try ChainDiagnostics.meanEffectiveSampleSize(chains) == 12)   // 6 split chains of 2
        #expect(try ChainDiagnostics.bulkEffectiveSampleSize(chains) == 12)
    }

    @Test("One chain: ESS and MCSE, no R̂ and a warning")
    func singleChain() throws {
        let chain = ChainFixtures.autoregressive(rho: 0.5, count: 4001, stream: 3)
        let summary = try ChainSummary(name: "y", chains: [chain])
        #expect(summary.rHat == nil)
        #expect(summary.warnings.contains { $0.contains("R̂ needs at least 2 chains") })
        #expect(throws: MonteCarloError.insufficientSamples(needed: 2, available: 1, reason: "chains for R̂ (chains, not draws)")) {
            try ChainDiagnostics.rankNormalizedSplitRHat([chain])
        }
    }

    @Test("Bad input: no chains, unequal lengths, fewer than 4 draws, NaN")
    func badInput() {
        #expect(throws: MonteCarloError.insufficientSamples(needed: 1, available: 0, reason: "chains (chains, not draws)")) {
            try ChainSummary(chains: [])
        }
        #expect(throws: MonteCarloError.dimensionMismatch(
            what: "draws of chain 1 (every chain needs as many draws as chain 0)", expected: 5, actual: 4)) {
            try ChainDiagnostics.bulkEffectiveSampleSize([[1, 2, 3, 4, 5], [1, 2, 3, 4]])
        }
        #expect(throws: MonteCarloError.insufficientSamples(needed: 4, available: 3, reason: "draws per chain for split-chain diagnostics")) {
            try ChainDiagnostics.rankNormalizedSplitRHat([[1, 2, 3], [4, 5, 6]])
        }
        #expect(throws: MonteCarloError.nonFinite(quantity: "value of chain 1", index: 2)) {
            try ChainSummary(chains: [[1, 2, 3, 4], [1, 2, .nan, 4]])
        }
        #expect(throws: MonteCarloError.self) {
            try ChainDiagnostics.tailEffectiveSampleSize([[1, 2, 3, 4]], lower: -0.1)
        }
    }
}
