import Foundation
import MonteCarlo

/// A numeric table read from a CSV file with a header row.
///
/// Fields are separated by commas; surrounding spaces and double quotes are stripped. Every data
/// field must be a finite number: anything else is a ``MonteCarloError`` naming the row (1-based,
/// counting the header as row 1) and the column.
struct CSVTable {
    /// Column names from the header.
    let columns: [String]
    /// Data rows, each with one value per column.
    let rows: [[Double]]

    /// Reads and parses `path`.
    static func read(path: String) throws(MonteCarloError) -> CSVTable {
        try parse(InputFile.text(atPath: path), source: path)
    }

    /// Parses CSV text.
    static func parse(_ text: String, source: String) throws(MonteCarloError) -> CSVTable {
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard let header = lines.first else { throw .invalidArgument("\(source) is empty: expected a header row and data rows.") }
        let columns = fields(header)
        var rows: [[Double]] = []
        for (offset, line) in lines.dropFirst().enumerated() {
            let row = offset + 2
            let values = fields(line)
            guard values.count == columns.count else {
                throw .invalidArgument("\(source), row \(row): \(values.count) fields, but the header has \(columns.count).")
            }
            var numbers: [Double] = []
            for (column, field) in values.enumerated() {
                guard let number = Double(field), number.isFinite else {
                    throw .invalidArgument("\(source), row \(row), column \"\(columns[column])\": \"\(field)\" is not a finite number.")
                }
                numbers.append(number)
            }
            rows.append(numbers)
        }
        return CSVTable(columns: columns, rows: rows)
    }

    static func fields(_ line: String) -> [String] {
        line.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
    }
}
