// mlmcbench: multilevel Monte Carlo against plain Monte Carlo on the finest level, at equal
// root-mean-square error, on the GBM European call with Euler time steps (release build; prints
// figures, asserts nothing).
//
// MLMC runs Giles' algorithm to --rmse (default 10⁻³) and reports its wall time and its work in
// time steps (a coupled sample at level ℓ costs 2^ℓ + 2^{ℓ−1}). Plain Monte Carlo on the same
// finest level L (so the same bias) needs N = Var(P_L)/(ε²/2) samples of 2^L steps each to meet
// the same variance budget; at ε = 10⁻³ that is hours of work, so it is *projected*: a timed
// run of --plain-samples fine-only paths gives the time per sample and Var(P_L), and
// N × (time per sample) the time. Both ratios (work and time) are reported; best of --repeats.
//
// Usage: mlmcbench [--json PATH (default benchmark-output/mlmcbench.json)] [--rmse E] [--repeats R (default 1)]
//                  [--plain-samples M (default 200000)] [--qmcpy-rmse E1,E2,… (default 0.02,0.01; "none" skips)]
//                  [--qmcpy-repeats N (default 3)]
//
// The QMCPy section (QMCPyComparison.swift) times our MLMC and QMCPy's CubMLMC on the geometric
// Asian call (Kemna–Vorst truth) at each ε, best of N on both sides, with every run's error.
import Dispatch
import Foundation
import BenchmarkSupport
import MonteCarlo

struct MultilevelBenchReport: Codable, Sendable {
    var benchmark = "mlmcbench"
    var problem: String
    var context: RunContext
    var rootMeanSquareError: Double
    var mlmcSeconds: Double
    var mlmcTimeSteps: Double
    var mlmcEstimate: Double
    var mlmcStandardError: Double
    var mlmcBiasBound: Double?
    var finestLevel: Int
    var levelSamples: [Int]
    var plainSamplesTimed: Int
    var plainSecondsPerSample: Double
    var plainVariance: Double
    var plainSamplesNeeded: Double
    var plainTimeStepsProjected: Double
    var plainSecondsProjected: Double
    var workRatio: Double
    var timeRatio: Double
    var truth: Double
    var qmcpy: [QMCPyComparison] = []
    var summary: [SummaryRow] = []
    var provenance = Provenance.current()
}

/// Plain Monte Carlo on level L alone: `count` Euler paths of 2^L steps; returns the moments of the payoff.
func plainFinest(_ sampler: EuropeanCallLevelSampler, level: Int, count: Int, seed: UInt64) -> RunningMoments {
    var generator = RandomStreams(seed: seed).stream(0)
    var moments = RunningMoments()
    for _ in 0..<count { moments.add(sampler.fineSample(level: level, using: &generator)) }
    return moments
}

let jsonPath = argument("--json") ?? "benchmark-output/mlmcbench.json"
let epsilon = argument("--rmse").flatMap(Double.init) ?? 1e-3
let repeats = max(1, argument("--repeats").flatMap(Int.init) ?? 1)
let plainCount = max(1000, argument("--plain-samples").flatMap(Int.init) ?? 200_000)

do {
    var context = RunContext.now()
    let option = try EuropeanCallOption(spot: 100, strike: 105, rate: 0.05, volatility: 0.2, maturity: 1)
    let sampler = try EuropeanCallLevelSampler(option: option, scheme: .euler)
    print("mlmcbench: GBM call (S0 = 100, K = 105, r = 0.05, σ = 0.2, T = 1), Euler steps, RMSE \(epsilon), "
        + "best of \(repeats); load average \(context.loadAverageBefore)")
    let (mlmcSeconds, report) = try bestOf(repeats) {
        // One thread, as the timed plain loop: the time ratio compares work, not cores.
        try MultilevelMonteCarlo(sampler: sampler, threadCount: 1).run(rootMeanSquareError: epsilon, seed: 2024)
    }
    let finest = report.levels.count - 1
    print(String(format: "  MLMC   %.4f ± %.2g (bias bound %.2g), L = %d, %.3g time steps, %.2f s",
                 report.estimate.value, report.estimate.standardError, report.biasBound ?? .nan, finest,
                 report.totalCost, mlmcSeconds))
    print("         samples per level \(report.levels.map(\.samples))")
    let (plainSeconds, moments) = bestOf(repeats) { plainFinest(sampler, level: finest, count: plainCount, seed: 7) }
    let perSample = plainSeconds / Double(plainCount)
    let needed = (moments.sampleVariance / (epsilon * epsilon / 2)).rounded(.up)
    let plainSteps = needed * Double(1 << finest)
    let plainProjected = needed * perSample
    let workRatio = plainSteps / report.totalCost, timeRatio = plainProjected / mlmcSeconds
    print(String(format: "  plain  level %d only: Var(P_L) = %.4g, %.3g samples needed, %.3g time steps, projected %.4g s "
                 + "(%.3g s per sample from %d timed samples)", finest, moments.sampleVariance, needed, plainSteps,
                 plainProjected, perSample, plainCount))
    print(String(format: "  ratio  work %.1f×, time %.1f× (target ≥ 10×)", workRatio, timeRatio))
    context.loadAverageAfter = loadAverage()
    let note = "plain projected from \(plainCount) timed level-\(finest) samples; MLMC \(String(format: "%.3g", mlmcSeconds)) s"
    let summary = [
        SummaryRow(benchmark: "mlmcbench", measure: "MLMC vs plain MC on the finest level, GBM Euler call, RMSE 10⁻³: work (time steps)",
                   value: workRatio, unit: "×", target: "≥ 10×", passed: workRatio >= 10, note: note),
        SummaryRow(benchmark: "mlmcbench", measure: "MLMC vs plain MC on the finest level, GBM Euler call, RMSE 10⁻³: time",
                   value: timeRatio, unit: "×", target: "≥ 10×", passed: timeRatio >= 10, note: note),
    ]
    let qmcpyEpsilons = (argument("--qmcpy-rmse") ?? "0.02,0.01").split(separator: ",").compactMap { Double($0) }
    let qmcpy = try compareWithQMCPy(epsilons: qmcpyEpsilons,
                                     repeats: max(1, argument("--qmcpy-repeats").flatMap(Int.init) ?? 3))
    try writeJSON(MultilevelBenchReport(
        problem: "GBM European call, Euler–Maruyama", context: context, rootMeanSquareError: epsilon,
        mlmcSeconds: mlmcSeconds, mlmcTimeSteps: report.totalCost, mlmcEstimate: report.estimate.value,
        mlmcStandardError: report.estimate.standardError, mlmcBiasBound: report.biasBound, finestLevel: finest,
        levelSamples: report.levels.map(\.samples), plainSamplesTimed: plainCount, plainSecondsPerSample: perSample,
        plainVariance: moments.sampleVariance, plainSamplesNeeded: needed, plainTimeStepsProjected: plainSteps,
        plainSecondsProjected: plainProjected, workRatio: workRatio, timeRatio: timeRatio,
        truth: option.blackScholesPrice, qmcpy: qmcpy, summary: summary), to: jsonPath)
    print("load average after: \(context.loadAverageAfter ?? "?"); JSON: \(jsonPath)")
} catch {
    print("mlmcbench: \(error)")
    exit(1)
}
