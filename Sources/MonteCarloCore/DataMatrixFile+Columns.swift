import Foundation

extension DataMatrixFile {
    /// A data file's values column by column: one contiguous array per column instead of one
    /// array per row.
    ///
    /// The same files, rules and errors as ``DataMatrixFile/read(path:)``; for a `.npy` file the
    /// columns are filled straight from the file's bytes, so no per-row array is ever made (on
    /// 10⁵ rows the rows cost more than a KSG estimate's own arithmetic on one column each).
    ///
    /// ```swift
    /// let file = try DataMatrixFile.readColumns(path: "pairs.npy")
    /// let x = file.values[try file.columns("0", option: "--x")[0]]
    /// ```
    public struct Columns: Sendable, Hashable {
        /// Column names: from the CSV header, or "0", "1", … when there is none.
        public let columnNames: [String]
        /// `values[c][i]` is row i of column c; every column has ``rowCount`` entries.
        public let values: [[Double]]

        /// The number of rows.
        public var rowCount: Int { values.first?.count ?? 0 }

        /// Column indices from a comma-separated list of names or 0-based indices, as
        /// ``DataMatrixFile/columns(_:option:)``.
        /// - Throws: `MonteCarloError/invalidArgument(_:)` for an unknown column or an empty list.
        public func columns(_ specification: String, option: String) throws(MonteCarloError) -> [Int] {
            try DataMatrixFile(columnNames: columnNames, rows: []).columns(specification, option: option)
        }

        /// Row i of the given columns, for every row: `rows(of: [0, 2])[i] == [values[0][i], values[2][i]]`.
        ///
        /// - Complexity: O(rows × columns.count), one array per row.
        public func rows(of columns: [Int]) -> [[Double]] {
            var result: [[Double]] = []
            result.reserveCapacity(rowCount)
            for i in 0..<rowCount {
                var row: [Double] = []
                row.reserveCapacity(columns.count)
                for c in columns { row.append(values[c][i]) }
                result.append(row)
            }
            return result
        }
    }

    /// Reads `path` (`.npy` when it ends in `.npy`, CSV otherwise) column by column.
    ///
    /// - Throws: The errors of ``DataMatrixFile/read(path:)``, with the same messages (a
    ///   non-finite `.npy` element is reported at the first such element in row order).
    /// - Complexity: O(rows × columns), no per-row allocation for `.npy` files.
    public static func readColumns(path: String) throws(MonteCarloError) -> Columns {
        let data = try InputFile.data(atPath: path)
        guard path.lowercased().hasSuffix(".npy") else {
            let matrix = try parseCSV(InputFile.text(decoding: data), source: path)
            var values = [[Double]](repeating: [], count: matrix.columnCount)
            for c in 0..<matrix.columnCount {
                values[c] = [Double](unsafeUninitializedCapacity: matrix.rows.count) { buffer, initialized in
                    for (i, row) in matrix.rows.enumerated() { buffer[i] = row[c] }
                    initialized = matrix.rows.count
                }
            }
            return Columns(columnNames: matrix.columnNames, values: values)
        }
        let array = try NPYLayout(data, source: path)
        let shape = array.shape
        guard shape.count == 1 || shape.count == 2, shape.allSatisfy({ $0 > 0 }) else {
            throw .invalidArgument("\(path): expected a non-empty 1-D or 2-D array, found shape \(shape).")
        }
        let rowCount = shape[0], width = shape.count == 2 ? shape[1] : 1
        var values = [[Double]](repeating: [Double](repeating: 0, count: rowCount), count: width)
        // Row order, as `parseNPY` scans: the first non-finite element reported is the same.
        for c in 0..<width {
            try values[c].withUnsafeMutableBufferPointer { (column) throws(MonteCarloError) in
                for i in 0..<rowCount {
                    let value = array.element(i * width + c)
                    guard value.isFinite else {
                        throw firstNonFinite(array, rows: rowCount, width: width, source: path)
                    }
                    column[i] = value
                }
            }
        }
        return Columns(columnNames: (0..<width).map(String.init), values: values)
    }

    /// The error of ``parseNPY(_:source:)`` for the first non-finite element in row order.
    private static func firstNonFinite(_ array: NPYLayout, rows: Int, width: Int, source: String) -> MonteCarloError {
        for i in 0..<rows {
            for j in 0..<width where !array.element(i * width + j).isFinite {
                return .invalidArgument("\(source): element [\(i), \(j)] is not finite.")
            }
        }
        return .invalidArgument("\(source): an element is not finite.")
    }
}
