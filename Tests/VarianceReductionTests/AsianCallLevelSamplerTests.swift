import Foundation
import Testing
import MonteCarloCore
import StatisticalTesting
import VarianceReduction

/// The continuously averaged Asian call under MLMC: the geometric average against its
/// Kemna–Vorst closed form, and the level rates of both averages against theory.
@Suite("Multilevel Monte Carlo: Asian call")
struct AsianCallLevelSamplerTests {
    static let option = try! EuropeanCallOption(spot: 100, strike: 100, rate: 0.05, volatility: 0.2, maturity: 1)

    @Test("the Kemna–Vorst limit is the m → ∞ limit of the discretely monitored geometric price")
    func limit() throws {
        let sampler = try AsianCallLevelSampler(option: Self.option, scheme: .milstein, average: .geometric)
        let limit = try #require(sampler.limit)
        // The discrete formula's moments differ from the continuous ones by O(1/m).
        let discrete = try AsianCallOption(spot: 100, strike: 100, rate: 0.05, volatility: 0.2, maturity: 1,
                                           monitoringDates: 1_000_000).geometricPrice
        #expect(abs(limit - discrete) <= 1e-4 * limit, "\(limit) vs \(discrete)")
        #expect(try AsianCallLevelSampler(option: Self.option, scheme: .euler, average: .arithmetic).limit == nil)
    }

    @Test("geometric-average MLMC at a target RMSE is within 5 SE plus the declared bias of Kemna–Vorst",
          arguments: [(EuropeanCallLevelSampler.Scheme.euler, 0.02), (.milstein, 0.01)])
    func geometricAtTarget(scheme: EuropeanCallLevelSampler.Scheme, epsilon: Double) throws {
        let sampler = try AsianCallLevelSampler(option: Self.option, scheme: scheme, average: .geometric)
        let truth = try #require(sampler.limit)
        let report = try MultilevelMonteCarlo(sampler: sampler).run(rootMeanSquareError: epsilon, seed: 5)
        let bias = try #require(report.biasBound)
        #expect(report.stopReason == .reachedTarget)
        #expect(report.estimate.variance <= epsilon * epsilon / 2)
        #expect(abs(report.estimate.value - truth) <= 5 * report.estimate.standardError + bias,
                "\(report.estimate) vs \(truth)")
    }

    /// β = 2, α = 1, γ = 1 for Milstein, fitted over levels 1…7 with the regression's standard
    /// errors, at the Student-t quantile for 10⁻³ two-sided (as for the European call). Euler's
    /// asymptotic β = 1 is not tested here: at σ = 0.2 its strong-error term (∝ σ⁴h) overtakes the
    /// quadrature term (∝ σ²h²) only below h ≈ 2σ²/3, i.e. from level 6 on (see the type's doc),
    /// so a fit over levels 1…7 measures a pre-asymptotic β ≈ 1.6.
    @Test("measured Milstein rates match theory for both averages: α = 1, β = 2, γ = 1")
    func rates() throws {
        for average in AsianCallLevelSampler.Average.allCases {
            let sampler = try AsianCallLevelSampler(option: Self.option, scheme: .milstein, average: average)
            let report = try MultilevelMonteCarlo(sampler: sampler)
                .run(samplesPerLevel: [Int](repeating: 20_000, count: 8), seed: 7)
            let fitted = report.levels.dropFirst()
            let rates = try MultilevelRates(levels: fitted.map(\.level), means: fitted.map(\.mean),
                                            variances: fitted.map(\.variance), costs: fitted.map(\.cost))
            let seAlpha = try #require(rates.alphaStandardError), seBeta = try #require(rates.betaStandardError)
            let t = StudentTDistribution.standardQuantile(1 - 0.0005, degreesOfFreedom: Double(fitted.count - 2))
            #expect(abs(rates.alpha - 1) <= t * seAlpha, "\(average): α = \(rates.alpha) ± \(seAlpha)")
            #expect(abs(rates.beta - 2) <= t * seBeta, "\(average): β = \(rates.beta) ± \(seBeta)")
            #expect(abs(rates.gamma - 1) < 1e-12)
        }
    }

    @Test("bad input: a finest level out of range is a typed error")
    func badInput() {
        #expect(throws: MonteCarloError.self) {
            try AsianCallLevelSampler(option: Self.option, scheme: .milstein, average: .arithmetic, maximumLevel: 31)
        }
    }
}
