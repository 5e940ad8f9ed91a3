import ArgumentParser
import Foundation
import MonteCarlo

/// `mcest sw`: the sliced Wasserstein distance between two point clouds read from files, with its
/// standard error, by any of the estimators of ``SlicedWasserstein``.
struct SWCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sw",
        abstract: "Estimate the sliced Wasserstein distance between two point clouds, with its standard error.",
        discussion: """
            X and Y are CSV files (a header row is optional; comma-separated; every other field a \
            finite number) or NumPy .npy files (little-endian float64 or float32, C order, 2-D, or \
            1-D for points on the line), one point per row; both clouds must have the same \
            number of columns d. Weights files (--weights-x, --weights-y) have one column, one \
            non-negative weight per point, not all zero; they are normalized to sum to 1 (uniform \
            weights without them).

            Reported: SW_p^p = E_θ[W_p^p(θ#μ, θ#ν)], θ uniform on the sphere, ± its standard \
            error, the 95% Student-t interval, the effective sample size (the number of i.i.d. \
            directions plain Monte Carlo would need for the same error) and the number of \
            directions evaluated; then SW_p = (SW_p^p)^(1/p) with its delta-method standard error \
            (first order; its second-order Jensen bias is declared).

            Methods: mc (i.i.d. uniform directions); orthogonal (blocks of d orthonormal \
            directions, --projections rounded up to a multiple of d); qmc (randomized quasi-Monte \
            Carlo: the spiral point set under random rotations in d = 3, randomized Sobol \
            directions for d ≤ 40; --randomizations independent sets); cv-lower, cv-upper, cv \
            (the Gaussian-approximation control variates of Nguyen & Ho 2024, lower bound, upper \
            bound or both, coefficients fitted by least squares); harmonics (even-degree \
            spherical-harmonic control variates up to --max-degree, for small d). auto is cv \
            (both Gaussian controls): it costs about what mc costs, its variance is at most that \
            of mc up to O(1/L) terms (and its declared fitting bias is O(1/L)), it is exact for a \
            translation or an affine image, and it works in any dimension. Antithetic directions are not offered: \
            W_p^p(θ) = W_p^p(−θ), so the pair (θ, −θ) doubles the cost for nothing.

            Sharded runs: --shard i/N --state-out FILE (0 ≤ i < N) computes only shard i and \
            writes its state; `mcest merge` of all N files prints exactly (bit for bit) what the \
            single run prints. Every method can be sharded. A run is a recipe over the generic \
            estimators, run by the same driver as `mcest estimate`: its directions come in blocks of \
            about 64 (64 i.i.d. directions, or whole orthogonal blocks or randomized point sets), \
            block b drawn from random stream b of --seed; shard i takes the i-th of N contiguous \
            ranges of blocks (so N can be at most the number of blocks) and writes their mergeable \
            states in `mcest estimate`'s format (moments, or co-moments with the controls, a few \
            hundred bytes per block), so the control-variate coefficients are fitted once, at the \
            merge, on all directions, as in the single run. The merge reads X and Y (and the \
            weights) again from the paths the shards were given, to rebuild the estimator, and \
            refuses files whose contents differ from the shards'. The fingerprint in the file \
            holds hashes of the contents of X, Y and the weights files, n, m, d, p, the method \
            and its parameters, L, the block layout, the seed and N. \
            mcest sw runs OpenBLAS on one thread (the sorting, the dominant cost, stays parallel), \
            so that each projection is bitwise the same in every shard whatever the core count. \
            OpenBLAS picks its kernel by CPU type: run the shards of one run on one kind of node \
            (and one build), or expect the merge to agree with a single run only to rounding.

            Bad input (ragged rows, non-numeric or non-finite values, X and Y of different \
            dimensions, negative or all-zero weights, a weights file of the wrong length) is \
            reported with the file and line and exit code 2.
            """)

    /// The `--method` choices.
    enum MethodName: String, ExpressibleByArgument, CaseIterable {
        case mc, orthogonal, qmc
        case cvLower = "cv-lower"
        case cvUpper = "cv-upper"
        case cv, harmonics, auto
    }

    @Argument(help: "Points of the first cloud (CSV or .npy), one per row.")
    var x: String

    @Argument(help: "Points of the second cloud (CSV or .npy), one per row.")
    var y: String

    @Option(help: "The order p ≥ 1 of the Wasserstein distance.")
    var p: Double = 2

    @Option(help: "Number of directions L (at least 2).")
    var projections: Int = 1000

    @Option(help: "mc, orthogonal, qmc, cv-lower, cv-upper, cv, harmonics or auto (= cv).")
    var method: MethodName = .auto

    @Option(name: .customLong("weights-x"), help: "One-column file of weights of the points of X.")
    var weightsX: String?

    @Option(name: .customLong("weights-y"), help: "One-column file of weights of the points of Y.")
    var weightsY: String?

    @Option(help: "qmc: number of independently randomized direction sets (at least 2).")
    var randomizations: Int = 25

    @Option(name: .customLong("max-degree"), help: "harmonics: largest (even) degree of the spherical harmonics, 2 to 16.")
    var maxDegree: Int = 4

    @Option(help: "Seed of the directions: the same seed gives the same numbers on any number of cores.")
    var seed: UInt64 = 2024

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    @Option(help: ArgumentHelp(
        "Compute only shard i of N (0 ≤ i < N) and write its state to --state-out; see 'Sharded runs' below.",
        valueName: "i/N"))
    var shard: ShardSpec?

    @Option(name: .customLong("state-out"), help: ArgumentHelp(
        "Write the shard's mergeable state (versioned JSON) to this file instead of printing an estimate.",
        valueName: "file"))
    var stateOut: String?

    func validate() throws {
        if shard != nil, stateOut == nil {
            throw ValidationError("--shard needs --state-out FILE: a shard's result is a state to merge with `mcest merge`.")
        }
        guard p >= 1, p.isFinite else { throw ValidationError("--p must be a finite number ≥ 1 (got \(p)).") }
        try CountOption.check(projections, "--projections", in: CountOption.projections)
        try CountOption.check(randomizations, "--randomizations", in: CountOption.randomizations)
        guard maxDegree >= 2, maxDegree <= 16, maxDegree % 2 == 0 else {
            throw ValidationError("--max-degree must be even, from 2 to 16 (got \(maxDegree)).")
        }
    }

    func run() throws {
        // One OpenBLAS thread: with several, OpenBLAS splits the projection product differently
        // for different numbers of directions and cores, which changes the last bits of some
        // projections; a shard and the single run must compute every direction identically.
        // The sorting (the dominant cost) stays parallel.
        BLASThreads.set(1)
        if let stateOut {
            try reportingFailures { try writeShard(shard ?? ShardSpec(index: 0, count: 1), to: stateOut) }
            return
        }
        let report = try reportingLibraryErrors { () throws(MonteCarloError) -> SWReport in try compute() }
        try report.print(json: json)
    }

    /// The library method for `--method` in dimension `d`.
    func libraryMethod(dimension d: Int) -> SlicedWasserstein.Method {
        switch method {
        case .mc: return .monteCarlo
        case .orthogonal: return .orthogonal
        case .qmc: return d == 3 ? .randomizedSpiral(randomizations: randomizations)
            : .randomizedQuasiMonteCarlo(randomizations: randomizations)
        case .cvLower: return .controlVariates(.lower)
        case .cvUpper: return .controlVariates(.upper)
        case .cv, .auto: return .controlVariates(.both)
        case .harmonics: return .sphericalHarmonics(maxDegree: maxDegree)
        }
    }

    /// Reads the clouds (and weights) and sets up the problem.
    func loadProblem() throws(MonteCarloError) -> SlicedWasserstein {
        let xFile = try DataMatrixFile.read(path: x)
        let yFile = try DataMatrixFile.read(path: y)
        guard xFile.columnCount == yFile.columnCount else {
            throw .invalidArgument(
                "dimension mismatch: \(x)\(Self.lineNote(path: x, row: 0)) has points of dimension \(xFile.columnCount), "
                    + "but \(y)\(Self.lineNote(path: y, row: 0)) has points of dimension \(yFile.columnCount).")
        }
        let xWeights = try weightsX.map { path throws(MonteCarloError) in try Self.readWeights(path: path, points: xFile.rows.count, of: x) }
        let yWeights = try weightsY.map { path throws(MonteCarloError) in try Self.readWeights(path: path, points: yFile.rows.count, of: y) }
        let d = xFile.columnCount
        let source = try PointCloud(points: xFile.rows.flatMap { $0 }, dimension: d, weights: xWeights)
        let target = try PointCloud(points: yFile.rows.flatMap { $0 }, dimension: d, weights: yWeights)
        return try SlicedWasserstein(source, target, p: p)
    }

    func compute() throws(MonteCarloError) -> SWReport {
        let problem = try loadProblem()
        let power = try problem.estimate(projections: projections, method: libraryMethod(dimension: problem.dimension), seed: seed)
        return try SWReport(x: x, y: y, pointsX: problem.source.count, pointsY: problem.target.count,
                            dimension: problem.dimension, p: p, method: method.rawValue,
                            projectionsRequested: projections, seed: seed, power: power)
    }

    // MARK: - Shards

    /// Computes shard `shard` and writes its state file (the format of `mcest estimate`'s shards).
    func writeShard(_ shard: ShardSpec, to path: String) throws {
        let problem = try loadProblem()
        let recipe = try problem.recipe(projections: projections, method: libraryMethod(dimension: problem.dimension))
        let fingerprint = try fingerprint(problem: problem, recipe: recipe, shardCount: shard.count)
        var inputs = ["x": x, "y": y]
        inputs["weightsX"] = weightsX
        inputs["weightsY"] = weightsY
        let runner = SWShardRunner(recipe: recipe, seed: seed, shard: shard, path: path, fingerprint: fingerprint, inputs: inputs)
        let summary = try recipe.accept(runner)
        print(json ? try summary.json() : summary.text)
    }

    /// What must agree between the shards of this run.
    func fingerprint(problem: SlicedWasserstein, recipe: SlicedWasserstein.Recipe, shardCount: Int) throws -> SWShardFingerprint {
        SWShardFingerprint(
            xContents: try contentHash(ofFile: x), yContents: try contentHash(ofFile: y),
            weightsXContents: try weightsX.map(contentHash(ofFile:)), weightsYContents: try weightsY.map(contentHash(ofFile:)),
            pointsX: problem.source.count, pointsY: problem.target.count, dimension: problem.dimension, p: p,
            method: method.rawValue, libraryMethod: "\(libraryMethod(dimension: problem.dimension))",
            randomizations: randomizations, maxDegree: maxDegree, projections: projections, sets: recipe.sets,
            blockSize: recipe.blockSize, seed: seed, shardCount: shardCount)
    }

    /// `mcest merge` for state files written by `mcest sw`: reads X and Y again (they must be
    /// unchanged: their contents are in the fingerprint) to rebuild the estimator, then folds the
    /// block states like every other merge.
    static func merge(_ documents: [(path: String, data: Data)], allowPartial: Bool, json: Bool) throws {
        let first: ShardFile<SWShardFingerprint, InputsOnly>
        do {
            first = try JSONDecoder().decode(ShardFile<SWShardFingerprint, InputsOnly>.self, from: documents[0].data)
        } catch {
            throw CommandFailure("\(documents[0].path) is not a valid state file (\(describeDecodingError(error))).")
        }
        let recorded = first.fingerprint
        guard let inputs = first.payload.inputs, let x = inputs["x"], let y = inputs["y"] else {
            throw CommandFailure("\(documents[0].path) does not name its input files.")
        }
        var arguments = [x, y, "--p", "\(recorded.p)", "--projections", "\(recorded.projections)", "--method", recorded.method,
                         "--randomizations", "\(recorded.randomizations)", "--max-degree", "\(recorded.maxDegree)",
                         "--seed", "\(recorded.seed)"]
        if let w = inputs["weightsX"] { arguments += ["--weights-x", w] }
        if let w = inputs["weightsY"] { arguments += ["--weights-y", w] }
        let command = try SWCommand.parse(arguments)
        let problem = try command.loadProblem()
        let recipe = try problem.recipe(projections: command.projections, method: command.libraryMethod(dimension: problem.dimension))
        let rebuilt = try command.fingerprint(problem: problem, recipe: recipe, shardCount: recorded.shardCount)
        let changed = ShardSet<SWShardFingerprint, InputsOnly>.differences(rebuilt, recorded)
        guard changed.isEmpty else {
            throw CommandFailure("the merge rebuilds the estimator from \(x) and \(y), which must be the files the shards "
                + "read; they differ from \(documents[0].path): " + changed.joined(separator: "; ") + ".")
        }
        let (power, summary) = try recipe.accept(SWShardMerger(documents: documents, allowPartial: allowPartial))
        var report = try SWReport(
            x: x, y: y, pointsX: problem.source.count, pointsY: problem.target.count, dimension: problem.dimension,
            p: recorded.p, method: recorded.method, projectionsRequested: recorded.projections, seed: recorded.seed, power: power)
        report.shards = summary
        if let warning = summary.warning { printToStandardError(warning) }
        try report.print(json: json)
    }

    // MARK: - Weights and line numbers

    /// Reads a one-column weights file for the `points` points of `cloud`, checking its length,
    /// signs and total, with the offending line in every message.
    static func readWeights(path: String, points: Int, of cloud: String) throws(MonteCarloError) -> [Double] {
        let file = try DataMatrixFile.read(path: path)
        guard file.columnCount == 1 else {
            throw .invalidArgument("\(path)\(lineNote(path: path, row: 0)): a weights file has one column, found \(file.columnCount).")
        }
        let weights = file.rows.map { $0[0] }
        guard weights.count == points else {
            throw .invalidArgument("\(path) has \(weights.count) weights, but \(cloud) has \(points) points (one weight per point).")
        }
        if let bad = weights.firstIndex(where: { $0 < 0 }) {
            throw .invalidArgument("\(path)\(lineNote(path: path, row: bad)): weight \(weights[bad]) is negative (weights must be ≥ 0).")
        }
        guard weights.contains(where: { $0 > 0 }) else {
            throw .invalidArgument("\(path): all \(weights.count) weights are zero (at least one must be positive).")
        }
        let total = weights.reduce(0, +)
        guard total.isFinite else {
            throw .invalidArgument("\(path): the weights sum to \(total); rescale them.")
        }
        return weights
    }

    /// ", line N" for data row `row` (0-based) of a CSV file, ", element i" for a `.npy` file.
    static func lineNote(path: String, row: Int) -> String {
        if path.lowercased().hasSuffix(".npy") { return ", row \(row)" }
        guard let lines = dataLineNumbers(path: path), row < lines.count else { return "" }
        return ", line \(lines[row])"
    }

    /// The 1-based line numbers of the data rows of a CSV file, with `DataMatrixFile`'s rules:
    /// blank lines are skipped, and a first non-blank line with a non-numeric field is the header.
    static func dataLineNumbers(path: String) -> [Int]? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path)) else { return nil }
        var result: [Int] = []
        var sawFirst = false
        for (index, rawLine) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !line.isEmpty else { continue }
            if !sawFirst {
                sawFirst = true
                let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                    $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }
                if fields.contains(where: { Double($0) == nil }) { continue }
            }
            result.append(index + 1)
        }
        return result
    }
}

extension SWReport {
    /// The report of an estimate of SW_p^p, with SW_p by the delta method when SW_p^p > 0.
    init(x: String, y: String, pointsX: Int, pointsY: Int, dimension: Int, p: Double, method: String,
         projectionsRequested: Int, seed: UInt64, power: Estimate) throws(MonteCarloError) {
        var distance: Estimate? = nil
        var distanceNote: String? = nil
        do {
            distance = try SlicedWasserstein.distanceEstimate(fromPower: power, p: p)
        } catch {
            distanceNote = "SW_p not reported: \(error.description)"
        }
        self.init(
            x: x, y: y, pointsX: pointsX, pointsY: pointsY, dimension: dimension, p: p,
            method: method, projectionsRequested: projectionsRequested, seed: seed,
            power: try EstimateRecord(power.requireFinite("SW_p^p")),
            distance: try distance.map { e throws(MonteCarloError) in try EstimateRecord(e.requireFinite("SW_p")) },
            distanceNote: distanceNote)
    }
}

/// What must agree between the shards of one `mcest sw` run (the input files by content, not by path).
struct SWShardFingerprint: Codable, Equatable {
    var xContents: String
    var yContents: String
    var weightsXContents: String?
    var weightsYContents: String?
    var pointsX: Int
    var pointsY: Int
    var dimension: Int
    var p: Double
    var method: String
    var libraryMethod: String
    var randomizations: Int
    var maxDegree: Int
    var projections: Int
    /// Samples of the driver: sets of directions (directions, for i.i.d. ones).
    var sets: Int
    var blockSize: Int
    var seed: UInt64
    var shardCount: Int
}

/// A state file's payload read only for its input file names.
struct InputsOnly: Codable {
    var inputs: [String: String]?
}

/// Computes one `mcest sw` shard's blocks and writes them to a state file.
struct SWShardRunner: EstimatorVisitor {
    let recipe: SlicedWasserstein.Recipe
    let seed: UInt64
    let shard: ShardSpec
    let path: String
    let fingerprint: SWShardFingerprint
    let inputs: [String: String]

    func visit<E: MonteCarloEstimator>(_ estimator: E) throws -> ShardWritten where E.Output == Estimate {
        try BlockShards.write(estimator, driver: recipe.driver(), samples: recipe.sets, blockSize: recipe.blockSize, seed: seed,
                              shard: shard, command: "sw", fingerprint: fingerprint, inputs: inputs, to: path,
                              tooMany: "or more --projections", sampleName: "directions",
                              samplesPerUnit: recipe.directions.pointsPerSet)
    }
}

/// Folds the block states of `mcest sw` shards into the estimate of SW_p^p.
struct SWShardMerger: EstimatorVisitor {
    let documents: [(path: String, data: Data)]
    let allowPartial: Bool

    func visit<E: MonteCarloEstimator>(_ estimator: E) throws -> (Estimate, MergeSummary) where E.Output == Estimate {
        let set = try ShardSet<SWShardFingerprint, EstimatePayload<E.State>>(documents, allowPartial: allowPartial)
        let fingerprint = set.shards[0].file.fingerprint
        let merged = try BlockShards.merge(estimator, set: set, samples: fingerprint.sets, blockSize: fingerprint.blockSize)
        return (merged.estimate, set.summary)
    }
}

/// What `mcest sw` reports. JSON: an array of ``EstimateRecord``s, SW_p^p (context `quantity`
/// "power") and, when SW_p^p > 0, SW_p by the delta method ("distance"); each context holds the
/// inputs (`x`, `y`, `pointsX`, `pointsY`, `dimension`, `p`, `methodOption`,
/// `projectionsRequested`, `seed`), `distanceNote` and, after `mcest merge`, `shards`.
struct SWReport {
    /// One estimate with its interval and diagnostics.
    typealias Result = EstimateRecord

    let x: String
    let y: String
    let pointsX: Int
    let pointsY: Int
    let dimension: Int
    let p: Double
    /// The `--method` given (`auto` included).
    let method: String
    let projectionsRequested: Int
    let seed: UInt64
    /// SW_p^p.
    let power: Result
    /// SW_p by the delta method.
    let distance: Result?
    /// Why `distance` is missing, when it is.
    let distanceNote: String?
    /// For `mcest merge`: which shards were merged.
    var shards: MergeSummary? = nil

    /// The records of SW_p^p and SW_p, as a JSON array.
    func json() throws -> String {
        var context: [String: EstimateRecord.ContextValue] = [
            "command": "sw", "x": .string(x), "y": .string(y), "pointsX": .integer(pointsX), "pointsY": .integer(pointsY),
            "dimension": .integer(dimension), "p": .number(p), "methodOption": .string(method),
            "projectionsRequested": .integer(projectionsRequested), "seed": .init(seed: seed), "distanceNote": .init(distanceNote),
        ]
        if let shards { context["shards"] = shards.contextValue }
        var records: [EstimateRecord] = []
        for (quantity, record) in [("power", power), ("distance", distance)] {
            guard var record else { continue }
            record.context = context.merging(["quantity": .string(quantity)]) { _, new in new }
            records.append(record)
        }
        return try EstimateRecord.json(records)
    }

    /// Prints the report as JSON records or as text.
    func print(json: Bool) throws {
        Swift.print(json ? try self.json() : text)
    }

    /// The order as text: "2" for 2, "1.5" for 1.5.
    var order: String { p == p.rounded() && abs(p) < 1e6 ? String(Int(p)) : String(p) }

    var text: String {
        var lines = [
            "mcest sw: \(x) (n = \(pointsX)) vs \(y) (m = \(pointsY)), d = \(dimension), p = \(order)",
            "method \(method) (\(power.method)), \(power.sampleCount) projections, seed \(seed)",
            "",
        ]
        if let shards { lines.insert(contentsOf: shards.textLines, at: 2) }
        func line(_ name: String, _ r: Result, note: String) -> String {
            let decimals = NumberFormat.decimals(forStandardError: r.standardError)
            let dof = r.confidenceInterval.degreesOfFreedom.map { "t, \(NumberFormat.count($0)) d.o.f." } ?? "normal"
            return "  \(name)  \(NumberFormat.fixed(r.value, decimals: decimals)) ± \(NumberFormat.standardError(r.standardError))"
                + "   95% CI [\(NumberFormat.fixed(r.confidenceInterval.lower, decimals: decimals)), "
                + "\(NumberFormat.fixed(r.confidenceInterval.upper, decimals: decimals))] (\(dof))"
                + "   ESS \(NumberFormat.count(r.effectiveSampleSize))\(note)"
        }
        let powerName = "SW_\(order)^\(order)", distanceName = "SW_\(order)"
        let width = max(powerName.count, distanceName.count)
        func padded(_ s: String) -> String { s + String(repeating: " ", count: width - s.count) }
        lines.append(line(padded(powerName), power, note: ""))
        if let distance {
            lines.append(line(padded(distanceName), distance, note: "   (delta method)"))
        } else if let distanceNote {
            lines.append("  \(padded(distanceName))  \(distanceNote)")
        }
        if let vrf = power.diagnostics.varianceReductionFactor {
            lines.append("")
            lines.append("  variance reduction vs plain Monte Carlo (ESS / L): \(NumberFormat.factor(vrf))")
        }
        var notes: [String] = []
        if let bias = power.diagnostics.declaredBias { notes.append("declared bias (\(powerName)): \(bias)") }
        if var bias = distance?.diagnostics.declaredBias, bias != power.diagnostics.declaredBias {
            // The root inherits the power's statement; show only what the delta method adds.
            if let inherited = power.diagnostics.declaredBias, bias.hasPrefix(inherited + "; ") {
                bias.removeFirst(inherited.count + 2)
            }
            notes.append("declared bias (\(distanceName)): \(bias)")
        }
        notes += power.diagnostics.warnings.map { "warning: \($0)" }
        if !notes.isEmpty {
            lines.append("")
            lines += notes.map { "  " + $0 }
        }
        return lines.joined(separator: "\n")
    }
}
