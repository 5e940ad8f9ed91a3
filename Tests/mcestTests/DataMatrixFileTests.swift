import Foundation
import MonteCarloCore
import Testing
@testable import mcest

/// Writes NumPy `.npy` files by hand (format version 1.0), for the tests of `DataMatrixFile` and `mcest sw`.
///
/// Layout: the magic string `\x93NUMPY`, the version bytes 1, 0, the header length as a
/// little-endian UInt16, the header (a Python dict literal, padded with spaces and ended by a
/// newline so that magic + version + length + header is a multiple of 16 bytes), then the data,
/// little-endian, C order.
enum NPYWriter {
    /// The bytes of a `.npy` file with the given dtype descriptor, shape and raw little-endian data.
    static func file(descr: String, shape: [Int], data: [UInt8]) -> Data {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        while (10 + header.utf8.count + 1) % 16 != 0 { header += " " }
        header += "\n"
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = header.utf8.count
        bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
        bytes += Array(header.utf8)
        bytes += data
        return Data(bytes)
    }

    /// A float64 (`<f8`) array.
    static func float64(_ values: [Double], shape: [Int]) -> Data {
        file(descr: "<f8", shape: shape, data: values.flatMap { value in
            (0..<8).map { UInt8(truncatingIfNeeded: value.bitPattern.littleEndian >> (8 * UInt64($0))) }
        })
    }

    /// A float32 (`<f4`) array.
    static func float32(_ values: [Float], shape: [Int]) -> Data {
        file(descr: "<f4", shape: shape, data: values.flatMap { value in
            (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern.littleEndian >> (8 * UInt32($0))) }
        })
    }
}

@Suite("DataMatrixFile: CSV and .npy parsing")
struct DataMatrixFileTests {
    /// The message of the `MonteCarloError` that `body` throws, or `nil` when it does not throw.
    static func errorMessage(_ body: () throws(MonteCarloError) -> DataMatrixFile) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return error.description
        }
    }

    @Test("a non-numeric first row is the header; an all-numeric first row is data")
    func headerDetection() throws {
        let withHeader = try DataMatrixFile.parseCSV("x, y\n1,2\n\n3,4\n", source: "a.csv")
        #expect(withHeader.columnNames == ["x", "y"])
        #expect(withHeader.rows == [[1, 2], [3, 4]])
        let without = try DataMatrixFile.parseCSV("1,2\n3,4\n", source: "b.csv")
        #expect(without.columnNames == ["0", "1"])
        #expect(without.rows == [[1, 2], [3, 4]])
        let quoted = try DataMatrixFile.parseCSV("\"a\",\"b\"\n\"1.5\",-2e3\n", source: "c.csv")
        #expect(quoted.columnNames == ["a", "b"])
        #expect(quoted.rows == [[1.5, -2000]])
    }

    @Test("a ragged row is an error naming the file and the line")
    func raggedRow() {
        let message = Self.errorMessage { () throws(MonteCarloError) in
            try DataMatrixFile.parseCSV("x,y\n1,2\n\n3,4,5\n", source: "points.csv")
        }
        #expect(message?.contains("points.csv, line 4") == true, "\(message ?? "no error")")
        #expect(message?.contains("ragged") == true)
    }

    @Test("a non-numeric cell after the first row is an error naming file, line and column")
    func nonNumeric() {
        let message = Self.errorMessage { () throws(MonteCarloError) in
            try DataMatrixFile.parseCSV("1,2\n3,abc\n", source: "points.csv")
        }
        #expect(message?.contains("points.csv, line 2, column 2") == true, "\(message ?? "no error")")
        #expect(message?.contains("not a number") == true)
    }

    @Test("NaN and infinity are errors, in CSV and in .npy", arguments: ["nan", "NaN", "inf", "-inf"])
    func nonFinite(cell: String) {
        let message = Self.errorMessage { () throws(MonteCarloError) in
            try DataMatrixFile.parseCSV("x,y\n1,2\n3,\(cell)\n", source: "points.csv")
        }
        #expect(message?.contains("points.csv, line 3, column 2") == true, "\(message ?? "no error")")
        #expect(message?.contains("not finite") == true)
        let npy = Self.errorMessage { () throws(MonteCarloError) in
            try DataMatrixFile.parseNPY(NPYWriter.float64([1, 2, 3, Double(cell)!], shape: [2, 2]), source: "points.npy")
        }
        #expect(npy?.contains("points.npy") == true && npy?.contains("[1, 1]") == true, "\(npy ?? "no error")")
    }

    @Test("float64 and float32 .npy matrices are read in C order")
    func npyMatrices() throws {
        let f8 = try DataMatrixFile.parseNPY(NPYWriter.float64([1, 2, 3, 4.5, -5, 6.25], shape: [3, 2]), source: "a.npy")
        #expect(f8.rows == [[1, 2], [3, 4.5], [-5, 6.25]])
        #expect(f8.columnCount == 2)
        // Values exactly representable in float32 come back exactly; others are rounded to float32.
        let f4 = try DataMatrixFile.parseNPY(NPYWriter.float32([1, -2.5, 0.1, 8], shape: [2, 2]), source: "b.npy")
        #expect(f4.rows == [[1, -2.5], [Double(Float(0.1)), 8]])
    }

    @Test("a 1-D .npy array is one column")
    func npyOneDimensional() throws {
        let file = try DataMatrixFile.parseNPY(NPYWriter.float64([0.5, 1.5, 2.5], shape: [3]), source: "w.npy")
        #expect(file.columnCount == 1)
        #expect(file.rows == [[0.5], [1.5], [2.5]])
    }

    @Test("bad .npy files: magic string, dtype, truncated data")
    func badNPY() {
        let magic = Self.errorMessage { () throws(MonteCarloError) in try DataMatrixFile.parseNPY(Data("not numpy".utf8), source: "x.npy") }
        #expect(magic?.contains("x.npy") == true && magic?.contains("magic") == true)
        let dtype = Self.errorMessage { () throws(MonteCarloError) in
            try DataMatrixFile.parseNPY(NPYWriter.file(descr: "<i8", shape: [1], data: Array(repeating: 0, count: 8)), source: "x.npy")
        }
        #expect(dtype?.contains("float64") == true)
        let short = Self.errorMessage { () throws(MonteCarloError) in
            try DataMatrixFile.parseNPY(NPYWriter.float64([1, 2, 3], shape: [2, 2]), source: "x.npy")
        }
        #expect(short?.contains("shorter") == true)
    }
}
