// steinvvbench: figures for the vector-valued control variates, the second-order Stein kernel and
// the Nyström control functional (release build; prints figures, asserts nothing).
// 1. Joint vs separate control functionals on the vvCV paper's South pair (N(0, 1), m = 50 draws per
//    task on their own samples, truths 2 and 3): MSE per task over R replications, weighted and
//    cross-fitted forms, paired z of the standardized squared-error differences.
// 2. Tuned second-order (rational-quadratic) CF on T5 (1-D South, n = 100): efficiency (Var f/n)/MSE.
// 3. Nyström control functional, f = cos(x₁ + x₂/2) under N(0, I₂) (truth e^{−5/8}), n = 20 000 and
//    100 000, m = ⌈√(n/2)⌉, 2-fold cross-fitting: seconds, estimate ± SE, variance-reduction factor;
//    and exact 2-fold cross-fitted CF at n = 4000 for comparison.
// 4. The heavy-tail regime: 95% coverage, estimates beyond 3 standard errors, heavy-tail warnings
//    and the median residual Pareto k̂ of the default CF and semi-exact CF (Q = 2) on the 1-D
//    South problem (n = 250, 100 replications of i.i.d. draws).
// Usage: steinvvbench [--json PATH (default benchmark-output/steinvvbench.json)] [--replications R (default 240, as VectorValuedTests: fewer lack the power for z ≥ 3)]
import Dispatch
import Foundation
import BenchmarkSupport
import MonteCarlo

struct JointFigure: Codable, Sendable {
    var form: String
    var replications: Int
    var separateMSE: [Double]
    var jointMSE: [Double]
    var ratio: [Double]
    var pairedZ: Double
}

struct TimedFigure: Codable, Sendable {
    var method: String
    var n: Int
    var seconds: Double
    var value: Double
    var standardError: Double
    var varianceReductionFactor: Double
}

/// Calibration where the kernel error bars are known to be too narrow (section 4).
struct TailFigure: Codable, Sendable {
    var method: String
    var replications: Int
    var coverage: Double
    var beyondThreeStandardErrors: Int
    var flagged: Int
    var beyondThreeFlagged: Int
    var medianTailShape: Double
}

struct Report: Codable, Sendable {
    var benchmark = "steinvvbench"
    var context: RunContext
    var joint: [JointFigure]
    var secondOrderEfficiency: Double
    var tails: [TailFigure]
    var timings: [TimedFigure]
    /// The headline rows for `benchreport`.
    var summary: [SummaryRow] = []
    /// Commit, date and machine of this run, for `benchreport`'s staleness check.
    var provenance = Provenance.current()
}

func south1(_ x: [Double]) -> Double { 1 + x[0] + x[0] * x[0] + sin(Double.pi * x[0]) * exp(-x[0] * x[0]) }
func south2(_ x: [Double]) -> Double { 1.5 + x[0] + 1.5 * x[0] * x[0] + 1.75 * sin(Double.pi * x[0]) * exp(-x[0] * x[0]) }

func draw<D: ScoredSampler>(_ target: D, _ n: Int, seed: UInt64, stream: Int, _ f: ([Double]) -> Double) throws -> (SteinSample, [Double]) {
    var g = RandomStreams(seed: seed).stream(stream)
    let sample = try SteinSample(drawing: n, from: target, using: &g)
    return (sample, (0..<n).map { f(sample.point($0)) })
}

do {
    let replications = Int(argument("--replications") ?? "") ?? 240
    let jsonPath = argument("--json") ?? "benchmark-output/steinvvbench.json"
    var context = RunContext.now()
    let line = try StandardNormalVector(dimension: 1)
    let variances = [3.464, 6.59]

    var joint: [JointFigure] = []
    for (name, vvForm, cfForm) in [("weighted", VectorValuedControlVariates.Form.weighted(), SteinControlFunctional.Form.weighted()),
                                   ("cross-fitted", .crossFitted(), .crossFitted())] {
        let vv = VectorValuedControlVariates(form: vvForm)
        let cf = SteinControlFunctional(form: cfForm)
        var separate = [0.0, 0.0], together = [0.0, 0.0]
        var differences = RunningMoments()
        for r in 0..<replications {
            let (s1, f1) = try draw(line, 50, seed: 303, stream: 2 * r, south1)
            let (s2, f2) = try draw(line, 50, seed: 303, stream: 2 * r + 1, south2)
            let j = try vv.estimate(tasks: [.init(sample: s1, values: f1), .init(sample: s2, values: f2)])
            let a = [try cf.estimate(sample: s1, values: f1).value, try cf.estimate(sample: s2, values: f2).value]
            var d = 0.0
            for (t, truth) in [2.0, 3.0].enumerated() {
                let es = (a[t] - truth) * (a[t] - truth), ej = (j.values[t] - truth) * (j.values[t] - truth)
                separate[t] += es / Double(replications)
                together[t] += ej / Double(replications)
                d += (es - ej) / variances[t]
            }
            differences.add(d)
        }
        let figure = JointFigure(form: name, replications: replications, separateMSE: separate, jointMSE: together,
                                 ratio: [separate[0] / together[0], separate[1] / together[1]],
                                 pairedZ: differences.mean / differences.varianceOfMean.squareRoot())
        print(String(format: "vv vs separate CF (%@, m = 50, R = %d): MSE f1 %.4g vs %.4g (×%.2f), f2 %.4g vs %.4g (×%.2f), paired z %.2f",
                     name, replications, separate[0], together[0], figure.ratio[0], separate[1], together[1], figure.ratio[1], figure.pairedZ))
        joint.append(figure)
    }

    let secondOrder = SteinControlFunctional(kernel: .rationalQuadratic().steinOrder(.second), form: .weighted(),
                                             tuning: .crossValidated(folds: 3))
    var mse = 0.0
    let secondReplications = 20
    for r in 0..<secondReplications {
        let (s, f) = try draw(line, 100, seed: 46, stream: r, south1)
        let e = try secondOrder.estimate(sample: s, values: f).value - 2
        mse += e * e / Double(secondReplications)
    }
    let efficiency = 3.464 / 100 / mse
    print(String(format: "second-order RQ CF, tuned, weighted, T5 n = 100 (R = %d): efficiency %.0f", secondReplications, efficiency))

    // 4. Where the kernel error bars are too narrow: the 1-D South problem at n = 250, whose f
    //    grows like x² where the kernel controls decay, with and without a polynomial part.
    var tails: [TailFigure] = []
    for (name, degree) in [("CF (default, no polynomial part)", 0), ("semi-exact CF, Q = 2", 2)] {
        let estimator = SteinControlFunctional(polynomialDegree: degree)
        var covered = 0, beyondThree = 0, flagged = 0, beyondThreeFlagged = 0
        var shapes: [Double] = []
        let tailReplications = 100
        for r in 0..<tailReplications {
            let (s, f) = try draw(line, 250, seed: 62, stream: r, south1)
            let e = try estimator.estimate(sample: s, values: f)
            let z = abs(e.value - 2) / e.standardError
            let interval = try e.confidenceInterval(level: 0.95)
            if interval.lower <= 2 && 2 <= interval.upper { covered += 1 }
            let warned = e.diagnostics.warnings.contains { $0.contains("heavy-tailed") }
            if warned { flagged += 1 }
            if z > 3 { beyondThree += 1; if warned { beyondThreeFlagged += 1 } }
            if let shape = e.diagnostics.figures["residualTailShape"] { shapes.append(shape) }
        }
        shapes.sort()
        let median = shapes.isEmpty ? .nan : shapes[shapes.count / 2]
        let figure = TailFigure(method: name, replications: tailReplications, coverage: Double(covered) / Double(tailReplications),
                                beyondThreeStandardErrors: beyondThree, flagged: flagged, beyondThreeFlagged: beyondThreeFlagged,
                                medianTailShape: median)
        print(String(format: "heavy-tail regime, 1-D South n = 250 (R = %d), %@: 95%% coverage %.0f%%, %d beyond 3 SE (%d of them flagged), %d flagged, median k̂ %.2f",
                     tailReplications, name, 100 * figure.coverage, beyondThree, beyondThreeFlagged, flagged, median))
        tails.append(figure)
    }

    let plane = try StandardNormalVector(dimension: 2)
    var timings: [TimedFigure] = []
    func timed(_ method: String, _ n: Int, _ body: (SteinSample, [Double]) throws -> Estimate) throws {
        let (s, f) = try draw(plane, n, seed: 401, stream: 0) { cos($0[0] + 0.5 * $0[1]) }
        let start = DispatchTime.now().uptimeNanoseconds
        let estimate = try body(s, f)
        let elapsed = seconds(since: start)
        let vrf = estimate.effectiveSampleSize / Double(n)
        print(String(format: "%@ n = %d: %.3f s, %.6f ± %.2g (truth %.6f), VRF %.0f", method, n, elapsed, estimate.value,
                     estimate.standardError, exp(-0.625), vrf))
        timings.append(TimedFigure(method: method, n: n, seconds: elapsed, value: estimate.value,
                                   standardError: estimate.standardError, varianceReductionFactor: vrf))
    }
    for n in [20_000, 100_000] {
        try timed("Nyström CF (m = ⌈√(n/2)⌉, 2 folds)", n) { try NystromControlFunctional().estimate(sample: $0, values: $1) }
    }
    try timed("Nyström CF (m = ⌈√(n/2)⌉, 2 folds)", 4000) { try NystromControlFunctional().estimate(sample: $0, values: $1) }
    try timed("exact CF (2 folds)", 4000) { try SteinControlFunctional(form: .crossFitted(folds: 2)).estimate(sample: $0, values: $1) }
    context.loadAverageAfter = loadAverage()
    var summary = joint.map { figure in
        SummaryRow(benchmark: "steinvvbench", measure: "vector-valued vs separate CF (\(figure.form), m = 50): MSE ratio",
                   value: figure.ratio.min(), unit: "× lower (worst integrand)", target: "> 1× (paired z ≥ 3)",
                   passed: figure.ratio.allSatisfy { $0 > 1 } && figure.pairedZ >= 3,
                   note: String(format: "paired z %.1f over %d replications", figure.pairedZ, figure.replications))
    }
    summary.append(SummaryRow(benchmark: "steinvvbench", measure: "tuned second-order CF vs plain MC, 1-D South problem, n = 100",
                              value: efficiency, unit: "× lower variance", target: "≥ 40×", passed: efficiency >= 40))
    summary += tails.map { SummaryRow(benchmark: "steinvvbench", measure: "95% coverage, 1-D South n = 250, \($0.method)",
                                      value: 100 * $0.coverage, unit: "%",
                                      note: String(format: "median residual k̂ %.2f; %d of %d flagged", $0.medianTailShape, $0.flagged, $0.replications)) }
    summary += timings.map { SummaryRow(benchmark: "steinvvbench", measure: "\($0.method), n = \($0.n)", value: $0.seconds, unit: "s",
                                        note: String(format: "variance-reduction factor %.0f", $0.varianceReductionFactor)) }
    try writeJSON(Report(context: context, joint: joint, secondOrderEfficiency: efficiency, tails: tails, timings: timings, summary: summary),
                  to: jsonPath)
    print("load average before \(context.loadAverageBefore), after \(context.loadAverageAfter ?? "?"); wrote \(jsonPath)")
} catch {
    print("steinvvbench: error: \(error)")
    exit(2)
}
