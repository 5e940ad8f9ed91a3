import ArgumentParser
import Foundation
import MonteCarlo

/// `mcest demo`: plain, antithetic, control-variate and randomized-QMC estimates side by side
/// on reference problems with closed-form answers, each with its error bar; then one short
/// section per application family (`Demo+Families.swift`).
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Compare variance-reduction methods on reference problems with known answers.",
        discussion: """
            Problems: E[exp(U)] for U ~ Uniform(0, 1); a European call under geometric Brownian \
            motion (Black–Scholes price); an arithmetic Asian call (16 dates, no closed form; the \
            geometric Asian call is its control). Methods: plain Monte Carlo, antithetic pairs, a \
            cross-fitted control variate and randomized Sobol points, each given about --samples \
            integrand evaluations. VRF is the variance-reduction factor against plain Monte Carlo, \
            ESS / n, both variances estimated from the same draws. Then one section per family, \
            each against an exact answer: sliced Wasserstein between two clouds in the plane (plain, \
            orthogonal, control variates); mutual information of a bivariate normal (KSG, the \
            Gaussian closed form, the NWJ bound); the ELBO (plain, randomized Sobol) and IWAE bounds \
            against the exact log evidence of the normal–normal model; zero-variance Stein control \
            variates on Markov chains with a known mean. --json prints one estimate record per line \
            of the tables (Schemas/estimate.schema.json).
            """)

    @Option(help: "Seed of every estimator's random streams: the same seed gives the same numbers.")
    var seed: UInt64 = 2024

    @Option(help: "Integrand evaluations per method (at least 10).")
    var samples: Int = 100_000

    @Flag(help: "Print a JSON array of estimate records instead of tables.")
    var json = false

    func validate() throws {
        try CountOption.check(samples, "--samples", in: CountOption.demoSamples)
    }

    func run() throws {
        let demo = Demo(evaluations: samples, seed: seed)
        let sections = try reportingLibraryErrors { () throws(MonteCarloError) in try demo.run() }
        if json {
            var records: [EstimateRecord] = []
            for section in sections {
                for row in section.rows { records.append(try reportingLibraryErrors { () throws(MonteCarloError) in try row.record(section: section.title) }) }
            }
            print(try EstimateRecord.json(records))
        } else {
            print(demo.header)
            for section in sections { print("\n" + section.rendered()) }
        }
    }
}

// MARK: - The problems

/// The demo's problems and the budget each method gets.
struct Demo {
    /// Integrand evaluations per method (n).
    let evaluations: Int
    /// Seed shared by every estimator.
    let seed: UInt64

    /// Antithetic pairs: two evaluations each.
    var pairs: Int { max(2, evaluations / 2) }

    /// Points per randomized Sobol set: a power of two, at most 1024, leaving at least 16 replicates.
    var pointsPerReplicate: Int {
        var points = 1
        while points * 2 <= min(1024, evaluations / 16) { points *= 2 }
        return points
    }

    /// Independent randomizations, so that replicates × points ≈ n.
    var replicates: Int { max(2, evaluations / pointsPerReplicate) }

    var header: String {
        """
        mcest demo: estimates of E[f] with their error bars, seed \(seed)
        n ≈ \(evaluations) integrand evaluations per method (antithetic: \(pairs) pairs; \
        RQMC: \(replicates) replicates × \(pointsPerReplicate) Sobol points).
        VRF = variance-reduction factor vs plain Monte Carlo = ESS / n, both variances estimated from the same draws.
        |est-truth|/SE = distance from the closed-form answer in standard errors (mostly below 2).
        """
    }

    func run() throws(MonteCarloError) -> [DemoSection] {
        // Warm up the thread pool and the stream-jump tables (built on first use of a stream > 0)
        // so that the first timed run is not charged for them.
        _ = try PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { $0 }).run(samples: 20_000, seed: seed)
        return [try exponentialOfUniform(), try europeanCall(), try asianCall()] + (try families())
    }

    /// E[e^U] = e − 1 with U itself as the control (mean 1/2).
    func exponentialOfUniform() throws(MonteCarloError) -> DemoSection {
        let truth = M_E - 1
        let rows = try compare(
            problem: "E[exp(U)]", sampler: UniformDistribution.unit,
            integrand: Integrand(batch: { u, values in for i in u.indices { values[i] = exp(u[i]) } }),
            control: VectorIntegrand(outputDimension: 1, batch: { u, values in for i in u.indices { values[i] = u[i] } }),
            controlMean: 0.5, truth: truth)
        return DemoSection(
            title: "1. E[exp(U)], U ~ Uniform(0, 1)",
            preamble: ["truth: e − 1 = \(truth)"],
            rows: rows, deviationHeader: "|est-truth|/SE",
            notes: [
                "antithetic: pairs (U, 1 − U).",
                "control variate: h(U) = U, known mean 1/2; β fitted by 2-fold cross-fitting (β̂ = \(beta(rows))).",
                rqmcNote,
            ])
    }

    /// A European call under geometric Brownian motion, against its Black–Scholes price.
    func europeanCall() throws(MonteCarloError) -> DemoSection {
        let option = try EuropeanCallOption(spot: 100, strike: 105, rate: 0.05, volatility: 0.2, maturity: 1)
        let truth = option.blackScholesPrice
        // e^{−rT} S_T = S₀ exp(−σ²T/2 + σ√T Z): a martingale, so its mean is S₀.
        let logDrift = -0.5 * option.volatility * option.volatility * option.maturity
        let logScale = option.volatility * option.maturity.squareRoot()
        let rows = try compare(
            problem: "European call", sampler: NormalDistribution.standard,
            integrand: Integrand { option.discountedPayoff($0) },
            control: VectorIntegrand(outputDimension: 1, batch: { z, values in
                for i in z.indices { values[i] = option.spot * exp(logDrift + logScale * z[i]) }
            }),
            controlMean: option.spot, truth: truth)
        return DemoSection(
            title: "2. European call under geometric Brownian motion (S0 = 100, K = 105, r = 0.05, σ = 0.2, T = 1)",
            preamble: ["truth: Black–Scholes price = \(truth)"],
            rows: rows, deviationHeader: "|est-truth|/SE",
            notes: [
                "antithetic: pairs (Z, −Z) of the standard normal driving S_T.",
                "control variate: discounted terminal price e^(−rT) S_T, known mean S0 = 100; "
                    + "β cross-fitted (β̂ = \(beta(rows))).",
                rqmcNote + " Points mapped to Z by the normal quantile.",
            ])
    }

    /// An arithmetic Asian call: no closed form; the geometric Asian call (closed form) is the control.
    ///
    /// Its rows are compared with a reference: the same control-variate estimator with
    /// ``referenceFactor`` times as many paths, drawn from random streams disjoint from the rows'
    /// (same seed, streams from 2⁴⁰ on), so it is independent of every row.
    func asianCall() throws(MonteCarloError) -> DemoSection {
        let option = try AsianCallOption(spot: 100, strike: 100, rate: 0.05, volatility: 0.2, maturity: 1,
                                         monitoringDates: 16)
        let payoff = Integrand<[Double]> { option.arithmeticPayoff($0) }
        let control = try VectorIntegrand<[Double]>(outputDimension: 1, batch: { paths, values in
            for i in paths.indices { values[i] = option.geometricPayoff(paths[i]) }
        })
        var rows = try compare(
            problem: "Arithmetic Asian call", sampler: option.pathMeasure, integrand: payoff, control: control,
            controlMean: option.geometricPrice, truth: nil)

        let referenceEstimator = try ControlVariateMonteCarlo(
            sampler: option.pathMeasure, integrand: payoff, controls: control, controlMeans: [option.geometricPrice],
            fitting: .crossFitted(folds: 2))
        let referenceRun = try MonteCarloDriver(
            stoppingRule: .sampleCount(Self.referenceFactor * evaluations), firstStream: Self.referenceFirstStream
        ).run(referenceEstimator, seed: seed)
        let reference = referenceRun.estimate
        let referenceText = NumberFormat.fixed(
            reference.value, decimals: NumberFormat.decimals(forStandardError: reference.standardError))
            + " ± " + NumberFormat.standardError(reference.standardError)
        for i in rows.indices {
            rows[i].reference = reference.value
            rows[i].referenceStandardError = reference.standardError
        }
        return DemoSection(
            title: "3. Arithmetic Asian call (S0 = 100, K = 100, r = 0.05, σ = 0.2, T = 1, 16 monitoring dates)",
            preamble: [
                "truth: n/a (the arithmetic average has no closed form).",
                "geometric Asian call, closed form (the control's known mean) = \(option.geometricPrice)",
                "reference: \(referenceText) (control variate, \(Self.referenceFactor) × \(evaluations) paths on "
                    + "streams independent of the rows', \(NumberFormat.milliseconds(referenceRun.elapsedSeconds * 1e3)) ms)",
                "   the last column is |est − ref| / √(SE² + SE_ref²).",
            ],
            rows: rows, deviationHeader: "|est-ref|/SE",
            notes: [
                "antithetic: pairs of paths driven by (Z, −Z), Z ~ N(0, I16).",
                "control variate: the geometric-average payoff (Kemna & Vorst 1990); β cross-fitted (β̂ = \(beta(rows))).",
                rqmcNote + " Dimension 16, one coordinate per monitoring date.",
            ])
    }

    /// How many times the rows' budget the Asian reference gets (its SE is about 1/√10 of the CV row's).
    static let referenceFactor = 10
    /// First random stream of the reference run: far beyond any stream the rows use.
    static let referenceFirstStream = 1 << 40

    // MARK: - The methods

    /// Plain, antithetic, cross-fitted control variate and randomized Sobol on one problem, same seed.
    func compare<S: ReflectableSampler & UnitCubeSampler>(
        problem: String, sampler: S, integrand: Integrand<S.Point>, control: VectorIntegrand<S.Point>,
        controlMean: Double, truth: Double?
    ) throws(MonteCarloError) -> [ResultRow] {
        let n = evaluations, pairs = pairs, seed = seed
        let points = pointsPerReplicate, replicates = replicates
        return [
            try ResultRow.measure(problem: problem, method: "plain", truth: truth) { () throws(MonteCarloError) in
                try PlainMonteCarlo(sampler: sampler, integrand: integrand).run(samples: n, seed: seed)
            },
            try ResultRow.measure(problem: problem, method: "antithetic", truth: truth) { () throws(MonteCarloError) in
                try AntitheticMonteCarlo(sampler: sampler, integrand: integrand).run(samples: pairs, seed: seed)
            },
            try ResultRow.measure(problem: problem, method: "control variate", truth: truth) { () throws(MonteCarloError) in
                try ControlVariateMonteCarlo(
                    sampler: sampler, integrand: integrand, controls: control, controlMeans: [controlMean],
                    fitting: .crossFitted(folds: 2)
                ).run(samples: n, seed: seed)
            },
            try ResultRow.measure(problem: problem, method: "RQMC Sobol", truth: truth) { () throws(MonteCarloError) in
                try RandomizedQuasiMonteCarlo(
                    sampler: sampler, integrand: integrand, sequence: .sobol, pointsPerReplicate: points
                ).run(samples: replicates, seed: seed)
            },
        ]
    }

    var rqmcNote: String {
        "RQMC Sobol: \(replicates) independent random digital shifts of \(pointsPerReplicate) Sobol points; "
            + "Student-t interval with \(replicates - 1) degrees of freedom."
    }

    /// The control-variate row's fitted β, formatted.
    private func beta(_ rows: [ResultRow]) -> String {
        guard let b = rows.first(where: { $0.method == "control variate" })?.coefficients.first else { return "n/a" }
        return String(format: "%.4f", b)
    }
}

/// One problem's block of the demo: title, truth, table and notes.
struct DemoSection {
    var title: String
    var preamble: [String]
    var rows: [ResultRow]
    /// Header of the last column (distance from the truth or reference in standard errors), or `nil` for none.
    var deviationHeader: String?
    var notes: [String]

    func rendered() -> String {
        var lines = [title] + preamble.map { "   " + $0 }
        lines.append("")
        lines.append(ResultRow.table(rows, deviationHeader: deviationHeader).rendered(indent: "   "))
        lines.append("")
        lines += notes.map { "   " + $0 }
        return lines.joined(separator: "\n")
    }
}
