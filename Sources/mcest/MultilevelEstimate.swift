import Foundation
import MonteCarlo

/// `mcest estimate --method mlmc|rmlmc`: the GBM call discretized by Euler or Milstein, or the
/// continuously averaged Asian call (arithmetic or geometric) by Milstein, estimated by
/// multilevel Monte Carlo to a root-mean-square error, or by randomized (unbiased) MLMC.
///
/// JSON: one ``EstimateRecord`` whose `context` holds `command`, `problem`, `methodOption`,
/// `seed`, `rmse`, `truth` (Black–Scholes, Kemna–Vorst, or null for the arithmetic Asian), `standardizedError`, `stopReason` and, for mlmc,
/// `levels` (per level: `level`, `samples`, `mean`, `variance`, `cost`), `rates` {`alpha`,
/// `beta`, `gamma`}, `biasBound` and `totalCost`; for rmlmc, `levelRate` and `replicates`.
struct MultilevelEstimate {
    let problem: EstimateCommand.ProblemName
    let method: EstimateCommand.MethodName
    let rootMeanSquareError: Double?
    let seed: UInt64
    /// Options given that a multilevel run cannot honour (sharding, a standard-error target).
    var unsupportedOptions: [String] = []

    /// Whether the options ask for a multilevel run.
    static func applies(problem: EstimateCommand.ProblemName, method: EstimateCommand.MethodName) -> Bool {
        [.europeanEuler, .europeanMilstein, .asianGeometric].contains(problem) || [.mlmc, .rmlmc].contains(method)
    }

    /// The option of `mcest estimate` (S0 = 100, K = 105, r = 0.05, σ = 0.2, T = 1).
    static func option() throws(MonteCarloError) -> EuropeanCallOption {
        try EuropeanCallOption(spot: 100, strike: 105, rate: 0.05, volatility: 0.2, maturity: 1)
    }

    func run(json: Bool) throws {
        let (record, text) = try reportingFailures { try compute() }
        print(json ? try record.json() : text)
    }

    func compute() throws -> (EstimateRecord, String) {
        switch problem {
        case .europeanEuler, .europeanMilstein, .asian, .asianGeometric: break
        default:
            throw CommandFailure("--method \(method.rawValue) needs a hierarchy of discretizations: use --problem "
                + "european-euler, european-milstein, asian or asian-geometric.")
        }
        guard method == .mlmc || method == .rmlmc else {
            throw CommandFailure("--problem \(problem.rawValue) is a multilevel problem: use --method mlmc or rmlmc.")
        }
        guard unsupportedOptions.isEmpty else {
            throw CommandFailure("--method \(method.rawValue) takes its target as --rmse and runs on one machine: "
                + "drop \(unsupportedOptions.joined(separator: ", ")).")
        }
        guard let epsilon = rootMeanSquareError else {
            throw CommandFailure("--method \(method.rawValue) needs --rmse E, the target root-mean-square error (e.g. --rmse 0.01).")
        }
        guard epsilon > 0, epsilon.isFinite else {
            throw CommandFailure("--rmse must be a finite positive number (got \(epsilon)).")
        }
        switch problem {
        case .asian, .asianGeometric:
            let option = try Self.asianOption()
            let geometric = try AsianCallLevelSampler(option: option, scheme: .milstein, average: .geometric)
            let kemnaVorst = geometric.limit ?? .nan
            if problem == .asianGeometric {
                return try compute(geometric, epsilon: epsilon, truth: kemnaVorst, description:
                    "continuously averaged geometric Asian call (S0 = K = 100, r = 0.05, σ = 0.2, T = 1), milstein time "
                    + "steps (trapezoidal average)", truthNote: "the Kemna–Vorst price")
            }
            let arithmetic = try AsianCallLevelSampler(option: option, scheme: .milstein, average: .arithmetic)
            return try compute(arithmetic, epsilon: epsilon, truth: nil, description:
                "continuously averaged arithmetic Asian call (S0 = K = 100, r = 0.05, σ = 0.2, T = 1), milstein time "
                + "steps (trapezoidal average)",
                truthNote: "no closed form (the geometric-average call's Kemna–Vorst price, a lower bound, is \(kemnaVorst))")
        default:
            let option = try Self.option()
            let scheme: EuropeanCallLevelSampler.Scheme = problem == .europeanEuler ? .euler : .milstein
            return try compute(try EuropeanCallLevelSampler(option: option, scheme: scheme), epsilon: epsilon,
                               truth: option.blackScholesPrice, description:
                                   "European call (S0 = 100, K = 105, r = 0.05, σ = 0.2, T = 1), \(scheme.rawValue) time steps",
                               truthNote: "the Black–Scholes price")
        }
    }

    /// The Asian option's terms (S0 = K = 100, r = 0.05, σ = 0.2, T = 1).
    static func asianOption() throws(MonteCarloError) -> EuropeanCallOption {
        try EuropeanCallOption(spot: 100, strike: 100, rate: 0.05, volatility: 0.2, maturity: 1)
    }

    /// Runs `sampler`'s hierarchy and reports against `truth` (the limit, when known).
    func compute<S: CoupledLevelSampler>(_ sampler: S, epsilon: Double, truth: Double?, description: String,
                                         truthNote: String) throws -> (EstimateRecord, String) {
        var context: [String: EstimateRecord.ContextValue] = [
            "command": "estimate", "problem": .string(problem.rawValue), "methodOption": .string(method.rawValue),
            "seed": .init(seed: seed), "rmse": .number(epsilon), "truth": .init(truth),
        ]
        let estimate: Estimate
        var lines: [String] = []
        if method == .mlmc {
            let report = try MultilevelMonteCarlo(sampler: sampler).run(rootMeanSquareError: epsilon, seed: seed)
            estimate = report.estimate
            context["stopReason"] = .string(report.stopReason.rawValue)
            context["biasBound"] = .init(report.biasBound)
            context["totalCost"] = .number(report.totalCost)
            context["levels"] = .array(report.levels.map {
                ["level": .integer($0.level), "samples": .integer($0.samples), "mean": .number($0.mean),
                 "variance": .number($0.variance), "cost": .number($0.cost)]
            })
            if let rates = report.rates {
                context["rates"] = ["alpha": .number(rates.alpha), "beta": .number(rates.beta), "gamma": .number(rates.gamma)]
            }
            lines.append("  stopped: \(report.stopReason.rawValue); bias bound \(report.biasBound.map { String(format: "%.3g", $0) } ?? "unknown"), "
                + "total cost \(String(format: "%.4g", report.totalCost)) time steps")
            lines.append("  level   samples          mean(P_l − P_l−1)   variance")
            for level in report.levels {
                lines.append(String(format: "  %5d %9d %20.6g %12.4g", level.level, level.samples, level.mean, level.variance))
            }
        } else {
            // The level distribution from a pilot on seed + 1's streams, the replicates on seed's.
            let estimator = try RandomizedMultilevelMonteCarlo.calibrated(sampler: sampler, form: .singleTerm, seed: seed &+ 1)
            // Unbiased, so the RMSE is the standard error: stop once the 95% half-width is 1.96 ε.
            let rule = StoppingRule.absoluteError(1.959963984540054 * epsilon, level: 0.95, maximumSamples: 100_000_000,
                                                  minimumSamples: 1000)
            let report = try MonteCarloDriver(stoppingRule: rule).run(estimator, seed: seed)
            estimate = report.estimate
            context["stopReason"] = .string(report.stopReason.rawValue)
            context["levelRate"] = .number(estimator.levels.rate)
            context["replicates"] = .integer(report.samples)
            lines.append("  stopped: \(report.stopReason.rawValue); level distribution P(N = l) ∝ 2^(−\(String(format: "%.3f", estimator.levels.rate)) l)")
        }
        let z = truth.flatMap { estimate.standardError > 0 ? (estimate.value - $0) / estimate.standardError : nil }
        context["standardizedError"] = .init(z)
        let record = try EstimateRecord(estimate.requireFinite(estimate.diagnostics.method), context: context)
        var text = [
            "mcest estimate: \(description), "
                + "method \(method.rawValue), target RMSE \(epsilon), seed \(seed)",
            "",
            "  estimate  \(estimate)",
        ]
        text += lines
        text.append("  truth: " + (truth.map { "\(truthNote) = \($0)" } ?? truthNote)
            + (z.map { String(format: "; (estimate − truth) / SE = %.2f", $0) } ?? ""))
        if let bias = estimate.diagnostics.declaredBias { text.append("  declared bias: \(bias)") }
        text += estimate.diagnostics.warnings.map { "  warning: \($0)" }
        return (record, text.joined(separator: "\n"))
    }
}
