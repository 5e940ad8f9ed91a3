// # Notebook 05 — Calibration: are the error bars honest?
//
//     swift build -c release --product notebook-calibration
//     .build/release/notebook-calibration [OUTPUT-FOLDER]        # NOTEBOOK_SCALE=0.2 for a quick look
//
// An estimate "μ̂ ± SE" makes three promises that one run cannot check but many runs can:
//
// 1. **coverage**: the 95% interval contains the truth in 95% of independent runs;
// 2. **variance**: the reported SE² is, on average, the variance the estimate actually has over
//    runs — the ratio of the empirical variance to the mean reported variance is about 1;
// 3. **no bias**: the estimates average to the truth (we measure the mean error in units of one
//    run's reported standard error).
//
// This notebook runs every estimator of the package R times on problems whose answers are known
// in closed form, and summarizes each with `CalibrationReport` from `StatisticalTesting`: the
// observed coverage against its Binomial(R, 0.95) acceptance region, the variance ratio against
// its χ²_{R−1} acceptance region, the mean bias against a t-test, each at a false-alarm
// probability of 10⁻³. A row passes when all three do.
//
// One row is meant to fail: self-normalized importance sampling with a proposal whose tails are
// too light for the target. Its error bars are not honest, and the point is that the calibration
// table catches it and that the estimator's own diagnostics warned in (almost) every run.
//
// Outputs, in the output folder: `report.md` (the calibration table) and `coverage.svg` (a bar
// chart of the coverage of each estimator with its acceptance band).

import Dispatch
import Foundation
import MonteCarlo
import NotebookSupport
import StatisticalTesting

// MARK: - Settings

// The output folder is the first argument, else $NOTEBOOK_OUTPUT, else
// notebook-output/05-calibration/. NOTEBOOK_SCALE multiplies the number of replications R
// (2000 at scale 1, at least 20): the sample size *within* a run is part of the question each
// row asks (is the normal interval good at n = 1000?), so it stays fixed, while R decides how
// small a miscalibration the checks can detect (their power grows like √R).
let settings = NotebookSettings.fromEnvironment(notebook: "05-calibration", scaled: "the number of replications R")
let clock = Stopwatch()
let replications = max(20, Int((2000 * settings.scale).rounded()))
let level = 0.95
let falseAlarm = 1e-3
print("Notebook 05 — calibration: \(replications) replications per estimator, scale \(settings.scale)")
print("writing to \(settings.outputDirectory.path)")

// MARK: - The problems

// Five problems with closed-form answers:
//
// - **E[e^U] = e − 1**, U ~ U(0, 1): smooth and monotone; the control is U (mean 1/2).
// - **A European call** under geometric Brownian motion (S₀ = 100, K = 105, r = 5%, σ = 20%,
//   T = 1), driven by Z ~ N(0, 1): a skewed payoff with a kink, priced by Black–Scholes; the
//   control is the discounted terminal price, whose mean is S₀.
// - **A 5-d smooth product**, E[exp(u₁ + u₂/2 + … + u₅/5)] = ∏ j (e^(1/j) − 1), for RQMC with few
//   randomizations (a Student-t interval with 7 degrees of freedom).
// - **P(X > 3) = Φ̄(3)** for X ~ N(0, 1), by importance sampling from N(3, 1).
// - **E[X²] = 1** for X ~ N(0, 1), by importance sampling from the wider N(0.5, 1.5²).
//
// Every row is an estimator, a problem and a sample size n per run (integrand evaluations).
let rows = try Calibration.rows()

// MARK: - The replications

// Row k uses seed 2024 + k; replication r of a row draws from random stream r of that seed
// (`replicate(_:seed:_:)` hands each replication its own generator), so every number below is
// reproducible and the replications are independent. Each replication runs the estimator once
// on its generator; rows run in parallel on all cores.
let outcomes = try Calibration.run(rows, replications: replications, level: level, falseAlarmProbability: falseAlarm)
for outcome in outcomes {
    let verdict = outcome.report.passed ? "pass" : "FAIL"
    print("  \(outcome.row.label) — \(outcome.row.problem): coverage \(Fmt.percent(outcome.report.observedCoverage)), "
          + "variance ratio \(Fmt.short(outcome.report.varianceRatio)), \(verdict) (\(Fmt.fixed(outcome.seconds, 2)) s)")
}

// MARK: - The chart

// Coverage per estimator: the bar ends at the observed coverage, the whisker is its Wilson 95%
// interval, the green band is the acceptance region of the coverage check (the observed
// coverage must fall inside it), and the dashed line is the nominal 95%. Bars of failing rows
// are red.
let chart = Calibration.coverageChart(outcomes, replications: replications, level: level, falseAlarm: falseAlarm)
let chartPath = settings.write(chart, to: "coverage.svg")
print("  wrote \(chartPath)")

// MARK: - The report

// The calibration table, one row per estimator, then how to read it.
let honest = outcomes.filter { $0.row.expectedToPass }
let honestPassed = honest.filter { $0.report.passed }.count
let poor = outcomes.filter { !$0.row.expectedToPass }
var report = """
    # Notebook 05 — Calibration of the error bars

    Every estimator of the package, run R = \(replications) times with independent random streams on
    problems with closed-form answers. Each row is one `CalibrationReport` (module
    `StatisticalTesting`): coverage of the \(Fmt.percent(level)) intervals, the ratio of the empirical
    variance of the R estimates to the mean reported variance, and the mean error in units of one
    run's standard error, each with its acceptance region at false-alarm probability
    \(falseAlarm) (so an honest row fails by chance with probability at most
    \(3 * falseAlarm)).

    ![coverage of 95% intervals](coverage.svg)

    \(Calibration.table(outcomes))

    **Result:** \(honestPassed) of \(honest.count) estimators pass all three checks. \
    \(poor.map { Calibration.poorRowSentence($0) }.joined(separator: " "))

    ## Columns

    - **n**: integrand evaluations per run (antithetic: n/2 pairs; RQMC: shifts × points).
    - **interval**: normal, or Student-t with the estimator's degrees of freedom (RQMC: shifts − 1;
      OLS control variates: n − p − 1).
    - **coverage**: fraction of the R intervals containing the truth; **accepted**: the central
      Binomial(R, \(level)) region at false-alarm probability \(falseAlarm).
    - **var ratio**: empirical variance of the R estimates / mean reported variance (1 when the
      error bars are honest; 4 when they are half as wide as they should be); **accepted**: the
      χ²_{R−1}/(R − 1) region.
    - **bias (SE)**: (mean estimate − truth) / √(mean reported variance), tested by a t-test.
    - **RMS z**: root mean square of (estimate − truth)/SE over the runs; about 1 when honest with
      a normal interval, and about √(ν/(ν − 2)) with a t-interval of ν degrees of freedom (1.18 for
      ν = 7, 1.07 for ν = 15), since the SE is then itself estimated from few randomizations.
    - **warned**: fraction of runs whose estimate carried a warning in its diagnostics.
    - **declared bias**: whether the estimator declares a known O(1/n) bias (ratio estimators,
      coefficients fitted on the averaged draws); for the honest rows the bias column shows it is
      negligible at these n.

    ## Reading the table

    \(Calibration.discussion(outcomes, falseAlarm: falseAlarm))

    Run time: \(Fmt.fixed(clock.seconds, 1)) s at NOTEBOOK_SCALE = \(settings.scale).
    """
let reportPath = settings.write(report + "\n", to: "report.md")
print("  wrote \(reportPath)")
print("\(honestPassed) of \(honest.count) honest estimators pass; done in \(Fmt.fixed(clock.seconds, 1)) s")

// MARK: - The machinery (below the story)

/// Rows, runs, table and chart.
enum Calibration {
    /// One estimator on one problem with a fixed n per run.
    struct Row: Sendable {
        let label: String
        let problem: String
        let evaluations: Int
        let truth: Double
        let expectedToPass: Bool
        /// One run of the estimator on the replication's generator.
        let estimate: @Sendable (inout Xoshiro256PlusPlus) throws(MonteCarloError) -> Estimate
    }

    struct Outcome: Sendable {
        let row: Row
        let report: CalibrationReport
        let warnedFraction: Double
        let interval: String
        let declaresBias: Bool
        let seconds: Double
    }

    /// Runs an estimator once for `samples` samples on `generator` (one block, one thread).
    static func runOnce<E: MonteCarloEstimator>(_ estimator: E, samples: Int,
                                                using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) -> E.Output {
        var state = estimator.makeState()
        try estimator.accumulate(samples, firstIndex: 0, into: &state, using: &generator)
        return try estimator.estimate(from: state)
    }

    /// A row from an estimator and its number of samples per run.
    static func row<E: MonteCarloEstimator>(_ label: String, _ problem: String, truth: Double, _ estimator: E,
                                            samples: Int, expectedToPass: Bool = true) -> Row where E.Output == Estimate {
        Row(label: label, problem: problem, evaluations: samples * estimator.evaluationsPerSample, truth: truth,
            expectedToPass: expectedToPass,
            estimate: { generator throws(MonteCarloError) in try runOnce(estimator, samples: samples, using: &generator) })
    }

    static func rows() throws(MonteCarloError) -> [Row] {
        // E[e^U] = e − 1.
        let exponential = Integrand<Double> { exp($0) }
        let uniform = UniformDistribution.unit
        let identity = try VectorIntegrand<Double>(outputDimension: 1) { [$0] }
        let eU = "E[e^U]"
        let e1 = M_E - 1
        func controlVariate(_ fitting: ControlVariateMonteCarlo<UniformDistribution>.CoefficientFitting)
            throws(MonteCarloError) -> ControlVariateMonteCarlo<UniformDistribution> {
            try ControlVariateMonteCarlo(sampler: uniform, integrand: exponential, controls: identity,
                                         controlMeans: [0.5], fitting: fitting)
        }

        // The European call: payoff of Z ~ N(0, 1); control e^(−rT) S_T with mean S₀.
        let option = try EuropeanCallOption(spot: 100, strike: 105, rate: 0.05, volatility: 0.2, maturity: 1)
        let call = "European call"
        let payoff = Integrand<Double> { option.discountedPayoff($0) }
        let discountedTerminal = try VectorIntegrand<Double>(outputDimension: 1) { z in
            [option.spot * exp(-0.5 * option.volatility * option.volatility * option.maturity
                               + option.volatility * option.maturity.squareRoot() * z)]
        }
        let normal = NormalDistribution.standard

        // The 5-d product.
        let cube = try UnitCube(dimension: 5)
        let product = Integrand<[Double]> { u in exp(u[0] + u[1] / 2 + u[2] / 3 + u[3] / 4 + u[4] / 5) }
        let productTruth = (1...5).reduce(1.0) { $0 * Double($1) * (exp(1 / Double($1)) - 1) }
        let product5 = "5-d product"

        // Importance sampling.
        let shifted = try NormalDistribution(mean: 3, standardDeviation: 1)
        let wide = try NormalDistribution(mean: 0.5, standardDeviation: 1.5)
        let tail = Integrand<Double> { $0 > 3 ? 1 : 0 }
        let square = Integrand<Double> { $0 * $0 }
        let tailTruth = NormalDistribution.standardCumulativeProbability(-3)

        return [
            row("plain", eU, truth: e1, PlainMonteCarlo(sampler: uniform, integrand: exponential), samples: 1000),
            row("antithetic", eU, truth: e1, AntitheticMonteCarlo(sampler: uniform, integrand: exponential), samples: 500),
            row("control variate, cross-fitted", eU, truth: e1, try controlVariate(.crossFitted(folds: 2)), samples: 1000),
            row("control variate, pilot 20%", eU, truth: e1, try controlVariate(.pilot(fraction: 0.2)), samples: 1000),
            row("control variate, OLS", eU, truth: e1, try controlVariate(.ordinaryLeastSquares), samples: 1000),
            row("RQMC Sobol (16 × 64)", eU, truth: e1,
                try RandomizedQuasiMonteCarlo(sampler: uniform, integrand: exponential, sequence: .sobol,
                                              pointsPerReplicate: 64), samples: 16),
            row("RQMC Halton (16 × 64)", eU, truth: e1,
                try RandomizedQuasiMonteCarlo(sampler: uniform, integrand: exponential, sequence: .halton,
                                              pointsPerReplicate: 64), samples: 16),

            row("plain", call, truth: option.blackScholesPrice, PlainMonteCarlo(sampler: normal, integrand: payoff),
                samples: 2000),
            row("antithetic", call, truth: option.blackScholesPrice,
                AntitheticMonteCarlo(sampler: normal, integrand: payoff), samples: 1000),
            row("control variate, cross-fitted", call, truth: option.blackScholesPrice,
                try ControlVariateMonteCarlo(sampler: normal, integrand: payoff, controls: discountedTerminal,
                                             controlMeans: [option.spot], fitting: .crossFitted(folds: 2)),
                samples: 2000),
            row("control variate, OLS", call, truth: option.blackScholesPrice,
                try ControlVariateMonteCarlo(sampler: normal, integrand: payoff, controls: discountedTerminal,
                                             controlMeans: [option.spot], fitting: .ordinaryLeastSquares),
                samples: 2000),
            row("RQMC Sobol (16 × 128)", call, truth: option.blackScholesPrice,
                try RandomizedQuasiMonteCarlo(sampler: normal, integrand: payoff, sequence: .sobol,
                                              pointsPerReplicate: 128), samples: 16),

            row("RQMC Sobol (8 × 128)", product5, truth: productTruth,
                try RandomizedQuasiMonteCarlo(sampler: cube, integrand: product, sequence: .sobol,
                                              pointsPerReplicate: 128), samples: 8),
            row("RQMC Halton (8 × 128)", product5, truth: productTruth,
                try RandomizedQuasiMonteCarlo(sampler: cube, integrand: product, sequence: .halton,
                                              pointsPerReplicate: 128), samples: 8),

            row("IS standard, q = N(3, 1)", "P(X > 3)", truth: tailTruth,
                ImportanceSampling(target: normal, proposal: shifted, integrand: tail), samples: 1000),
            row("IS standard, q = N(0.5, 1.5²)", "E[X²]", truth: 1,
                ImportanceSampling(target: normal, proposal: wide, integrand: square), samples: 2000),
            row("IS self-normalized, q = N(0.5, 1.5²)", "E[X²]", truth: 1,
                ImportanceSampling(target: normal, proposal: wide, integrand: square, normalization: .selfNormalized),
                samples: 2000),
            row("IS self-normalized, q = N(3, 1) (poor)", "P(X > 3)", truth: tailTruth,
                ImportanceSampling(target: normal, proposal: shifted, integrand: tail, normalization: .selfNormalized),
                samples: 1000, expectedToPass: false),
        ]
    }

    /// Runs every row's replications (rows in parallel) and returns the outcomes in row order.
    static func run(_ rows: [Row], replications: Int, level: Double,
                    falseAlarmProbability: Double) throws(MonteCarloError) -> [Outcome] {
        let results = ResultSlots<Outcome>(count: rows.count)
        DispatchQueue.concurrentPerform(iterations: rows.count) { k in
            let row = rows[k]
            let clock = Stopwatch()
            do throws(MonteCarloError) {
                let estimates = try replicate(replications, seed: 2024 + UInt64(k)) { _, generator throws(MonteCarloError) in
                    try row.estimate(&generator)
                }
                let report = try CalibrationReport(estimates: estimates, truth: row.truth, level: level,
                                                   falseAlarmProbability: falseAlarmProbability)
                let warned = Double(estimates.filter { !$0.diagnostics.warnings.isEmpty }.count) / Double(estimates.count)
                let interval = estimates[0].degreesOfFreedom.map { "t, \(Int($0)) df" } ?? "normal"
                results.store(.success(Outcome(
                    row: row, report: report, warnedFraction: warned, interval: interval,
                    declaresBias: estimates[0].diagnostics.declaredBias != nil, seconds: clock.seconds)), at: k)
            } catch {
                results.store(.failure(error), at: k)
            }
        }
        return try results.collect()
    }

    // MARK: Output

    static func table(_ outcomes: [Outcome]) -> String {
        let header = ["estimator", "problem", "n", "interval", "coverage", "accepted", "var ratio", "accepted",
                      "bias (SE)", "RMS z", "warned", "declared bias", "result"]
        let rows = outcomes.map { o -> [String] in
            let r = o.report
            let verdict = r.passed ? "pass" : "**FAIL**"
            return [
                o.row.label, o.row.problem, "\(o.row.evaluations)", o.interval,
                Fmt.percent(r.observedCoverage),
                "\(Fmt.percent(r.coverage.lowerBound))–\(Fmt.percent(r.coverage.upperBound))",
                Fmt.short(r.varianceRatio),
                "\(Fmt.short(r.varianceCalibration.lowerBound))–\(Fmt.short(r.varianceCalibration.upperBound))",
                String(format: "%+.3f", r.meanBiasInStandardErrors).replacingOccurrences(of: "-", with: "−"),
                Fmt.short(r.rootMeanSquareZ),
                Fmt.percent(o.warnedFraction),
                o.declaresBias ? "O(1/n)" : "none",
                o.row.expectedToPass ? verdict : "\(verdict) (expected)",
            ]
        }
        return markdownTable(header, rows, align: ["l", "l", "r", "l", "r", "r", "r", "r", "r", "r", "r", "l", "l"])
    }

    static func poorRowSentence(_ o: Outcome) -> String {
        let r = o.report
        return "The deliberately poor row (\(o.row.label)) \(r.passed ? "passes — by luck at this R" : "fails, as it should"): "
            + "coverage \(Fmt.percent(r.observedCoverage)), variance ratio \(Fmt.short(r.varianceRatio)) "
            + "(its error bars are about \(Fmt.short(r.varianceRatio.squareRoot()))× too narrow), and "
            + "\(Fmt.percent(o.warnedFraction)) of its runs carried a warning from the estimator's own diagnostics."
    }

    static func discussion(_ outcomes: [Outcome], falseAlarm: Double) -> String {
        let honest = outcomes.filter(\.row.expectedToPass)
        let coverages = honest.map(\.report.observedCoverage)
        let ratios = honest.map(\.report.varianceRatio)
        let failures = honest.filter { !$0.report.passed }
        let declaredBiasSize = honest.filter(\.declaresBias).map { abs($0.report.meanBiasInStandardErrors) }.max() ?? 0
        var text = """
            The honest estimators cover between \(Fmt.percent(coverages.min() ?? .nan)) and \
            \(Fmt.percent(coverages.max() ?? .nan)) and their variance ratios lie between \
            \(Fmt.short(ratios.min() ?? .nan)) and \(Fmt.short(ratios.max() ?? .nan)): each one's standard \
            error measures its own variability, whether it comes from i.i.d. draws (plain, importance \
            sampling), from pair means (antithetic: the two halves of a pair are not independent and are \
            never treated as such), from residuals at a coefficient fitted on other data (cross-fitted \
            and pilot control variates), from a regression formula with a t-interval (OLS), or from a \
            handful of independent randomizations (RQMC: 8 or 16, hence t-intervals with 7 or 15 degrees \
            of freedom — a normal interval there would undercover). The honest estimators that declare an \
            O(1/n) bias (OLS control variates, self-normalized importance sampling) show none that matters \
            at these n: their mean errors are at most \(Fmt.fixed(declaredBiasSize, 3)) standard errors.
            """
        if !failures.isEmpty {
            text += "\n\n" + """
                Rows that failed although expected to pass: \(failures.map { "\($0.row.label) on \($0.row.problem)" }.joined(separator: "; ")). \
                With \(honest.count) rows and a false-alarm probability of at most \(3 * falseAlarm) each, a \
                spurious failure somewhere has probability up to \(Fmt.percent(Double(honest.count) * 3 * falseAlarm)); \
                rerun with a larger NOTEBOOK_SCALE before suspecting the estimator.
                """
        }
        if let poor = outcomes.first(where: { !$0.row.expectedToPass }) {
            text += "\n\n" + """
                The last row shows what a miscalibrated estimator looks like. Self-normalized importance \
                sampling of P(X > 3) from N(3, 1) divides by Σw, and the weights w = φ(x)/φ(x − 3) are \
                lognormal with E_q[w²] = e⁹ ≈ 8100 under the proposal: Σw is ruled by draws too rare to \
                appear in a run of \(poor.row.evaluations), so runs underestimate both the normalizer's \
                variability and the error bar. The table sees it in coverage and in the variance ratio; the \
                estimator saw it too, and said so in \(Fmt.percent(poor.warnedFraction)) of the runs (Pareto \
                k̂ ≥ 0.7 or Kish's ESS below 1% of n). The same proposal is excellent for the *standard* \
                estimator of the same probability, which multiplies w by the indicator and so never sees the \
                large weights.
                """
        }
        return text
    }

    /// The bar chart of coverage with acceptance bands.
    static func coverageChart(_ outcomes: [Outcome], replications: Int, level: Double, falseAlarm: Double) -> String {
        // The axis starts a little below the lowest honest row (or acceptance bound), so that the
        // honest rows stay readable; a row further left is drawn as an off-scale arrow.
        let lowest = outcomes.filter(\.row.expectedToPass)
            .map { min($0.report.observedCoverage, $0.report.coverage.lowerBound) }.min() ?? 0.9
        let left = min(0.9, floor((lowest - 0.015) * 100) / 100)
        let highest = outcomes.map { o -> Double in
            let r = o.report
            let whisker = wilsonInterval(successes: r.observedCoverage * Double(replications), trials: replications)
            return max(whisker.upperBound, r.coverage.upperBound)
        }.max() ?? 1
        let right = min(1, ceil((highest + 0.01) * 100) / 100)
        let bars = outcomes.map { o -> HorizontalBarChart.Bar in
            let r = o.report
            return HorizontalBarChart.Bar(
                label: "\(o.row.label) — \(o.row.problem)", value: r.observedCoverage,
                color: r.passed ? Palette.blue : Palette.vermillion,
                whisker: wilsonInterval(successes: r.observedCoverage * Double(replications), trials: replications),
                band: r.coverage.lowerBound...r.coverage.upperBound,
                annotation: "\(Fmt.percent(r.observedCoverage)) \(r.passed ? "pass" : "FAIL")")
        }
        var chart = HorizontalBarChart(
            title: "Coverage of \(Fmt.fixed(100 * level, 0))% confidence intervals",
            subtitle: "\(replications) replications per estimator; the axis starts at \(Fmt.fixed(100 * left, 0))%",
            xAxis: PlotAxis(label: "observed coverage", scale: .linear, range: left...right,
                            tickFormat: { String(format: "%.0f%%", 100 * $0) }),
            bars: bars, reference: (level, "nominal"))
        chart.legend = [
            LinePlot.LegendEntry(label: "pass", color: Palette.blue, line: .none),
            LinePlot.LegendEntry(label: "fail", color: Palette.vermillion, line: .none),
            LinePlot.LegendEntry(label: "acceptance region (Binomial, false-alarm probability \(falseAlarm))",
                                 color: "#2ca02c", line: .none, band: true),
            LinePlot.LegendEntry(label: "nominal \(Fmt.fixed(100 * level, 0))%", color: "#111", line: .dashed),
            LinePlot.LegendEntry(label: "whisker: Wilson 95% interval", color: "#222", line: .solid),
        ]
        return chart.svg()
    }

    /// The Wilson score interval for a binomial proportion at 95%.
    static func wilsonInterval(successes: Double, trials: Int) -> ClosedRange<Double> {
        let n = Double(trials), p = successes / n, z = 1.959963984540054
        let centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        let half = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / (1 + z * z / n)
        return max(0, centre - half)...min(1, centre + half)
    }
}

/// Results written by parallel workers into distinct slots, read after all of them finished.
final class ResultSlots<Value: Sendable>: @unchecked Sendable {
    private var slots: [Result<Value, MonteCarloError>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ result: Result<Value, MonteCarloError>, at index: Int) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    func collect() throws(MonteCarloError) -> [Value] {
        lock.lock()
        defer { lock.unlock() }
        var values: [Value] = []
        for slot in slots {
            switch slot {
            case .success(let value)?: values.append(value)
            case .failure(let error)?: throw error
            case nil: preconditionFailure("a row produced no result")
            }
        }
        return values
    }
}
