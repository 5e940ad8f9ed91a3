import Foundation
import Testing
import MonteCarloCore
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
}
