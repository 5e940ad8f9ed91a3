import Foundation
import MonteCarlo

/// What `mcest entropy` and `mcest kl` report: one ``EstimateRecord`` whose context holds
/// `command`, `unit` ("nats"), `files`, `rows` (per file), `columns`, `neighbors`, `seed` and `notes`.
struct NeighborEstimateReport {
    let command: String
    /// The quantity as printed, e.g. "H(X)" or "D(P ‖ Q)".
    let quantity: String
    let files: [String]
    let rows: [Int]
    let columns: [String]
    let neighbors: Int
    let seed: UInt64
    let notes: [String]
    let record: EstimateRecord

    init(_ estimate: Estimate, command: String, quantity: String, files: [String], rows: [Int], columns: [String],
         neighbors: Int, seed: UInt64, notes: [String]) throws(MonteCarloError) {
        try estimate.requireFinite(quantity)
        self.command = command
        self.quantity = quantity
        self.files = files
        self.rows = rows
        self.columns = columns
        self.neighbors = neighbors
        self.seed = seed
        self.notes = notes
        record = try EstimateRecord(estimate, context: [
            "command": .string(command), "unit": "nats", "files": .init(files), "rows": .init(rows),
            "columns": .init(columns), "neighbors": .integer(neighbors), "seed": .init(seed: seed), "notes": .init(notes),
        ])
    }

    func json() throws -> String { try record.json() }

    var text: String {
        let r = record
        let decimals = NumberFormat.decimals(forStandardError: r.standardError)
        let fixed = { (v: Double) in NumberFormat.fixed(v, decimals: decimals) }
        let interval = r.confidenceInterval
        let sources = zip(files, rows).map { "\($0.0) (\($0.1) rows)" }.joined(separator: " vs ")
        var lines = [
            "mcest \(command): \(sources)",
            "  columns \(columns.joined(separator: ", ")) (d = \(columns.count)), k = \(neighbors)",
            "",
            "  \(quantity) = \(fixed(r.value)) ± \(NumberFormat.standardError(r.standardError)) nats",
            "  95% interval [\(fixed(interval.lower)), \(fixed(interval.upper))]"
                + (interval.degreesOfFreedom.map { String(format: " (Student-t, %.0f df)", $0) } ?? " (normal)"),
            "  n = \(r.sampleCount), ESS = \(NumberFormat.count(r.effectiveSampleSize)), estimator \(r.method)",
            "",
        ]
        for note in notes { lines.append("  note: " + note) }
        if let bias = r.diagnostics.declaredBias { lines.append("  bias: " + bias) }
        if r.diagnostics.warnings.isEmpty {
            lines.append("  warnings: none")
        } else {
            for warning in r.diagnostics.warnings { lines.append("  warning: " + warning) }
        }
        return lines.joined(separator: "\n")
    }

    /// The rows of `matrix` restricted to `specification` (all columns when `nil`), with their
    /// names; a repeated column is an error naming `file`.
    static func select(_ matrix: DataMatrixFile, _ specification: String?, file: String)
        throws(MonteCarloError) -> (rows: [[Double]], names: [String]) {
        let columns = try specification.map { spec throws(MonteCarloError) in
            try naming(file) { () throws(MonteCarloError) in try matrix.columns(spec, option: "--columns") }
        } ?? Array(0..<matrix.columnCount)
        if let repeated = columns.enumerated().first(where: { columns[..<$0.offset].contains($0.element) }) {
            throw .invalidArgument("\(file): --columns lists column \"\(matrix.columnNames[repeated.element])\" twice.")
        }
        return (matrix.rows.map { row in columns.map { row[$0] } }, columns.map { matrix.columnNames[$0] })
    }

    /// Runs a library call on the data of `file`, prefixing the file's name to its error message.
    static func naming<T>(_ file: String, _ body: () throws(MonteCarloError) -> T) throws(MonteCarloError) -> T {
        do {
            return try body()
        } catch {
            throw .invalidArgument("\(file): \(error.description)")
        }
    }
}
