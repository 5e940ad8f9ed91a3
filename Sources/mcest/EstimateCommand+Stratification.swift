import ArgumentParser
import MonteCarlo

/// The options of `mcest estimate --method stratified|lhs` beyond --strata and --design-size.
struct StratificationOptions: ParsableArguments {
    /// How draws are spread over the strata.
    enum Allocation: String, ExpressibleByArgument, CaseIterable, Codable {
        case proportional, neyman
    }

    /// The design of `--method lhs`.
    enum Design: String, ExpressibleByArgument, CaseIterable, Codable {
        case lhs
        case orthogonalArray = "orthogonal-array"
    }

    @Option(help: ArgumentHelp(
        "stratified: proportional (the same draws in every stratum) or neyman (draws ∝ the within-stratum standard "
            + "deviations, from a pilot of --pilot draws per stratum on its own stream).", valueName: "allocation"))
    var allocation: Allocation?

    @Option(help: "stratified --allocation neyman: pilot draws per stratum (at least 2; default 16).")
    var pilot: Int?

    @Option(name: .customLong("strata-coordinates"), help: ArgumentHelp(
        "stratified: cut each of the first k input coordinates into --strata intervals (--strata^k strata; default 1).",
        valueName: "k"))
    var strataCoordinates: Int?

    @Option(help: ArgumentHelp(
        "lhs: lhs (Latin hypercube designs) or orthogonal-array (randomized strength-2 orthogonal arrays of "
            + "--design-size = q² points, q a prime at least the input dimension − 1).", valueName: "design"))
    var design: Design?
}

/// What a stratified or LHS run needs beyond --strata and --design-size; part of a sharded run's
/// fingerprint (absent: proportional allocation on the first coordinate, Latin hypercubes).
struct StratificationSettings: Codable, Equatable {
    var allocation: StratificationOptions.Allocation = .proportional
    var pilotDrawsPerStratum: Int = 16
    /// The pilot's seed (the run's seed + 1, so its draws are not the run's).
    var pilotSeed: UInt64 = 0
    var coordinates: Int = 1
    var design: StratificationOptions.Design = .lhs
}

extension EstimateCommand {
    /// The input dimension of each problem (the unit cube the samplers map from).
    static func inputDimension(_ problem: ProblemName) -> Int { problem == .asian ? 16 : 1 }

    /// Checks --strata, --design-size and the stratification options, and that the budget gives
    /// at least 2 sweeps or designs.
    func validateStratification() throws {
        try CountOption.check(strata, "--strata", in: CountOption.strata)
        try CountOption.check(designSize, "--design-size", in: CountOption.points)
        let options = stratificationOptions
        for (given, name, wanted) in [(options.allocation != nil, "--allocation", MethodName.stratified),
                                      (options.pilot != nil, "--pilot", .stratified),
                                      (options.strataCoordinates != nil, "--strata-coordinates", .stratified),
                                      (options.design != nil, "--design", .lhs)] where given && method != wanted {
            throw ValidationError("\(name) applies to --method \(wanted.rawValue) only (got --method \(method.rawValue)).")
        }
        if let pilot = options.pilot {
            guard options.allocation == .neyman else { throw ValidationError("--pilot applies to --allocation neyman only.") }
            try CountOption.check(pilot, "--pilot", in: CountOption.pilotDrawsPerStratum)
        }
        let dimension = Self.inputDimension(problem)
        let coordinates = options.strataCoordinates ?? 1
        guard (1...dimension).contains(coordinates) else {
            throw ValidationError("--strata-coordinates must be between 1 and the input dimension of --problem "
                + "\(problem.rawValue) (\(dimension)); got \(coordinates).")
        }
        let stratumCount = (0..<coordinates).reduce(1.0) { product, _ in product * Double(strata) }
        guard stratumCount <= Double(CountOption.strata.upperBound) else {
            throw ValidationError("--strata^--strata-coordinates (\(strata)^\(coordinates)) must be at most "
                + "\(CountOption.strata.upperBound) strata.")
        }
        if method == .stratified, Double(samples) / stratumCount < 2 {
            throw ValidationError("stratified needs at least 2 sweeps (2 draws in every stratum, for the within-stratum "
                + "variances): --samples (\(samples)) must be at least 2 × the number of strata (\(Int(stratumCount))).")
        }
        if method == .lhs, options.design == .orthogonalArray {
            let q = Int(Double(designSize).squareRoot().rounded())
            guard q * q == designSize, q >= 2, (2..<q).allSatisfy({ $0 * $0 > q || q % $0 != 0 }), q <= 4093 else {
                throw ValidationError("--design orthogonal-array needs --design-size = q² with q a prime up to 4093 "
                    + "(e.g. 289 = 17²); got \(designSize).")
            }
            guard q + 1 >= dimension else {
                throw ValidationError("--design orthogonal-array on --problem \(problem.rawValue) (\(dimension) inputs) "
                    + "needs q ≥ \(dimension - 1): --design-size at least \((dimension - 1) * (dimension - 1)) with q prime "
                    + "(e.g. 289 = 17²); got \(designSize) = \(q)².")
            }
        }
        if method == .lhs, samples / designSize < 2 {
            throw ValidationError("lhs needs at least 2 designs (one design gives no unbiased variance): --samples "
                + "(\(samples)) must be at least 2 × --design-size (\(designSize)).")
        }
    }

    /// The settings of a stratified or LHS run, nil for other methods.
    var stratificationSettings: StratificationSettings? {
        guard method == .stratified || method == .lhs else { return nil }
        let options = stratificationOptions
        return StratificationSettings(allocation: options.allocation ?? .proportional,
                                      pilotDrawsPerStratum: options.pilot ?? 16, pilotSeed: seed &+ 1,
                                      coordinates: options.strataCoordinates ?? 1, design: options.design ?? .lhs)
    }
}

extension CountOption {
    /// Strata (the state keeps moments per stratum).
    static let strata = 1...1_048_576
    /// Neyman pilot draws per stratum.
    static let pilotDrawsPerStratum = 2...1_000_000
}

extension EstimateSetup {
    /// H, the number of strata of a stratified run: --strata on each stratified coordinate.
    var stratumCount: Int {
        (0..<(stratification?.coordinates ?? 1)).reduce(1) { product, _ in product * (strata ?? 1) }
    }

    /// Samples in `estimator`'s unit: for a stratified run --samples over the evaluations a sweep
    /// actually takes (a Neyman allocation's sweep differs from the number of strata), else ``samples``.
    func samples<E: MonteCarloEstimator>(for estimator: E) -> Int {
        method == .stratified ? max(2, evaluations / estimator.evaluationsPerSample) : samples
    }

    /// The stratified or Latin hypercube estimator of the problem, handed to `visitor`.
    func acceptStratification<V: EstimatorVisitor, S: UnitCubeSampler>(
        _ visitor: V, sampler: S, integrand: Integrand<S.Point>
    ) throws -> V.Result {
        let settings = stratification ?? StratificationSettings()
        switch method {
        case .lhs where settings.design == .orthogonalArray:
            let q = Int(Double(designSize ?? 4).squareRoot().rounded())
            return try visitor.visit(try LatinHypercubeSampling(sampler: sampler, integrand: integrand,
                                                                orthogonalArrayLevels: q))
        case .lhs:
            return try visitor.visit(try LatinHypercubeSampling(sampler: sampler, integrand: integrand,
                                                                designSize: designSize ?? 64))
        default:
            let grid = try StratificationGrid(coordinates: Array(0..<settings.coordinates),
                                              divisions: Array(repeating: strata ?? 16, count: settings.coordinates),
                                              cubeDimension: sampler.cubeDimension)
            if settings.allocation == .neyman {
                // About one draw per stratum per sweep on average, spread ∝ the pilot's deviations.
                return try visitor.visit(try StratifiedMonteCarlo.neyman(
                    sampler: sampler, integrand: integrand, grid: grid, drawsPerSample: grid.stratumCount,
                    pilotDrawsPerStratum: settings.pilotDrawsPerStratum, seed: settings.pilotSeed))
            }
            return try visitor.visit(try StratifiedMonteCarlo(sampler: sampler, integrand: integrand, grid: grid))
        }
    }
}
