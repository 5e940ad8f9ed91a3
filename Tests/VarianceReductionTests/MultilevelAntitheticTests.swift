import Foundation
import Testing
import MonteCarloCore
import StatisticalTesting
import VarianceReduction

/// The antithetic coupling of Giles & Szpruch (2014) through the ``CoupledLevelSampler``
/// protocol: the discounted time-average of a GBM price, Milstein steps, the fine path's twin
/// swapping the two Brownian increments inside each coarse step.
@Suite("Multilevel Monte Carlo: antithetic coupling")
struct MultilevelAntitheticTests {
    /// P = e^{−rT} (1/T) Σ_n S_{t_n} h (left-point rule), whose limit is e^{−rT} S₀ (e^{rT} − 1)/(rT).
    struct AveragePriceSampler: CoupledLevelSampler {
        let spot = 100.0, rate = 0.05, volatility = 0.2, maturity = 1.0
        let antithetic: Bool
        var maximumLevel: Int { 12 }
        var limit: Double { exp(-rate * maturity) * spot * expm1(rate * maturity) / (rate * maturity) }
        func cost(level: Int) -> Double { level == 0 ? 1 : exp2(Double(level)) * (antithetic ? 2.5 : 1.5) }

        func step(_ s: Double, _ dw: Double, _ h: Double) -> Double {
            s * (1 + rate * h + volatility * dw + 0.5 * volatility * volatility * (dw * dw - h))
        }

        func sample(level: Int, using generator: inout Xoshiro256PlusPlus) -> (fine: Double, difference: Double) {
            let discount = exp(-rate * maturity)
            let h = maturity / exp2(Double(level)), sqrtH = h.squareRoot()
            if level == 0 {
                let p = discount * spot
                _ = generator.nextStandardNormal()
                return (p, p)
            }
            var fine = spot, twin = spot, coarse = spot
            var fineSum = 0.0, twinSum = 0.0, coarseSum = 0.0
            for _ in 0..<(1 << (level - 1)) {
                let dw1 = sqrtH * generator.nextStandardNormal(), dw2 = sqrtH * generator.nextStandardNormal()
                coarseSum += coarse * 2 * h
                coarse = step(coarse, dw1 + dw2, 2 * h)
                fineSum += fine * h
                fine = step(fine, dw1, h)
                fineSum += fine * h
                fine = step(fine, dw2, h)
                twinSum += twin * h
                twin = step(twin, dw2, h)
                twinSum += twin * h
                twin = step(twin, dw1, h)
            }
            let pf = discount * fineSum / maturity, pt = discount * twinSum / maturity, pc = discount * coarseSum / maturity
            return (pf, (antithetic ? 0.5 * (pf + pt) : pf) - pc)
        }
    }

    @Test("antithetic MLMC is unbiased for the limit and its level variances are no larger")
    func antithetic() throws {
        let standard = AveragePriceSampler(antithetic: false), antithetic = AveragePriceSampler(antithetic: true)
        let report = try MultilevelMonteCarlo(sampler: antithetic).run(rootMeanSquareError: 0.02, seed: 21)
        let bias = try #require(report.biasBound)
        #expect(report.stopReason == .reachedTarget)
        #expect(abs(report.estimate.value - antithetic.limit) <= 5 * report.estimate.standardError + bias,
                "\(report.estimate) vs \(antithetic.limit)")
        // ½(Y_f − Y_c) + ½(Y_twin − Y_c) with equally distributed halves: variance ≤ Var(Y_f − Y_c).
        let counts = [Int](repeating: 4000, count: 7)
        let a = try MultilevelMonteCarlo(sampler: antithetic).run(samplesPerLevel: counts, seed: 5).levels
        let s = try MultilevelMonteCarlo(sampler: standard).run(samplesPerLevel: counts, seed: 5).levels
        for l in 2..<7 { #expect(a[l].variance <= s[l].variance, "level \(l): \(a[l].variance) vs \(s[l].variance)") }
    }

    /// The Clark–Cameron SDE dX₁ = dW₁, dX₂ = X₁ dW₂ (X₁(0) = x₀, X₂(0) = 0, T = 1), whose
    /// diffusion does not commute: Milstein needs the Lévy area ∫(W₁ dW₂ − W₂ dW₁)/2, and the
    /// truncated Milstein step without it, X₂ ← X₂ + X₁ΔW₂ + ½ΔW₁ΔW₂, has strong order ½ only.
    /// P = cos(X₂(T)): given W₁, X₂(T) is normal with variance ∫X₁² dt, so
    /// E[P] = E[exp(−½∫₀¹ (x₀ + W₁)² dt)] = cosh(1)^{−½} exp(−x₀² tanh(1)/2) (Cameron & Martin
    /// 1945). With the standard coupling β = 1 (the missing Lévy areas of fine and coarse paths do
    /// not cancel); the antithetic twin flips the sign of each coarse step's fine Lévy area, so
    /// the average of fine and twin matches the coarse path to O(h) and β = 2 for this smooth
    /// payoff (Giles & Szpruch 2014, Theorem 4.10).
    struct ClarkCameronSampler: CoupledLevelSampler {
        let start = 1.0
        let antithetic: Bool
        var maximumLevel: Int { 12 }
        var limit: Double { 1 / cosh(1.0).squareRoot() * exp(-start * start * tanh(1.0) / 2) }
        func cost(level: Int) -> Double { level == 0 ? 1 : exp2(Double(level)) * (antithetic ? 2.5 : 1.5) }

        /// One truncated Milstein step of (X₁, X₂) with increments (a, b) of (W₁, W₂).
        func step(_ x: inout (Double, Double), _ a: Double, _ b: Double) {
            x.1 += x.0 * b + 0.5 * a * b
            x.0 += a
        }

        func sample(level: Int, using generator: inout Xoshiro256PlusPlus) -> (fine: Double, difference: Double) {
            let sqrtH = exp2(-Double(level)).squareRoot()
            if level == 0 {
                var x = (start, 0.0)
                step(&x, generator.nextStandardNormal(), generator.nextStandardNormal())
                return (cos(x.1), cos(x.1))
            }
            var fine = (start, 0.0), twin = (start, 0.0), coarse = (start, 0.0)
            for _ in 0..<(1 << (level - 1)) {
                let a1 = sqrtH * generator.nextStandardNormal(), b1 = sqrtH * generator.nextStandardNormal()
                let a2 = sqrtH * generator.nextStandardNormal(), b2 = sqrtH * generator.nextStandardNormal()
                step(&fine, a1, b1)
                step(&fine, a2, b2)
                step(&twin, a2, b2)
                step(&twin, a1, b1)
                step(&coarse, a1 + a2, b1 + b2)
            }
            let pf = cos(fine.1), pc = cos(coarse.1)
            return (pf, (antithetic ? 0.5 * (pf + cos(twin.1)) : pf) - pc)
        }
    }

    /// The rates fitted over levels 1…7 (20 000 coupled samples each), as in the European tests.
    func fittedRates(_ sampler: ClarkCameronSampler) throws -> MultilevelRates {
        let report = try MultilevelMonteCarlo(sampler: sampler)
            .run(samplesPerLevel: [Int](repeating: 20_000, count: 8), seed: 13)
        let fitted = report.levels.dropFirst()
        return try MultilevelRates(levels: fitted.map(\.level), means: fitted.map(\.mean),
                                   variances: fitted.map(\.variance), costs: fitted.map(\.cost))
    }

    @Test("antithetic coupling raises the variance decay from β = 1 to β = 2 without Lévy areas (Clark–Cameron)")
    func fasterDecay() throws {
        let t = StudentTDistribution.standardQuantile(1 - 0.0005, degreesOfFreedom: 5)
        let standard = try fittedRates(ClarkCameronSampler(antithetic: false))
        let antithetic = try fittedRates(ClarkCameronSampler(antithetic: true))
        let seStandard = try #require(standard.betaStandardError), seAntithetic = try #require(antithetic.betaStandardError)
        #expect(abs(standard.beta - 1) <= t * seStandard, "standard β = \(standard.beta) ± \(seStandard)")
        #expect(abs(antithetic.beta - 2) <= t * seAntithetic, "antithetic β = \(antithetic.beta) ± \(seAntithetic)")
        // The antithetic MLMC estimate at a target RMSE against the Cameron–Martin value.
        let sampler = ClarkCameronSampler(antithetic: true)
        let report = try MultilevelMonteCarlo(sampler: sampler).run(rootMeanSquareError: 0.002, seed: 17)
        let bias = try #require(report.biasBound)
        #expect(report.stopReason == .reachedTarget)
        #expect(abs(report.estimate.value - sampler.limit) <= 5 * report.estimate.standardError + bias,
                "\(report.estimate) vs \(sampler.limit)")
    }
}
