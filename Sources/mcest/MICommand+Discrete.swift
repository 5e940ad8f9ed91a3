import ArgumentParser
import Foundation
import MonteCarlo

/// `mcest mi --discrete COLS` and `--method mixed`: mutual information with discrete columns.
///
/// - Both sides discrete: the plug-in estimate with the Miller–Madow correction
///   (``DiscreteMutualInformation``); several columns on a side form one category per distinct row.
/// - One side discrete: Ross's nearest-neighbour estimator (``DiscreteContinuousMutualInformation``,
///   as scikit-learn's `mutual_info_classif`), the discrete side as the label.
/// - `--method mixed`: Gao, Kannan, Oh & Viswanath's estimator (``MixedMutualInformation``) on the
///   raw values of all columns, for data with ties or columns that are partly discrete.
extension MICommand {
    static let discreteDiscussion = """
        Discrete columns (--discrete COLS, the columns of --x and --y that hold category codes; \
        categories are distinct values):
          both sides discrete  plug-in I with the Miller–Madow correction; delta-method SE (normal \
        interval); near independence 2N·Î is χ² instead, and the G-test p-value is reported.
          one side discrete    Ross (2014) k-NN estimator, as scikit-learn's mutual_info_classif \
        (no rescaling, jitter or clipping at 0); every class needs more than k + 1 rows; SE: the \
        jackknife rescaled on random subsamples, as for ksg.
          --method mixed       Gao, Kannan, Oh & Viswanath (2017) k-NN estimator for discrete, \
        continuous or mixed columns with ties (--discrete not needed); SE: the exact jackknife \
        rescaled on random subsamples, as for ksg.
        """

    func validateDiscrete() throws {
        if discrete != nil, method != .ksg, method != .mixed {
            throw ValidationError("--discrete chooses the estimator itself (plug-in or Ross); it cannot be combined with "
                + "--method \(method.rawValue) (use --method mixed for Gao et al.'s mixed estimator).")
        }
    }

    func discreteEstimate(_ matrix: DataMatrixFile.Columns, xColumns: [Int], yColumns: [Int],
                          context: inout MIReport.Context) throws(MonteCarloError) -> Estimate {
        let discreteColumns = try discrete.map { text throws(MonteCarloError) in try matrix.columns(text, option: "--discrete") } ?? []
        if let stray = discreteColumns.first(where: { !xColumns.contains($0) && !yColumns.contains($0) }) {
            throw .invalidArgument("--discrete column \"\(matrix.columnNames[stray])\" is in neither --x nor --y.")
        }
        let (x, y) = Self.rows(matrix, xColumns, yColumns)
        let n = x.count, k = neighbors
        if method == .mixed {
            let blocks = min(10, n / (k + 2))
            guard blocks >= 2 else {
                throw .invalidArgument("\(file): too few rows: the mixed estimator's standard error with k = \(k) needs two "
                    + "disjoint subsamples of more than k + 1 rows, so at least \(2 * (k + 2)) rows; the file has \(n).")
            }
            let estimator = MixedMutualInformation(neighbors: k, subsampleBlocks: blocks, seed: seed)
            context.method = "mixed"
            context.notes = ["Gao, Kannan, Oh & Viswanath (2017), k = \(k), max-norm on the raw values (ties: k̃ = the whole "
                + "tie); standard error: the leave-one-out jackknife rescaled by its overestimation factor measured on "
                + "\(blocks) disjoint random subsamples of \(min(n / blocks, estimator.maximumBlockSize)) rows (seed \(seed))."]
            return try NeighborEstimateReport.naming(file) { () throws(MonteCarloError) in try estimator.estimate(x: x, y: y) }
        }
        let xDiscrete = xColumns.allSatisfy(discreteColumns.contains), yDiscrete = yColumns.allSatisfy(discreteColumns.contains)
        for (option, columns, whole) in [("--x", xColumns, xDiscrete), ("--y", yColumns, yDiscrete)]
        where !whole && columns.contains(where: discreteColumns.contains) {
            throw .invalidArgument("\(option) mixes discrete and continuous columns: list all of them in --discrete, "
                + "or none, or use --method mixed.")
        }
        if xDiscrete && yDiscrete {
            context.method = "discrete"
            context.notes = ["Plug-in estimate with the Miller–Madow correction; delta-method standard error (normal "
                + "interval). Near independence see the G-test in the warnings."]
            return try NeighborEstimateReport.naming(file) { () throws(MonteCarloError) in
                try DiscreteMutualInformation().estimate(x: Self.categories(x), y: Self.categories(y))
            }
        }
        let (labels, features) = xDiscrete ? (Self.categories(x), y) : (Self.categories(y), x)
        var sizes = [Int: Int]()
        for label in labels { sizes[label, default: 0] += 1 }
        let smallest = sizes.values.min() ?? 0
        // Blocks that hold on average at least 2(k + 2) points of the smallest class.
        let blocks = max(2, min(8, smallest / (2 * (k + 2))))
        let estimator = DiscreteContinuousMutualInformation(neighbors: k, subsampleBlocks: blocks, seed: seed)
        context.method = "discrete-continuous"
        context.notes = ["Ross (2014) estimator, k = \(k) within each of \(sizes.count) classes (\((xDiscrete ? "X" : "Y")) "
            + "discrete), max-norm; standard error: the leave-one-out jackknife rescaled by its overestimation factor "
            + "measured on \(blocks) disjoint random subsamples of \(min(n / blocks, estimator.maximumBlockSize)) rows "
            + "(seed \(seed))."]
        BLASThreads.stopIdleWorkers()
        return try NeighborEstimateReport.naming(file) { () throws(MonteCarloError) in
            try estimator.estimate(labels: labels, features: features)
        }
    }

    /// One category index per distinct row.
    static func categories(_ rows: [[Double]]) -> [Int] {
        var index = [[Double]: Int]()
        var codes = [Int]()
        codes.reserveCapacity(rows.count)
        for row in rows {
            if let code = index[row] {
                codes.append(code)
            } else {
                index[row] = index.count
                codes.append(index.count - 1)
            }
        }
        return codes
    }
}
