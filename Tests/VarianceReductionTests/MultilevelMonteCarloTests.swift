import Foundation
import Testing
import MonteCarloCore
import StatisticalTesting
import VarianceReduction

/// Multilevel Monte Carlo on the GBM European call (Black–Scholes limit): rates against theory,
/// accuracy at a target RMSE, the cost–ε law of Giles' complexity theorem, reproducibility and
/// bad input.
@Suite("Multilevel Monte Carlo")
struct MultilevelMonteCarloTests {
    static let option = try! EuropeanCallOption(spot: 100, strike: 105, rate: 0.05, volatility: 0.2, maturity: 1)
    static let euler = try! EuropeanCallLevelSampler(option: option, scheme: .euler)
    static let milstein = try! EuropeanCallLevelSampler(option: option, scheme: .milstein)

    /// The two-sided Student-t quantile at 1 − 10⁻³ for the regression's degrees of freedom.
    static func tQuantile(_ dof: Int) -> Double {
        StudentTDistribution.standardQuantile(1 - 0.0005, degreesOfFreedom: Double(dof))
    }

    @Test("measured rates match theory: α = 1, β = 1 (Euler) / 2 (Milstein), γ = 1",
          arguments: [(EuropeanCallLevelSampler.Scheme.euler, 1.0), (.milstein, 2.0)])
    func rates(scheme: EuropeanCallLevelSampler.Scheme, beta: Double) throws {
        let sampler = scheme == .euler ? Self.euler : Self.milstein
        let report = try MultilevelMonteCarlo(sampler: sampler)
            .run(samplesPerLevel: [Int](repeating: 20_000, count: 8), seed: 11)
        let fitted = report.levels.dropFirst()
        let rates = try MultilevelRates(levels: fitted.map(\.level), means: fitted.map(\.mean),
                                        variances: fitted.map(\.variance), costs: fitted.map(\.cost))
        let seAlpha = try #require(rates.alphaStandardError), seBeta = try #require(rates.betaStandardError)
        let t = Self.tQuantile(fitted.count - 2)
        #expect(abs(rates.alpha - 1) <= t * seAlpha, "α = \(rates.alpha) ± \(seAlpha)")
        #expect(abs(rates.beta - beta) <= t * seBeta, "β = \(rates.beta) ± \(seBeta)")
        #expect(abs(rates.gamma - 1) < 1e-12)
    }

    @Test("estimate at a target RMSE is within 5 SE plus the declared bias of Black–Scholes",
          arguments: [(EuropeanCallLevelSampler.Scheme.euler, 0.02), (.milstein, 0.01)])
    func targetRootMeanSquareError(scheme: EuropeanCallLevelSampler.Scheme, epsilon: Double) throws {
        let sampler = scheme == .euler ? Self.euler : Self.milstein
        let report = try MultilevelMonteCarlo(sampler: sampler).run(rootMeanSquareError: epsilon, seed: 3)
        let estimate = report.estimate
        let bias = try #require(report.biasBound)
        #expect(report.stopReason == .reachedTarget)
        #expect(estimate.variance <= epsilon * epsilon / 2)
        #expect(bias <= epsilon / 2.squareRoot())
        #expect(abs(estimate.value - Self.option.blackScholesPrice) <= 5 * estimate.standardError + bias,
                "\(estimate) vs \(Self.option.blackScholesPrice)")
        #expect(estimate.diagnostics.declaredBias != nil)
        #expect(estimate.diagnostics.figures["biasBound"] == bias)
        #expect(estimate.sampleCount == report.levels.reduce(0) { $0 + $1.samples })
    }

    /// Giles' theorem: the cost to reach ε is ≈ (2/ε²)(Σ_ℓ √(V_ℓ C_ℓ))². With β > γ (Milstein)
    /// the sum converges, so √(cost·ε²) tends to a constant: cost ∝ ε⁻². With β = γ (Euler) every
    /// level adds the same √(2 V_ℓ C_ℓ) and L grows by one per halving of ε (α = 1), so
    /// √(cost·ε²) = a + b·log₂(1/ε) with b = √(2 V_ℓ C_ℓ): cost ∝ ε⁻²(a + b log₂(1/ε))², the
    /// ε⁻²(log ε)² law with its lower-order term, which matters at these ε.
    @Test("cost to reach ε: ε⁻²(log ε)² for Euler (β = γ), ε⁻² for Milstein (β > γ)")
    func costScaling() throws {
        let epsilons = [0.08, 0.04, 0.02, 0.01]
        let x = epsilons.map { log2(1 / $0) }
        func runs(_ sampler: EuropeanCallLevelSampler) throws -> [MultilevelReport] {
            var result: [MultilevelReport] = []
            for (i, e) in epsilons.enumerated() {
                result.append(try MultilevelMonteCarlo(sampler: sampler).run(rootMeanSquareError: e, seed: 100 + UInt64(i)))
            }
            return result
        }
        func slope(_ x: [Double], _ y: [Double]) -> Double {
            let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
            var sxy = 0.0, sxx = 0.0
            for (a, b) in zip(x, y) {
                sxy += (a - mx) * (b - my)
                sxx += (a - mx) * (a - mx)
            }
            return sxy / sxx
        }
        let euler = try runs(Self.euler), milstein = try runs(Self.milstein)
        for report in euler + milstein { #expect(report.stopReason == .reachedTarget) }
        let eulerRoot = zip(euler, epsilons).map { ($0.totalCost * $1 * $1).squareRoot() }
        let milsteinRoot = zip(milstein, epsilons).map { ($0.totalCost * $1 * $1).squareRoot() }
        // Euler: b from the finest level's V_L C_L (constant in ℓ when β = γ).
        let finest = try #require(euler.last?.levels.last)
        let predicted = (2 * finest.variance * finest.cost).squareRoot()
        let eulerSlope = slope(x, eulerRoot), milsteinSlope = slope(x, milsteinRoot)
        // Tolerances: L is an integer (a level is added only when the bias test fails), so the
        // fitted b wobbles around the prediction; a factor of 2 either way.
        #expect(eulerSlope >= predicted / 2 && eulerSlope <= predicted * 2, "Euler: b = \(eulerSlope), predicted \(predicted)")
        #expect(abs(milsteinSlope) <= 0.1 * eulerSlope, "Milstein: b = \(milsteinSlope) (Euler \(eulerSlope))")
        // The log–log slopes: 2 for Milstein; above 2 for Euler, as (a + b log₂(1/ε))² predicts.
        let eulerPower = slope(x, euler.map { log2($0.totalCost) })
        let milsteinPower = slope(x, milstein.map { log2($0.totalCost) })
        let a = eulerRoot[0] - predicted * x[0]
        let predictedPower = 2 + 2 * log2((a + predicted * x[3]) / (a + predicted * x[0])) / (x[3] - x[0])
        #expect(abs(milsteinPower - 2) <= 0.1, "Milstein: cost ∝ ε^-\(milsteinPower)")
        #expect(eulerPower >= 2.1 && abs(eulerPower - predictedPower) <= 0.15,
                "Euler: cost ∝ ε^-\(eulerPower), predicted \(predictedPower)")
    }

    @Test("fineSample draws P_ℓ alone: the coupled sample's fine value from the same normals")
    func fineSample() {
        for sampler in [Self.euler, Self.milstein] {
            for level in [0, 1, 4] {
                var a = Xoshiro256PlusPlus(seed: 5), b = Xoshiro256PlusPlus(seed: 5)
                #expect(sampler.fineSample(level: level, using: &a) == sampler.sample(level: level, using: &b).fine)
            }
        }
    }

    @Test("the result depends on the seed, not on the thread count")
    func reproducible() throws {
        let one = try MultilevelMonteCarlo(sampler: Self.milstein, threadCount: 1).run(rootMeanSquareError: 0.05, seed: 9)
        let two = try MultilevelMonteCarlo(sampler: Self.milstein, threadCount: 2).run(rootMeanSquareError: 0.05, seed: 9)
        #expect(one == two)
        let other = try MultilevelMonteCarlo(sampler: Self.milstein, threadCount: 2).run(rootMeanSquareError: 0.05, seed: 10)
        #expect(other.estimate.value != one.estimate.value)
    }
}
