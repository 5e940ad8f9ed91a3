// mutual-information-csv: mutual information between column groups of a CSV file, by KSG
// (nearest neighbours, no model) and by variational bounds with a fitted critic, each with its
// standard error.
//
//     swift run -c release mutual-information-csv                       # writes and reads a demo file
//     swift run -c release mutual-information-csv data.csv --x a,b --y c --neighbors 5
//
// Without a file the example writes a demo CSV to --output: (x1, y1) and (x2, y2) are
// independent pairs of standard normals with correlations 0.8 and 0.5, so
// I(X; Y) = −½ log(1 − 0.8²) − ½ log(1 − 0.5²) ≈ 0.6547 nats; columns y1cubed = y1³ and
// y2asinh = asinh(y2) are invertible transforms of Y, which leave I unchanged. Every estimate
// of I on the demo file is checked against that truth (the table's z column).

import ArgumentParser
import Foundation
import MonteCarlo
import NotebookSupport

struct MutualInformationCSVExample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mutual-information-csv",
        abstract: "Mutual information between columns of a CSV file, by KSG and by variational bounds.",
        discussion: """
            KSG (Kraskov–Stögbauer–Grassberger, algorithms 1 and 2, max-norm, k neighbours) with a \
            standard error from the leave-one-out jackknife rescaled on 8 random subsamples; the \
            closed-form Gaussian estimator (estimand: the Gaussian MI of the covariance, which is I \
            only for Gaussian data; sandwich standard error); NWJ and InfoNCE bounds with a Gaussian critic and an \
            NWJ bound with a quadratic critic fitted by Newton's method, each fitted on a random \
            half of the rows and evaluated on the other half in batches of --batch pairs \
            (standard error from the batch-to-batch spread).
            """)

    @Argument(help: "CSV (header optional) or .npy file, one observation per row; omitted: write and use a demo file.")
    var file: String?

    @Option(help: "Columns of X: names or 0-based indices, comma separated.")
    var x = "x1,x2"

    @Option(help: "Columns of Y.")
    var y = "y1,y2"

    @Option(help: "KSG: neighbours k.")
    var neighbors = 3

    @Option(help: "Variational bounds: pairs per evaluation batch (at least 4).")
    var batch = 250

    @Option(help: "Demo file: rows.")
    var rows = 4000

    @Option(help: "Seed of the KSG subsamples, the train/evaluation split and the demo file.")
    var seed: UInt64 = 2024

    @Option(help: "Folder for the demo file.")
    var output = "notebook-output/mutual-information-csv"

    @Flag(help: "Print a JSON array of results instead of a table.")
    var json = false

    func validate() throws {
        guard neighbors >= 1 else { throw ValidationError("--neighbors must be at least 1.") }
        guard batch >= 4 else { throw ValidationError("--batch must be at least 4.") }
        guard rows >= 100 else { throw ValidationError("--rows must be at least 100.") }
    }

    func run() {
        exitingOnError("mutual-information-csv") { try estimate() }
    }

    func estimate() throws {
        let demoTruth = -0.5 * log(1 - 0.64) - 0.5 * log(1 - 0.25)
        let path = try file ?? writeDemoFile()
        let matrix = try DataMatrixFile.read(path: path)
        func columns(_ names: String, _ option: String) throws(MonteCarloError) -> [[Double]] {
            let indices = try matrix.columns(names, option: option)
            return matrix.rows.map { row in indices.map { row[$0] } }
        }
        let xs = try columns(x, "--x"), ys = try columns(y, "--y")
        let truth: Double? = file == nil ? demoTruth : nil
        if !json {
            print("mutual-information-csv: \(path), \(matrix.rows.count) rows, X = [\(x)], Y = [\(y)], seed \(seed)"
                + (truth.map { "; demo truth I = \(Fmt.fixed($0, 4)) nats" } ?? ""))
        }
        var results: [ExampleResult] = []
        for algorithm in [KSGEstimator.Algorithm.one, .two] {
            let ksg = KSGEstimator(algorithm: algorithm, neighbors: neighbors, seed: seed)
            results.append(ExampleResult("KSG-\(algorithm == .one ? 1 : 2), k = \(neighbors)", try ksg.estimate(x: xs, y: ys), truth: truth))
        }
        if file == nil {
            // The same pairs with Y transformed invertibly: KSG is invariant in theory (and
            // nearly so in practice); the Gaussian estimator is not.
            let transformed = try columns("y1cubed,y2asinh", "--y")
            let ksg = KSGEstimator(algorithm: .one, neighbors: neighbors, seed: seed)
            results.append(ExampleResult("KSG-1 on (X, (y1³, asinh y2))", try ksg.estimate(x: xs, y: transformed), truth: truth))
        }
        results.append(ExampleResult("Gaussian closed form (exact for Gaussian data)",
                                     try GaussianMutualInformation.estimate(x: xs, y: ys, biasCorrected: true), truth: truth))

        // Variational bounds: fit the critic on one random half, evaluate on the other.
        var generator = RandomStreams(seed: seed).stream(7)
        var order = Array(0..<xs.count)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(generator.next() % UInt64(i + 1))) }
        let half = xs.count / 2
        let critic = try GaussianCritic.fitted(x: order[..<half].map { xs[$0] }, y: order[..<half].map { ys[$0] })
        let evaluation = Array(order[half...])
        let batches = evaluation.count / batch
        guard batches >= 2 else {
            throw MonteCarloError.insufficientSamples(needed: 2 * batch, available: evaluation.count,
                                                      reason: "(evaluation rows) for two batches of --batch pairs")
        }
        // A trained critic: quadratic features fitted by Newton's method on the NWJ objective
        // (its optimum 1 + log r is quadratic for Gaussian data), on the same training half.
        let quadratic = try LinearCritic.fit(x: order[..<half].map { xs[$0] }, y: order[..<half].map { ys[$0] }, objective: .nwj)
        let critics: [(String, VariationalBound, (ArraySlice<Int>) throws -> ScoreMatrix)] = [
            ("NWJ bound, fitted Gaussian critic", .nwj, { rows in
                try critic.scoreMatrix(x: rows.map { xs[$0] }, y: rows.map { ys[$0] }, offset: 1) }),
            ("NWJ bound, Newton-fitted quadratic critic", .nwj, { rows in
                try quadratic.scoreMatrix(x: rows.map { xs[$0] }, y: rows.map { ys[$0] }) }),
            ("InfoNCE bound (≤ log B), fitted Gaussian critic", .infoNCE, { rows in
                try critic.scoreMatrix(x: rows.map { xs[$0] }, y: rows.map { ys[$0] }) }),
        ]
        for (label, bound, scores) in critics {
            var accumulator = VariationalBoundAccumulator(bound: bound, batchSize: batch)
            for b in 0..<batches { try accumulator.add(try scores(evaluation[(b * batch)..<((b + 1) * batch)])) }
            // NWJ with these critics is unbiased for a value below I by the critic's distance from
            // the optimum (O(d²/n) for the fitted covariance); InfoNCE is a lower bound with a gap
            // that does not vanish at fixed B, so it is not checked against I.
            results.append(ExampleResult(label, try accumulator.estimate(), truth: bound == .nwj ? truth : nil))
        }
        ExampleResult.print(results, json: json)
    }

    /// Writes the demo CSV and returns its path.
    func writeDemoFile() throws -> String {
        var generator = RandomStreams(seed: seed).stream(1)
        var text = "x1,x2,y1,y2,y1cubed,y2asinh\n"
        for _ in 0..<rows {
            var values: [Double] = []
            var ys: [Double] = []
            for rho in [0.8, 0.5] {
                let a = generator.nextStandardNormal(), b = generator.nextStandardNormal()
                values.append(a)
                ys.append(rho * a + (1 - rho * rho).squareRoot() * b)
            }
            values += ys + [pow(ys[0], 3), asinh(ys[1])]
            text += values.map { "\($0)" }.joined(separator: ",") + "\n"
        }
        let directory = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("pairs.csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}

MutualInformationCSVExample.main()
