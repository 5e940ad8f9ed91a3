import Foundation

/// Draws of several quantities (columns) from several Markov chains of equal length, read from
/// CmdStan output CSV files (one chain per file), plain CSV or 2-D `.npy` files (one chain per
/// file, draws × columns), or 3-D `.npy` arrays (chains × draws × columns, as PyMC, NumPyro and
/// ArviZ store posterior draws).
///
/// ```swift
/// let draws = try MultiChainDraws.read(paths: ["output_1.csv", "output_2.csv", "output_3.csv", "output_4.csv"])
/// let beta1 = draws.chains(column: draws.columnNames.firstIndex(of: "beta.1")!)
/// let summary = try ChainSummary(name: "beta.1", chains: beta1)
/// ```
///
/// Every chain must have the same columns (in any order; they are matched by name) and the same
/// number of draws, as ArviZ requires. Errors are ``MonteCarloError/invalidArgument(_:)`` naming
/// the file and the line (CSV) or the element (`.npy`).
public struct MultiChainDraws: Sendable, Hashable {
    /// Column names, from the first file's header (or "0", "1", … without one).
    public let columnNames: [String]
    /// `values[c][j][i]`: draw i of column j in chain c.
    public let values: [[[Double]]]
    /// Where each chain came from: a path, or `path[c]` for chain c of a 3-D `.npy` array.
    public let chainSources: [String]

    /// The number of chains.
    public var chainCount: Int { values.count }
    /// The number of draws in every chain.
    public var drawsPerChain: Int { values.first?.first?.count ?? 0 }
    /// The number of columns.
    public var columnCount: Int { columnNames.count }

    /// The draws of column `column` as `chains[c][i]`, ready for ``ChainDiagnostics`` and ``ChainSummary``.
    public func chains(column: Int) -> [[Double]] { values.map { $0[column] } }

    /// Draws from chains given as rows: `rows[c][i][j]` is draw i of column j in chain c.
    /// - Throws: `MonteCarloError/invalidArgument(_:)` for no chains, an empty chain, chains of
    ///   unequal length or rows whose width is not `columnNames.count`.
    public init(columnNames: [String], rows: [[[Double]]], chainSources: [String]? = nil) throws(MonteCarloError) {
        let sources = chainSources ?? rows.indices.map { "chain \($0)" }
        guard !rows.isEmpty else { throw .invalidArgument("No chains were given.") }
        guard sources.count == rows.count else {
            throw .invalidArgument("\(sources.count) chain sources for \(rows.count) chains.")
        }
        let length = rows[0].count
        for (c, chain) in rows.enumerated() {
            guard chain.count == length, length > 0 else {
                throw .invalidArgument("\(sources[c]) has \(chain.count) draws but \(sources[0]) has \(length): "
                                       + "every chain needs the same number of draws (at least one).")
            }
            if let i = chain.firstIndex(where: { $0.count != columnNames.count }) {
                throw .invalidArgument("\(sources[c]), draw \(i): \(chain[i].count) values, expected \(columnNames.count) (one per column).")
            }
        }
        self.columnNames = columnNames
        self.values = rows.map { chain in columnNames.indices.map { j in chain.map { $0[j] } } }
        self.chainSources = sources
    }

    private init(columnNames: [String], values: [[[Double]]], chainSources: [String]) {
        self.columnNames = columnNames
        self.values = values
        self.chainSources = chainSources
    }

    // MARK: - Reading files

    /// Reads chains from files: `.npy` files by ``parseNPY(_:source:)`` (1-D or 2-D: one chain;
    /// 3-D: chains × draws × columns), anything else as CmdStan output CSV by
    /// ``DataMatrixFile/parseCmdStanCSV(_:source:includeSamplerColumns:)`` (plain CSV included),
    /// one chain per file. The chains of all files are put together in order.
    ///
    /// ```swift
    /// let draws = try MultiChainDraws.read(paths: ["posterior.npy"])     // (4, 1000, 3) → 4 chains
    /// ```
    ///
    /// - Throws: `MonteCarloError/invalidArgument(_:)` naming the file (and the line of a CSV
    ///   file) when it cannot be read or parsed, when a file lacks a column another has (the
    ///   header line is named) or has a different number of draws, or when no path is given.
    /// - Complexity: O(total size of the files).
    public static func read(paths: [String], includeSamplerColumns: Bool = false) throws(MonteCarloError) -> MultiChainDraws {
        guard !paths.isEmpty else { throw .invalidArgument("No files were given (one file per chain, or a 3-D .npy array).") }
        var parts: [(draws: MultiChainDraws, headerLine: Int?)] = []
        for path in paths {
            let data = try InputFile.data(atPath: path)
            if path.lowercased().hasSuffix(".npy") {
                parts.append((try parseNPY(data, source: path), nil))
            } else {
                let (file, headerLine) = try DataMatrixFile.parseCmdStanCSVWithHeaderLine(
                    InputFile.text(decoding: data), source: path, includeSamplerColumns: includeSamplerColumns)
                parts.append((try MultiChainDraws(columnNames: file.columnNames, rows: [file.rows], chainSources: [path]), headerLine))
            }
        }
        let first = parts[0].draws
        var values = first.values, sources = first.chainSources
        for (draws, headerLine) in parts.dropFirst() {
            let source = draws.chainSources[0].split(separator: "[").first.map(String.init) ?? draws.chainSources[0]
            let at = headerLine.map { ", line \($0) (the header)" } ?? ""
            if let missing = first.columnNames.first(where: { !draws.columnNames.contains($0) }) {
                throw .invalidArgument("\(source)\(at): no column \"\(missing)\", which \(paths[0]) has; every chain needs the same columns.")
            }
            if let extra = draws.columnNames.first(where: { !first.columnNames.contains($0) }) {
                throw .invalidArgument("\(source)\(at): column \"\(extra)\" is not in \(paths[0]); every chain needs the same columns.")
            }
            guard draws.drawsPerChain == first.drawsPerChain else {
                throw .invalidArgument("\(source) has \(draws.drawsPerChain) draws per chain but \(paths[0]) has \(first.drawsPerChain): "
                                       + "every chain needs the same number of draws.")
            }
            let order = first.columnNames.map { draws.columnNames.firstIndex(of: $0)! }
            values += draws.values.map { chain in order.map { chain[$0] } }
            sources += draws.chainSources
        }
        return MultiChainDraws(columnNames: first.columnNames, values: values, chainSources: sources)
    }

    /// Parses a `.npy` array of draws: 1-D (one chain, one column), 2-D (one chain, draws ×
    /// columns) or 3-D (chains × draws × columns); little-endian float64 or float32, C order.
    ///
    /// ```swift
    /// let draws = try MultiChainDraws.parseNPY(data, source: "posterior.npy")
    /// ```
    ///
    /// - Throws: `MonteCarloError/invalidArgument(_:)` naming `source` and the problem: not a
    ///   `.npy` file, unsupported dtype or order, another number of dimensions, a data section
    ///   shorter than the shape, or the index [chain, draw, column] of a NaN or infinite element.
    /// - Complexity: O(number of elements).
    public static func parseNPY(_ data: Data, source: String) throws(MonteCarloError) -> MultiChainDraws {
        let array = try NPYLayout(data, source: source)
        let shape = array.shape
        guard (1...3).contains(shape.count), shape.allSatisfy({ $0 > 0 }) else {
            throw .invalidArgument("\(source): expected a non-empty 1-D, 2-D or 3-D array (chains × draws × columns), found shape \(shape).")
        }
        let chainCount = shape.count == 3 ? shape[0] : 1
        let draws = shape.count == 3 ? shape[1] : shape[0]
        let width = shape.count == 1 ? 1 : shape[shape.count - 1]
        var values: [[[Double]]] = []
        for c in 0..<chainCount {
            var columns = [[Double]](repeating: [Double](repeating: 0, count: draws), count: width)
            for i in 0..<draws {
                for j in 0..<width {
                    let value = array.element((c * draws + i) * width + j)
                    guard value.isFinite else {
                        let index = shape.count == 3 ? "[\(c), \(i), \(j)]" : (shape.count == 2 ? "[\(i), \(j)]" : "[\(i)]")
                        throw .invalidArgument("\(source): element \(index) is not finite.")
                    }
                    columns[j][i] = value
                }
            }
            values.append(columns)
        }
        let sources = shape.count == 3 ? (0..<chainCount).map { "\(source)[\($0)]" } : [source]
        return MultiChainDraws(columnNames: (0..<width).map(String.init), values: values, chainSources: sources)
    }

    // MARK: - Choosing columns

    /// Column indices named by `items`: an exact column name, a base name that selects all its
    /// elements (`beta` selects `beta.1`, `beta.2`, …, `Sigma` selects `Sigma.1.1`, …), or a
    /// 0-based index.
    ///
    /// ```swift
    /// let picked = try draws.columnIndices(["mu", "beta"], option: "--columns")
    /// ```
    ///
    /// - Throws: `MonteCarloError/invalidArgument(_:)` naming `option` and the item that matches no column.
    public func columnIndices(_ items: [String], option: String) throws(MonteCarloError) -> [Int] {
        var result: [Int] = []
        for item in items.map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            if let index = columnNames.firstIndex(of: item) {
                result.append(index)
            } else if case let elements = columnNames.indices.filter({ columnNames[$0].hasPrefix(item + ".") }), !elements.isEmpty {
                result += elements
            } else if let index = Int(item), index >= 0, index < columnCount {
                result.append(index)
            } else {
                throw .invalidArgument("\(option): no column \"\(item)\" in \(chainSources[0]) (columns: \(columnNames.joined(separator: ", "))).")
            }
        }
        guard !result.isEmpty else { throw .invalidArgument("\(option): no columns given.") }
        return result
    }
}
