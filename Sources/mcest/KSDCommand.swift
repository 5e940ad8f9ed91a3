import ArgumentParser
import Foundation
import MonteCarlo

/// `mcest ksd`: the kernel Stein discrepancy between draws and a target known through its
/// scores, with error bars, an optional wild-bootstrap goodness-of-fit test and Stein thinning
/// (``KernelSteinDiscrepancy``, ``SteinThinning``).
struct KSDCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ksd",
        abstract: "Kernel Stein discrepancy between draws and a target given by its scores, with error bars; optional goodness-of-fit test and Stein thinning.",
        discussion: """
            --samples holds the draws x_i (n rows × d columns) and --scores the scores ∇ log p(x_i) \
            of the target at the draws (n × d), CSV with an optional header or .npy. --chains K \
            treats the rows as K Markov chains of equal length stored one after another.

            Reports KSD² as the unbiased U-statistic and the biased V-statistic (≥ 0), each with its \
            standard error (Hoeffding's variance; long-run variance for chains). Under the null (draws \
            from the target) the U-statistic is degenerate and its normal interval is not valid: use --test.

            --test runs the wild-bootstrap test of Chwialkowski, Strathmann & Gretton (2016) with B \
            replicates (--bootstrap, seed --seed): Rademacher signs for independent draws, an \
            autocorrelated sign process for chains. --thin M selects M draws by Stein thinning \
            (Riabiz et al. 2022) and prints their 0-based row indices.

            Kernel (--kernel): imq, the inverse multiquadric (1 + |x − y|²)^(−1/2) (Gorham & Mackey \
            2017), or rbf, the Gaussian kernel with the median-heuristic length-scale.

            Bad input (non-numeric or NaN cell, different row or column counts, fewer than 3 rows, \
            all draws equal with rbf) exits with code 2 and names the file.
            """)

    enum Kernel: String, ExpressibleByArgument, CaseIterable {
        case imq, rbf
    }

    @Option(help: "Draws x_i (n rows × d columns), CSV or .npy.")
    var samples: String

    @Option(help: "Scores ∇ log p(x_i) (n rows × d columns), CSV or .npy.")
    var scores: String

    @Option(help: "Split the rows into K contiguous Markov chains of equal length.")
    var chains: Int?

    @Flag(help: "Run the wild-bootstrap goodness-of-fit test.")
    var test = false

    @Option(help: "Bootstrap replicates B of the test.")
    var bootstrap: Int = 1000

    @Option(help: "Base kernel: imq or rbf.")
    var kernel: Kernel = .imq

    @Option(help: "Select M draws by Stein thinning and print their row indices.")
    var thin: Int?

    @Option(help: "Seed of the bootstrap multipliers.")
    var seed: UInt64 = 2024

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        if let chains { try CountOption.check(chains, "--chains", in: CountOption.chains) }
        guard (1...1_000_000).contains(bootstrap) else {
            throw ValidationError("--bootstrap must be between 1 and 1000000 (got \(bootstrap)).")
        }
        if let thin, thin < 1 { throw ValidationError("--thin must be at least 1 (got \(thin)).") }
    }

    func run() throws {
        let (record, text) = try reportingLibraryErrors { () throws(MonteCarloError) in try report() }
        print(json ? try record.json() : text)
    }

    /// The specification of `--kernel`.
    var specification: KernelSpecification {
        switch kernel {
        case .imq: return .inverseMultiquadric(scale: .fixed(1))
        case .rbf: return .gaussian()
        }
    }

    func report() throws(MonteCarloError) -> (EstimateRecord, String) {
        let x = try DataMatrixFile.read(path: samples)
        let u = try DataMatrixFile.read(path: scores)
        guard u.rows.count == x.rows.count else {
            throw .invalidArgument("\(scores): \(u.rows.count) rows, but \(samples) has \(x.rows.count): one score per draw is needed.")
        }
        guard u.columnCount == x.columnCount else {
            throw .invalidArgument("\(scores): \(u.columnCount) columns, but \(samples) has \(x.columnCount): a score has one component per coordinate.")
        }
        let n = x.rows.count
        let dependence: SampleDependence = try chains.map { k throws(MonteCarloError) in
            try NeighborEstimateReport.naming(samples) { () throws(MonteCarloError) in
                try SampleDependence.chains(count: k, totalDraws: n)
            }
        } ?? .independent
        let sample = try NeighborEstimateReport.naming(samples) { () throws(MonteCarloError) in
            try SteinSample(points: x.rows, scores: u.rows, dependence: dependence)
        }
        let ksd = KernelSteinDiscrepancy(kernel: specification)
        BLASThreads.stopIdleWorkers()
        let files = "\(samples), \(scores)"
        var result = try NeighborEstimateReport.naming(files) { () throws(MonteCarloError) in try ksd.estimate(sample) }
        var context: [String: EstimateRecord.ContextValue] = [
            "command": "ksd", "files": .init([samples, scores]), "rows": .integer(n), "dimension": .integer(sample.dimension),
            "kernel": .string(kernel.rawValue), "lengthScale": .number(result.lengthScale),
            "chains": .integer(chains ?? 0),
        ]
        var lines: [String] = []
        if test {
            let outcome = try NeighborEstimateReport.naming(files) { () throws(MonteCarloError) in
                try ksd.test(sample, bootstrap: bootstrap, seed: seed)
            }
            result = outcome.discrepancy
            context["test"] = .object([
                "statistic": .number(outcome.statistic), "pValue": .number(outcome.pValue),
                "bootstrap": .integer(outcome.bootstrapCount), "flipProbability": .number(outcome.flipProbability),
                "seed": .init(seed: seed),
            ])
            lines.append("  test: n·KSD² = \(String(format: "%.4g", outcome.statistic)), p = \(String(format: "%.4g", outcome.pValue)) "
                + "(wild bootstrap, B = \(outcome.bootstrapCount), flip probability \(String(format: "%.3g", outcome.flipProbability)), seed \(seed))")
        }
        let v = result.biased
        context["vStatistic"] = .object(["value": .number(v.value), "standardError": .number(v.standardError)])
        context["looksDegenerate"] = .bool(result.looksDegenerate)
        if let m = thin {
            let indices = try NeighborEstimateReport.naming(files) { () throws(MonteCarloError) in
                try SteinThinning(kernel: specification).select(sample, count: m)
            }
            context["thinned"] = .array(indices.map { .integer($0) })
            lines.append("  thinned (\(m) rows, 0-based): " + indices.map(String.init).joined(separator: " "))
        }
        let record = try EstimateRecord(result.unbiased, context: context)
        let head = [
            "mcest ksd: \(samples) with scores \(scores) (n = \(n), d = \(sample.dimension)\(chains.map { ", \($0) chains" } ?? ""))",
            "  kernel \(kernel.rawValue), length-scale \(String(format: "%.4g", result.lengthScale))",
            "",
            "  KSD² (U-statistic, unbiased) = \(String(format: "%.6g", result.unbiased.value)) ± \(String(format: "%.2g", result.unbiased.standardError))",
            "  KSD² (V-statistic, biased)   = \(String(format: "%.6g", v.value)) ± \(String(format: "%.2g", v.standardError))",
        ]
        let warnings = result.unbiased.diagnostics.warnings.map { "  warning: " + $0 }
        return (record, (head + lines + warnings).joined(separator: "\n"))
    }
}
