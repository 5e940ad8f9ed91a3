import ArgumentParser
import Foundation
import MonteCarlo

/// `mcest kl`: the Kullback–Leibler divergence D(P ‖ Q) between the distributions of the rows of
/// two data files, with its standard error (``KullbackLeiblerDivergence``).
struct KLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kl",
        abstract: "Estimate the Kullback–Leibler divergence D(P ‖ Q) in nats between two samples, with its standard error.",
        discussion: """
            X holds a sample from P and Y a sample from Q, one point per row (CSV with an optional \
            header, or .npy). --columns selects the same columns in both, by header name or 0-based \
            index (default: all; the two files must then have the same number of columns).

            Estimator: Wang, Kulkarni & Verdú (2009) k-nearest-neighbour divergence (max-norm), \
            (d/N) Σ log(νₖ(i)/ρₖ(i)) + log(M/(N − 1)), ρ the distance from xᵢ to its k-th neighbour \
            among the other x's, ν to its k-th neighbour among the y's. Consistent; a finite-sample \
            bias of order (k/N)^(2/d) is not corrected.

            Standard error: the two-sample leave-one-out jackknife, rescaled by its overestimation \
            factor measured on 8 disjoint random pairs of subsamples (--seed); Student-t interval \
            with 7 df. Needs at least 8(k + 2) rows in X and 8(k + 1) in Y.

            Bad input (unknown column, non-numeric or NaN cell, a constant column, tied points with \
            a zero neighbour distance, too few rows, different widths) exits with code 2 and names the file.
            """)

    @Argument(help: "CSV or .npy file of the sample from P.")
    var x: String

    @Argument(help: "CSV or .npy file of the sample from Q.")
    var y: String

    @Option(help: "Columns of both files: names or 0-based indices, comma separated (default: all).")
    var columns: String?

    @OptionGroup var options: NeighborEstimateOptions

    func run() throws {
        try options.run { () throws(MonteCarloError) in try estimate() }
    }

    func estimate() throws(MonteCarloError) -> NeighborEstimateReport {
        let (p, names) = try NeighborEstimateReport.select(DataMatrixFile.read(path: x), columns, file: x)
        let (q, namesQ) = try NeighborEstimateReport.select(DataMatrixFile.read(path: y), columns, file: y)
        guard names.count == namesQ.count else {
            throw .invalidArgument("\(y) has \(namesQ.count) selected column(s) but \(x) has \(names.count): both samples "
                + "must be points of the same space (select the same number of columns with --columns).")
        }
        let k = options.neighbors
        for (file, count, needed) in [(x, p.count, 8 * (k + 2)), (y, q.count, 8 * (k + 1))] where count < needed {
            throw .invalidArgument("\(file): too few rows: the divergence standard error with k = \(k) needs 8 disjoint "
                + "subsamples, so at least \(needed) rows; the file has \(count).")
        }
        let estimator = KullbackLeiblerDivergence(neighbors: k, seed: options.seed)
        BLASThreads.stopIdleWorkers()
        // The library names the samples P and Q; the message says which file each is.
        let estimate = try NeighborEstimateReport.naming("P = \(x), Q = \(y)") { () throws(MonteCarloError) in
            try estimator.estimate(p: p, q: q)
        }
        let notes = [
            "Wang–Kulkarni–Verdú k-NN divergence, k = \(k), max-norm; standard error: the two-sample leave-one-out "
                + "jackknife rescaled by its overestimation factor measured on 8 disjoint random subsample pairs "
                + "(seed \(options.seed)).",
        ]
        return try NeighborEstimateReport(estimate, command: "kl", quantity: "D(P ‖ Q)", files: [x, y], rows: [p.count, q.count],
                                          columns: names, neighbors: k, seed: options.seed, notes: notes)
    }
}
