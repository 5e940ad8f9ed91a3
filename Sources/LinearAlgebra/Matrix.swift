/// A dense matrix of `Double` values stored in column-major order.
///
/// `Matrix` is a value type: copies are independent (copy-on-write through the underlying
/// array). Entry `(i, j)` lives at `storage[i + j * rows]`, which is the layout BLAS and
/// LAPACK expect, so products and factorizations hand the buffer to them without copying
/// into another layout.
///
/// Products go through OpenBLAS (`dgemm`, `dgemv`, `dsyrk`). Shape errors in the unchecked
/// operations (`*`, ``multiplied(by:)``, subscripts) are programming errors and trap;
/// ``product(transposingSelf:_:transposingOther:)`` is the checked alternative for shapes
/// that come from data.
public struct Matrix: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The number of rows.
    public let rows: Int

    /// The number of columns.
    public let columns: Int

    /// The entries in column-major order; `count` must stay `rows * columns`.
    ///
    /// Writing elements in place (`storage[i] = x`) is O(1). Replacing the array by one of a
    /// different length breaks the shape: every operation that hands the buffer to BLAS or
    /// LAPACK checks the count first and traps rather than read or write out of bounds.
    // Not checked in a `didSet`: an observed property makes every element write from another
    // module copy the whole array (measured: O(count) per `m.storage[i] = x`).
    public var storage: [Double]

    // MARK: - Initializers

    /// Creates a matrix with every entry equal to `repeating`.
    ///
    /// - Parameters:
    ///   - rows: The number of rows (≥ 0).
    ///   - columns: The number of columns (≥ 0).
    ///   - repeating: The value of every entry.
    /// - Complexity: O(`rows`·`columns`).
    public init(rows: Int, columns: Int, repeating: Double = 0) {
        let count = Matrix.entryCount(rows: rows, columns: columns)
        self.rows = rows
        self.columns = columns
        self.storage = [Double](repeating: repeating, count: count)
    }

    /// Creates a matrix from entries listed column by column.
    ///
    /// - Parameters:
    ///   - rows: The number of rows (≥ 0).
    ///   - columns: The number of columns (≥ 0).
    ///   - columnMajor: The entries, `rows * columns` of them, column after column.
    /// - Complexity: O(1) (the array is adopted, not copied).
    public init(rows: Int, columns: Int, columnMajor: [Double]) {
        let count = Matrix.entryCount(rows: rows, columns: columns)
        precondition(
            columnMajor.count == count,
            "Matrix(rows: \(rows), columns: \(columns), columnMajor:) needs \(count) entries, got \(columnMajor.count)")
        self.rows = rows
        self.columns = columns
        self.storage = columnMajor
    }

    /// Creates a matrix from a list of rows.
    ///
    /// Every inner array must have the same length; an empty list gives a 0×0 matrix.
    ///
    /// - Parameter rowList: The rows of the matrix, top to bottom.
    /// - Complexity: O(`rows`·`columns`).
    public init(rows rowList: [[Double]]) {
        let columnCount = rowList.first?.count ?? 0
        precondition(
            rowList.allSatisfy { $0.count == columnCount },
            "Matrix(rows:) needs every row to have the same length")
        let rowCount = rowList.count
        var entries = [Double](repeating: 0, count: rowCount * columnCount)
        for (i, row) in rowList.enumerated() {
            for (j, value) in row.enumerated() {
                entries[i + j * rowCount] = value
            }
        }
        self.init(rows: rowCount, columns: columnCount, columnMajor: entries)
    }

    /// The `n`×`n` identity matrix.
    ///
    /// - Parameter n: The order of the matrix (≥ 0).
    /// - Returns: A matrix with ones on the diagonal and zeros elsewhere.
    /// - Complexity: O(`n`²).
    public static func identity(_ n: Int) -> Matrix {
        var result = Matrix(rows: n, columns: n)
        for i in 0..<n {
            result.storage[i + i * n] = 1
        }
        return result
    }

    /// Validates a shape and returns its number of entries.
    private static func entryCount(rows: Int, columns: Int) -> Int {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative, got \(rows)×\(columns)")
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        precondition(!overflow, "Matrix dimensions \(rows)×\(columns) overflow Int")
        return count
    }

    // MARK: - Element access

    /// The entry at `row`, `column`.
    ///
    /// - Parameters:
    ///   - row: A row index in `0..<rows`.
    ///   - column: A column index in `0..<columns`.
    /// - Complexity: O(1).
    public subscript(row: Int, column: Int) -> Double {
        get {
            precondition(contains(row: row, column: column), "Matrix index (\(row), \(column)) out of range for \(rows)×\(columns)")
            return storage[row + column * rows]
        }
        set {
            precondition(contains(row: row, column: column), "Matrix index (\(row), \(column)) out of range for \(rows)×\(columns)")
            storage[row + column * rows] = newValue
        }
    }

    private func contains(row: Int, column: Int) -> Bool {
        row >= 0 && row < rows && column >= 0 && column < columns
    }

    /// The transpose, a `columns`×`rows` matrix.
    ///
    /// - Complexity: O(`rows`·`columns`).
    public var transposed: Matrix {
        requireConsistentStorage()
        var result = [Double](repeating: 0, count: storage.count)
        storage.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for j in 0..<columns {
                    for i in 0..<rows {
                        target[j + i * columns] = source[i + j * rows]
                    }
                }
            }
        }
        return Matrix(rows: columns, columns: rows, columnMajor: result)
    }

    /// The entries of one column, top to bottom.
    ///
    /// - Parameter j: A column index in `0..<columns`.
    /// - Returns: An array of `rows` values.
    /// - Complexity: O(`rows`).
    public func column(_ j: Int) -> [Double] {
        precondition(j >= 0 && j < columns, "Column \(j) out of range for a matrix with \(columns) columns")
        requireConsistentStorage()
        return Array(storage[(j * rows)..<((j + 1) * rows)])
    }

    // MARK: - Products

    /// The matrix product `lhs · rhs` (`dgemm`).
    ///
    /// - Parameters:
    ///   - lhs: An `m`×`k` matrix.
    ///   - rhs: A `k`×`n` matrix; `rhs.rows` must equal `lhs.columns` (traps otherwise).
    /// - Returns: The `m`×`n` product.
    /// - Complexity: O(`m`·`n`·`k`).
    public static func * (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(
            lhs.columns == rhs.rows,
            "Matrix product needs lhs.columns == rhs.rows, got \(lhs.rows)×\(lhs.columns) · \(rhs.rows)×\(rhs.columns)")
        return lhs.uncheckedProduct(transposingSelf: false, rhs, transposingOther: false)
    }

    /// The matrix–vector product `self · vector` (`dgemv`).
    ///
    /// - Parameter vector: A vector of `columns` entries (traps otherwise).
    /// - Returns: A vector of `rows` entries.
    /// - Complexity: O(`rows`·`columns`).
    public func multiplied(by vector: [Double]) -> [Double] {
        precondition(
            vector.count == columns,
            "Matrix–vector product needs \(columns) vector entries, got \(vector.count)")
        requireConsistentStorage()
        var result = [Double](repeating: 0, count: rows)
        guard rows > 0, columns > 0 else { return result }
        LAPACK.gemv(
            m: rows, n: columns, alpha: 1, a: storage, lda: leadingDimension, x: vector,
            beta: 0, y: &result)
        return result
    }

    /// The product `op(self) · op(other)`, where `op` optionally transposes (`dgemm`).
    ///
    /// Transposition is handled by BLAS; no transposed copy is made.
    ///
    /// - Parameters:
    ///   - transposingSelf: Whether to use `selfᵀ` instead of `self`.
    ///   - other: The right operand.
    ///   - transposingOther: Whether to use `otherᵀ` instead of `other`.
    /// - Returns: The product, with the rows of `op(self)` and the columns of `op(other)`.
    /// - Throws: ``LinearAlgebraError/dimensionMismatch(expected:actual:)`` if the columns of
    ///   `op(self)` differ from the rows of `op(other)`.
    /// - Complexity: O(`m`·`n`·`k`) for an `m`×`k` by `k`×`n` product.
    public func product(
        transposingSelf: Bool, _ other: Matrix, transposingOther: Bool
    ) throws(LinearAlgebraError) -> Matrix {
        let selfName = transposingSelf ? "selfᵀ" : "self"
        let otherName = transposingOther ? "otherᵀ" : "other"
        let inner = transposingSelf ? rows : columns
        let otherRows = transposingOther ? other.columns : other.rows
        let otherColumns = transposingOther ? other.rows : other.columns
        guard inner == otherRows else {
            throw .dimensionMismatch(
                expected: "\(otherName) to have \(inner) rows (the columns of \(selfName))",
                actual: "\(otherName) is \(otherRows)×\(otherColumns)")
        }
        return uncheckedProduct(transposingSelf: transposingSelf, other, transposingOther: transposingOther)
    }

    /// The Gram matrix `selfᵀ · self` (`dsyrk`), with both triangles filled.
    ///
    /// - Returns: A symmetric `columns`×`columns` matrix.
    /// - Complexity: O(`columns`²·`rows`), about half the flops of the general product.
    public func gram() -> Matrix {
        requireConsistentStorage()
        var result = Matrix(rows: columns, columns: columns)
        guard rows > 0, columns > 0 else { return result }
        LAPACK.syrkLowerTransposed(
            n: columns, k: rows, a: storage, lda: leadingDimension,
            c: &result.storage, ldc: columns)
        result.mirrorLowerTriangle()
        return result
    }

    /// `op(self) · op(other)` for shapes already known to agree.
    private func uncheckedProduct(
        transposingSelf: Bool, _ other: Matrix, transposingOther: Bool
    ) -> Matrix {
        let m = transposingSelf ? columns : rows
        let k = transposingSelf ? rows : columns
        let n = transposingOther ? other.rows : other.columns
        requireConsistentStorage()
        other.requireConsistentStorage()
        guard m > 0, n > 0, k > 0 else { return Matrix(rows: m, columns: n) }
        // With beta = 0, BLAS writes C without reading it ("C need not be set on input"), so
        // the result is not zeroed first.
        let storage = [Double](unsafeUninitializedCapacity: m * n) { buffer, initializedCount in
            LAPACK.gemm(
                transposeA: transposingSelf, transposeB: transposingOther, m: m, n: n, k: k,
                alpha: 1, a: self.storage, lda: leadingDimension, b: other.storage,
                ldb: other.leadingDimension, beta: 0, c: buffer, ldc: m)
            initializedCount = m * n
        }
        return Matrix(rows: m, columns: n, columnMajor: storage)
    }

    // MARK: - Helpers for the factorizations

    /// Traps unless `storage` holds exactly `rows * columns` entries.
    func requireConsistentStorage() {
        precondition(
            storage.count == rows * columns,
            "Matrix storage has \(storage.count) entries, but a \(rows)×\(columns) matrix needs \(rows * columns)")
    }

    /// The leading dimension passed to BLAS/LAPACK (which require at least 1).
    var leadingDimension: Int { max(1, rows) }

    /// The position of the first NaN or infinite entry in column-major order, if any.
    func firstNonFiniteEntry() -> (row: Int, column: Int)? {
        guard let index = storage.firstIndex(where: { !$0.isFinite }) else { return nil }
        return (index % rows, index / rows)
    }

    /// Copies the strict lower triangle of a square matrix onto the strict upper triangle, in
    /// cache-sized tiles (a plain column-by-column loop's strided writes miss the cache on every
    /// entry of a large matrix).
    package mutating func mirrorLowerTriangle() {
        let n = rows
        let tile = 32
        storage.withUnsafeMutableBufferPointer { a in
            for jb in stride(from: 0, to: n, by: tile) {
                let jEnd = min(jb + tile, n)
                for ib in stride(from: jb, to: n, by: tile) {
                    let iEnd = min(ib + tile, n)
                    for j in jb..<jEnd {
                        for i in max(ib, j + 1)..<max(max(ib, j + 1), iEnd) { a[j + i * n] = a[i + j * n] }
                    }
                }
            }
        }
    }

    /// Sets the strict upper triangle of a square matrix to zero.
    mutating func zeroStrictUpperTriangle() {
        let n = rows
        storage.withUnsafeMutableBufferPointer { a in
            for j in 0..<n {
                for i in 0..<j {
                    a[i + j * n] = 0
                }
            }
        }
    }

    /// Throws unless the matrix is square.
    ///
    /// - Parameter operation: The operation, named in the error.
    func requireSquare(for operation: String) throws(LinearAlgebraError) {
        guard rows == columns else {
            throw .dimensionMismatch(
                expected: "a square matrix for \(operation)",
                actual: "self is \(rows)×\(columns)")
        }
    }

    /// Throws ``LinearAlgebraError/nonFinite(row:column:)`` for the first NaN or infinity.
    /// Also checks the storage invariant (every factorization calls this before LAPACK).
    func requireFinite() throws(LinearAlgebraError) {
        requireConsistentStorage()
        if let (row, column) = firstNonFiniteEntry() {
            throw .nonFinite(row: row, column: column)
        }
    }

    // MARK: - Codable

    private enum CodingKeys: String, CodingKey {
        case rows, columns, storage
    }

    /// Decodes a matrix, checking that the shape is valid and matches the entry count.
    ///
    /// - Parameter decoder: The decoder to read from.
    /// - Throws: `DecodingError.dataCorrupted` for a negative shape or a wrong entry count.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let rows = try container.decode(Int.self, forKey: .rows)
        let columns = try container.decode(Int.self, forKey: .columns)
        let storage = try container.decode([Double].self, forKey: .storage)
        let (count, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard rows >= 0, columns >= 0, !overflow, storage.count == count else {
            throw DecodingError.dataCorruptedError(
                forKey: .storage, in: container,
                debugDescription: "A \(rows)×\(columns) matrix needs \(rows)×\(columns) entries, found \(storage.count)")
        }
        self.init(rows: rows, columns: columns, columnMajor: storage)
    }

    /// Encodes the shape and the column-major entries.
    ///
    /// - Parameter encoder: The encoder to write to.
    /// - Throws: Whatever the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rows, forKey: .rows)
        try container.encode(columns, forKey: .columns)
        try container.encode(storage, forKey: .storage)
    }

    // MARK: - Description

    /// The shape followed by the rows; at most 8 rows and 8 columns are shown.
    public var description: String {
        let shownRows = min(rows, 8)
        let shownColumns = min(columns, 8)
        var lines = ["Matrix \(rows)×\(columns)"]
        for i in 0..<shownRows {
            var entries = (0..<shownColumns).map { String(describing: storage[i + $0 * rows]) }
            if shownColumns < columns { entries.append("…") }
            lines.append("  [" + entries.joined(separator: ", ") + "]")
        }
        if shownRows < rows { lines.append("  …") }
        return lines.joined(separator: "\n")
    }
}
