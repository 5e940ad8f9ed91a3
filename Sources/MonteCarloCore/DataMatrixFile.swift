import Foundation

/// A numeric matrix read from a CSV file (header row optional) or a NumPy `.npy` file.
///
/// CSV: comma-separated, LF or CRLF line ends, a UTF-8 byte-order mark ignored; a first row that is not entirely numeric is taken as the header (column
/// names); blank lines are skipped; every other field must be a finite number. `.npy`: format
/// versions 1–3 (the header parsed as the Python dict it is), little-endian float64 (`<f8`) or float32 (`<f4`), C order, 1-D (one column) or
/// 2-D. Errors name the file and the line (CSV) or the problem (`.npy`) and are
/// ``MonteCarloError/invalidArgument(_:)`` (the `mcest` command line reports them with exit
/// code 2).
public struct DataMatrixFile: Sendable, Hashable {
    /// Column names: from the CSV header, or "0", "1", … when there is none.
    public let columnNames: [String]
    /// Rows of values, each with `columnNames.count` entries.
    public let rows: [[Double]]

    public var columnCount: Int { columnNames.count }

    /// Reads `path` as `.npy` when it ends in `.npy`, as CSV otherwise.
    public static func read(path: String) throws(MonteCarloError) -> DataMatrixFile {
        let data = try InputFile.data(atPath: path)
        return path.lowercased().hasSuffix(".npy") ? try parseNPY(data, source: path)
            : try parseCSV(InputFile.text(decoding: data), source: path)
    }

    /// Parses CSV text; `source` names the file in error messages.
    public static func parseCSV(_ text: String, source: String) throws(MonteCarloError) -> DataMatrixFile {
        let parsed = try parseCSVRows(text, source: source)
        guard let width = parsed.names?.count ?? parsed.rows.first?.count, !parsed.rows.isEmpty else {
            throw .invalidArgument("\(source) has no data rows.")
        }
        return DataMatrixFile(columnNames: parsed.names ?? (0..<width).map(String.init), rows: parsed.rows)
    }

    /// The header (a first row that is not all numeric) and the numeric rows of CSV text, for
    /// plain and CmdStan CSV alike. Blank lines are skipped; with `comment`, lines starting with
    /// `#` are handed to it (without the `#`) instead of being parsed.
    /// - Throws: `MonteCarloError/invalidArgument(_:)` naming `source`, the line and (for a field)
    ///   the column, with its name when there is a header: a ragged row (a missing or an extra
    ///   column), a field that is not a number, NaN or an infinite value.
    static func parseCSVRows(_ text: String, source: String, comment: ((Substring) -> Void)? = nil)
        throws(MonteCarloError) -> (names: [String]?, headerLine: Int?, rows: [[Double]])
    {
        var names: [String]? = nil
        var headerLine: Int? = nil
        var rows: [[Double]] = []
        // "\r\n" is one Character in Swift, so split on it as well as on "\n" (and a lone "\r").
        // A byte-order mark read as text (U+FEFF) would otherwise glue itself to the first field.
        let body = text.unicodeScalars.first == "\u{FEFF}" ? Substring(text.unicodeScalars.dropFirst()) : Substring(text)
        let lines = body.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        for (index, rawLine) in lines.enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !line.isEmpty else { continue }
            if let comment, line.hasPrefix("#") {
                comment(line.dropFirst())
                continue
            }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            let numbers = fields.map { Double($0) }
            if names == nil, rows.isEmpty, numbers.contains(where: { $0 == nil }) {
                names = fields
                headerLine = index + 1
                continue
            }
            let expected = names?.count ?? rows.first?.count ?? fields.count
            guard fields.count == expected else {
                let what = fields.count < expected ? "a missing column" : "an extra column"
                throw .invalidArgument("\(source), line \(index + 1): \(fields.count) fields, expected \(expected) (ragged row: \(what)).")
            }
            var row: [Double] = []
            row.reserveCapacity(fields.count)
            for (column, field) in fields.enumerated() {
                let name = names.map { " (\($0[column]))" } ?? ""
                guard let value = numbers[column] else {
                    throw .invalidArgument("\(source), line \(index + 1), column \(column + 1)\(name): \"\(field)\" is not a number.")
                }
                guard value.isFinite else {
                    throw .invalidArgument("\(source), line \(index + 1), column \(column + 1)\(name): \(field) is not finite.")
                }
                row.append(value)
            }
            rows.append(row)
        }
        return (names, headerLine, rows)
    }

    /// Parses a `.npy` file.
    public static func parseNPY(_ data: Data, source: String) throws(MonteCarloError) -> DataMatrixFile {
        let array = try NPYLayout(data, source: source)
        let shape = array.shape
        guard shape.count == 1 || shape.count == 2, shape.allSatisfy({ $0 > 0 }) else {
            throw .invalidArgument("\(source): expected a non-empty 1-D or 2-D array, found shape \(shape).")
        }
        let rowCount = shape[0], width = shape.count == 2 ? shape[1] : 1
        var rows: [[Double]] = []
        rows.reserveCapacity(rowCount)
        for i in 0..<rowCount {
            var row: [Double] = []
            row.reserveCapacity(width)
            for j in 0..<width {
                let value = array.element(i * width + j)
                guard value.isFinite else {
                    throw .invalidArgument("\(source): element [\(i), \(j)] is not finite.")
                }
                row.append(value)
            }
            rows.append(row)
        }
        return DataMatrixFile(columnNames: (0..<width).map(String.init), rows: rows)
    }

    /// Column indices from a comma-separated list of names or 0-based indices.
    public func columns(_ specification: String, option: String) throws(MonteCarloError) -> [Int] {
        var result: [Int] = []
        for item in specification.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if let index = columnNames.firstIndex(of: item) {
                result.append(index)
            } else if let index = Int(item), index >= 0, index < columnCount {
                result.append(index)
            } else {
                throw .invalidArgument("\(option): no column \"\(item)\" (columns: \(columnNames.joined(separator: ", "))).")
            }
        }
        guard !result.isEmpty else { throw .invalidArgument("\(option): no columns given.") }
        return result
    }
}
