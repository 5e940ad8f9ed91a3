import Foundation
import MonteCarloCore
import Testing

@Suite("DataMatrixFile.readColumns: the same files, values and errors as read(path:), by column")
struct DataMatrixColumnsTests {
    /// Writes `data` to a fresh temporary file named `name` and returns its path.
    static func temporaryFile(_ name: String, _ data: Data) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("columns-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try data.write(to: url)
        return url.path
    }

    /// The message of the `MonteCarloError` that `body` throws, or `nil` when it does not throw.
    static func errorMessage<T>(_ body: () throws(MonteCarloError) -> T) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return error.description
        }
    }

    /// Checks that `readColumns` gives `read`'s names and values, column by column.
    static func expectSame(_ path: String) throws {
        let rows = try DataMatrixFile.read(path: path)
        let columns = try DataMatrixFile.readColumns(path: path)
        #expect(columns.columnNames == rows.columnNames)
        #expect(columns.rowCount == rows.rows.count)
        for c in 0..<rows.columnCount {
            #expect(columns.values[c] == rows.rows.map { $0[c] })
        }
        #expect(columns.rows(of: Array(0..<rows.columnCount)) == rows.rows)
    }

    @Test("float64, float32 and 1-D .npy files and CSV with and without a header")
    func sameValues() throws {
        try Self.expectSame(Self.temporaryFile("a.npy", NPYWriter.float64([1, 2, 3, 4.5, -5, 6.25], shape: [3, 2])))
        try Self.expectSame(Self.temporaryFile("b.npy", NPYWriter.float32([1, -2.5, 0.1, 8], shape: [2, 2])))
        try Self.expectSame(Self.temporaryFile("c.npy", NPYWriter.float64([0.5, 1.5, 2.5], shape: [3])))
        try Self.expectSame(Self.temporaryFile("d.csv", Data("x, y,z\n1,2,3\n\n4,5,6\n".utf8)))
        try Self.expectSame(Self.temporaryFile("e.csv", Data("1,2\n3,4\n5,6\n".utf8)))
        let named = try DataMatrixFile.readColumns(path: Self.temporaryFile("f.csv", Data("a,b\n1,2\n3,4\n".utf8)))
        #expect(try named.columns("b,a", option: "--x") == [1, 0])
        #expect(Self.errorMessage { () throws(MonteCarloError) in try named.columns("c", option: "--x") }?.contains("--x") == true)
    }

    @Test("the first non-finite .npy element in row order is reported, as by read(path:)")
    func nonFinite() throws {
        // Column 1 of row 0 and column 0 of row 2 are not finite: row order reports [0, 1].
        let path = try Self.temporaryFile("g.npy", NPYWriter.float64([1, .infinity, 3, 4, .nan, 6], shape: [3, 2]))
        let byRows = Self.errorMessage { () throws(MonteCarloError) in try DataMatrixFile.read(path: path) }
        let byColumns = Self.errorMessage { () throws(MonteCarloError) in try DataMatrixFile.readColumns(path: path) }
        #expect(byRows != nil && byRows?.contains("[0, 1]") == true, "\(byRows ?? "no error")")
        #expect(byColumns == byRows)
        let csv = try Self.temporaryFile("h.csv", Data("1,2\n3,nan\n".utf8))
        #expect(Self.errorMessage { () throws(MonteCarloError) in try DataMatrixFile.readColumns(path: csv) }
            == Self.errorMessage { () throws(MonteCarloError) in try DataMatrixFile.read(path: csv) })
    }
}
