import ArgumentParser
import Foundation
import MonteCarlo

/// `mcest cv`: Stein-kernel and zero-variance control variates as a post-processing step, the
/// way ZVCV users do it in R: draws, scores ∇ log π at the draws and integrand values in three
/// files with one row per draw; one estimate with its standard error per integrand column.
struct CVCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cv",
        abstract: "Estimate E_π[f] from draws, scores and integrand values with control variates, with error bars.",
        discussion: """
            Input: three files with one row per draw, CSV (first row taken as a header when it is \
            not all numeric; CmdStan output CSV is read directly: '#' lines are skipped and the \
            '…__' sampler columns dropped) or .npy: --samples (n × d, the draws x_i from π), \
            --scores (n × d, u_i = ∇ log π(x_i)), --values (n × T, one column per integrand \
            f_1 … f_T). Each integrand is estimated separately, except with --method vv, which \
            estimates all columns jointly. --sample-columns and --value-columns pick columns by \
            name (beta selects beta.1, beta.2, …) or 0-based index.

            Markov chain output (unthinned MCMC draws): say so, or the error bars are too narrow \
            by the integrated autocorrelation time. Several files given to one option are several \
            chains (one file per chain, e.g. CmdStan's output_1.csv … output_4.csv; a 3-D .npy is \
            chains × draws × columns); --chains K splits the rows of one file into K contiguous \
            chains of equal length, in file order; --chain-column NAME takes the chain of each row \
            from a column of --samples (dropped from the draws). With chains, the cross-fitting \
            folds are K contiguous blocks within each chain (interleaved folds leak: a draw's \
            neighbours are nearly the same point) and the error bar is the long-run variance of \
            the held-out residual series (--dependence; the jackknife deletes contiguous blocks). \
            --dependence iid|batch-means|obm|spectral|lugsail|geyer|auto: auto is iid without \
            chains and the library's recommended long-run variance estimator with chains; any \
            other chain estimator on a single file treats it as one chain; iid ignores the chains.

            Methods. plain = the sample mean, variance s²/n. All others are cross-fitted over \
            --folds folds (draw i is in fold i mod K, after the --seed shuffle if given): the \
            control is fitted on the other folds and the held-out residuals are averaged; \
            unbiased for i.i.d. draws; normal interval. zv1, zv2 = zero-variance polynomial \
            control variates of degree 1 or 2 (Mira et al. 2013): exact for polynomials of that \
            degree under a Gaussian π; standard error from the held-out residual variances. \
            zv = the same with the degree (1 or 2) chosen by 5-fold cross-validation inside each \
            training fold. --penalty (zv, zv1, zv2 only) regularizes the polynomial coefficients \
            (South et al. 2023): ridge or lasso on standardized controls, the intercept \
            unpenalized, the weight chosen by 5-fold cross-validation inside each training fold \
            (so the held-out error bar stays honest); auto also considers least squares; none \
            is least squares, refused when a training fold has fewer than p + 2 draws for p \
            controls (degree 2 in d dimensions: p = d(d + 3)/2). Default: auto for zv, none for \
            zv1 and zv2. \
            cf = control functionals (Oates et al. 2017) with the --kernel Stein kernel, \
            median-heuristic length-scale, nugget 1e-8. secf = semi-exact control functionals \
            (South et al. 2022), kernel plus the degree-2 zero-variance polynomials. For cf and \
            secf the variance is the larger of the held-out residual variance and a \
            delete-a-fold jackknife that refits the controls (K(K−1) extra fits). auto = the \
            method and kernel (plain, zv1, zv2, cf and secf with each of gaussian, imq, rq, \
            matern52; --kernel is ignored) with the smallest 3-fold cross-validated held-out \
            residual mean square, then that method's estimate; when the sample mean wins, it is \
            reported and the warnings say so (the choice is made on the same draws and is not \
            reflected in the error bar). \
            vv = vector-valued control variates (Sun, Barp & Briol 2023): all --values columns \
            fitted jointly with the matrix-valued Stein kernel B·k0, the task correlation B shrunk \
            towards the identity by cross-validation inside each training fold, nugget 1e-6; \
            cross-fitted like cf, so unbiased, with the joint covariance of the estimates (their \
            correlations are printed below the table); its variances are raised to the \
            jackknife like cf's, the correlations are the held-out ones. On one sample joint and \
            separate fits differ only through the nugget, so vv's estimates are close to cf's; \
            its gain is the joint covariance. \
            When a kernel method's estimated variance exceeds s²/n, cf, secf and vv still report \
            their own (unbiased) estimate, with a warning: switching to the sample mean on the \
            same draws would bias it.

            Error bars, measured (300 replications each, 95% intervals): the held-out residual \
            variance alone covered the truth in only 44–67% of replications on the 1-D problem \
            f = 1 + x + x² + sin(πx)e^{−x²}, π = N(0, 1), n = 250 (secf), and 83–89% on a \
            correlated 2-D Gaussian (n = 200), because super-efficient kernel fits leave their \
            error in rare draws the held-out folds seldom contain. With the jackknife, coverage \
            was 94.7–97.7% on these and on the d = 4 problem of South et al. (n = 250); the \
            intervals are conservative (reported variance 1.6–3 times the empirical one).

            Output per integrand: estimate, standard error, 95% interval, ESS (= s²_f / \
            variance), the method the library used (e.g. "sample-mean (… fell back)"), the \
            kernel length-scale and the relative Cholesky jitter, and any warnings. Cost: kernel \
            methods are O(n³) per fit (K fits plus K(K−1) jackknife fits; auto adds 3 fits per \
            candidate); meant for n up to a \
            few thousand. Bad files or estimator failures: message on standard error, exit code 2.
            """)

    /// The estimators `--method` offers.
    enum Method: String, ExpressibleByArgument, CaseIterable {
        case auto, plain, zv, zv1, zv2, cf, secf, vv

        /// Whether the method is a zero-variance one (the only ones `--penalty` applies to).
        var isZeroVariance: Bool { [.zv, .zv1, .zv2].contains(self) }
    }

    /// `--penalty` choices for the zero-variance methods.
    enum Penalty: String, ExpressibleByArgument, CaseIterable {
        case none, ridge, lasso, auto

        var library: PenalizedControlVariateFit.Penalty {
            switch self {
            case .none: return .none
            case .ridge: return .ridge
            case .lasso: return .lasso
            case .auto: return .automatic
            }
        }
    }

    /// The base kernels `--kernel` offers.
    enum Kernel: String, ExpressibleByArgument, CaseIterable {
        case gaussian, imq, rq, matern52

        var specification: KernelSpecification {
            switch self {
            case .gaussian: return .gaussian()
            case .imq: return .inverseMultiquadric()
            case .rq: return .rationalQuadratic()
            case .matern52: return .matern52()
            }
        }
    }

    /// `--dependence` choices.
    enum Dependence: String, ExpressibleByArgument, CaseIterable {
        case iid, batchMeans = "batch-means", obm, spectral, lugsail, geyer, auto

        /// The long-run variance estimator for chains (nil: independent draws).
        func method(batchSize: LongRunVarianceMethod.BatchSize) -> LongRunVarianceMethod? {
            switch self {
            case .iid: return nil
            case .batchMeans: return .batchMeans(batchSize)
            case .obm: return .overlappingBatchMeans(batchSize)
            case .spectral: return .spectral(.bartlett, truncation: batchSize)
            case .lugsail: return .overlappingBatchMeans(batchSize, lugsail: true)
            case .geyer: return .initialSequence(.monotone)
            case .auto: return .auto
            }
        }
    }

    @Option(parsing: .upToNextOption, help: "Draws x_i (n rows × d columns), CSV, CmdStan CSV or .npy; several files are several chains.")
    var samples: [String]

    @Option(parsing: .upToNextOption, help: "Scores ∇ log π(x_i) (n rows × d columns), CSV or .npy; several files are several chains.")
    var scores: [String]

    @Option(parsing: .upToNextOption, help: "Integrand values (n rows × T columns, one integrand per column), CSV or .npy; several files are several chains.")
    var values: [String]

    @Option(help: "Columns of --samples that are the draws (names or 0-based indices, comma-separated; default: all, sampler columns dropped).")
    var sampleColumns: String?

    @Option(help: "Columns of --values to estimate (names or 0-based indices, comma-separated; default: all).")
    var valueColumns: String?

    @Option(help: "Split the rows of one file into K contiguous chains of equal length, in file order.")
    var chains: Int?

    @Option(help: "A column of --samples that names each row's chain (rows of a chain in order; dropped from the draws).")
    var chainColumn: String?

    @Option(help: "Variance estimator: iid, batch-means, obm, spectral (Bartlett), lugsail (lugsail OBM), geyer (initial monotone sequence) or auto.")
    var dependence: Dependence = .auto

    @Option(help: "Batch size (or spectral truncation) for chain estimators: sqrt, cbrt or a number.")
    var batchSize: String = "sqrt"

    @Option(help: "Estimator: auto, plain, zv (degree 1 or 2 chosen by cross-validation), zv1, zv2, cf, secf or vv (all integrands jointly).")
    var method: Method = .auto

    @Option(help: "Penalty on the zero-variance polynomial coefficients (zv, zv1, zv2 only): none (least squares), ridge, lasso or auto (the best of the three by cross-validation inside each training fold). Default: auto for zv, none for zv1 and zv2.")
    var penalty: Penalty?

    @Option(help: "Base kernel of the Stein kernel (cf, secf, vv; auto tries all four): gaussian, imq (inverse multiquadric, β = −1/2), rq (rational quadratic, α = 1) or matern52.")
    var kernel: Kernel = .gaussian

    @Option(help: "Cross-fitting folds K (at least 2).")
    var folds: Int = 5

    @Option(help: "Shuffle the draws with this seed before assigning folds (default: file order, draw i in fold i mod K).")
    var seed: UInt64?

    @Flag(help: "Print a JSON array with one object per integrand instead of a table.")
    var json = false

    func validate() throws {
        try CountOption.check(folds, "--folds", in: CountOption.folds)
        if let chains { try CountOption.check(chains, "--chains", in: CountOption.chains) }
        if chains != nil, chainColumn != nil { throw ValidationError("--chains and --chain-column cannot be combined.") }
        if seed != nil, chains != nil || chainColumn != nil || samples.count > 1 {
            throw ValidationError("--seed shuffles the draws, which destroys the order of a chain; it cannot be combined with chains.")
        }
        if let penalty, !method.isZeroVariance {
            throw ValidationError("--penalty \(penalty.rawValue) applies to the zero-variance methods zv, zv1 and zv2 only, not to --method \(method.rawValue).")
        }
        _ = try parsedBatchSize()
    }

    func parsedBatchSize() throws -> LongRunVarianceMethod.BatchSize {
        switch batchSize {
        case "sqrt": return .squareRoot
        case "cbrt": return .cubeRoot
        default:
            guard let b = Int(batchSize), CountOption.chainBatchSize.contains(b) else {
                throw ValidationError("--batch-size must be sqrt, cbrt or a positive whole number at most \(CountOption.chainBatchSize.upperBound) (got \(batchSize)).")
            }
            return .fixed(b)
        }
    }

    func run() throws {
        let results = try reportingLibraryErrors { () throws(MonteCarloError) -> [CVResult] in try estimateAll() }
        print(json ? try CVResult.json(results) : text(results))
    }

    // MARK: - Estimation

    /// Reads and checks the three files, then estimates every integrand.
    func estimateAll() throws(MonteCarloError) -> [CVResult] {
        let input = try CVInput(samples: samples, scores: scores, values: values, sampleColumns: sampleColumns,
                                valueColumns: valueColumns, chains: chains, chainColumn: chainColumn)
        var order = input.order
        if let seed {
            var generator = Xoshiro256PlusPlus(seed: seed)
            order.shuffle(using: &generator)
        }
        let points = order.map { input.points[$0] }
        let scoreRows = order.map { input.scores[$0] }
        let sample = try SteinSample(points: points, scores: scoreRows, dependence: sampleDependence(input.chainLengths))
        if method == .vv {
            let columns = input.integrandNames.indices.map { column in order.map { input.values[$0][column] } }
            let joint = try VectorValuedControlVariates(kernel: kernel.specification, form: .crossFitted(folds: folds))
                .estimate(sample: sample, values: columns)
            var results: [CVResult] = []
            for (t, name) in input.integrandNames.enumerated() {
                var result = try CVResult(integrand: name, requestedMethod: method.rawValue, kernel: kernel.rawValue,
                                          estimate: joint.component(t))
                result.describe(sample.dependence)
                result.correlations = (0..<joint.dimension).map { joint.correlation(t, $0) }
                results.append(result)
            }
            return results
        }
        var results: [CVResult] = []
        for (column, name) in input.integrandNames.enumerated() {
            let f = order.map { input.values[$0][column] }
            let estimate = try estimate(sample: sample, values: f)
            var result = try CVResult(integrand: name, requestedMethod: method.rawValue,
                                      kernel: usesKernel ? kernel.rawValue : nil, estimate: estimate)
            result.describe(sample.dependence)
            results.append(result)
        }
        return results
    }

    var usesKernel: Bool { [.cf, .secf, .vv].contains(method) }

    /// Independent draws, or the chains the input describes with the `--dependence` estimator.
    func sampleDependence(_ chainLengths: [Int]) throws(MonteCarloError) -> SampleDependence {
        let batch: LongRunVarianceMethod.BatchSize
        do { batch = try parsedBatchSize() } catch { throw .invalidArgument("\(error)") }
        guard let longRun = dependence.method(batchSize: batch) else { return .independent }
        if dependence == .auto, chainLengths.count == 1, chains == nil, chainColumn == nil { return .independent }
        return .chains(lengths: chainLengths, longRunVariance: longRun)
    }

    /// One integrand's estimate with the selected method.
    func estimate(sample: SteinSample, values f: [Double]) throws(MonteCarloError) -> Estimate {
        switch method {
        case .plain:
            return try SampleMean().estimate(sample: sample, values: f)
        case .zv, .zv1, .zv2:
            let chosen = penalty ?? (method == .zv ? .auto : .none)
            return try ZeroVarianceControlVariates(degree: method == .zv1 ? 1 : 2, folds: folds, penalty: chosen.library,
                                                   selectsDegree: method == .zv).estimate(sample: sample, values: f)
        case .cf:
            return try SteinControlFunctional(kernel: kernel.specification, form: .crossFitted(folds: folds))
                .estimate(sample: sample, values: f)
        case .secf:
            return try SteinControlFunctional(kernel: kernel.specification, form: .crossFitted(folds: folds),
                                              polynomialDegree: 2).estimate(sample: sample, values: f)
        case .auto:
            return try AutomaticControlVariates(folds: folds).estimate(sample: sample, values: f)
        case .vv:
            throw .invalidArgument("--method vv estimates all integrands jointly (see estimateAll).")
        }
    }


    // MARK: - Text output

    /// How the draws were treated: independent, or chains with the long-run variance estimator.
    func dependenceLine(_ results: [CVResult]) -> String {
        guard let first = results.first, let chains = first.chains else {
            return "draws treated as independent (for MCMC output give --chains, --chain-column or one file per chain)"
        }
        let lengths = Set(chains)
        let shape = lengths.count == 1 ? "\(chains.count) chain\(chains.count == 1 ? "" : "s") of \(chains[0]) draws"
            : "\(chains.count) chains of \(chains.map(String.init).joined(separator: ", ")) draws"
        return "\(shape); contiguous folds within each chain; error bars from the long-run variance (--dependence \(dependence.rawValue))"
    }

    func text(_ results: [CVResult]) -> String {
        let n = results.first?.sampleCount ?? 0
        var lines = [
            "mcest cv: \(results.count) integrand\(results.count == 1 ? "" : "s"), n = \(n) draws, method \(method.rawValue)"
                + (usesKernel ? ", kernel \(kernel.rawValue)" : "") + ", \(folds)-fold cross-fitting"
                + (seed.map { ", draws shuffled with seed \($0)" } ?? ""),
            dependenceLine(results),
            "",
        ]
        var table = TextTable(columns: [
            .init("integrand"), .init("estimate", alignment: .right), .init("std. error", alignment: .right),
            .init("95% interval", alignment: .right), .init("ESS", alignment: .right), .init("VRF", alignment: .right),
            .init("length-scale", alignment: .right), .init("jitter", alignment: .right), .init("method used"),
        ])
        let decimals = results.map { NumberFormat.decimals(forStandardError: $0.standardError) }
        let cells = NumberFormat.decimalAligned(results.map(\.value), decimals: decimals)
        for (i, r) in results.enumerated() {
            table.append([
                r.integrand, cells[i], NumberFormat.standardError(r.standardError),
                "[\(NumberFormat.fixed(r.record.confidenceInterval.lower, decimals: decimals[i])), \(NumberFormat.fixed(r.record.confidenceInterval.upper, decimals: decimals[i]))]",
                NumberFormat.count(r.effectiveSampleSize), NumberFormat.factor(r.diagnostics.varianceReductionFactor),
                r.lengthScale.map { String(format: "%.4g", $0) } ?? "n/a",
                r.relativeJitter.map { String(format: "%.1e", $0) } ?? "n/a",
                r.method,
            ])
        }
        lines.append(table.rendered())
        lines.append("")
        lines.append("  ESS = s²_f / variance; VRF = ESS / n; jitter = largest diagonal shift of the kernel matrix relative to its mean diagonal.")
        if method == .vv, results.count > 1 {
            lines.append("  Correlations of the joint estimates (vv):")
            for r in results {
                lines.append("    \(r.integrand): " + (r.correlations ?? []).map { String(format: "%+.3f", $0) }.joined(separator: " "))
            }
        }
        for r in results {
            if let bias = r.diagnostics.declaredBias { lines.append("  \(r.integrand): declared bias: \(bias)") }
            for warning in r.diagnostics.warnings { lines.append("  \(r.integrand): warning: \(warning)") }
        }
        return lines.joined(separator: "\n")
    }
}

// MARK: - Input

/// The three inputs (each one file, or one file per chain), read and checked against each other.
struct CVInput {
    let points: [[Double]]
    let scores: [[Double]]
    let values: [[Double]]
    /// The --values column names (header) or "f0", "f1", … without a header.
    let integrandNames: [String]
    /// The row order that stores each chain's rows together, chain after chain (file order
    /// unless --chain-column regroups them).
    let order: [Int]
    /// The chain lengths in `order`: one entry for one chain (or independent draws).
    let chainLengths: [Int]

    var count: Int { points.count }

    init(samples: [String], scores scoresPaths: [String], values valuesPaths: [String], sampleColumns: String? = nil,
         valueColumns: String? = nil, chains: Int? = nil, chainColumn: String? = nil) throws(MonteCarloError) {
        let x = try MultiChainDraws.read(paths: samples)
        let u = try MultiChainDraws.read(paths: scoresPaths)
        let f = try MultiChainDraws.read(paths: valuesPaths)
        let (xName, uName, fName) = (Self.name(samples), Self.name(scoresPaths), Self.name(valuesPaths))
        let total = x.chainCount * x.drawsPerChain
        for (name, draws) in [(uName, u), (fName, f)] where draws.chainCount * draws.drawsPerChain != total {
            let rows = draws.chainCount * draws.drawsPerChain
            throw .invalidArgument(
                "\(name) has \(rows) data rows but \(xName) has \(total): every file needs one row per draw"
                    + " (\(Self.firstUnmatchedRow(rows, total, path: name, other: xName))).")
        }
        // The chains the files themselves describe.
        var fileChains: [Int]? = nil
        for (name, draws) in [(xName, x), (uName, u), (fName, f)] where draws.chainCount > 1 {
            let lengths = Array(repeating: draws.drawsPerChain, count: draws.chainCount)
            if let known = fileChains, known != lengths {
                throw .invalidArgument("\(name) holds \(draws.chainCount) chains of \(draws.drawsPerChain) draws, but \(xName) (or the scores) hold \(known.count) of \(known[0]): the chains of every input must match.")
            }
            fileChains = lengths
        }
        var xColumns = Array(0..<x.columnCount)
        var order = Array(0..<total)
        var lengths = fileChains ?? [total]
        if let chains {
            guard fileChains == nil else {
                throw .invalidArgument("--chains splits the rows of one file into chains, but the input files already hold \(lengths.count) chains.")
            }
            guard total % chains == 0 else {
                throw .invalidArgument("--chains \(chains): the \(total) draws do not split into \(chains) chains of equal length.")
            }
            lengths = Array(repeating: total / chains, count: chains)
        }
        if let chainColumn {
            guard fileChains == nil else {
                throw .invalidArgument("--chain-column regroups the rows of one file, but the input files already hold \(lengths.count) chains.")
            }
            let column = try x.columnIndices([chainColumn], option: "--chain-column")
            guard column.count == 1 else { throw .invalidArgument("--chain-column names \(column.count) columns; name exactly one.") }
            let ids = x.values[0][column[0]]
            var firstSeen: [Double: Int] = [:]
            var groups: [[Int]] = []
            for (row, id) in ids.enumerated() {
                if let g = firstSeen[id] { groups[g].append(row) } else {
                    firstSeen[id] = groups.count
                    groups.append([row])
                }
            }
            order = groups.flatMap { $0 }
            lengths = groups.map(\.count)
            xColumns.removeAll { $0 == column[0] }
        }
        if let sampleColumns {
            let picked = try x.columnIndices(sampleColumns.split(separator: ",").map(String.init), option: "--sample-columns")
            xColumns = picked
        }
        guard !xColumns.isEmpty else { throw .invalidArgument("\(xName): no columns left for the draws.") }
        guard u.columnCount == xColumns.count else {
            throw .invalidArgument(
                "\(uName), line \(Self.firstDataLine(u)): \(u.columnCount) column\(u.columnCount == 1 ? "" : "s"), but \(xName) has \(xColumns.count) draw coordinates: "
                    + "the scores need one column per coordinate of the draws.")
        }
        var fColumns = Array(0..<f.columnCount)
        if let valueColumns {
            fColumns = try f.columnIndices(valueColumns.split(separator: ",").map(String.init), option: "--value-columns")
        }
        points = Self.rows(x, columns: xColumns)
        scores = Self.rows(u, columns: Array(0..<u.columnCount))
        values = Self.rows(f, columns: fColumns)
        let hasHeader = f.columnNames != (0..<f.columnCount).map(String.init)
        integrandNames = fColumns.map { hasHeader ? f.columnNames[$0] : "f\($0)" }
        self.order = order
        chainLengths = lengths
    }

    /// All rows of all chains, chain after chain, restricted to `columns`.
    static func rows(_ draws: MultiChainDraws, columns: [Int]) -> [[Double]] {
        draws.values.flatMap { chain in (0..<draws.drawsPerChain).map { i in columns.map { chain[$0][i] } } }
    }

    static func name(_ paths: [String]) -> String { paths.count == 1 ? paths[0] : paths.joined(separator: " ") }

    /// Which data row has no partner, for the row-count message.
    static func firstUnmatchedRow(_ a: Int, _ b: Int, path: String, other: String) -> String {
        a < b ? "data row \(a + 1) of \(other) has no partner in \(path)" : "data row \(b + 1) of \(path) has no partner in \(other)"
    }

    /// The line of the first data row: 2 after a CSV header, 1 otherwise (approximate for files with comments or blank lines).
    static func firstDataLine(_ draws: MultiChainDraws) -> Int {
        draws.columnNames == (0..<draws.columnCount).map(String.init) ? 1 : 2
    }
}

// MARK: - Output

/// One integrand's result: a table row, or an ``EstimateRecord`` of the `--json` array whose
/// context holds `command` ("cv"), `integrand`, `methodOption` (the `--method` given), `kernel`
/// (`null` without one), `correlations` (with --method vv: this estimate's correlations with every
/// integrand's; `null` otherwise), `chains` (the chain lengths, `null` for independent draws) and
/// `longRunVariance` (the chains' long-run variance estimator, `null` otherwise).
struct CVResult {
    var integrand: String
    var requestedMethod: String
    var kernel: String?
    /// The estimate and its interval (context filled in by ``json(_:)``).
    var record: EstimateRecord
    var correlations: [Double]?
    var chains: [Int]?
    var longRunVariance: String?

    var method: String { record.method }
    var value: Double { record.value }
    var standardError: Double { record.standardError }
    var sampleCount: Int { record.sampleCount }
    var effectiveSampleSize: Double { record.effectiveSampleSize }
    var diagnostics: Diagnostics { record.diagnostics }
    var lengthScale: Double? { diagnostics.figures["lengthScale"] }
    var relativeJitter: Double? { diagnostics.figures["relativeJitter"] }

    init(integrand: String, requestedMethod: String, kernel: String?, estimate: Estimate) throws(MonteCarloError) {
        self.integrand = integrand
        self.requestedMethod = requestedMethod
        self.kernel = kernel
        record = try EstimateRecord(estimate.requireFinite("E[\(integrand)]"))
    }

    /// Records the chains and their long-run variance estimator.
    mutating func describe(_ dependence: SampleDependence) {
        if case let .chains(lengths, method) = dependence {
            chains = lengths
            longRunVariance = "\(method)"
        }
    }

    /// The results as a JSON array of estimate records.
    static func json(_ results: [CVResult]) throws -> String {
        try EstimateRecord.json(results.map { result in
            var record = result.record
            record.context = [
                "command": "cv", "integrand": .string(result.integrand), "methodOption": .string(result.requestedMethod),
                "kernel": .init(result.kernel), "correlations": result.correlations.map { .init($0) } ?? .null,
                "chains": result.chains.map { .init($0) } ?? .null, "longRunVariance": .init(result.longRunVariance),
            ]
            return record
        })
    }
}
