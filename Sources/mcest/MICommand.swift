import ArgumentParser
import Foundation
import MonteCarlo

/// `mcest mi`: the mutual information I(X; Y) between two groups of columns of a data file, with
/// its standard error.
///
/// Methods: KSG (algorithms 1 and 2, ``KSGEstimator``), the closed-form Gaussian estimator
/// (``GaussianMutualInformation``), and the variational bounds NWJ, DV, InfoNCE, JS and SMILE
/// (``VariationalBound``). The bounds need a critic: ``TrainedCritic`` of the family given by
/// `--critic`, or chosen by ``CriticSelection`` (`auto`), fitted on a training split of the rows;
/// the bound is averaged over batches of the other rows (``HeldOutBoundEstimator``), so
/// the critic is never fitted on the pairs it is scored on.
struct MICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mi",
        abstract: "Estimate the mutual information I(X; Y) in nats, with its standard error.",
        discussion: """
            FILE is CSV (comma-separated; a first row that is not all numbers is the header) or a \
            NumPy .npy file (float64/float32, C order). --x and --y select columns by header name or \
            0-based index, comma separated ("a,b" or "0,2"); X and Y must not share a column.

            Methods and their standard errors:
              ksg, ksg2  Kraskov–Stögbauer–Grassberger algorithm 1 / 2 (max-norm, k = --neighbors). \
            SE: leave-one-out jackknife, rescaled by its overestimation factor measured on 8 disjoint \
            random subsamples of at most 1024 rows each (--seed); Student-t interval. Biased low in higher dimension or at high MI (declared, not corrected).
              gaussian   Closed form ½ log(det Σxx det Σyy / det Σ) with the sample covariance, \
            Wishart bias-corrected, sandwich (influence-function) SE with empirical fourth moments. \
            Estimand: the Gaussian MI of the covariance; it equals I only for Gaussian data.
              nwj, dv, infonce, js, smile  Variational bounds on a critic score matrix. The rows are \
            shuffled (--seed) and split: half (at most 4000 rows) train the critic, the rest evaluate \
            the bound, so the critic never sees the pairs it is scored on. The evaluation rows are cut \
            into at least 2 batches of B ≤ --batch-size pairs (all B(B − 1) off-diagonal negatives \
            used); the value is the batch mean (VariationalBoundAccumulator); the SE is their spread \
            (Student-t interval, batches − 1 df) from 8 batches on, and the pooled within-batch \
            variances (normal interval) below 8. InfoNCE never exceeds log B; js is the Jensen–Shannon \
            critic's NWJ value at T + 1 (tight at the JS optimum); SMILE clips e^T to [e^−τ, e^τ].

            Critics (--critic, bounds only):
              gaussian   plug-in Gaussian log p(y|x) − log p(y) on the raw columns (optimal for \
            Gaussian data; explodes on heavy tails).
              quadratic  full quadratic features, Newton fit.
              rff        quadratic plus 200 random Fourier features (length scale 1), Newton fit.
              mlp        a small separable network g(x)ᵀh(y), 600 Adam steps.
            quadratic, rff and mlp see each column through its normal scores Φ⁻¹(F̂), F̂ the \
            training rows' distribution function (an invertible map of each column leaves I \
            unchanged, and heavy tails can no longer blow up e^T). For infonce they are trained on \
            InfoNCE, otherwise on the logistic (Jensen–Shannon) loss; NWJ is scored at T + 1.
              auto (default)  fits quadratic and rff on 70% of the training rows, picks the one \
            with the higher bound on the other 30% (never on evaluation rows), and refits it on all \
            training rows. (gaussian is not a candidate: on heavy-tailed data its e^T can pass a \
            small validation part and explode on the evaluation rows. mlp is not one either: on one \
            Student-t data set (ν = 3, 2000 rows) it gave a lower NWJ (0.28 ± 0.04 vs 0.34 ± 0.02) than \
            auto's choice, and its fit would add about 15% to auto's time.)

            Unusable bounds: when NWJ's, DV's or JS's partition term is dominated by single pairs (one \
            e^S above 10% of a batch's sum, or an overflow), the command reports InfoNCE on the \
            same critic and batches instead, says so (warning, "FALLBACK" line, JSON "fallback" \
            object) and exits 0; it never prints the unusable value.

            Output: I ± SE, 95% interval, n, ESS, method, the batch size for bounds, and warnings \
            (heavy tails, InfoNCE ceiling, ties, non-Gaussian margins), and for bounds the critic. Bad input (unknown column, \
            non-numeric or NaN cell, too few rows, overlapping X and Y) exits with code 2.

            \(discreteDiscussion)
            """)

    enum Method: String, ExpressibleByArgument, CaseIterable {
        case ksg, ksg2, gaussian, nwj, dv, infonce, js, smile, mixed

        var isBound: Bool { ![.ksg, .ksg2, .gaussian, .mixed].contains(self) }
    }

    /// The critic of the bounds (`TrainedCritic.Family`, or `auto` for `CriticSelection`).
    enum Critic: String, ExpressibleByArgument, CaseIterable {
        case gaussian, quadratic, rff, mlp, auto

        var trainedFamily: TrainedCritic.Family? {
            switch self {
            case .gaussian: .gaussian
            case .quadratic: .quadratic
            case .rff: .randomFourier
            case .mlp: .mlp
            case .auto: nil
            }
        }
    }

    @Argument(help: "CSV (header optional) or .npy file of paired samples, one row per pair.")
    var file: String

    @Option(help: "X columns: names or 0-based indices, comma separated.")
    var x: String

    @Option(help: "Y columns: names or 0-based indices, comma separated.")
    var y: String

    @Option(help: "Estimator (see the methods above).")
    var method: Method = .ksg

    @Option(help: "Critic of the bounds: gaussian, quadratic, rff, mlp or auto (default auto; bounds only).")
    var critic: Critic?

    @Option(help: "k, the number of neighbours (ksg, ksg2).")
    var neighbors: Int = 3

    @Option(help: "SMILE clip τ: e^T is clipped to [e^−τ, e^τ] (smile).")
    var tau: Double = 5

    @Option(name: .customLong("batch-size"), help: "Largest batch B for the bounds (B² critic scores per batch).")
    var batchSize: Int = 128

    @Option(help: "Seed of the KSG standard error's random subsamples, and of the bounds' split, Fourier features and MLP.")
    var seed: UInt64 = 2024

    @Option(help: "Discrete columns of --x and --y (names or indices): plug-in or Ross estimator (see above).")
    var discrete: String?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        try CountOption.check(neighbors, "--neighbors", in: CountOption.neighbors)
        guard tau > 0, !tau.isNaN else { throw ValidationError("--tau must be positive (got \(tau)).") }
        try CountOption.check(batchSize, "--batch-size", in: CountOption.criticBatchSize)
        try validateDiscrete()
        if let critic, !method.isBound {
            throw ValidationError("--critic \(critic.rawValue) applies only to the bounds (nwj, dv, infonce, js, smile), "
                + "not to --method \(method.rawValue).")
        }
    }

    func run() throws {
        let report = try reportingLibraryErrors { () throws(MonteCarloError) -> MIReport in try estimate() }
        print(json ? try report.json() : report.text)
    }

    // MARK: - Estimation

    func estimate() throws(MonteCarloError) -> MIReport {
        // By column: KSG on one column each then needs no per-row arrays at all.
        let matrix = try DataMatrixFile.readColumns(path: file)
        let xColumns = try matrix.columns(x, option: "--x")
        let yColumns = try matrix.columns(y, option: "--y")
        for (option, columns) in [("--x", xColumns), ("--y", yColumns)] {
            if let repeated = columns.enumerated().first(where: { columns[..<$0.offset].contains($0.element) }) {
                throw .invalidArgument("\(option) lists column \"\(matrix.columnNames[repeated.element])\" twice.")
            }
        }
        let shared = xColumns.filter(yColumns.contains)
        guard shared.isEmpty else {
            throw .invalidArgument("--x and --y overlap in column(s) \(shared.map { "\"\(matrix.columnNames[$0])\"" }.joined(separator: ", ")): "
                + "X and Y must be disjoint sets of columns.")
        }
        let n = matrix.rowCount
        var context = MIReport.Context(
            file: file, rows: n, xColumns: xColumns.map { matrix.columnNames[$0] },
            yColumns: yColumns.map { matrix.columnNames[$0] }, method: method.rawValue, seed: seed)
        if discrete != nil {
            let estimate = try discreteEstimate(matrix, xColumns: xColumns, yColumns: yColumns, context: &context)
            return try MIReport(estimate, context: context)
        }
        let estimate: Estimate
        switch method {
        case .mixed:
            estimate = try discreteEstimate(matrix, xColumns: xColumns, yColumns: yColumns, context: &context)
        case .ksg, .ksg2:
            (estimate, context.notes) = try ksg(matrix, xColumns: xColumns, yColumns: yColumns)
        case .gaussian:
            let (xs, ys) = Self.rows(matrix, xColumns, yColumns)
            (estimate, context.notes) = try gaussian(x: xs, y: ys, names: context.xColumns + context.yColumns)
        case .nwj, .dv, .infonce, .js, .smile:
            let (xs, ys) = Self.rows(matrix, xColumns, yColumns)
            (estimate, context) = try bound(x: xs, y: ys, context: context)
        }
        return try MIReport(estimate, context: context)
    }

    /// The X and the Y part of every row.
    static func rows(_ matrix: DataMatrixFile.Columns, _ xColumns: [Int], _ yColumns: [Int]) -> (x: [[Double]], y: [[Double]]) {
        (matrix.rows(of: xColumns), matrix.rows(of: yColumns))
    }

    func ksg(_ matrix: DataMatrixFile.Columns, xColumns: [Int], yColumns: [Int]) throws(MonteCarloError) -> (Estimate, [String]) {
        let n = matrix.rowCount, k = neighbors
        guard n >= k + 1 else {
            throw .invalidArgument("Too few rows: KSG with k = \(k) neighbours needs at least k + 1 = \(k + 1) rows; \(file) has \(n).")
        }
        // The standard error needs blocks of at least k + 2 points: 8 blocks when there are
        // enough rows, fewer (at least 2) for small files.
        let blocks = min(8, n / (k + 2))
        guard blocks >= 2 else {
            throw .invalidArgument("Too few rows: the KSG standard error with k = \(k) needs two disjoint subsamples of "
                + "k + 2 rows, so at least \(2 * (k + 2)) rows; \(file) has \(n).")
        }
        let estimator = KSGEstimator(algorithm: method == .ksg ? .one : .two, neighbors: k, subsampleBlocks: blocks, seed: seed)
        // KSG uses no BLAS: OpenBLAS's workers, spinning since start-up, would take a core from it.
        BLASThreads.stopIdleWorkers()
        // One column each: the file's columns as they are (no per-row arrays), the same estimate.
        let estimate: Estimate
        if xColumns.count == 1 && yColumns.count == 1 {
            estimate = try estimator.estimate(x: matrix.values[xColumns[0]], y: matrix.values[yColumns[0]])
        } else {
            let (x, y) = Self.rows(matrix, xColumns, yColumns)
            estimate = try estimator.estimate(x: x, y: y)
        }
        let notes = [
            "KSG algorithm \(method == .ksg ? 1 : 2), k = \(k), max-norm; standard error: the leave-one-out jackknife "
                + "rescaled by its overestimation factor measured on \(blocks) disjoint random subsamples of "
                + "\(min(n / blocks, estimator.maximumBlockSize)) rows "
                + "(seed \(seed)).",
        ]
        return (estimate, notes)
    }

    func gaussian(x: [[Double]], y: [[Double]], names: [String]) throws(MonteCarloError) -> (Estimate, [String]) {
        let d = x[0].count + y[0].count
        guard x.count >= d + 2 else {
            throw .invalidArgument("Too few rows: the Gaussian estimator on \(d) columns needs at least d + 2 = \(d + 2) rows "
                + "(a nonsingular sample covariance); \(file) has \(x.count).")
        }
        let base = try GaussianMutualInformation.estimate(x: x, y: y, biasCorrected: true)
        var diagnostics = base.diagnostics
        diagnostics.warnings += Self.marginWarnings(
            x: x, y: y, names: names, consequence: "The Gaussian estimator then estimates the Gaussian (canonical-correlation) proxy, which can be far from I")
        let estimate = Estimate(value: base.value, variance: base.variance, sampleCount: base.sampleCount,
                                effectiveSampleSize: base.effectiveSampleSize, degreesOfFreedom: base.degreesOfFreedom,
                                diagnostics: diagnostics)
        // The estimand (the Gaussian MI of the covariance) is printed from `declaredBias`.
        return (estimate, [
            "Closed-form Gaussian estimator, Wishart bias-corrected; sandwich (influence-function) standard error "
                + "with empirical fourth moments (valid without normality when E‖Z‖⁴ < ∞).",
        ])
    }

    /// Warns when a column's excess kurtosis or skewness is far from 0 (``MarginalShape``): the
    /// Gaussian estimator then measures only the Gaussian proxy of I, and the Gaussian critic is not optimal.
    static func marginWarnings(x: [[Double]], y: [[Double]], names: [String], consequence: String) -> [String] {
        let dx = x[0].count
        let columns = (0..<dx).map { c in x.map { $0[c] } } + (0..<y[0].count).map { c in y.map { $0[c] } }
        let flagged = MarginalShape.nonGaussian(columns: columns).map { shape in
            "\(names[shape.column]) (" + String(format: "skewness %.2f, excess kurtosis %.2f", shape.skewness, shape.excessKurtosis) + ")"
        }
        guard !flagged.isEmpty else { return [] }
        return ["Non-Gaussian margins: " + flagged.joined(separator: ", ") + ". " + consequence + "; compare with --method ksg."]
    }

    func bound(x: [[Double]], y: [[Double]], context: MIReport.Context) throws(MonteCarloError) -> (Estimate, MIReport.Context) {
        let n = x.count, dx = x[0].count, dy = y[0].count, d = dx + dy
        // Half the rows train the critic, at most `Self.maximumTrainingRows`; the rest evaluate.
        let trainCount = min(n / 2, Self.maximumTrainingRows), evaluationCount = n - trainCount
        let family = critic ?? .auto
        let neededTraining = switch family {
        case .gaussian: d + 2
        case .quadratic, .rff: 2 * (1 + d + d * (d + 1) / 2)  // n ≥ 2p for the quadratic features
        case .mlp: max(d + 2, 16)
        case .auto: max(2 * (1 + d + d * (d + 1) / 2) * 10 / 7 + 1, 27)  // quadratic on 70%, 8 validation pairs
        }
        guard trainCount >= neededTraining, evaluationCount >= 8 else {
            throw .invalidArgument("Too few rows: a bound on \(d) columns with --critic \(family.rawValue) needs at least "
                + "\(max(2 * neededTraining, 16)) rows (a training half of \(neededTraining) pairs to fit the critic and an "
                + "evaluation half of at least 8 pairs for two batches); \(file) has \(n).")
        }
        let bound: VariationalBound = switch method {
        case .nwj: .nwj
        case .dv: .donskerVaradhan
        case .infonce: .infoNCE
        case .js: .jensenShannon(.nwjShifted)
        default: .smile(tau: tau)
        }
        let result = try HeldOutBoundEstimator(bound: bound, criticFamily: family.trainedFamily, maximumBatchSize: batchSize,
                                               maximumTrainingRows: Self.maximumTrainingRows, seed: seed).estimate(x: x, y: y)
        let fitted = result.critic, batches = result.batches, b = result.batchSize
        var estimate = result.estimate
        var context = context
        context.critic = fitted.family.rawValue
        context.fallback = result.fallback.map { MIReport.Fallback(from: method.rawValue, to: $0.to.name, reason: $0.reason) }
        let selectionNote = result.selection.map { selection in
            "--critic auto chose \(fitted.family.rawValue) by the bound's mean on \(selection.validationPairs) "
                + "validation pairs held out of the training rows (batches of \(selection.validationBatchSize); "
                + selection.candidates.map { candidate in
                    candidate.family.rawValue + " " + (candidate.validationValue.map { String(format: "%.4g", $0) } ?? "failed")
                        + (candidate.heavyTailBatches > 0 ? " (heavy-tailed)" : "")
                }.joined(separator: ", ") + "), then refitted on all \(trainCount) training rows."
        }
        let marginWarnings = fitted.family == .gaussian ? Self.marginWarnings(
            x: x, y: y, names: context.xColumns + context.yColumns,
            consequence: "The Gaussian critic is then not the optimal critic and the bound can be far below I") : []
        if !marginWarnings.isEmpty {
            var diagnostics = estimate.diagnostics
            diagnostics.warnings += marginWarnings
            estimate = Self.replacingDiagnostics(estimate, diagnostics)
        }

        context.batchSize = b
        context.batches = batches
        context.trainingRows = trainCount
        context.evaluationRows = batches * b
        let reported = result.fallback == nil ? method.rawValue : "InfoNCE"
        let unused: Int = evaluationCount - batches * b
        let leftover = unused > 0 ? ", \(unused) leftover row(s) unused" : ""
        context.notes = [
            "Critic: " + fitted.summary + "; fitted on a random \(trainCount == n / 2 ? "half" : "subset") of the rows "
                + "(\(trainCount) rows, seed \(seed)); the bound is evaluated on the other \(evaluationCount) rows, never on "
                + "training rows.",
        ] + (selectionNote.map { [$0] } ?? []) + [
            "\(batches) batches of B = \(b) pairs (all B(B − 1) off-diagonal negatives)" + leftover
                + "; \(reported) averaged over the batches, "
                + (batches >= VariationalBoundAccumulator.minimumBatchesForSpread
                    ? "standard error from their spread (Student-t, \(batches - 1) df)."
                    : "standard error from the pooled within-batch variances (normal interval; fewer than "
                        + "\(VariationalBoundAccumulator.minimumBatchesForSpread) batches are too few for their spread)."),
            method == .smile
                ? "SMILE is not a bound (clipping biases it either way); with a good critic it is close to I."
                : "In expectation a lower bound on I for this critic (up to the declared finite-B bias); it falls short "
                    + "of I by as much as the critic misses the optimal log-ratio.",
        ]
        return (estimate, context)
    }

    /// At most this many rows train the critic (the rest evaluate): the fits cost O(rows).
    static let maximumTrainingRows = 4000

    static func replacingDiagnostics(_ estimate: Estimate, _ diagnostics: Diagnostics) -> Estimate {
        Estimate(value: estimate.value, variance: estimate.variance, sampleCount: estimate.sampleCount,
                 effectiveSampleSize: estimate.effectiveSampleSize, degreesOfFreedom: estimate.degreesOfFreedom,
                 diagnostics: diagnostics)
    }
}

/// What `mcest mi` reports. JSON: one ``EstimateRecord`` whose context holds `command` ("mi"),
/// `unit` ("nats"), `file`, `rows`, `xColumns`, `yColumns`, `methodOption`, `seed`, `notes`, and
/// for the bounds `critic`, `batchSize`, `batches`, `trainingRows`, `evaluationRows` and
/// `fallback` ({`from`, `to`, `reason`} when NWJ/DV fell back to InfoNCE, else `null`).
struct MIReport {
    struct Context {
        var file: String
        var rows: Int
        var xColumns: [String]
        var yColumns: [String]
        var method: String
        var seed: UInt64
        var batchSize: Int? = nil
        var batches: Int? = nil
        var trainingRows: Int? = nil
        var evaluationRows: Int? = nil
        var critic: String? = nil
        var fallback: Fallback? = nil
        var notes: [String] = []

        var values: [String: EstimateRecord.ContextValue] {
            [
                "command": "mi", "unit": "nats", "file": .string(file), "rows": .integer(rows), "xColumns": .init(xColumns),
                "yColumns": .init(yColumns), "methodOption": .string(method), "seed": .init(seed: seed),
                "batchSize": .init(batchSize), "batches": .init(batches), "trainingRows": .init(trainingRows),
                "evaluationRows": .init(evaluationRows), "critic": .init(critic), "notes": .init(notes),
                "fallback": fallback.map { ["from": .string($0.from), "to": .string($0.to), "reason": .string($0.reason)] } ?? .null,
            ]
        }
    }

    /// The bound reported instead of the requested one, and why.
    struct Fallback {
        let from: String
        let to: String
        let reason: String
    }

    let context: Context
    let record: EstimateRecord

    init(_ estimate: Estimate, context: Context) throws(MonteCarloError) {
        try estimate.requireFinite("the mutual information")
        self.context = context
        record = try EstimateRecord(estimate, context: context.values)
    }

    func json() throws -> String { try record.json() }

    var text: String {
        let r = record
        let (value, standardError, interval) = (r.value, r.standardError, r.confidenceInterval)
        let decimals = NumberFormat.decimals(forStandardError: standardError)
        let fixed = { (v: Double) in NumberFormat.fixed(v, decimals: decimals) }
        var lines = [
            "mcest mi: \(context.method) on \(context.file), \(context.rows) rows",
            "  X = \(context.xColumns.joined(separator: ", ")) (\(context.xColumns.count) column\(context.xColumns.count == 1 ? "" : "s")), "
                + "Y = \(context.yColumns.joined(separator: ", ")) (\(context.yColumns.count) column\(context.yColumns.count == 1 ? "" : "s"))",
            "",
            // The Gaussian plug-in estimates the Gaussian MI of the covariance, not I on other data.
            (context.method == MICommand.Method.gaussian.rawValue ? "  I_G(X; Y), the Gaussian MI of the covariance = " : "  I(X; Y) = ")
                + "\(fixed(value)) ± \(NumberFormat.standardError(standardError)) nats",
            "  95% interval [\(fixed(interval.lower)), \(fixed(interval.upper))]"
                + (interval.degreesOfFreedom.map { String(format: " (Student-t, %.0f df)", $0) } ?? " (normal)"),
            "  n = \(r.sampleCount), ESS = \(NumberFormat.count(r.effectiveSampleSize)), estimator \(r.method)",
        ]
        if let fallback = context.fallback {
            lines.append("  FALLBACK: \(fallback.from) is unusable on these data; the value above is \(fallback.to)")
        }
        if let critic = context.critic { lines.append("  critic \(critic)") }
        if let batchSize = context.batchSize {
            lines.append("  batch size B = \(batchSize) (\(context.batches ?? 1) batch\(context.batches == 1 ? "" : "es"); log B = "
                + String(format: "%.3f", log(Double(batchSize))) + ")")
        }
        lines.append("")
        for note in context.notes { lines.append("  note: " + note) }
        if let bias = r.diagnostics.declaredBias { lines.append("  bias: " + bias) }
        if r.diagnostics.warnings.isEmpty {
            lines.append("  warnings: none")
        } else {
            for warning in r.diagnostics.warnings { lines.append("  warning: " + warning) }
        }
        return lines.joined(separator: "\n")
    }
}
