import Foundation

/// A plain-text table with fixed-width, aligned columns.
///
/// ```swift
/// var table = TextTable(columns: [.init("method"), .init("estimate", alignment: .right)])
/// table.append(["plain", "1.7183"])
/// print(table.rendered())
/// ```
struct TextTable {
    /// How a column's cells are padded.
    enum Alignment { case left, right }

    /// A column's header and alignment.
    struct Column {
        var title: String
        var alignment: Alignment
        init(_ title: String, alignment: Alignment = .left) {
            self.title = title
            self.alignment = alignment
        }
    }

    var columns: [Column]
    private(set) var rows: [[String]] = []

    init(columns: [Column]) { self.columns = columns }

    /// Adds a row; missing cells are blank, extra cells are dropped.
    mutating func append(_ cells: [String]) {
        rows.append((0..<columns.count).map { $0 < cells.count ? cells[$0] : "" })
    }

    /// The header, a rule and the rows, each line prefixed by `indent`, columns two spaces apart.
    func rendered(indent: String = "  ") -> String {
        let widths = columns.indices.map { c in
            rows.reduce(columns[c].title.count) { max($0, $1[c].count) }
        }
        func line(_ cells: [String]) -> String {
            let padded = columns.indices.map { c in
                NumberFormat.pad(cells[c], to: widths[c], alignment: columns[c].alignment)
            }
            return indent + padded.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var lines = [line(columns.map(\.title))]
        lines.append(indent + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        lines += rows.map(line)
        return lines.joined(separator: "\n")
    }
}

/// Fixed-width number formats for estimates and their error bars.
enum NumberFormat {
    /// Decimals that show two significant digits of a standard error (6 when it is 0 or not finite).
    static func decimals(forStandardError standardError: Double) -> Int {
        guard standardError.isFinite, standardError > 0 else { return 6 }
        return min(12, max(0, 1 - Int(floor(log10(standardError)))))
    }

    /// `x` with `decimals` decimals, or `nan`/`inf`.
    static func fixed(_ x: Double, decimals: Int) -> String {
        x.isFinite ? String(format: "%.\(decimals)f", x) : nonFinite(x)
    }

    /// Values each with its own number of decimals, padded so their decimal points line up.
    static func decimalAligned(_ values: [Double], decimals: [Int]) -> [String] {
        let maxDecimals = decimals.max() ?? 0
        let cells = zip(values, decimals).map { value, d -> String in
            let text = fixed(value, decimals: d)
            // Room for the missing decimals (and the point itself when there are none).
            let missing = value.isFinite ? (d == 0 ? maxDecimals + (maxDecimals > 0 ? 1 : 0) : maxDecimals - d) : 0
            return text + String(repeating: " ", count: missing)
        }
        let width = cells.map(\.count).max() ?? 0
        return cells.map { pad($0, to: width, alignment: .right) }
    }

    /// A standard error: three significant digits in scientific notation, e.g. `4.92e-04`.
    static func standardError(_ x: Double) -> String {
        x.isFinite ? String(format: "%.2e", x) : nonFinite(x)
    }

    /// A sample size: an integer below 10⁸, scientific notation above.
    static func count(_ x: Double) -> String {
        guard x.isFinite else { return nonFinite(x) }
        return abs(x) < 1e8 ? String(format: "%.0f", x) : String(format: "%.2e", x)
    }

    /// A ratio such as a variance-reduction factor: one decimal below 10⁵, scientific notation above.
    static func factor(_ x: Double?) -> String {
        guard let x else { return "n/a" }
        guard x.isFinite else { return nonFinite(x) }
        return abs(x) < 1e5 ? String(format: "%.1f", x) : String(format: "%.2e", x)
    }

    /// Milliseconds with one decimal.
    static func milliseconds(_ x: Double) -> String { String(format: "%.1f", x) }

    /// A number of standard errors with two decimals, `n/a` when unknown.
    static func standardErrors(_ x: Double?) -> String {
        guard let x else { return "n/a" }
        return x.isFinite ? String(format: "%.2f", x) : nonFinite(x)
    }

    static func nonFinite(_ x: Double) -> String { x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }

    /// Pads `text` with spaces to `width` characters.
    static func pad(_ text: String, to width: Int, alignment: TextTable.Alignment) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return alignment == .left ? text + fill : fill + text
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}

extension ResultRow {
    /// The rows as a table: method, estimate, standard error, 95% interval, n, ESS,
    /// variance-reduction factor, time and, under the header `deviationHeader` when given,
    /// |``standardizedError``|.
    static func table(_ rows: [ResultRow], deviationHeader: String?) -> TextTable {
        var columns: [TextTable.Column] = [
            .init("method"), .init("estimate", alignment: .right), .init("std. error", alignment: .right),
            .init("95% interval", alignment: .right), .init("n", alignment: .right), .init("ESS", alignment: .right),
            .init("VRF", alignment: .right), .init("ms", alignment: .right),
        ]
        if let deviationHeader { columns.append(.init(deviationHeader, alignment: .right)) }
        var table = TextTable(columns: columns)
        let decimals = rows.map { NumberFormat.decimals(forStandardError: $0.standardError) }
        let values = NumberFormat.decimalAligned(rows.map(\.value), decimals: decimals)
        for (i, row) in rows.enumerated() {
            var cells = [
                row.method, values[i], NumberFormat.standardError(row.standardError),
                "[\(NumberFormat.fixed(row.lower, decimals: decimals[i])), \(NumberFormat.fixed(row.upper, decimals: decimals[i]))]", "\(row.samples)", NumberFormat.count(row.ess),
                NumberFormat.factor(row.varianceReductionFactor), NumberFormat.milliseconds(row.milliseconds),
            ]
            if deviationHeader != nil { cells.append(NumberFormat.standardErrors(row.standardizedError.map(abs))) }
            table.append(cells)
        }
        return table
    }
}
