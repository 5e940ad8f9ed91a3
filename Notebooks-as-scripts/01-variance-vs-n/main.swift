// # Notebook 01 — Variance versus sample size
//
//     swift build -c release --product notebook-variance-vs-n
//     .build/release/notebook-variance-vs-n [OUTPUT-FOLDER]        # NOTEBOOK_SCALE=0.1 for a quick look
//
// Every Monte Carlo estimator in this package reports "value ± standard error". This notebook
// asks how that error shrinks as the number of integrand evaluations n grows, for four ways of
// spending the same n:
//
// - **plain Monte Carlo**: the sample mean of n independent draws;
// - **antithetic pairs**: n/2 pairs (u, 1 − u);
// - **control variates**: the sample mean corrected by a regression on functions with known
//   means, the coefficient fitted by 2-fold cross-fitting (so the estimate stays unbiased);
// - **randomized quasi-Monte Carlo (RQMC)**: 16 independent random digital shifts of a Sobol
//   point set of n/16 points.
//
// The first three are "Monte Carlo type": their variance is σ²_eff / n for some effective
// per-draw variance, so on log–log axes variance against n is a straight line of slope −1, and
// the methods differ only by a vertical shift, the variance-reduction factor. RQMC is different:
// for a smooth integrand the error of a well-spread point set falls faster than n^(−1/2), so its
// line is steeper, and the gain over plain Monte Carlo grows with n.
//
// We measure all of this rather than trust it. For each method and each n we repeat the whole
// estimate R = 200 times with independent seeds and plot the *empirical* variance of the R
// values, with a 95% band, next to the *reported* variance (the mean of the R squared standard
// errors). If the two agree, the error bars are honest; the slope of the line is the rate.
//
// Outputs, in the output folder: `report.md` (the tables below) and one SVG plot per problem.

import Foundation
import MonteCarlo
import NotebookSupport

// MARK: - Settings

// The output folder is the first argument, else $NOTEBOOK_OUTPUT, else
// notebook-output/01-variance-vs-n/. NOTEBOOK_SCALE multiplies every sample size n (rounded to a
// power of two, at least 32, so that the RQMC point sets stay Sobol-friendly); the number of
// replications R stays 200, so the error bands keep their width. At scale 1 the notebook runs in
// well under a minute on two cores in a release build.
let settings = NotebookSettings.fromEnvironment(notebook: "01-variance-vs-n")
let clock = Stopwatch()
let replications = 200
let rqmcShifts = 16
let sampleSizes = Study.sampleSizes(scale: settings.scale)
print("Notebook 01 — variance vs n: n ∈ \(sampleSizes.map(String.init).joined(separator: ", ")), "
      + "\(replications) replications, scale \(settings.scale)")
print("writing to \(settings.outputDirectory.path)")

// MARK: - The integrands

// Two smooth integrands on the unit cube, both with closed-form means.
//
// **1-d: E[e^U], U ~ U(0, 1) = e − 1.** The textbook example. e^u is increasing, so the antithetic
// pair (u, 1 − u) is negatively correlated (the variance-reduction factor is about 31); the
// control is u itself, with known mean 1/2 (the factor is about 60, since e^u is nearly linear).
//
// **5-d: a smooth product, E[exp(u₁ + u₂/2 + u₃/3 + u₄/4 + u₅/5)] = ∏ⱼ j (e^(1/j) − 1).** The
// integrand is a product of one-dimensional exponentials with decreasing weights, the kind of
// function whose "effective dimension" is low and on which quasi-Monte Carlo shines. The controls
// are the five coordinates uⱼ, each with mean 1/2.
let problems = try [Study.Problem.exponential1D(), Study.Problem.product5D()]

// MARK: - The experiment

// For each problem, method and n: R replications with seeds fixed by (problem, method, n, r), so
// that every number in the report is reproducible and the replications are independent. Each
// replication runs through the package's driver (`run(samples:seed:)`), on all cores.
var results: [String: [Study.Method: [Study.Measurement]]] = [:]
for problem in problems {
    var byMethod: [Study.Method: [Study.Measurement]] = [:]
    for method in Study.Method.allCases {
        let methodClock = Stopwatch()
        byMethod[method] = try sampleSizes.map { n throws(MonteCarloError) in
            try Study.measure(method, on: problem, evaluations: n, replications: replications, shifts: rqmcShifts)
        }
        print("  \(problem.slug) \(method.rawValue): \(Fmt.fixed(methodClock.seconds, 2)) s")
    }
    results[problem.slug] = byMethod
}

// MARK: - Rates

// The slope of log variance against log n, by least squares over the grid, with its standard
// error from the regression residuals. Theory: −1 for the three Monte Carlo-type methods. For
// RQMC with a random digital shift, −2 in one dimension: the first 2^m Sobol points in 1-d are the
// grid k/2^m, and a digital shift turns it into a randomly shifted grid, a midpoint-like rule
// whose error is O(1/n) with a random sign, hence variance O(n⁻²). (GSL's sequence skips the
// origin, so one of the 2^m points sits in the cell next to its grid cell instead: that changes
// the error by O(n⁻²) only.) In s dimensions the bound
// for a digitally shifted net and a function of bounded variation is O(n⁻² (log n)^(2s)); the
// log factors are a worst case, and an integrand of low effective dimension like ours shows
// essentially −2 already. (Owen's scrambling would gain a further n⁻¹ for smooth functions; the
// package randomizes by digital shifts only.)
var slopeRows: [[String]] = []
var slopes: [String: [Study.Method: (slope: Double, standardError: Double)]] = [:]
for problem in problems {
    for method in Study.Method.allCases {
        let fit = Study.logLogSlope(results[problem.slug]![method]!)
        slopes[problem.slug, default: [:]][method] = fit
        slopeRows.append([problem.shortName, method.rawValue,
                          "\(Fmt.signed(fit.slope, 2)) ± \(Fmt.fixed(fit.standardError, 2))",
                          method.theoreticalSlope(dimension: problem.dimension)])
    }
}

// MARK: - Plots

// One log–log plot per problem. Filled markers and solid lines: the empirical variance over R
// replications, with its 95% band (from the χ² distribution of a sample variance). Open
// circles: the mean reported variance, what a user sees from a single run. Reference lines:
// slope −1 (dashed grey) through the first plain point, slope −2 (dotted black) through the
// first RQMC point.
for problem in problems {
    let svg = Study.plot(problem: problem, results: results[problem.slug]!, replications: replications)
    let path = settings.write(svg, to: "variance-vs-n-\(problem.slug).svg")
    print("  wrote \(path)")
}

// MARK: - Report

// The Markdown report: the setup, one table per problem (empirical variance and the ratio of
// reported to empirical variance), the fitted slopes and the variance-reduction factors at the
// largest n.
var report: [String] = []
report.append("""
    # Notebook 01 — Variance versus sample size

    How fast does the variance of an estimate fall with the number of integrand evaluations n?
    Four estimators share each budget of n evaluations: plain Monte Carlo, antithetic pairs,
    control variates (2-fold cross-fitted β) and randomized quasi-Monte Carlo (\(rqmcShifts) random
    digital shifts of a Sobol set of n/\(rqmcShifts) points). Each (method, n) is repeated R =
    \(replications) times with independent seeds: *empirical variance* is the sample variance of the
    R estimates (95% interval from χ²_{R−1}); *reported/empirical* is the mean of the R reported
    variances divided by it (1 for honest error bars; under honest bars each cell falls in
    \(Fmt.fixed(1 / Study.ratioBand(replications).upper, 2))–\(Fmt.fixed(1 / Study.ratioBand(replications).lower, 2)) with probability 95%).

    Sample sizes n: \(sampleSizes.map(String.init).joined(separator: ", ")) (NOTEBOOK_SCALE = \(settings.scale)).

    """)
for problem in problems {
    let byMethod = results[problem.slug]!
    var header = ["n"]
    for method in Study.Method.allCases { header += ["\(method.rawValue) var", "rep/emp"] }
    var rows: [[String]] = []
    for (i, n) in sampleSizes.enumerated() {
        var row = ["\(n)"]
        for method in Study.Method.allCases {
            let m = byMethod[method]![i]
            row += [Fmt.sci(m.empiricalVariance), Fmt.fixed(m.meanReportedVariance / m.empiricalVariance, 2)]
        }
        rows.append(row)
    }
    report.append("""
        ## \(problem.title)

        Truth: \(problem.truthFormula) = \(String(format: "%.10f", problem.truth)). \(problem.controlDescription)

        ![variance vs n, \(problem.shortName)](variance-vs-n-\(problem.slug).svg)

        \(markdownTable(header, rows))

        """)
}
report.append("""
    ## Rates: fitted slopes of log variance against log n

    \(markdownTable(["problem", "method", "fitted slope ± SE", "theory"], slopeRows, align: ["l", "l", "r", "l"]))

    ## Variance-reduction factors at the largest n (empirical variance of plain / of the method)

    """)
var factorRows: [[String]] = []
for problem in problems {
    let byMethod = results[problem.slug]!
    let plain = byMethod[.plain]!.last!.empiricalVariance
    var row = [problem.shortName, "\(sampleSizes.last!)"]
    for method in Study.Method.allCases where method != .plain {
        let m = byMethod[method]!.last!
        row.append("\(Fmt.short(plain / m.empiricalVariance)) (reported: \(Fmt.short(m.meanReportedFactor)))")
    }
    factorRows.append(row)
}
report.append(markdownTable(["problem", "n"] + Study.Method.allCases.dropFirst().map(\.rawValue), factorRows))
report.append("""

    The "reported" factor is the estimator's own variance-reduction factor (ESS/n from the same
    draws), averaged over the R replications; for RQMC it compares with plain Monte Carlo at the same n,
    so it grows with n.

    ## What the plots say

    \(Study.conclusions(problems: problems, slopes: slopes, results: results, replications: replications,
                        shifts: rqmcShifts))

    *Next:* Stein-kernel control variates (control functionals), which build controls from the
    score ∇log π instead of needing functions with known means, are coming in a later issue; they
    will join this notebook as a fifth line, with a rate that can beat −1 for smooth integrands.

    Run time: \(Fmt.fixed(clock.seconds, 1)) s at NOTEBOOK_SCALE = \(settings.scale).
    """)
let reportPath = settings.write(report.joined(separator: "\n"), to: "report.md")
print("  wrote \(reportPath)")
print("done in \(Fmt.fixed(clock.seconds, 1)) s")

// MARK: - The machinery (below the story)

/// The experiment's parts: problems, methods, measurements, fits and the plot.
enum Study {
    /// A smooth integrand on the unit cube with a closed-form mean and controls with known means.
    struct Problem: Sendable {
        let slug: String
        let title: String
        let shortName: String
        let truthFormula: String
        let controlDescription: String
        let dimension: Int
        let truth: Double
        let integrand: Integrand<[Double]>
        let controls: VectorIntegrand<[Double]>
        let controlMeans: [Double]

        static func exponential1D() throws -> Problem {
            try Problem(
                slug: "1d", title: "1-d: E[e^U], U ~ U(0, 1)", shortName: "1-d e^U", truthFormula: "e − 1",
                controlDescription: "Antithetic pairs (u, 1 − u); control variate u (mean 1/2).",
                dimension: 1, truth: M_E - 1,
                integrand: Integrand(batch: { points, values in
                    for i in points.indices { values[i] = exp(points[i][0]) }
                }),
                controls: VectorIntegrand(outputDimension: 1, batch: { points, values in
                    for i in points.indices { values[i] = points[i][0] }
                }),
                controlMeans: [0.5])
        }

        static func product5D() throws -> Problem {
            // E[e^(u/j)] = j (e^(1/j) − 1) for u ~ U(0, 1); the coordinates are independent.
            let truth = (1...5).reduce(1.0) { $0 * Double($1) * (exp(1 / Double($1)) - 1) }
            return try Problem(
                slug: "5d", title: "5-d: E[exp(u₁ + u₂/2 + u₃/3 + u₄/4 + u₅/5)], u ~ U(0, 1)⁵", shortName: "5-d product",
                truthFormula: "∏ⱼ j (e^(1/j) − 1)",
                controlDescription: "Antithetic pairs (u, 1 − u); control variates u₁, …, u₅ (means 1/2).",
                dimension: 5, truth: truth,
                integrand: Integrand(batch: { points, values in
                    for i in points.indices {
                        let u = points[i]
                        values[i] = exp(u[0] + u[1] / 2 + u[2] / 3 + u[3] / 4 + u[4] / 5)
                    }
                }),
                controls: VectorIntegrand(outputDimension: 5, batch: { points, values in
                    for i in points.indices { for j in 0..<5 { values[5 * i + j] = points[i][j] } }
                }),
                controlMeans: Array(repeating: 0.5, count: 5))
        }
    }

    enum Method: String, CaseIterable, Sendable {
        case plain = "plain"
        case antithetic = "antithetic"
        case controlVariate = "control variates"
        case rqmc = "RQMC Sobol"

        var color: String {
            switch self {
            case .plain: return Palette.blue
            case .antithetic: return Palette.orange
            case .controlVariate: return Palette.green
            case .rqmc: return Palette.vermillion
            }
        }

        var marker: LinePlot.Marker {
            switch self {
            case .plain: return .circle
            case .antithetic: return .square
            case .controlVariate: return .diamond
            case .rqmc: return .triangle
            }
        }

        func theoreticalSlope(dimension: Int) -> String {
            switch self {
            case .plain, .antithetic: return "−1"
            case .controlVariate: return "−1 (plus an O(n⁻²) term from fitting β)"
            case .rqmc: return dimension == 1 ? "−2 (randomly shifted grid)" : "−2 up to (log n)^(2s) factors"
            }
        }
    }

    /// The R replications of one method at one n, summarized.
    struct Measurement: Sendable {
        let evaluations: Int
        let meanValue: Double
        let empiricalVariance: Double
        let varianceLower: Double
        let varianceUpper: Double
        let meanReportedVariance: Double
        let meanReportedFactor: Double
    }

    /// Sample sizes 2⁶ … 2¹⁶ times the scale, as powers of two of at least 32.
    static func sampleSizes(scale: Double) -> [Int] {
        let shift = Int(log2(scale).rounded())
        let sizes = (6...16).map { $0 + shift }.filter { $0 >= 5 && $0 <= 40 }.map { 1 << $0 }
        return sizes.isEmpty ? [32, 64, 128] : sizes
    }

    /// Runs R replications of `method` with n evaluations and summarizes them.
    static func measure(_ method: Method, on problem: Problem, evaluations n: Int, replications: Int,
                        shifts: Int) throws(MonteCarloError) -> Measurement {
        let cube = try UnitCube(dimension: problem.dimension)
        let run: (UInt64) throws(MonteCarloError) -> Estimate
        switch method {
        case .plain:
            let estimator = PlainMonteCarlo(sampler: cube, integrand: problem.integrand)
            run = { seed throws(MonteCarloError) in try estimator.run(samples: n, seed: seed) }
        case .antithetic:
            let estimator = AntitheticMonteCarlo(sampler: cube, integrand: problem.integrand)
            run = { seed throws(MonteCarloError) in try estimator.run(samples: n / 2, seed: seed) }
        case .controlVariate:
            let estimator = try ControlVariateMonteCarlo(
                sampler: cube, integrand: problem.integrand, controls: problem.controls,
                controlMeans: problem.controlMeans, fitting: .crossFitted(folds: 2))
            run = { seed throws(MonteCarloError) in try estimator.run(samples: n, seed: seed) }
        case .rqmc:
            let estimator = try RandomizedQuasiMonteCarlo(
                sampler: cube, integrand: problem.integrand, sequence: .sobol, pointsPerReplicate: n / shifts)
            run = { seed throws(MonteCarloError) in try estimator.run(samples: shifts, seed: seed) }
        }
        var values = RunningMoments(), reported = RunningMoments(), factors = RunningMoments()
        let methodIndex = UInt64(Method.allCases.firstIndex(of: method)!)
        for r in 0..<replications {
            // Distinct seeds for every (problem, method, n, replication): independent streams.
            let seed = UInt64(problem.dimension) << 48 | methodIndex << 40 | UInt64(n.trailingZeroBitCount) << 32 | UInt64(r)
            let estimate = try run(seed)
            values.add(estimate.value)
            reported.add(estimate.variance)
            factors.add(estimate.diagnostics.varianceReductionFactor ?? .nan)
        }
        let s2 = values.sampleVariance
        let band = ratioBand(replications)
        // (R − 1) s²/σ² ~ χ²_{R−1} for normal estimates: σ² lies in [s²/upper, s²/lower] with 95% confidence.
        return Measurement(
            evaluations: n, meanValue: values.mean, empiricalVariance: s2,
            varianceLower: s2 / band.upper, varianceUpper: s2 / band.lower,
            meanReportedVariance: reported.mean, meanReportedFactor: factors.mean)
    }

    /// The central 95% range of s²/σ² = χ²_{R−1}/(R − 1).
    static func ratioBand(_ replications: Int) -> (lower: Double, upper: Double) {
        let df = Double(replications - 1)
        return (ChiSquaredDistribution.quantile(0.025, degreesOfFreedom: df) / df,
                ChiSquaredDistribution.quantile(0.975, degreesOfFreedom: df) / df)
    }

    /// Least-squares slope of log₁₀ variance on log₁₀ n, with its standard error.
    static func logLogSlope(_ measurements: [Measurement]) -> (slope: Double, standardError: Double) {
        let points = measurements.filter { $0.empiricalVariance > 0 }
            .map { (log10(Double($0.evaluations)), log10($0.empiricalVariance)) }
        let k = Double(points.count)
        guard points.count >= 3 else { return (.nan, .nan) }
        let mx = points.reduce(0) { $0 + $1.0 } / k, my = points.reduce(0) { $0 + $1.1 } / k
        let sxx = points.reduce(0) { $0 + ($1.0 - mx) * ($1.0 - mx) }
        let sxy = points.reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        let slope = sxy / sxx
        let residuals = points.reduce(0) { $0 + pow($1.1 - my - slope * ($1.0 - mx), 2) }
        return (slope, (residuals / (k - 2) / sxx).squareRoot())
    }

    /// The log–log plot of one problem.
    static func plot(problem: Problem, results: [Method: [Measurement]], replications: Int) -> String {
        var plot = LinePlot(
            title: "Variance of the estimate vs n — \(problem.shortName)",
            subtitle: "\(problem.title); \(replications) replications per point",
            xAxis: PlotAxis(label: "n (integrand evaluations)", scale: .logarithmic),
            yAxis: PlotAxis(label: "variance of the estimate", scale: .logarithmic))
        for method in Method.allCases {
            let m = results[method]!
            plot.series.append(LinePlot.Series(
                label: method.rawValue, color: method.color,
                points: m.map { .init(x: Double($0.evaluations), y: $0.empiricalVariance,
                                      lower: $0.varianceLower, upper: $0.varianceUpper) },
                marker: method.marker, band: true))
            plot.series.append(LinePlot.Series(
                label: "\(method.rawValue), reported", color: method.color,
                points: m.map { .init(x: Double($0.evaluations), y: $0.meanReportedVariance) },
                line: .none, marker: .openCircle, showInLegend: false))
        }
        // Reference slopes through the first plain and the first RQMC point.
        let n0 = Double(results[.plain]!.first!.evaluations), n1 = Double(results[.plain]!.last!.evaluations)
        let plain0 = results[.plain]!.first!.empiricalVariance, rqmc0 = results[.rqmc]!.first!.empiricalVariance
        plot.series.append(LinePlot.Series(
            label: "slope −1", color: Palette.grey,
            points: [.init(x: n0, y: plain0 * 1.6), .init(x: n1, y: plain0 * 1.6 * n0 / n1)],
            line: .dashed, marker: .none, lineWidth: 1.5))
        plot.series.append(LinePlot.Series(
            label: "slope −2", color: Palette.black,
            points: [.init(x: n0, y: rqmc0 / 1.6), .init(x: n1, y: rqmc0 / 1.6 * pow(n0 / n1, 2))],
            line: .dotted, marker: .none, lineWidth: 1.8))
        plot.legend = Method.allCases.map {
            LinePlot.LegendEntry(label: "\($0.rawValue): empirical variance, 95% band", color: $0.color,
                                 line: .solid, marker: $0.marker, band: true)
        } + [
            LinePlot.LegendEntry(label: "mean reported variance (SE²)", color: "#333", line: .none, marker: .openCircle),
            LinePlot.LegendEntry(label: "reference slope −1", color: Palette.grey, line: .dashed),
            LinePlot.LegendEntry(label: "reference slope −2", color: Palette.black, line: .dotted),
        ]
        plot.legendPosition = .bottomLeft
        return plot.svg()
    }

    /// The closing paragraphs, with the measured numbers.
    static func conclusions(problems: [Problem], slopes: [String: [Method: (slope: Double, standardError: Double)]],
                            results: [String: [Method: [Measurement]]], replications: Int, shifts: Int) -> String {
        var paragraphs: [String] = []
        for problem in problems {
            let s = slopes[problem.slug]!
            let r = results[problem.slug]!
            let plain = r[.plain]!, rqmc = r[.rqmc]!
            let firstGain = plain.first!.empiricalVariance / rqmc.first!.empiricalVariance
            let lastGain = plain.last!.empiricalVariance / rqmc.last!.empiricalVariance
            paragraphs.append("""
                **\(problem.shortName).** Plain, antithetic and control variates run parallel, with slopes \
                \(Fmt.signed(s[.plain]!.slope, 2)), \(Fmt.signed(s[.antithetic]!.slope, 2)) and \
                \(Fmt.signed(s[.controlVariate]!.slope, 2)): variance reduction moves the line down by a \
                constant factor and does not change the rate. RQMC's slope is \(Fmt.signed(s[.rqmc]!.slope, 2)), \
                so its advantage over plain Monte Carlo grows from \(Fmt.short(firstGain))× at n = \
                \(plain.first!.evaluations) to \(Fmt.short(lastGain))× at n = \(plain.last!.evaluations); \
                below n ≈ \(crossover(r)) the control variate is the better buy.
                """)
        }
        // How many (problem, method, n) cells have a reported/empirical ratio outside its 95% range.
        let band = ratioBand(replications)
        var cells = 0, outside = 0
        for problem in problems {
            for method in Method.allCases {
                for m in results[problem.slug]![method]! {
                    cells += 1
                    let ratio = m.meanReportedVariance / m.empiricalVariance
                    if ratio < 1 / band.upper || ratio > 1 / band.lower { outside += 1 }
                }
            }
        }
        paragraphs.append("""
            **Honest error bars.** The open circles (the mean of the reported SE²) sit on the filled markers \
            (the variance actually observed over \(replications) replications), within or next to the bands, \
            for every method and every n: \(outside) of the \(cells) `rep/emp` cells fall outside their 95% \
            range, where about \(Fmt.fixed(0.05 * Double(cells), 0)) would by chance. That includes RQMC, whose error bar \
            comes from only \(shifts) independent shifts (hence a Student-t interval with \(shifts - 1) degrees \
            of freedom), and the cross-fitted control variate, whose coefficient is fitted on the same run.
            """)
        return paragraphs.joined(separator: "\n\n")
    }

    /// The smallest n of the grid at which RQMC's empirical variance is below the control variate's.
    static func crossover(_ r: [Method: [Measurement]]) -> String {
        let cv = r[.controlVariate]!, rqmc = r[.rqmc]!
        for (a, b) in zip(cv, rqmc) where b.empiricalVariance < a.empiricalVariance { return "\(a.evaluations)" }
        return "the largest n"
    }

}
