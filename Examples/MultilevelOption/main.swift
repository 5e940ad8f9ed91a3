// multilevel-option: multilevel Monte Carlo against plain Monte Carlo on a discretized option, and
// how the cost of MLMC grows as the target accuracy tightens.
//
//     swift run -c release multilevel-option
//     swift run -c release multilevel-option --rmse 0.01 --epsilons 0.04,0.02,0.01,0.005,0.0025 --seed 7
//
// The European call (S0 = 100, K = 105, r = 0.05, σ = 0.2, T = 1) under geometric Brownian
// motion, with the SDE solved by Euler–Maruyama (or Milstein) with 2^l time steps at level l; the
// limit is the Black–Scholes price. Part 1 asks for a root-mean-square error ε (variance ≤ ε²/2,
// bias ≤ ε/√2) twice: by MLMC (Giles 2008), and by plain Monte Carlo on MLMC's finest level alone
// (same bias) with the number of paths that meets the same variance budget, both actually run.
// Part 2 runs MLMC at several ε and fits the log–log slope of cost against ε: Giles' theorem
// predicts cost ∝ ε⁻² for Milstein (variance decay β = 2 > γ = 1) and ε⁻²(log ε)² for Euler
// (β = γ = 1), whose fitted slope over a finite range is therefore a little above 2.

import ArgumentParser
import Dispatch
import Foundation
import MonteCarlo

struct MultilevelOptionExample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "multilevel-option",
        abstract: "MLMC vs plain Monte Carlo at equal RMSE on the GBM Euler call, and MLMC cost against ε.")

    @Option(help: "Seed of the random streams (the numbers do not depend on the thread count).")
    var seed: UInt64 = 2024

    @Option(help: "Part 1: the target root-mean-square error ε for MLMC and plain Monte Carlo.")
    var rmse: Double = 0.02

    @Option(help: "Part 2: the targets ε, comma-separated (at least 4).")
    var epsilons: String = "0.04,0.02,0.01,0.005"

    var targets: [Double] { epsilons.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        guard rmse > 0, rmse.isFinite, rmse >= 1e-4 else { throw ValidationError("--rmse must be at least 1e-4 (got \(rmse)).") }
        let values = targets
        guard values.count >= 4, values.count == epsilons.split(separator: ",").count,
              values.allSatisfy({ $0 >= 1e-4 && $0.isFinite }), Set(values).count == values.count else {
            throw ValidationError("--epsilons must be at least 4 distinct numbers ≥ 1e-4, comma-separated (got \(epsilons)).")
        }
    }

    func run() throws {
        let option = try EuropeanCallOption(spot: 100, strike: 105, rate: 0.05, volatility: 0.2, maturity: 1)
        let truth = option.blackScholesPrice
        print("multilevel-option: European call (S0 = 100, K = 105, r = 0.05, σ = 0.2, T = 1), Black–Scholes \(format(truth, 6))")
        try equalError(option: option, truth: truth)
        try costAgainstEpsilon(option: option, truth: truth)
    }

    // MARK: - Part 1

    func equalError(option: EuropeanCallOption, truth: Double) throws {
        let sampler = try EuropeanCallLevelSampler(option: option, scheme: .euler)
        print("\nPart 1: MLMC vs plain Monte Carlo at RMSE ε = \(rmse), Euler steps, one thread each")
        let (mlmcSeconds, report) = try timed {
            try MultilevelMonteCarlo(sampler: sampler, threadCount: 1).run(rootMeanSquareError: rmse, seed: seed)
        }
        let finest = report.levels.count - 1
        // Plain Monte Carlo of P_L: Var(P_L) from a pilot on its own stream, then N = Var/(ε²/2) paths.
        let pilot = plainPaths(sampler, level: finest, count: 10_000, stream: 0)
        let needed = Int((pilot.sampleVariance / (rmse * rmse / 2)).rounded(.up))
        let (plainSeconds, plain) = timed { plainPaths(sampler, level: finest, count: needed, stream: 1) }
        let plainSE = (plain.sampleVariance / Double(needed)).squareRoot()
        let plainSteps = Double(needed) * Double(1 << finest)
        let bias = report.biasBound ?? .nan
        print("  method  paths        time steps   seconds   estimate ± SE            (estimate − truth)/SE")
        print(row("MLMC", report.levels.reduce(0) { $0 + $1.samples }, report.totalCost, mlmcSeconds,
                  report.estimate.value, report.estimate.standardError, truth))
        print(row("plain", needed, plainSteps, plainSeconds, plain.mean, plainSE, truth))
        print("  MLMC levels 0…\(finest), samples per level \(report.levels.map(\.samples)); declared bias bound \(format(bias, 3)) "
            + "(plain on level \(finest) alone has the same bias)")
        print("  plain needs \(String(format: "%.1f", plainSteps / report.totalCost))× the work and "
            + "\(String(format: "%.1f", plainSeconds / mlmcSeconds))× the time of MLMC")
    }

    /// `count` Euler paths of 2^level steps on stream `stream` of the seed: the payoff's moments.
    func plainPaths(_ sampler: EuropeanCallLevelSampler, level: Int, count: Int, stream: Int) -> RunningMoments {
        var generator = RandomStreams(seed: seed &+ 1).stream(stream)
        var moments = RunningMoments()
        for _ in 0..<count { moments.add(sampler.fineSample(level: level, using: &generator)) }
        return moments
    }

    // MARK: - Part 2

    func costAgainstEpsilon(option: EuropeanCallOption, truth: Double) throws {
        let values = targets.sorted(by: >)
        print("\nPart 2: MLMC cost (time steps) against ε, log–log; fitted slope of log₂ cost on log₂(1/ε) ± its SE")
        for scheme in EuropeanCallLevelSampler.Scheme.allCases {
            let sampler = try EuropeanCallLevelSampler(option: option, scheme: scheme)
            print("\n  \(scheme.rawValue)")
            print("  ε          log₂(1/ε)  L   cost        log₂ cost  ε²·cost     seconds   (estimate − truth)/ε")
            var x: [Double] = [], y: [Double] = []
            for (i, epsilon) in values.enumerated() {
                let (seconds, report) = try timed {
                    try MultilevelMonteCarlo(sampler: sampler).run(rootMeanSquareError: epsilon, seed: seed &+ UInt64(i))
                }
                x.append(log2(1 / epsilon))
                y.append(log2(report.totalCost))
                print(String(format: "  %-10.4g %-10.3f %-3d %-11.4g %-10.3f %-11.4g %-9.3f %+.2f", epsilon, x[i],
                             report.levels.count - 1, report.totalCost, y[i], epsilon * epsilon * report.totalCost,
                             seconds, (report.estimate.value - truth) / epsilon))
            }
            let fit = slope(x, y)
            let theory = scheme == .milstein ? "2 (cost ∝ ε⁻²)" : "above 2 (cost ∝ ε⁻²(log ε)²: ε²·cost grows like (log ε)²)"
            print(String(format: "  fitted slope %.3f ± %.3f; theory ", fit.slope, fit.standardError) + theory)
        }
    }

    /// The least-squares slope of y on x with its standard error (n − 2 degrees of freedom).
    func slope(_ x: [Double], _ y: [Double]) -> (slope: Double, standardError: Double) {
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxx = 0.0, sxy = 0.0
        for (a, b) in zip(x, y) {
            sxx += (a - mx) * (a - mx)
            sxy += (a - mx) * (b - my)
        }
        let b = sxy / sxx
        var residuals = 0.0
        for (a, c) in zip(x, y) { residuals += (c - my - b * (a - mx)) * (c - my - b * (a - mx)) }
        return (b, (residuals / (n - 2) / sxx).squareRoot())
    }

    // MARK: - Formatting and timing

    func timed<T>(_ body: () throws -> T) rethrows -> (Double, T) {
        let start = DispatchTime.now().uptimeNanoseconds
        let result = try body()
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, result)
    }

    func format(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)g", x) }

    func row(_ name: String, _ paths: Int, _ steps: Double, _ seconds: Double, _ value: Double, _ se: Double,
             _ truth: Double) -> String {
        let estimate = "\(format(value, 6)) ± \(format(se, 2))"
        return "  " + name.padding(toLength: 8, withPad: " ", startingAt: 0)
            + String(format: "%-12d %-12.4g %-9.3f ", paths, steps, seconds)
            + estimate.padding(toLength: 25, withPad: " ", startingAt: 0) + String(format: "%+.2f", (value - truth) / se)
    }
}

MultilevelOptionExample.main()
