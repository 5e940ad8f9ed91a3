import BenchmarkSupport
import Foundation
import MonteCarlo

// Section 5: the cross-entropy method against plain Monte Carlo on P(Z > 5) (issue #17).

extension BenchmarkReport {
    /// CEM on P(Z > 5) and what plain Monte Carlo would need for the same relative error.
    struct RareEvent: Codable {
        var threshold: Double
        var truth: Double
        /// CEM draws: adaptation (iterations × pilot) plus the final importance-sampling draws.
        var cemDraws: Int
        var cemFinalDraws: Int
        var cemBestSeconds: Double
        var cemValue: Double
        var cemRelativeStandardError: Double
        /// |value − truth| ≤ 5 SE.
        var cemWithinFiveStandardErrors: Bool
        /// (1 − p)/(p r²): the plain draws for relative standard error r, from the closed form (not run).
        var plainDrawsForSameRelativeError: Double
        /// Plain Monte Carlo's measured seconds per draw on the same indicator, times those draws.
        var plainProjectedSeconds: Double
        var plainMeasuredDraws: Int
        var plainBestSeconds: Double
        /// plainDrawsForSameRelativeError / cemDraws.
        var drawRatio: Double
        /// plainProjectedSeconds / cemBestSeconds.
        var timeRatio: Double
        var targetDrawRatio = 1e4
        var passed: Bool
    }
}

extension MCBench {
    func benchmarkRareEvent() throws -> BenchmarkReport.RareEvent {
        let gamma = 5.0, finalDraws = 100_000, plainDraws = 10_000_000
        let truth = 0.5 * erfc(gamma / 2.squareRoot())
        print("\n5. Rare event P(Z > 5) = \(truth): cross-entropy method vs plain Monte Carlo at equal relative error")
        let cem = try CrossEntropyImportanceSampling(dimension: 1, threshold: gamma) { $0[0] }
        let driver = MonteCarloDriver(stoppingRule: .sampleCount(finalDraws))
        let plain = PlainMonteCarlo(sampler: NormalDistribution.standard, integrand: Integrand { $0 > gamma ? 1 : 0 })
        let plainDriver = MonteCarloDriver(stoppingRule: .sampleCount(plainDraws))
        var clocks = (cem: Stopwatch<CrossEntropyImportanceSampling<GaussianCrossEntropyFamily>.Result>(), plain: Stopwatch<Estimate>())
        for _ in 0..<repetitions {  // interleaved
            try clocks.cem.measure { try cem.run(driver: driver, seed: seed) }
            try clocks.plain.measure { try plainDriver.run(plain, seed: seed).estimate }
        }
        let result = clocks.cem.runs.result, estimate = result.estimate
        let cemDraws = result.fit.iterations * cem.pilotSize + finalDraws
        let relative = estimate.standardError / truth
        let needed = (1 - truth) / (truth * relative * relative)
        let projected = clocks.plain.runs.best / Double(plainDraws) * needed
        let drawRatio = needed / Double(cemDraws), timeRatio = projected / clocks.cem.runs.best
        let inside = abs(estimate.value - truth) <= 5 * estimate.standardError
        printTable(
            ["method", "draws", "best (s)", "estimate", "rel. SE"],
            [
                ["CEM (Gaussian mean shift, \(result.fit.iterations) iterations × \(cem.pilotSize) + \(finalDraws) final)",
                 "\(cemDraws)", String(format: "%.4f", clocks.cem.runs.best),
                 String(format: "%.5e ± %.2e", estimate.value, estimate.standardError), String(format: "%.4f", relative)],
                ["plain MC, measured throughput run", "\(plainDraws)", String(format: "%.4f", clocks.plain.runs.best),
                 String(format: "%.3e ± %.2e", clocks.plain.runs.result.value, clocks.plain.runs.result.standardError), "—"],
                ["plain MC at CEM's relative SE: (1 − p)/(p r²), closed form, NOT run", String(format: "%.3e", needed),
                 String(format: "%.0f (projected)", projected), "—", String(format: "%.4f", relative)],
            ])
        print(String(format: "  CEM within 5 SE of the truth: %@; plain needs %.3g× the draws (target ≥ 1e4×): %@; projected time ratio %.3g×",
                     inside ? "yes" : "NO", drawRatio, verdict(drawRatio >= 1e4 && inside), timeRatio))
        return .init(
            threshold: gamma, truth: truth, cemDraws: cemDraws, cemFinalDraws: finalDraws, cemBestSeconds: clocks.cem.runs.best,
            cemValue: estimate.value, cemRelativeStandardError: relative, cemWithinFiveStandardErrors: inside,
            plainDrawsForSameRelativeError: needed, plainProjectedSeconds: projected, plainMeasuredDraws: plainDraws,
            plainBestSeconds: clocks.plain.runs.best, drawRatio: drawRatio, timeRatio: timeRatio,
            passed: drawRatio >= 1e4 && inside)
    }
}
