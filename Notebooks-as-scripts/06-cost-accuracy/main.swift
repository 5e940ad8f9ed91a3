// # Notebook 06 — Cost against accuracy
//
//     swift build -c release --product notebook-cost-accuracy
//     .build/release/notebook-cost-accuracy [OUTPUT-FOLDER]        # NOTEBOOK_SCALE=0.1 for a quick look
//
// How much work does a root-mean-square error ε cost? For an unbiased estimator with per-draw
// variance σ² the answer is σ²/ε² draws: cost ∝ ε⁻², a line of slope 2 when log cost is drawn
// against log(1/ε). Randomized QMC can do better on a smooth low-dimensional integrand. When the
// quantity is the limit of discretizations (an SDE solved with 2^L time steps), plain Monte Carlo
// must also shrink the bias, and pays ε⁻³ with Euler (weak order 1, cost 2^L per path). Multilevel
// Monte Carlo (Giles 2008) brings it back to ε⁻² (Milstein, variance decay β = 2 > γ = 1) or
// ε⁻²(log ε)² (Euler, β = γ = 1).
//
// The problem: a European call (S0 = 100, K = 105, r = 0.05, σ = 0.2, T = 1), truth Black–Scholes.
// Five ways to reach RMSE ε, each at five values of ε, cost counted in payoff evaluations × time
// steps (1 per draw for exact sampling of S_T):
// - **plain, exact S_T**: i.i.d. draws of the exact terminal price, run to standard error ε;
// - **RQMC, exact S_T**: random digital shifts of 256 Sobol points, run to standard error ε;
// - **plain, Euler**: Euler paths on the level L that MLMC chose at ε (so the same bias), with
//   N = Var(P_L)/(ε²/2) paths, Var(P_L) from a pilot: this one is *planned*, not run (at the
//   smallest ε it would take minutes);
// - **MLMC, Euler** and **MLMC, Milstein**: Giles' algorithm to ε (variance ≤ ε²/2, bias ≤ ε/√2).
// Every run but the planned one is real; the table reports its error (estimate − truth)/ε.
// The slopes are least-squares fits of log₂ cost on log₂(1/ε) with their regression standard
// errors (3 degrees of freedom). At large ε the minimum sample sizes (the driver's first check,
// MLMC's pilot) dominate and flatten every slope, so the asymptotic rates show at scale ≥ 1.

import Foundation
import MonteCarlo
import NotebookSupport

// MARK: - Settings

// NOTEBOOK_SCALE s moves the grid of ε: ε = ε₀·2^{−k}, k = 0…4, ε₀ = 0.04/√s (at most 0.4), so
// that the cost of every run scales like s.
let settings = NotebookSettings.fromEnvironment(notebook: "06-cost-accuracy", scaled: "the cost (ε grows like 1/√scale)")
let firstEpsilon = min(0.4, 0.04 / settings.scale.squareRoot())
let epsilons = (0..<5).map { firstEpsilon * exp2(-Double($0)) }
let clock = Stopwatch()

// MARK: - The runs

struct Point {
    var epsilon: Double
    var cost: Double
    var error: Double?
}

enum Method: String, CaseIterable {
    case plainExact = "plain, exact S_T"
    case rqmcExact = "RQMC, exact S_T"
    case plainEuler = "plain, Euler (planned)"
    case mlmcEuler = "MLMC, Euler"
    case mlmcMilstein = "MLMC, Milstein"

    var theory: String {
        switch self {
        case .plainExact: return "2"
        case .rqmcExact: return "below 2 (smooth 1-d integrand)"
        case .plainEuler: return "3 (2 + γ/α)"
        case .mlmcEuler: return "2 plus a (log ε)² factor"
        case .mlmcMilstein: return "2"
        }
    }
}

let option = try EuropeanCallOption(spot: 100, strike: 105, rate: 0.05, volatility: 0.2, maturity: 1)
let truth = option.blackScholesPrice
let euler = try EuropeanCallLevelSampler(option: option, scheme: .euler)
let milstein = try EuropeanCallLevelSampler(option: option, scheme: .milstein)
let payoff = Integrand<Double> { option.discountedPayoff($0) }
var points: [Method: [Point]] = [:]

/// The variance of Euler paths of 2^level steps, from 20 000 pilot paths on their own stream.
func eulerVariance(level: Int) -> Double {
    var generator = RandomStreams(seed: 99).stream(level)
    var moments = RunningMoments()
    for _ in 0..<20_000 { moments.add(euler.fineSample(level: level, using: &generator)) }
    return moments.sampleVariance
}

for (k, epsilon) in epsilons.enumerated() {
    let seed = UInt64(100 + k)
    let rule = StoppingRule.absoluteError(1.959963984540054 * epsilon, level: 0.95, maximumSamples: 1 << 34)
    let plain = try MonteCarloDriver(stoppingRule: rule).run(PlainMonteCarlo(sampler: NormalDistribution.standard, integrand: payoff), seed: seed)
    points[.plainExact, default: []].append(Point(epsilon: epsilon, cost: Double(plain.samples),
                                                  error: (plain.estimate.value - truth) / epsilon))
    let rqmc = try MonteCarloDriver(stoppingRule: rule).run(
        try RandomizedQuasiMonteCarlo(sampler: NormalDistribution.standard, integrand: payoff, pointsPerReplicate: 256), seed: seed)
    points[.rqmcExact, default: []].append(Point(epsilon: epsilon, cost: Double(rqmc.samples * 256),
                                                 error: (rqmc.estimate.value - truth) / epsilon))
    let eulerReport = try MultilevelMonteCarlo(sampler: euler).run(rootMeanSquareError: epsilon, seed: seed)
    points[.mlmcEuler, default: []].append(Point(epsilon: epsilon, cost: eulerReport.totalCost,
                                                 error: (eulerReport.estimate.value - truth) / epsilon))
    let milsteinReport = try MultilevelMonteCarlo(sampler: milstein).run(rootMeanSquareError: epsilon, seed: seed)
    points[.mlmcMilstein, default: []].append(Point(epsilon: epsilon, cost: milsteinReport.totalCost,
                                                    error: (milsteinReport.estimate.value - truth) / epsilon))
    let finest = eulerReport.levels.count - 1
    let needed = (eulerVariance(level: finest) / (epsilon * epsilon / 2)).rounded(.up)
    points[.plainEuler, default: []].append(Point(epsilon: epsilon, cost: needed * Double(1 << finest), error: nil))
    print("  ε = \(Fmt.short(epsilon)): \(Fmt.fixed(clock.seconds, 1)) s so far")
}

// MARK: - Slopes

/// Least-squares slope of log₂ cost on log₂(1/ε), with its standard error from the residuals.
func fit(_ series: [Point]) -> (slope: Double, standardError: Double) {
    let x = series.map { log2(1 / $0.epsilon) }, y = series.map { log2($0.cost) }
    let n = Double(x.count), mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
    var sxx = 0.0, sxy = 0.0
    for (a, b) in zip(x, y) { sxx += (a - mx) * (a - mx); sxy += (a - mx) * (b - my) }
    let slope = sxy / sxx
    var residuals = 0.0
    for (a, b) in zip(x, y) { residuals += (b - my - slope * (a - mx)) * (b - my - slope * (a - mx)) }
    return (slope, (residuals / (n - 2) / sxx).squareRoot())
}

// MARK: - Plot and report

var plot = LinePlot(title: "Cost to reach RMSE ε, European call", subtitle: "cost = evaluations × time steps; log–log",
                    xAxis: PlotAxis(label: "1/ε", scale: .logarithmic),
                    yAxis: PlotAxis(label: "cost", scale: .logarithmic))
let colors = [Palette.blue, Palette.orange, Palette.vermillion, Palette.green, Palette.purple]
var slopeRows: [[String]] = [], costRows: [[String]] = []
for (i, method) in Method.allCases.enumerated() {
    let series = points[method]!
    let slope = fit(series)
    plot.series.append(.init(label: "\(method.rawValue): slope \(Fmt.fixed(slope.slope, 2)) ± \(Fmt.fixed(slope.standardError, 2))",
                             color: colors[i], points: series.map { .init(x: 1 / $0.epsilon, y: $0.cost) },
                             line: method == .plainEuler ? .dashed : .solid))
    slopeRows.append([method.rawValue, "\(Fmt.fixed(slope.slope, 2)) ± \(Fmt.fixed(slope.standardError, 2))", method.theory])
    costRows.append([method.rawValue] + series.map { p in Fmt.sci(p.cost) + (p.error.map { " (\(Fmt.signed($0, 2)))" } ?? "") })
}
settings.write(plot.svg(), to: "cost-vs-epsilon.svg")
let report = """
    # Notebook 06 — Cost against accuracy

    European call (S0 = 100, K = 105, r = 0.05, σ = 0.2, T = 1), truth Black–Scholes \(Fmt.fixed(truth, 6)).
    Cost to reach RMSE ε (evaluations × time steps) and, in brackets, the run's (estimate − truth)/ε;
    plain Euler is planned from a pilot variance, not run. NOTEBOOK_SCALE = \(settings.scale). At large ε the
    minimum sizes (the driver's first check after about 1000 draws or 16 RQMC shifts, MLMC's pilot
    of 1000 samples on levels 0…2) dominate and flatten the slopes; at scale 1 the grid starts at ε = 0.04.

    \(markdownTable(["method"] + epsilons.map { "ε = \(Fmt.short($0))" }, costRows))

    Fitted slopes of log₂ cost on log₂(1/ε) (± regression SE, 3 degrees of freedom):

    \(markdownTable(["method", "slope", "theory"], slopeRows))

    ![cost against 1/ε](cost-vs-epsilon.svg)
    """
print("  wrote \(settings.write(report, to: "report.md")) in \(Fmt.fixed(clock.seconds, 1)) s")
