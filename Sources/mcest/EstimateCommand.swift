import ArgumentParser
import Foundation
import MonteCarlo

/// `mcest estimate`: one reference problem, one method, a sample count or a standard-error
/// target, run by `MonteCarloDriver`; optionally one shard of a run split across machines.
struct EstimateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate",
        abstract: "Estimate a reference problem with one method, on all cores or as one shard of a sharded run.",
        discussion: """
            Problems (the same as in `mcest demo`): exp = E[exp(U)], U ~ Uniform(0, 1), truth e − 1; \
            european = a European call (S0 = 100, K = 105, r = 0.05, σ = 0.2, T = 1), truth its \
            Black–Scholes price; asian = an arithmetic Asian call (S0 = K = 100, r = 0.05, σ = 0.2, \
            T = 1, 16 dates), no closed form. Methods: plain; antithetic (pairs, two evaluations \
            each); cv (2-fold cross-fitted control variate: U, the discounted terminal price, or the \
            geometric Asian call); rqmc (independent random digital shifts of --points Sobol points); \
            stratified (--strata equal-probability intervals on each of the first \
            --strata-coordinates input coordinates, default 1, so --strata^k strata; one draw in each \
            per sweep, or with --allocation neyman draws ∝ the within-stratum standard deviations of a \
            --pilot run on its own stream, about one per stratum on average; variance within strata); \
            lhs (independent Latin hypercube designs of --design-size points, or with --design \
            orthogonal-array randomized orthogonal arrays of --design-size = q² points, q prime; \
            variance from the spread of the design means).

            --samples is the number of integrand evaluations: plain and cv draw that many, \
            antithetic half as many pairs, rqmc samples/--points randomizations, \
            stratified samples/(number of strata) sweeps, lhs samples/--design-size designs. With --target-se \
            the run stops once the standard error is at most the target (precisely: once the 95% \
            interval's half-width is at most 1.96 × target), or at --samples evaluations. It is \
            first checked after the estimator's minimum (1000 draws, pairs or about 1000 points of \
            sweeps; 16 rqmc randomizations or lhs designs), then at the size the variance so far \
            says the target needs (plus 10%), rounded up to whole blocks. The result depends only on the options and --seed, never on \
            the number of cores.

            A progress line (samples so far, estimate ± standard error) is shown on standard \
            error when it is a terminal, never with --json or when standard error is redirected.

            Sharded runs: `--shard i/N --state-out FILE` (0 ≤ i < N) computes only shard i: the \
            run's blocks of samples (block b draws from random stream b of --seed) are split into \
            N contiguous ranges, so shards never share a stream, and shard i writes the states of \
            its blocks to FILE (versioned JSON with a fingerprint of the problem, method, sample \
            count, block size, seed and N). `mcest merge FILE…` then prints exactly (bit for bit) \
            what the single run prints. Every method can be sharded; a shard needs a fixed \
            --samples (not --target-se), since an error target cannot be split ahead of time.

            Multilevel: --problem european-euler|european-milstein (the european call with 2^l \
            Euler or Milstein time steps at level l, truth Black–Scholes), asian (with mlmc or \
            rmlmc: the continuously averaged arithmetic Asian call, S0 = K = 100, r = 0.05, σ = 0.2, \
            T = 1, 2^l Milstein steps and a trapezoidal average, no closed form) or asian-geometric \
            (its geometric-average twin, truth the Kemna–Vorst price) with --method mlmc \
            (Giles' multilevel Monte Carlo to the root-mean-square error --rmse: variance ≤ ε²/2, \
            estimated bias ≤ ε/√2) or rmlmc (randomized, unbiased single-term MLMC, run until its \
            standard error is at most --rmse); not sharded.

            Rare events: --problem rare-event is P(Z > γ) for Z ~ N(0, 1) with γ = --threshold \
            (default 5, truth Q(γ)), with --method cem (cross-entropy adaptation of a Gaussian mean \
            shift, then --samples fresh importance-sampling draws; unbiased) or plain; not sharded.
            """)

    /// The `--problem` choices.
    enum ProblemName: String, ExpressibleByArgument, CaseIterable, Codable {
        case exp, european, asian
        case europeanEuler = "european-euler", europeanMilstein = "european-milstein"
        case asianGeometric = "asian-geometric"
        case rareEvent = "rare-event"
    }

    /// The `--method` choices.
    enum MethodName: String, ExpressibleByArgument, CaseIterable, Codable {
        case plain, antithetic, cv, rqmc, stratified, lhs, mlmc, rmlmc, cem
    }

    @Option(help: "exp, european, asian, european-euler, european-milstein or asian-geometric (the last three: --method mlmc or rmlmc), rare-event (--method cem or plain).")
    var problem: ProblemName = .european

    @Option(help: "plain, antithetic, cv, rqmc, stratified, lhs, mlmc, rmlmc or cem.")
    var method: MethodName = .plain

    @Option(help: "Integrand evaluations (the cap, with --target-se).")
    var samples: Int = 1_000_000

    @Option(name: .customLong("target-se"), parsing: .unconditional, help: "Stop once the standard error is at most this (not with --shard).")
    var targetStandardError: Double?

    @Option(name: .customLong("rmse"), parsing: .unconditional, help: "mlmc/rmlmc: the target root-mean-square error.")
    var rootMeanSquareError: Double?

    @Option(parsing: .unconditional, help: "rare-event: the level γ of P(Z > γ).")
    var threshold: Double = 5

    @Option(help: "rqmc: Sobol points per randomization (a power of two suits Sobol best).")
    var points: Int = 1024

    @Option(help: "stratified: equal-probability intervals of each stratified input coordinate (see --strata-coordinates).")
    var strata: Int = 16

    @Option(name: .customLong("design-size"), help: "lhs: points per design (q², q prime, with --design orthogonal-array).")
    var designSize: Int = 64

    @OptionGroup var stratificationOptions: StratificationOptions

    @Option(name: .customLong("block-size"), help: "Samples per block (default: the method's preferred size); part of a sharded run's fingerprint.")
    var blockSize: Int?

    @Option(help: "Seed of the random streams: the same seed gives the same numbers on any number of cores.")
    var seed: UInt64 = 2024

    @Option(help: ArgumentHelp("Compute only shard i of N (0 ≤ i < N) and write its state to --state-out.", valueName: "i/N"))
    var shard: ShardSpec?

    @Option(name: .customLong("state-out"), help: ArgumentHelp(
        "Write the shard's mergeable state (versioned JSON) to this file instead of printing an estimate.", valueName: "file"))
    var stateOut: String?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        try CountOption.check(samples, "--samples", in: CountOption.samples)
        try CountOption.check(points, "--points", in: CountOption.points)
        if let blockSize { try CountOption.check(blockSize, "--block-size", in: CountOption.blockSize) }
        if let targetStandardError {
            guard targetStandardError > 0, targetStandardError.isFinite else {
                throw ValidationError("--target-se must be a positive number (got \(targetStandardError)).")
            }
            if shard != nil || stateOut != nil {
                throw ValidationError("--shard/--state-out need a fixed --samples: an error target cannot be split "
                    + "between machines ahead of time; drop --target-se.")
            }
        }
        if shard != nil, stateOut == nil {
            throw ValidationError("--shard needs --state-out FILE: a shard's result is a state to merge with `mcest merge`.")
        }
        if method == .rqmc, samples / points < 2 {
            throw ValidationError("rqmc needs at least 2 randomizations: --samples (\(samples)) must be at least 2 × --points (\(points)).")
        }
        try validateStratification()
        guard threshold.isFinite else { throw ValidationError("--threshold must be a finite number (got \(threshold)).") }
    }

    var setup: EstimateSetup {
        EstimateSetup(problem: problem, method: method, evaluations: samples, points: points, blockSize: blockSize,
                      strata: method == .stratified ? strata : nil, designSize: method == .lhs ? designSize : nil,
                      stratification: stratificationSettings)
    }

    func run() throws {
        if RareEventEstimate.applies(problem: problem, method: method) {
            let ignored = [(shard != nil, "--shard"), (stateOut != nil, "--state-out"), (targetStandardError != nil, "--target-se")]
            try RareEventEstimate(method: method, threshold: threshold, samples: samples, seed: seed,
                                  unsupportedOptions: ignored.filter(\.0).map(\.1)).run(problem: problem, json: json)
            return
        }
        if MultilevelEstimate.applies(problem: problem, method: method) {
            let ignored = [(shard != nil, "--shard"), (stateOut != nil, "--state-out"), (targetStandardError != nil, "--target-se")]
            try MultilevelEstimate(problem: problem, method: method, rootMeanSquareError: rootMeanSquareError, seed: seed,
                                   unsupportedOptions: ignored.filter(\.0).map(\.1))
                .run(json: json)
            return
        }
        let progress = ProgressLine.enabled(json: json)
        if let stateOut {
            let shard = shard ?? ShardSpec(index: 0, count: 1)
            let written = try reportingFailures {
                try setup.accept(ShardRunner(setup: setup, seed: seed, shard: shard, path: stateOut, progress: progress))
            }
            progress?.finish()
            print(json ? try written.json() : written.text)
            return
        }
        let report = try reportingFailures {
            try setup.accept(SingleRunner(setup: setup, seed: seed, targetStandardError: targetStandardError, progress: progress))
        }
        progress?.finish()
        try report.print(json: json)
    }

    // MARK: - Merging

    /// `mcest merge` for state files written by `mcest estimate`.
    static func merge(_ documents: [(path: String, data: Data)], allowPartial: Bool, json: Bool) throws {
        let first: ShardFile<EstimateFingerprint, IgnoredPayload>
        do {
            first = try JSONDecoder().decode(ShardFile<EstimateFingerprint, IgnoredPayload>.self, from: documents[0].data)
        } catch {
            throw CommandFailure("\(documents[0].path) is not a valid state file (\(describeDecodingError(error))).")
        }
        let setup = first.fingerprint.setup
        let report = try setup.accept(ShardMerger(setup: setup, documents: documents, allowPartial: allowPartial))
        if let warning = report.shards?.warning { printToStandardError(warning) }
        try report.print(json: json)
    }
}

// MARK: - The problem and the estimator

/// What `mcest estimate` runs: problem, method and budget.
struct EstimateSetup: Codable, Equatable {
    var problem: EstimateCommand.ProblemName
    var method: EstimateCommand.MethodName
    /// Integrand evaluations asked for.
    var evaluations: Int
    /// RQMC points per randomization.
    var points: Int
    /// Samples per block, when set.
    var blockSize: Int?
    /// Strata of the first coordinate (stratified only).
    var strata: Int? = nil
    /// Points per Latin hypercube design (lhs only).
    var designSize: Int? = nil
    /// Allocation, stratified coordinates and design (stratified and lhs only).
    var stratification: StratificationSettings? = nil

    /// Samples in the estimator's unit: draws, antithetic pairs or RQMC randomizations.
    var samples: Int {
        switch method {
        case .plain, .cv, .mlmc, .rmlmc, .cem: return evaluations
        case .antithetic: return max(2, evaluations / 2)
        case .rqmc: return max(2, evaluations / points)
        case .stratified: return max(2, evaluations / stratumCount)
        case .lhs: return max(2, evaluations / (designSize ?? 1))
        }
    }

    /// The problem in words, with its parameters.
    var problemDescription: String {
        switch problem {
        case .exp: return "E[exp(U)], U ~ Uniform(0, 1)"
        case .european: return "European call (S0 = 100, K = 105, r = 0.05, σ = 0.2, T = 1)"
        case .asian: return "arithmetic Asian call (S0 = 100, K = 100, r = 0.05, σ = 0.2, T = 1, 16 dates)"
        case .europeanEuler, .europeanMilstein: return "European call with \(problem == .europeanEuler ? "Euler" : "Milstein") time steps"
        case .asianGeometric: return "continuously averaged geometric Asian call (Milstein time steps)"
        case .rareEvent: return "P(Z > γ), Z ~ N(0, 1)"
        }
    }

    /// The closed-form answer, when there is one, and a note on it.
    var truth: (value: Double?, note: String) {
        switch problem {
        case .exp:
            return (M_E - 1, "truth e − 1")
        case .european, .europeanEuler, .europeanMilstein:
            let price = (try? EuropeanCallOption(spot: 100, strike: 105, rate: 0.05, volatility: 0.2, maturity: 1))?.blackScholesPrice
            return (price, "truth: the Black–Scholes price")
        case .asian:
            let geometric = (try? AsianCallOption(spot: 100, strike: 100, rate: 0.05, volatility: 0.2, maturity: 1,
                                                  monitoringDates: 16))?.geometricPrice ?? .nan
            return (nil, "no closed form (the geometric Asian call, the cv control, is \(geometric))")
        case .asianGeometric:
            return (nil, "the Kemna–Vorst price (multilevel only)")
        case .rareEvent:
            return (nil, "see RareEventEstimate")
        }
    }

    /// A stopping rule for `samples` samples.
    func driver(stoppingRule: StoppingRule, progress: ProgressLine?) -> MonteCarloDriver {
        MonteCarloDriver(stoppingRule: stoppingRule, blockSize: blockSize, progress: progress?.callback(unit: unitName))
    }

    /// The estimator's unit, for messages.
    var unitName: String {
        switch method {
        case .plain, .cv, .mlmc, .rmlmc, .cem: return "draws"
        case .antithetic: return "pairs"
        case .rqmc: return "randomizations"
        case .stratified: return "sweeps"
        case .lhs: return "designs"
        }
    }

    /// Builds the estimator and hands it to `visitor`.
    func accept<V: EstimatorVisitor>(_ visitor: V) throws -> V.Result {
        switch problem {
        case .exp:
            return try accept(
                visitor, sampler: UniformDistribution.unit,
                integrand: Integrand(batch: { u, values in for i in u.indices { values[i] = exp(u[i]) } }),
                control: VectorIntegrand(outputDimension: 1, batch: { u, values in for i in u.indices { values[i] = u[i] } }),
                controlMean: 0.5)
        case .european:
            let option = try EuropeanCallOption(spot: 100, strike: 105, rate: 0.05, volatility: 0.2, maturity: 1)
            // e^{−rT} S_T = S₀ exp(−σ²T/2 + σ√T Z): a martingale, so its mean is S₀.
            let logDrift = -0.5 * option.volatility * option.volatility * option.maturity
            let logScale = option.volatility * option.maturity.squareRoot()
            return try accept(
                visitor, sampler: NormalDistribution.standard, integrand: Integrand { option.discountedPayoff($0) },
                control: VectorIntegrand(outputDimension: 1, batch: { z, values in
                    for i in z.indices { values[i] = option.spot * exp(logDrift + logScale * z[i]) }
                }),
                controlMean: option.spot)
        case .asian:
            let option = try AsianCallOption(spot: 100, strike: 100, rate: 0.05, volatility: 0.2, maturity: 1,
                                             monitoringDates: 16)
            return try accept(
                visitor, sampler: option.pathMeasure, integrand: Integrand { option.arithmeticPayoff($0) },
                control: VectorIntegrand(outputDimension: 1, batch: { paths, values in
                    for i in paths.indices { values[i] = option.geometricPayoff(paths[i]) }
                }),
                controlMean: option.geometricPrice)
        case .europeanEuler, .europeanMilstein, .asianGeometric:
            throw CommandFailure("--problem \(problem.rawValue) runs only with --method mlmc or rmlmc (MultilevelEstimate).")
        case .rareEvent:
            throw CommandFailure("--problem rare-event runs only with --method cem or plain (RareEventEstimate).")
        }
    }

    private func accept<V: EstimatorVisitor, S: ReflectableSampler & UnitCubeSampler>(
        _ visitor: V, sampler: S, integrand: Integrand<S.Point>, control: VectorIntegrand<S.Point>, controlMean: Double
    ) throws -> V.Result {
        switch method {
        case .plain:
            return try visitor.visit(PlainMonteCarlo(sampler: sampler, integrand: integrand))
        case .antithetic:
            return try visitor.visit(AntitheticMonteCarlo(sampler: sampler, integrand: integrand))
        case .cv:
            return try visitor.visit(try ControlVariateMonteCarlo(
                sampler: sampler, integrand: integrand, controls: control, controlMeans: [controlMean],
                fitting: .crossFitted(folds: 2)))
        case .rqmc:
            return try visitor.visit(try RandomizedQuasiMonteCarlo(
                sampler: sampler, integrand: integrand, sequence: .sobol, pointsPerReplicate: points))
        case .stratified, .lhs:
            return try acceptStratification(visitor, sampler: sampler, integrand: integrand)
        case .mlmc, .rmlmc:
            throw CommandFailure("--method \(method.rawValue) runs only on --problem european-euler or european-milstein.")
        case .cem:
            throw CommandFailure("--method cem runs only on --problem rare-event (RareEventEstimate).")
        }
    }
}

// MARK: - Single runs, shards and merges

/// One run on this machine under a sample count or a standard-error target.
struct SingleRunner: EstimatorVisitor {
    let setup: EstimateSetup
    let seed: UInt64
    let targetStandardError: Double?
    let progress: ProgressLine?

    func visit<E: MonteCarloEstimator>(_ estimator: E) throws -> EstimateRunReport where E.Output == Estimate {
        let rule: StoppingRule = targetStandardError.map {
            // Half-width 1.96·SE of the 95% normal interval (a t interval is slightly wider, so stricter).
            .absoluteError(1.959963984540054 * $0, level: 0.95, maximumSamples: setup.samples(for: estimator))
        } ?? .sampleCount(setup.samples(for: estimator))
        let report = try setup.driver(stoppingRule: rule, progress: progress).run(estimator, seed: seed)
        return try EstimateRunReport(setup: setup, seed: seed, estimate: report.estimate,
                                     samples: report.samples, stopReason: report.stopReason.rawValue, shards: nil)
    }
}

/// What must agree between the shards of one `mcest estimate` run.
struct EstimateFingerprint: Codable, Equatable {
    var problem: EstimateCommand.ProblemName
    var method: EstimateCommand.MethodName
    var evaluations: Int
    var points: Int
    /// Samples in the estimator's unit.
    var samples: Int
    /// The block size actually used.
    var blockSize: Int
    var seed: UInt64
    var shardCount: Int
    var strata: Int? = nil
    var designSize: Int? = nil
    var stratification: StratificationSettings? = nil

    var setup: EstimateSetup {
        EstimateSetup(problem: problem, method: method, evaluations: evaluations, points: points, blockSize: blockSize,
                      strata: strata, designSize: designSize, stratification: stratification)
    }
}

/// Computes one shard's blocks and writes them to a state file.
struct ShardRunner: EstimatorVisitor {
    let setup: EstimateSetup
    let seed: UInt64
    let shard: ShardSpec
    let path: String
    let progress: ProgressLine?

    func visit<E: MonteCarloEstimator>(_ estimator: E) throws -> ShardWritten where E.Output == Estimate {
        let samples = setup.samples(for: estimator)
        let driver = setup.driver(stoppingRule: .sampleCount(samples), progress: progress)
        let blockSize = setup.blockSize ?? estimator.preferredBlockSize
        let fingerprint = EstimateFingerprint(
            problem: setup.problem, method: setup.method, evaluations: setup.evaluations, points: setup.points,
            samples: samples, blockSize: blockSize, seed: seed, shardCount: shard.count,
            strata: setup.strata, designSize: setup.designSize, stratification: setup.stratification)
        return try BlockShards.write(estimator, driver: driver, samples: samples, blockSize: blockSize, seed: seed,
                                     shard: shard, command: "estimate", fingerprint: fingerprint, inputs: nil, to: path,
                                     tooMany: "a smaller --block-size or more --samples", sampleName: setup.unitName)
    }
}

/// Merges shard files into the single run's report.
struct ShardMerger: EstimatorVisitor {
    let setup: EstimateSetup
    let documents: [(path: String, data: Data)]
    let allowPartial: Bool

    func visit<E: MonteCarloEstimator>(_ estimator: E) throws -> EstimateRunReport where E.Output == Estimate {
        let set = try ShardSet<EstimateFingerprint, EstimatePayload<E.State>>(documents, allowPartial: allowPartial)
        let fingerprint = set.shards[0].file.fingerprint
        let (estimate, samples) = try BlockShards.merge(estimator, set: set, samples: fingerprint.samples,
                                                         blockSize: fingerprint.blockSize)
        let seed = set.shards[0].file.fingerprint.seed
        return try EstimateRunReport(setup: setup, seed: seed, estimate: estimate, samples: samples,
                                     stopReason: set.summary.partial ? "partialMerge" : StopReason.reachedSampleCount.rawValue,
                                     shards: set.summary)
    }
}
