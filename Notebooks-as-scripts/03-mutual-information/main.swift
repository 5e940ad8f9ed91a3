// # Notebook 03 — The mutual-information benchmark, with error bars
//
//     swift build -c release --product notebook-mutual-information
//     .build/release/notebook-mutual-information [OUTPUT-FOLDER]   # NOTEBOOK_SCALE=0.1 for a quick look
//
// Scale: NOTEBOOK_SCALE also multiplies section (v)'s training steps and evaluation batches.
//
// The benchmark of Poole et al. (2019) and Song & Ermon (2020, "SMILE"): X and Y are 20-dimensional,
// each coordinate pair (Xₖ, Yₖ) standard normal with correlation ρ and the pairs independent, so
//
//     I(X; Y) = −(d/2) log(1 − ρ²),   d = 20,
//
// and ρ is chosen to make I = 2, 4, 6, 8 and 10 nats. We estimate I with
//
// - the four critic-based bounds evaluated on a B × B score matrix S[i, j] = T(xᵢ, yⱼ) of a batch of
//   B = 64 pairs — **NWJ**, **DV** (the MINE value), **InfoNCE** and **SMILE** (τ = 5) — and
// - the nearest-neighbour estimator **KSG** (algorithm 1, k = 3) on a sample of N pairs.
//
// **Sections (i)–(iv) use the exact critic.** Every bound there is fed the optimal Gaussian critic
// T = log r(x, y) = log p(y | x) − log p(y) (`GaussianCritic`), shifted by +1 for NWJ (NWJ is tight at
// 1 + log r; DV, SMILE and InfoNCE are evaluated at log r). This isolates what the papers blame on the
// *bounds* from what they blame on training: with a perfect critic, everything left — InfoNCE's log B
// ceiling, the e^I variance of NWJ and DV, SMILE's clipping bias — is the estimator's own.
//
// **Section (v) trains critics**, as the papers do: a small MLP (`MLPCritic`, hand-written
// backpropagation and Adam) for each training objective, and a quadratic critic fitted by Newton's
// method (`LinearCritic`), on the Gaussian data and on its cubic transform y → y³ (same MI). Each
// table and plot says which critic it uses.
//
// Every number carries a standard error, and we check the error bars themselves: each bound's
// per-batch standard error (one batch, from its row, column and pair terms) is compared with the spread of its values
// over many independent batches, and KSG's standard error (the delete-one jackknife rescaled on
// random subsamples) with the spread over a few independent samples.
//
// Outputs, in the output folder: `report.md` (the tables below), `mi-estimates.svg` (exact critic:
// estimates vs the truth), `mi-batch-variance.svg` (exact critic: the per-batch variance vs the truth,
// log scale) and `mi-trained-gaussian.svg`, `mi-trained-cubic.svg` (trained critics).

import Foundation
import MonteCarlo
import NotebookSupport

// MARK: - Settings

// The output folder is the first argument, else $NOTEBOOK_OUTPUT, else
// notebook-output/03-mutual-information/. NOTEBOOK_SCALE multiplies the number of batches per MI
// level (2000 at scale 1, at least 20) and KSG's sample size (N = 2000 at scale 1, at least 200);
// the batch size B = 64 is the benchmark's and does not scale, nor do KSG's 4 repetitions.
let settings = NotebookSettings.fromEnvironment(
    notebook: "03-mutual-information", scaled: "the number of batches and KSG's sample size")
let clock = Stopwatch()
/// `n` times NOTEBOOK_SCALE, rounded, at least `minimum`.
func scaled(_ n: Int, minimum: Int) -> Int { max(minimum, Int((Double(n) * settings.scale).rounded())) }
/// Runs `body`, or exits with a message naming `what`.
func must<T>(_ what: String, _ body: () throws -> T) -> T {
    do { return try body() } catch { fail("\(what): \(error)") }
}

let dimension = 20
let trueMIs: [Double] = [2, 4, 6, 8, 10]
let batchSize = 64
let batches = scaled(2000, minimum: 20)
let ksgSize = scaled(2000, minimum: 200)
let ksgRepeats = 4
let tau = 5.0
print("Notebook 03 — mutual information: d = \(dimension), B = \(batchSize), \(batches) batches per level, "
      + "KSG N = \(ksgSize) × \(ksgRepeats), scale \(settings.scale)")
print("writing to \(settings.outputDirectory.path)")

// MARK: - The benchmark and its exact critic

// ρ from I: 1 − ρ² = e^{−2I/d}. `GaussianCritic` computes I from the covariance, which we use as a
// check on the set-up (it must reproduce 2, 4, …, 10 to rounding).
let levels: [MIStudy.Level] = trueMIs.map { mi in
    let rho = (-expm1(-2 * mi / Double(dimension))).squareRoot()
    let covariance = GaussianCritic.correlatedPairsCovariance(dimension: dimension, correlation: rho)
    let critic = must("critic at I = \(mi)") { try GaussianCritic(covariance: covariance, xDimension: dimension) }
    return MIStudy.Level(mi: mi, rho: rho, critic: critic)
}
for level in levels where abs(level.critic.mutualInformation - level.mi) > 1e-9 {
    fail("set-up: the critic's I = \(level.critic.mutualInformation), expected \(level.mi)")
}

// MARK: - (i) The four bounds over many batches

// For each level and each batch b (its own random stream, so every number is reproducible) we draw
// B = 64 pairs, build S = log r(xᵢ, yⱼ) once, and evaluate
//
// - NWJ on S + 1: D − e⁻¹ mean_{i≠j} e^{Sᵢⱼ}, unbiased for I at this critic;
// - DV on S: D − log mean_{i≠j} e^{Sᵢⱼ}, biased upward at finite B (log of a mean);
// - InfoNCE on S: log B + mean_i[Sᵢᵢ − log Σⱼ e^{Sᵢⱼ}] ≤ log B = 4.16 always;
// - SMILE(τ = 5) on S: DV with e^{Sᵢⱼ} clipped to [e^{−5}, e^{5}].
//
// Two error bars come out. The reported estimate is the mean over the batches with the
// batch-to-batch standard error (`VariationalBoundAccumulator`). Each batch also has its own
// standard error (`VariationalBound.estimate(from:)`: an unbiased U-statistic variance over the
// B pairs, plus a jackknife term for DV's and SMILE's logarithm); its root-mean-square over
// batches, divided by the empirical standard deviation of the batch values, is the "SE ratio":
// 1 means the one-batch error bar is honest, < 1 that it is too small.
let bounds: [MIStudy.Bound] = [
    .init(name: "NWJ", bound: .nwj, offset: 1, color: Palette.vermillion, marker: .square),
    .init(name: "DV", bound: .donskerVaradhan, offset: 0, color: Palette.orange, marker: .triangle),
    .init(name: "InfoNCE", bound: .infoNCE, offset: 0, color: Palette.blue, marker: .circle),
    .init(name: "SMILE (τ = 5)", bound: .smile(tau: tau), offset: 0, color: Palette.green, marker: .diamond),
]
var boundResults: [[MIStudy.BoundResult]] = []   // [level][bound]
for (levelIndex, level) in levels.enumerated() {
    let cellClock = Stopwatch()
    var accumulators = bounds.map { VariationalBoundAccumulator(bound: $0.bound, batchSize: batchSize) }
    var reportedVariance = [RunningMoments](repeating: RunningMoments(), count: bounds.count)
    var heavyTailWarnings = [Int](repeating: 0, count: bounds.count)
    var failures = [Int](repeating: 0, count: bounds.count)
    let streams = RandomStreams(seed: 0x3_0000 + UInt64(levelIndex))
    for b in 0..<batches {
        var generator = streams.stream(b)
        let (x, y) = MIStudy.sample(pairs: batchSize, dimension: dimension, rho: level.rho, using: &generator)
        let scores = must("score matrix") { try level.critic.scoreMatrix(x: x, y: y) }
        for (k, bound) in bounds.enumerated() {
            let s = bound.offset == 0 ? scores : scores.shifted(by: bound.offset)
            do {
                let estimate = try bound.bound.estimate(from: s)
                try accumulators[k].add(s)
                reportedVariance[k].add(estimate.variance)
                if estimate.diagnostics.warnings.contains(where: { $0.contains("heavy") || $0.contains("Pareto") }) {
                    heavyTailWarnings[k] += 1
                }
            } catch {
                failures[k] += 1   // a non-finite batch (overflow of e^S); counted and reported
            }
        }
    }
    let row = bounds.indices.map { k in
        let estimate = must("\(bounds[k].name) at I = \(level.mi)") { try accumulators[k].estimate() }
        return MIStudy.BoundResult(
            estimate: estimate, batchSD: (estimate.variance * Double(accumulators[k].batchValues.count)).squareRoot(),
            reportedBatchSE: reportedVariance[k].mean.squareRoot(),
            heavyTailWarnings: heavyTailWarnings[k], failures: failures[k])
    }
    boundResults.append(row)
    print("  (i) I = \(Int(level.mi)): " + zip(bounds, row).map { "\($0.name) \(Fmt.plusMinus($1.estimate.value, $1.estimate.standardError))" }
        .joined(separator: ", ") + " (\(Fmt.fixed(cellClock.seconds, 2)) s)")
}

// MARK: - (ii) KSG

// KSG needs no critic, only the sample. In 20 + 20 dimensions it is known to be strongly biased
// *downward* at high MI (the neighbour balls are far from uniform-density regions; the sample size
// needed grows like e^I — Gao et al. 2015), so we expect it to flatten well below the identity.
// Its standard error is the exact delete-one jackknife, rescaled by the jackknife's
// overestimation factor measured on 8 disjoint random blocks (one partition; see
// `KSGEstimator`). We run it on `ksgRepeats` independent samples of N pairs: the reported value
// is their mean with the standard error from their spread, and the SE ratio compares the mean
// SE of one run with the standard deviation over the runs.
var ksgResults: [MIStudy.KSGResult] = []
for (levelIndex, level) in levels.enumerated() {
    let cellClock = Stopwatch()
    var values = RunningMoments()
    var reported = RunningMoments()
    for r in 0..<ksgRepeats {
        var generator = RandomStreams(seed: 0x4_0000 + UInt64(levelIndex)).stream(r)
        let (x, y) = MIStudy.sample(pairs: ksgSize, dimension: dimension, rho: level.rho, using: &generator)
        let ksg = KSGEstimator(algorithm: .one, neighbors: 3, seed: UInt64(100 * levelIndex + r))
        let estimate = must("KSG at I = \(level.mi)") { try ksg.estimate(x: x, y: y) }
        values.add(estimate.value)
        reported.add(estimate.variance)
    }
    ksgResults.append(MIStudy.KSGResult(
        mean: values.mean, standardError: values.varianceOfMean.squareRoot(),
        runSD: values.sampleVariance.squareRoot(), reportedRunSE: reported.mean.squareRoot()))
    print("  (ii) KSG I = \(Int(level.mi)): \(Fmt.plusMinus(values.mean, values.varianceOfMean.squareRoot())) "
          + "(\(Fmt.fixed(cellClock.seconds, 2)) s)")
}

// MARK: - (iii) Estimates against the truth

// The picture of the SMILE paper, with error bars (95%, ±1.96 SE of the mean over batches, or over
// KSG runs) and the truth as the identity line:
//
// - InfoNCE hugs the identity at I = 2 (0.2 nats low), then bends under its ceiling log B = 4.16
//   (dotted): no critic can lift it, only a batch of B ≳ e^I pairs (22 026 at I = 10).
// - NWJ is unbiased at this critic and its mean over a few thousand batches does land near the
//   truth, but its error bar is not what it seems: the negatives e^S have Var_Q(r) = e^{2I} − 1
//   (4.9·10⁸ at I = 10), so the true standard error of the mean is tens of times the one the
//   batches show (section (iv)); the rare batch that would reveal it has not been drawn.
//   The open squares beside the NWJ points carry that exact 95% error bar, √(exact variance/batches):
//   ±21 nats at I = 10, off the chart.
// - DV has the same heavy tail inside a logarithm: the log tames the variance, but the log of a
//   mean is biased upward, and the bias grows with I (1.3 nats at I = 10).
// - SMILE trades the tail for a bias: clipping e^S at e^5 removes exactly the large terms the
//   partition needs, so with the exact critic it overestimates, more than DV (2 nats at I = 10).
//   (With a trained, imperfect critic the papers see it below the truth; the critic's error and
//   the clipping bias then pull in opposite directions.)
// - KSG, critic-free, falls far below the truth in 40 joint dimensions (about 0.2 × I at N = 2000).
let estimatePlot = MIStudy.estimatePlot(levels: levels, bounds: bounds, results: boundResults, ksg: ksgResults,
                                        batchSize: batchSize, batches: batches, ksgSize: ksgSize)
print("  wrote \(settings.write(estimatePlot, to: "mi-estimates.svg"))")

// MARK: - (iv) The variance blow-up

// The per-batch variance of each bound on a log scale, with two theory lines for NWJ at the optimal
// critic: the exact value Σρ²/B + 2(e^{2I} − 1)/(B(B − 1)) (the joint term plus the U-statistic over
// the B(B − 1) dependent negatives, whose first-order part vanishes at the optimum), and Song &
// Ermon's floor (e^I − 1)/(B(B − 1)) for any estimator averaging e^T over that many negatives.
// What the *sample* variance shows is instructive: it is near the theory at I = 2, then falls short
// by orders of magnitude (by 2700× at I = 10), because the draws that carry the variance are too
// rare to appear in a few thousand batches. The variance is there; the data cannot show it. The
// one-batch SE agrees with the sample spread (SE ratio ≈ 1) and is wrong in the same
// way. That is why the toolkit attaches a heavy-tail warning to these batches rather than trusting
// the number, and why InfoNCE and SMILE, whose variances stay bounded, are the usable bounds.
let variancePlot = MIStudy.variancePlot(levels: levels, bounds: bounds, results: boundResults, ksg: ksgResults,
                                        batchSize: batchSize, dimension: dimension)
print("  wrote \(settings.write(variancePlot, to: "mi-batch-variance.svg"))")

// MARK: - (v) Trained critics: the SMILE benchmark shape

// Now the critic is learned from data, as in Poole et al. (2019) and Song & Ermon (2020). For each
// training objective one MLP critic T(x, y) = g(x)ᵀh(y) (separable; one hidden layer of 64 ReLU units
// in each of g and h, embedding 32 — the papers use wider, deeper nets and 4000 steps per level, a
// budget this notebook scales down to stay under a minute) is trained with Adam on fresh batches of
// B = 64 pairs, and carried up the staircase I = 2, 4, …, 10 (`stepsPerLevel` steps per level). After
// each level it is frozen and reported on fresh evaluation batches (mean ± batch-to-batch SE), with
// the bound that matches its objective:
//
// - NWJ-trained → NWJ;  InfoNCE-trained → InfoNCE;  JS-trained → DV (NWJ at S would be low by 1/e at
//   the JS optimum log r) and SMILE (τ = 5), the clipped DV value of the same JS-trained critic.
// - Quadratic (Newton): `LinearCritic` with paired quadratic features (xₖ², yₖ², xₖyₖ: the family that
//   contains the exact log r for these data), fitted by Newton's method on the JS (logistic) objective
//   to a fresh training sample at each level, reported with DV.
//
// The same is repeated with y replaced by y³ (rescaled by 1/√15 to unit variance): the MI is unchanged (an invertible map of each
// coordinate), but the critic now has to learn a non-quadratic log r; the quadratic family no longer
// contains it. What to look for: InfoNCE flattens under log B = 4.16 whatever the critic; NWJ's
// batch-to-batch spread (in brackets in the tables) grows with I and its training can overflow
// (counted as skipped steps); JS/DV and SMILE track the truth longer, SMILE biased by its clipping.
let stepsPerLevel = scaled(1000, minimum: 20)
let evaluationBatches = scaled(200, minimum: 10)
let quadraticTrainingPairs = scaled(2000, minimum: 400)
let mlpArchitecture = MLPCritic.Architecture(hiddenWidth: 64, hiddenLayers: 1, embeddingDimension: 32)
let mlpLearningRate = 1e-3
let jsObjective = MLPCritic.Objective.jensenShannon(.donskerVaradhan)
let trainedMethods: [TrainedCriticStudy.Method] = [
    .init(name: "NWJ (MLP)", objective: .nwj, bound: .nwj, color: Palette.vermillion, marker: .square),
    .init(name: "InfoNCE (MLP)", objective: .infoNCE, bound: .infoNCE, color: Palette.blue, marker: .circle),
    .init(name: "JS → DV (MLP)", objective: jsObjective, bound: .jensenShannon(.donskerVaradhan), color: Palette.orange,
          marker: .triangle),
    .init(name: "JS → SMILE τ = 5 (MLP)", objective: jsObjective, bound: .smile(tau: tau), color: Palette.green,
          marker: .diamond),
    .init(name: "quadratic, Newton (JS → DV)", objective: nil, bound: .jensenShannon(.donskerVaradhan),
          color: Palette.purple, marker: .openSquare),
]
let trainedClock = Stopwatch()
var trainedResults: [TrainedCriticStudy.Transform: [[TrainedCriticStudy.Cell]]] = [:]
for (transformIndex, transform) in TrainedCriticStudy.Transform.allCases.enumerated() {
    var cells = [[TrainedCriticStudy.Cell]](repeating: [], count: trainedMethods.count)
    var done = Set<Int>()
    for (methodIndex, method) in trainedMethods.enumerated() where !done.contains(methodIndex) {
        let cellClock = Stopwatch()
        let seed = 0x6_0000 + UInt64(16 * transformIndex + methodIndex)
        // Every method with this objective shares the run (JS → DV and JS → SMILE: one JS-trained critic).
        let sharing = trainedMethods.indices.filter { trainedMethods[$0].objective == method.objective }
        if let objective = method.objective {
            let runCells = TrainedCriticStudy.staircase(
                objective: objective, bounds: sharing.map { trainedMethods[$0].bound }, transform: transform,
                levels: levels, dimension: dimension, batchSize: batchSize, stepsPerLevel: stepsPerLevel,
                evaluationBatches: evaluationBatches, architecture: mlpArchitecture, learningRate: mlpLearningRate,
                seed: seed)
            for (k, m) in sharing.enumerated() { cells[m] = runCells[k] }
        } else {
            cells[methodIndex] = TrainedCriticStudy.fittedQuadratic(
                transform: transform, levels: levels, dimension: dimension, batchSize: batchSize,
                trainingPairs: quadraticTrainingPairs, evaluationBatches: evaluationBatches, seed: seed)
        }
        done.formUnion(sharing)
        for m in sharing {
            print("  (v) \(transform.rawValue), \(trainedMethods[m].name): " + cells[m].map { c in
                c.estimate.map { Fmt.plusMinus($0.value, $0.standardError) } ?? "failed"
            }.joined(separator: ", ") + " (\(Fmt.fixed(cellClock.seconds, 2)) s)")
        }
    }
    trainedResults[transform] = cells
    let plot = TrainedCriticStudy.plot(transform: transform, levels: levels, methods: trainedMethods, cells: cells,
                                       batchSize: batchSize, stepsPerLevel: stepsPerLevel,
                                       evaluationBatches: evaluationBatches)
    print("  wrote \(settings.write(plot, to: transform == .gaussian ? "mi-trained-gaussian.svg" : "mi-trained-cubic.svg"))")
}
let trainedSeconds = trainedClock.seconds

// MARK: - (vi) The report

let report = MIStudy.report(levels: levels, bounds: bounds, results: boundResults, ksg: ksgResults,
                            batchSize: batchSize, batches: batches, ksgSize: ksgSize, ksgRepeats: ksgRepeats,
                            dimension: dimension, scale: settings.scale, seconds: clock.seconds)
    + "\n" + TrainedCriticStudy.report(
        levels: levels, methods: trainedMethods, results: trainedResults, batchSize: batchSize,
        stepsPerLevel: stepsPerLevel, evaluationBatches: evaluationBatches, trainingPairs: quadraticTrainingPairs,
        architecture: mlpArchitecture, learningRate: mlpLearningRate, seconds: trainedSeconds)
print("  wrote \(settings.write(report, to: "report.md"))")
print("done in \(Fmt.fixed(clock.seconds, 2)) s")

// MARK: - Helpers

enum MIStudy {
    struct Level {
        var mi: Double
        var rho: Double
        var critic: GaussianCritic
    }

    struct Bound {
        var name: String
        var bound: VariationalBound
        /// Added to S = log r before evaluating (1 for NWJ, whose optimum is 1 + log r).
        var offset: Double
        var color: String
        var marker: LinePlot.Marker
    }

    struct BoundResult {
        /// Mean over batches ± batch-to-batch SE.
        var estimate: Estimate
        /// Empirical standard deviation of the per-batch values.
        var batchSD: Double
        /// Root-mean-square of the per-batch standard errors.
        var reportedBatchSE: Double
        /// Batches whose own estimate carried a heavy-tail warning.
        var heavyTailWarnings: Int
        /// Batches that could not be evaluated (non-finite values).
        var failures: Int
        var seRatio: Double { reportedBatchSE / batchSD }
    }

    struct KSGResult {
        var mean: Double
        var standardError: Double
        var runSD: Double
        var reportedRunSE: Double
        var seRatio: Double { reportedRunSE / runSD }
    }

    /// B pairs of d-dimensional vectors with coordinate-wise correlation ρ: y = ρx + √(1 − ρ²) ε.
    static func sample(pairs: Int, dimension d: Int, rho: Double,
                       using generator: inout Xoshiro256PlusPlus) -> (x: [[Double]], y: [[Double]]) {
        let noise = (1 - rho * rho).squareRoot()
        var xs: [[Double]] = [], ys: [[Double]] = []
        xs.reserveCapacity(pairs)
        ys.reserveCapacity(pairs)
        for _ in 0..<pairs {
            var x = [Double](repeating: 0, count: d), y = [Double](repeating: 0, count: d)
            for k in 0..<d {
                x[k] = generator.nextStandardNormal()
                y[k] = rho * x[k] + noise * generator.nextStandardNormal()
            }
            xs.append(x)
            ys.append(y)
        }
        return (xs, ys)
    }

    /// Exact per-batch variance of NWJ at the optimal critic S = 1 + log r for correlated Gaussians,
    /// to leading order: Σρ²/B (joint term) + 2(e^{2I} − 1)/(B(B − 1)) (negatives; ζ₁ = 0 at the optimum).
    static func nwjBatchVariance(mi: Double, rho: Double, dimension d: Int, batchSize b: Int) -> Double {
        let bb = Double(b)
        return Double(d) * rho * rho / bb + 2 * expm1(2 * mi) / (bb * (bb - 1))
    }

    static func estimatePlot(levels: [Level], bounds: [Bound], results: [[BoundResult]], ksg: [KSGResult],
                             batchSize: Int, batches: Int, ksgSize: Int) -> String {
        let ceiling = log(Double(batchSize))
        var plot = LinePlot(
            title: "Mutual-information estimates vs the truth (20-d correlated Gaussians)",
            subtitle: "exact critic, B = \(batchSize), mean of \(batches) batches ± 95%; KSG k = 3, N = \(ksgSize)",
            xAxis: PlotAxis(label: "true mutual information I (nats)", range: 1...11),
            yAxis: PlotAxis(label: "estimate (nats)", range: 0...14),
            legendPosition: .topLeft)
        plot.series.append(.init(label: "truth (identity)", color: Palette.black,
                                 points: [.init(x: 0, y: 0), .init(x: 12, y: 12)], line: .dashed, marker: .none,
                                 lineWidth: 1.5))
        plot.series.append(.init(label: "InfoNCE ceiling log B = \(Fmt.fixed(ceiling, 2))", color: Palette.blue,
                                 points: [.init(x: 0, y: ceiling), .init(x: 12, y: ceiling)], line: .dotted,
                                 marker: .none, lineWidth: 1.5))
        for (k, bound) in bounds.enumerated() {
            let points = levels.indices.map { i -> LinePlot.Point in
                let e = results[i][k].estimate
                return .init(x: levels[i].mi, y: e.value, lower: e.value - 1.96 * e.standardError,
                             upper: e.value + 1.96 * e.standardError)
            }
            plot.series.append(.init(label: bound.name, color: bound.color, points: points, marker: bound.marker,
                                     errorBars: true))
        }
        // NWJ again, shifted right a little, with the error bar it really has: ±1.96 √(exact variance / batches).
        if let n = bounds.firstIndex(where: { $0.bound == .nwj }) {
            let points = levels.indices.map { i -> LinePlot.Point in
                let e = results[i][n].estimate
                let se = (nwjBatchVariance(mi: levels[i].mi, rho: levels[i].rho, dimension: levels[i].critic.xDimension,
                                           batchSize: batchSize) / Double(batches)).squareRoot()
                return .init(x: levels[i].mi + 0.2, y: e.value, lower: e.value - 1.96 * se, upper: e.value + 1.96 * se)
            }
            plot.series.append(.init(label: "NWJ with its exact 95% error bar", color: bounds[n].color, points: points,
                                     line: .none, marker: .openSquare, errorBars: true))
        }
        let ksgPoints = levels.indices.map { i -> LinePlot.Point in
            let r = ksg[i]
            return .init(x: levels[i].mi, y: r.mean, lower: r.mean - 1.96 * r.standardError,
                         upper: r.mean + 1.96 * r.standardError)
        }
        plot.series.append(.init(label: "KSG (k = 3)", color: Palette.purple, points: ksgPoints, marker: .openSquare,
                                 errorBars: true))
        return plot.svg()
    }

    static func variancePlot(levels: [Level], bounds: [Bound], results: [[BoundResult]], ksg: [KSGResult],
                             batchSize: Int, dimension: Int) -> String {
        var plot = LinePlot(
            title: "Per-batch variance of each bound vs the true MI",
            subtitle: "exact critic, B = \(batchSize); points: sample variance over batches; lines: theory for NWJ",
            xAxis: PlotAxis(label: "true mutual information I (nats)", range: 1...11),
            yAxis: PlotAxis(label: "variance of one batch's value (nats²)", scale: .logarithmic),
            legendPosition: .topLeft)
        let grid = stride(from: 1.0, through: 11.0, by: 0.25).map { $0 }
        let bb = Double(batchSize)
        plot.series.append(.init(
            label: "NWJ exact: Σρ²/B + 2(e^(2I) − 1)/(B(B − 1))", color: Palette.vermillion,
            points: grid.map { mi in
                let rho = (-expm1(-2 * mi / Double(dimension))).squareRoot()
                return .init(x: mi, y: nwjBatchVariance(mi: mi, rho: rho, dimension: dimension, batchSize: batchSize))
            },
            line: .dashed, marker: .none, lineWidth: 1.5))
        plot.series.append(.init(
            label: "floor (e^I − 1)/(B(B − 1))", color: Palette.grey,
            points: grid.map { .init(x: $0, y: expm1($0) / (bb * (bb - 1))) }, line: .dotted, marker: .none,
            lineWidth: 1.5))
        for (k, bound) in bounds.enumerated() {
            let points = levels.indices.map { i in LinePlot.Point(x: levels[i].mi, y: results[i][k].batchSD * results[i][k].batchSD) }
            plot.series.append(.init(label: bound.name + " (sample)", color: bound.color, points: points,
                                     marker: bound.marker))
        }
        return plot.svg()
    }

    static func report(levels: [Level], bounds: [Bound], results: [[BoundResult]], ksg: [KSGResult],
                       batchSize: Int, batches: Int, ksgSize: Int, ksgRepeats: Int, dimension: Int,
                       scale: Double, seconds: Double) -> String {
        var lines: [String] = []
        lines.append("# Notebook 03 — the mutual-information benchmark, with error bars")
        lines.append("")
        lines.append("X, Y ∈ ℝ^\(dimension), coordinate pairs with correlation ρ, I = −(d/2) log(1 − ρ²). "
            + "Sections (i)–(iv) feed the bounds the **exact Gaussian critic** log r (NWJ at 1 + log r), the best "
            + "these bounds can do; trained critics are in the last section. B = \(batchSize) (InfoNCE ceiling log B = "
            + "\(Fmt.fixed(log(Double(batchSize)), 3))), \(batches) batches per level; KSG algorithm 1, k = 3, "
            + "N = \(ksgSize), \(ksgRepeats) independent samples. NOTEBOOK_SCALE = \(scale); run time "
            + "\(Fmt.fixed(seconds, 1)) s.")
        lines.append("")
        lines.append("![estimates](mi-estimates.svg)")
        lines.append("")
        lines.append("![per-batch variance](mi-batch-variance.svg)")
        lines.append("")
        lines.append("## Estimates (exact critic)")
        lines.append("")
        lines.append("Value ± standard error (bounds: mean over batches, batch-to-batch SE; KSG: mean over runs, "
            + "run-to-run SE). Bias = value − I.")
        lines.append("")
        var header = ["I (nats)", "ρ"]
        for b in bounds { header.append(b.name) }
        header.append("KSG")
        var rows: [[String]] = []
        for (i, level) in levels.enumerated() {
            var row = [Fmt.fixed(level.mi, 0), Fmt.fixed(level.rho, 4)]
            for k in bounds.indices { row.append(Fmt.plusMinus(results[i][k].estimate.value, results[i][k].estimate.standardError)) }
            row.append(Fmt.plusMinus(ksg[i].mean, ksg[i].standardError))
            rows.append(row)
        }
        lines.append(markdownTable(header, rows))
        lines.append("")
        lines.append("## Bias and honesty of the error bars (exact critic)")
        lines.append("")
        lines.append("Bias in nats, with its z-score (bias / SE). **SE ratio** = reported SE of one batch (RMS of "
            + "the one-batch SEs) ÷ the standard deviation of the batch values over the \(batches) batches; "
            + "for KSG, the mean standard error of one run ÷ the standard deviation over the \(ksgRepeats) runs "
            + "(a rough check with so few runs). 1 = honest, < 1 = too small. **tail** = batches whose own "
            + "estimate carried a heavy-tail warning.")
        lines.append("")
        var detailRows: [[String]] = []
        for (i, level) in levels.enumerated() {
            for (k, bound) in bounds.enumerated() {
                let r = results[i][k]
                let bias = r.estimate.value - level.mi
                detailRows.append([
                    "\(Fmt.fixed(level.mi, 0))", bound.name, Fmt.plusMinus(r.estimate.value, r.estimate.standardError),
                    Fmt.signed(bias, 3), Fmt.signed(bias / r.estimate.standardError, 1),
                    Fmt.short(r.reportedBatchSE), Fmt.short(r.batchSD), Fmt.fixed(r.seRatio, 2),
                    "\(r.heavyTailWarnings)" + (r.failures > 0 ? " (\(r.failures) failed)" : ""),
                ])
            }
            let q = ksg[i]
            let bias = q.mean - level.mi
            detailRows.append([
                "\(Fmt.fixed(level.mi, 0))", "KSG", Fmt.plusMinus(q.mean, q.standardError), Fmt.signed(bias, 3),
                Fmt.signed(bias / q.standardError, 1), Fmt.short(q.reportedRunSE), Fmt.short(q.runSD),
                Fmt.fixed(q.seRatio, 2), "—",
            ])
        }
        lines.append(markdownTable(
            ["I", "estimator", "value ± SE", "bias", "bias/SE", "reported SE (one batch/run)", "empirical SD",
             "SE ratio", "tail"],
            detailRows))
        lines.append("")
        lines.append("## Per-batch variance vs theory (NWJ at the optimal critic)")
        lines.append("")
        lines.append("Variances of one batch's value (nats²). NWJ theory = Σρ²/B + 2(e^{2I} − 1)/(B(B − 1)). "
            + "The last NWJ columns compare the reported standard error of the mean over the \(batches) batches "
            + "with the exact one, √(theory / batches).")
        lines.append("")
        var varianceRows: [[String]] = []
        let nwjIndex = bounds.firstIndex { $0.bound == .nwj }
        for (i, level) in levels.enumerated() {
            let theory = nwjBatchVariance(mi: level.mi, rho: level.rho, dimension: dimension, batchSize: batchSize)
            var row = [Fmt.fixed(level.mi, 0), Fmt.sci(theory)]
            if let n = nwjIndex {
                let sample = results[i][n].batchSD * results[i][n].batchSD
                row.append(Fmt.sci(sample))
                row.append(Fmt.sci(sample / theory))
                row.append(Fmt.short(results[i][n].estimate.standardError))
                row.append(Fmt.short((theory / Double(batches)).squareRoot()))
            }
            for k in bounds.indices where k != nwjIndex { row.append(Fmt.sci(results[i][k].batchSD * results[i][k].batchSD)) }
            varianceRows.append(row)
        }
        var varianceHeader = ["I", "NWJ theory"]
        if nwjIndex != nil { varianceHeader += ["NWJ sample", "sample/theory", "NWJ SE (reported)", "NWJ SE (exact)"] }
        for k in bounds.indices where k != nwjIndex { varianceHeader.append("\(bounds[k].name) sample") }
        lines.append(markdownTable(varianceHeader, varianceRows))
        lines.append("")
        lines.append("""
            ## Reading it (exact critic)

            - **InfoNCE** is capped at log B = \(Fmt.fixed(log(Double(batchSize)), 2)): its bias at I = 10 is about \
            −\(Fmt.fixed(10 - results[levels.count - 1][bounds.firstIndex { $0.bound == .infoNCE }!].estimate.value, 1)) nats \
            however many batches are averaged, while its batch-to-batch error bar is small and honest: the error is \
            all bias. A tight estimate would need \
            B ≳ e^I.
            - **NWJ** is unbiased at this critic, and its mean lands near the truth, but its per-batch variance \
            grows like e^{2I}: the sample variance falls short of the exact value by the factor in the last table, \
            the one-batch SE agrees with the (equally wrong) sample spread, and the exact SE of the mean at \
            I = 10 is tens of times the reported one. At I ≥ 4 essentially every batch carries a heavy-tail \
            warning, and it should be believed.
            - **DV** puts the same tail inside a logarithm: a moderate variance but an upward bias that grows with \
            I. Its one-batch SE adds a jackknife term for the curvature of the logarithm (with the \
            linearisation alone the SE ratio fell to 0.58 at I = 10), and its SE ratio stays near 1.
            - **SMILE (τ = 5)** keeps the variance bounded by clipping e^S to [e^{−5}, e^{5}]. With the exact critic \
            the clipping removes the large terms the partition needs, so the bias is *upward* and larger than DV's.
            - **InfoNCE**'s one-batch SE keeps the pair term of the score matrix (the first-order influence \
            function alone was about 20% too small, SE ratio ≈ 0.8), and its SE ratio is near 1.
            - **KSG** needs no critic but is strongly biased downward in 40 joint dimensions at these MI levels.
            """)
        return lines.joined(separator: "\n") + "\n"
    }
}
