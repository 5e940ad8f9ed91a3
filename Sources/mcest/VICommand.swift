import ArgumentParser
import Foundation
import MonteCarlo

/// `mcest vi`: variational inference for Bayesian linear or logistic regression from a CSV file.
struct VICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vi",
        abstract: "Fit a Gaussian variational posterior and report ELBO and IWAE bounds with standard errors.",
        discussion: """
            The model, exactly: the weights w ~ N(0, prior_sd² I) multiply the non-target columns \
            (plus an intercept column of ones only with --intercept). Linear regression: \
            y ~ N(Xw, noise_sd² I) with the noise known. Logistic regression: P(y = 1) = 1/(1 + e^(−x·w)) \
            with a 0/1 target. q is a Gaussian (mean-field or full-rank) fitted with Adam on the \
            sticking-the-landing gradient until the ELBO change is within its noise (stop reason \
            "converged") or --max-iterations run out ("iterationLimit"). Reported: the stop reason, \
            ELBO ± SE and IWAE_K ± SE (K = 10, 100) on fresh draws, with each --alpha the Rényi \
            objective (1/(1−α)) E[log (1/K) Σ w_k^(1−α)] ± SE (K = --group-size; α = 0 is IWAE_K, \
            K = 1 the ELBO), and the posterior means and standard deviations under q; for linear \
            regression also the exact log evidence. With --gradient, also the gradient of IWAE_K \
            (K = --group-size) with respect to q's parameters at the fitted q, each component ± SE: \
            reparam (reparameterization), dreg (doubly reparameterized) or vimco (score function \
            with leave-one-out baselines, K ≥ 2).
            """)

    enum ModelKind: String, ExpressibleByArgument, CaseIterable {
        case linearRegression = "linear-regression"
        case logisticRegression = "logistic-regression"
    }

    enum Family: String, ExpressibleByArgument, CaseIterable {
        case meanField = "mean-field"
        case fullRank = "full-rank"
    }

    @Option(help: "The model: linear-regression or logistic-regression.")
    var model: ModelKind

    @Argument(help: "CSV file with a header row; every field numeric.")
    var data: String

    @Option(help: "Name of the target column.")
    var target: String

    @Option(name: .customLong("prior-sd"), help: "Prior standard deviation of every weight.")
    var priorSD: Double = 1

    @Option(name: .customLong("noise-sd"), help: "Known noise standard deviation (linear regression).")
    var noiseSD: Double = 1

    @Flag(help: "Add an intercept column of ones.")
    var intercept = false

    enum GradientKind: String, ExpressibleByArgument, CaseIterable {
        case reparam
        case dreg
        case vimco

        var estimator: ImportanceWeightedGradientEstimator {
            switch self {
            case .reparam: .reparameterization
            case .dreg: .doublyReparameterized
            case .vimco: .vimco
            }
        }
    }

    @Option(help: "Variational family: mean-field or full-rank.")
    var family: Family = .meanField

    @Option(help: "Draws per ELBO estimate (the IWAE bounds use samples/10 groups).")
    var samples: Int = 20_000

    @Option(name: .customLong("max-iterations"), help: "The most Adam iterations of the fit.")
    var maximumIterations: Int = 5000

    @Option(parsing: .unconditionalSingleValue, help: "Also report the Rényi bound of this order α (finite, not 1; negative values allowed); repeatable.")
    var alpha: [Double] = []

    @Option(name: .customLong("group-size"), help: "Draws per group K of the Rényi bounds and of --gradient (samples/K groups, at least 20).")
    var groupSize: Int = 10

    @Option(help: "Also report the IWAE_K gradient at the fitted q: reparam, dreg or vimco.")
    var gradient: GradientKind?

    @Option(help: "Seed of every random stream.")
    var seed: UInt64 = 2024

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func validate() throws {
        try CountOption.check(samples, "--samples", in: CountOption.variationalSamples)
        try CountOption.check(maximumIterations, "--max-iterations", in: CountOption.iterations)
        try CountOption.check(groupSize, "--group-size", in: CountOption.renyiGroupSize)
        if gradient == .vimco, groupSize < 2 {
            throw ValidationError("--gradient vimco needs --group-size of at least 2 (its leave-one-out baseline); got \(groupSize).")
        }
        for a in alpha where !a.isFinite || a == 1 {
            throw ValidationError("--alpha must be finite and not 1 (got \(a)); α → 1 is the ELBO, reported anyway.")
        }
        guard priorSD > 0, priorSD.isFinite else { throw ValidationError("--prior-sd must be positive (got \(priorSD)).") }
        guard noiseSD > 0, noiseSD.isFinite else { throw ValidationError("--noise-sd must be positive (got \(noiseSD)).") }
    }

    func run() throws {
        let report = try reportingLibraryErrors { () throws(MonteCarloError) -> VIReport in try fit() }
        print(json ? try report.json() : report.text)
    }

    func fit() throws(MonteCarloError) -> VIReport {
        let table = try CSVTable.read(path: data)
        guard let targetIndex = table.columns.firstIndex(of: target) else {
            throw .invalidArgument("No column named \"\(target)\" in \(data) (columns: \(table.columns.joined(separator: ", "))).")
        }
        var names = table.columns.enumerated().filter { $0.offset != targetIndex }.map(\.element)
        if intercept { names.insert("(intercept)", at: 0) }
        guard !names.isEmpty else { throw .invalidArgument("No predictor columns: add columns or use --intercept.") }
        guard table.rows.count >= 2 else {
            throw .insufficientSamples(needed: 2, available: table.rows.count, reason: "(data rows in \(data))")
        }
        let y = table.rows.map { $0[targetIndex] }
        let features = table.rows.map { row in
            (intercept ? [1.0] : []) + row.enumerated().filter { $0.offset != targetIndex }.map(\.element)
        }
        let design = Matrix(rows: features)
        let p = names.count
        let q0 = try GaussianApproximation.meanField(mean: Array(repeating: 0, count: p),
                                                     standardDeviations: Array(repeating: min(priorSD, 1), count: p))
        let initial = family == .meanField ? q0 : try GaussianApproximation.fullRank(mean: q0.mean, lowerScale: q0.scale)
        switch model {
        case .linearRegression:
            let blr = try BayesianLinearRegression(design: design, targets: y, priorStandardDeviation: priorSD,
                                                   noiseStandardDeviation: noiseSD)
            return try report(model: blr, initial: initial, names: names, rows: y.count, logEvidence: try blr.logEvidence())
        case .logisticRegression:
            let logistic = try BayesianLogisticRegression(design: design, labels: y, priorStandardDeviation: priorSD)
            return try report(model: logistic, initial: initial, names: names, rows: y.count, logEvidence: nil)
        }
    }

    func report<Model: ProbabilisticModel>(model fitted: Model, initial: GaussianApproximation, names: [String],
                                           rows: Int, logEvidence: Double?) throws(MonteCarloError) -> VIReport {
        let fit = try VariationalFit(maximumIterations: maximumIterations, samplesPerCheck: max(100, samples / 10))
            .run(model: fitted, initial: initial, seed: seed)
        let bound = EvidenceLowerBound(model: fitted, approximation: fit.approximation)
        let streams = RandomStreams(seed: seed)
        var generator = streams.stream(1 << 40)
        let elbo = try bound.estimate(samples: samples, seed: generator.next())
        let iwae = try [10, 100].map { k throws(MonteCarloError) in
            (k, try bound.importanceWeighted(groupSize: k, groups: max(20, samples / k), seed: generator.next()))
        }
        var renyi: [VIReport.Bound] = []
        for a in alpha {
            let estimate = try bound.renyi(alpha: a, groupSize: groupSize, groups: max(20, samples / groupSize), seed: generator.next())
            renyi.append(try .init(estimate, groupSize: groupSize, alpha: a))
        }
        let q = fit.approximation
        var gradientReport: VIReport.Gradient?
        if let gradient {
            let estimate = try bound.importanceWeightedGradient(gradient.estimator, groupSize: groupSize,
                                                                groups: max(20, samples / groupSize), seed: generator.next())
            let parameters = names.map { "mean[\($0)]" } + q.scaleParameterPositions.map { position in
                position.row == position.column ? "scale[\(names[position.row])]" : "scale[\(names[position.row]),\(names[position.column])]"
            }
            gradientReport = .init(estimator: gradient.rawValue, groupSize: groupSize, parameters: parameters, estimate: estimate)
        }
        let sds = (0..<q.dimension).map { i in (0...i).reduce(0.0) { $0 + q.scale[i, $1] * q.scale[i, $1] }.squareRoot() }
        return VIReport(
            model: self.model.rawValue, family: family.rawValue, rows: rows, intercept: intercept,
            priorSD: priorSD, noiseSD: self.model == .linearRegression ? noiseSD : nil, seed: seed,
            iterations: fit.iterations, stopReason: fit.stopReason,
            elbo: try .init(elbo), iwae: try iwae.map { b throws(MonteCarloError) in try .init(b.1, groupSize: b.0) }, renyi: renyi,
            logEvidence: logEvidence, gradient: gradientReport,
            posterior: zip(names, zip(q.mean, sds)).map { .init(name: $0.0, mean: $0.1.0, standardDeviation: $0.1.1) })
    }
}

/// What `mcest vi` reports. JSON: an array of ``EstimateRecord``s, the ELBO (context `quantity`
/// "elbo"), IWAE_K for each K ("iwae", `groupSize` K), then the Rényi objective for each --alpha
/// ("renyi", `alpha`, `groupSize`); each context holds the fit (`model`, `family`, `rows`,
/// `intercept`, `priorSD`, `noiseSD`, `seed`, `iterations`, `converged`, `stopReason`
/// "converged" or "iterationLimit"), the exact `logEvidence` (`null` when unknown) and the
/// `posterior` {`name`, `mean`, `standardDeviation`} of each weight under q.
struct VIReport {
    struct Bound {
        let groupSize: Int?
        /// The Rényi order α; nil for the ELBO and IWAE.
        let alpha: Double?
        let estimate: Estimate
        var value: Double { estimate.value }
        var standardError: Double { estimate.standardError }
        var samples: Int { estimate.sampleCount }
        var quantity: String { alpha != nil ? "renyi" : groupSize == nil ? "elbo" : "iwae" }

        init(_ estimate: Estimate, groupSize: Int? = nil, alpha: Double? = nil) throws(MonteCarloError) {
            self.groupSize = groupSize
            self.alpha = alpha
            self.estimate = estimate
        }
    }

    /// The IWAE_K gradient at the fitted q: one component per variational parameter.
    struct Gradient {
        let estimator: String
        let groupSize: Int
        /// "mean[w]", then "scale[w]" (diagonal) or "scale[w1,w2]" (full-rank lower triangle).
        let parameters: [String]
        let estimate: VectorEstimate
    }

    struct Weight {
        let name: String
        let mean: Double
        let standardDeviation: Double
    }

    let model: String
    let family: String
    let rows: Int
    let intercept: Bool
    let priorSD: Double
    let noiseSD: Double?
    let seed: UInt64
    let iterations: Int
    let stopReason: VariationalFit.StopReason
    let elbo: Bound
    let iwae: [Bound]
    let renyi: [Bound]
    let logEvidence: Double?
    let gradient: Gradient?
    let posterior: [Weight]

    /// The ELBO's and the IWAE bounds' records, as a JSON array.
    func json() throws -> String {
        let context: [String: EstimateRecord.ContextValue] = [
            "command": "vi", "model": .string(model), "family": .string(family), "rows": .integer(rows),
            "intercept": .bool(intercept), "priorSD": .number(priorSD), "noiseSD": .init(noiseSD), "seed": .init(seed: seed),
            "iterations": .integer(iterations), "converged": .bool(stopReason == .converged),
            "stopReason": .string(stopReason.rawValue), "logEvidence": .init(logEvidence),
            "posterior": .array(posterior.map { ["name": .string($0.name), "mean": .number($0.mean), "standardDeviation": .number($0.standardDeviation)] }),
        ]
        var records: [EstimateRecord] = []
        let names = ["elbo": "the ELBO", "iwae": "the IWAE bound", "renyi": "the Rényi bound"]
        for bound in [elbo] + iwae + renyi {
            var extra: [String: EstimateRecord.ContextValue] = ["quantity": .string(bound.quantity)]
            if let k = bound.groupSize { extra["groupSize"] = .integer(k) }
            if let a = bound.alpha { extra["alpha"] = .number(a) }
            records.append(try EstimateRecord(bound.estimate.requireFinite(names[bound.quantity] ?? bound.quantity),
                                              context: context.merging(extra) { _, new in new }))
        }
        if let gradient {
            for (i, parameter) in gradient.parameters.enumerated() {
                let extra: [String: EstimateRecord.ContextValue] = [
                    "quantity": "iwaeGradient", "estimator": .string(gradient.estimator), "groupSize": .integer(gradient.groupSize),
                    "parameter": .string(parameter),
                ]
                records.append(try EstimateRecord(gradient.estimate.component(i).requireFinite("the IWAE gradient"),
                                                  context: context.merging(extra) { _, new in new }))
            }
        }
        return try EstimateRecord.json(records)
    }

    var text: String {
        var lines = ["mcest vi: \(model), \(family) Gaussian q, \(rows) rows, seed \(seed)",
                     "fit: \(iterations) Adam iterations, stop reason \(stopReason.rawValue) ("
                        + (stopReason == .converged ? "the ELBO change was within its noise)" : "the iteration cap was reached; not converged)"),
                     "",
                     String(format: "  ELBO       %12.5f ± %.5f  (%d draws)", elbo.value, elbo.standardError, elbo.samples)]
        for bound in iwae {
            lines.append(String(format: "  IWAE_%-4d  %12.5f ± %.5f  (%d draws)", bound.groupSize ?? 0, bound.value, bound.standardError, bound.samples))
        }
        if let first = renyi.first {
            lines.append("  Rényi bounds, K = \(first.groupSize ?? 0) draws per group:")
        }
        for bound in renyi {
            let alpha = "\(bound.alpha ?? .nan)"
            lines.append("    α = " + alpha.padding(toLength: max(5, alpha.count), withPad: " ", startingAt: 0)
                         + String(format: "%12.5f ± %.5f  (%d draws)", bound.value, bound.standardError, bound.samples))
        }
        if let logEvidence {
            lines.append(String(format: "  log p(y)   %12.5f  (exact)", logEvidence))
        }
        if let gradient {
            lines.append("  IWAE_\(gradient.groupSize) gradient at q (\(gradient.estimator), \(gradient.estimate.sampleCount) draws):")
            for (i, parameter) in gradient.parameters.enumerated() {
                let name = parameter.count >= 22 ? parameter : parameter + String(repeating: " ", count: 22 - parameter.count)
                lines.append("    " + name + String(format: " %12.5f ± %.5f", gradient.estimate.values[i], gradient.estimate.standardErrors[i]))
            }
        }
        lines.append("")
        lines.append("  weight                 posterior mean   posterior sd   (under q)")
        for weight in posterior {
            let name = weight.name.count >= 22 ? weight.name : weight.name + String(repeating: " ", count: 22 - weight.name.count)
            lines.append("  " + name + String(format: " %14.5f %14.5f", weight.mean, weight.standardDeviation))
        }
        return lines.joined(separator: "\n")
    }
}
