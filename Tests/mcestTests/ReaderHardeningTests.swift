import Foundation
import MonteCarloCore
import Testing

/// The readers' fixes for what fuzzing found: byte-order marks, CRLF line ends, compact and
/// repeated `.npy` header keys, unsupported `.npy` versions, shapes whose element count
/// overflows, and paths that are not regular files. Each input is refused with a message naming
/// the file, or read as numpy and spreadsheets mean it; none may trap.
@Suite("Readers: inputs found by fuzzing")
struct ReaderHardeningTests {
    static func message(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as MonteCarloError {
            return error.description
        } catch {
            return "not a MonteCarloError: \(error)"
        }
    }

    /// A `.npy` file with `header` written as is (version `major`.0), padded to 16 bytes.
    static func npy(header: String, major: UInt8 = 1, data: [UInt8]) -> Data {
        var text = header
        let prefix = major == 1 ? 10 : 12
        while (prefix + text.utf8.count + 1) % 16 != 0 { text += " " }
        text += "\n"
        let length = text.utf8.count
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0, UInt8(length & 0xFF), UInt8(length >> 8)]
        if major != 1 { bytes += [0, 0] }
        return Data(bytes + Array(text.utf8) + data)
    }

    static func float64Bytes(_ values: [Double]) -> [UInt8] {
        values.flatMap { v in (0..<8).map { UInt8(truncatingIfNeeded: v.bitPattern >> (8 * UInt64($0))) } }
    }

    @Test("a UTF-8 byte-order mark is ignored: a headerless file keeps its first row, a header its first name")
    func byteOrderMark() throws {
        let headerless = InputFile.text(decoding: Data([0xEF, 0xBB, 0xBF] + Array("1,2\n3,4\n".utf8)))
        let rows = try DataMatrixFile.parseCSV(headerless, source: "bom.csv")
        #expect(rows.columnNames == ["0", "1"])
        #expect(rows.rows == [[1, 2], [3, 4]])
        let named = try DataMatrixFile.parseCSV("\u{FEFF}x,y\n1,2\n", source: "bom.csv")
        #expect(named.columnNames == ["x", "y"])
        let chain = try DataMatrixFile.parseCmdStanCSV("\u{FEFF}lp__,mu\n-1,0.5\n-2,0.25\n", source: "bom.csv")
        #expect(chain.columnNames == ["mu"])
    }

    @Test("CRLF line ends read as LF ones, in plain and CmdStan CSV")
    func crlf() throws {
        let file = try DataMatrixFile.parseCSV("x,y\r\n1,2\r\n\r\n3,4\r\n", source: "crlf.csv")
        #expect(file.columnNames == ["x", "y"])
        #expect(file.rows == [[1, 2], [3, 4]])
        #expect(try DataMatrixFile.parseCSV("1,2\r\n3,4", source: "crlf.csv").rows == [[1, 2], [3, 4]])
        let chain = try DataMatrixFile.parseCmdStanCSV(
            "# save_warmup = 1\r\n# num_warmup = 1\r\nlp__,mu\r\n0,9\r\n-1,1\r\n-2,2\r\n", source: "crlf.csv")
        #expect(chain.rows == [[1], [2]])
        // The line of an error still counts CRLF lines once each.
        let error = Self.message { _ = try DataMatrixFile.parseCSV("x,y\r\n1,2\r\n3,a\r\n", source: "crlf.csv") }
        #expect(error?.contains("crlf.csv, line 3") == true, "\(error ?? "no error")")
    }

    @Test("a compact .npy header (no spaces) reads; a repeated key takes its last value, as in Python")
    func npyHeaders() throws {
        let values: [Double] = [1.5, -2, 3]
        let compact = Self.npy(header: "{'descr':'<f8','fortran_order':False,'shape':(3,)}", data: Self.float64Bytes(values))
        #expect(try DataMatrixFile.parseNPY(compact, source: "c.npy").rows == values.map { [$0] })
        let repeated = Self.npy(header: "{'descr': '<f4', 'fortran_order': True, 'shape': (6,), 'descr': '<f8', "
                                + "'fortran_order': False, 'shape': (3,), }", data: Self.float64Bytes(values))
        #expect(try DataMatrixFile.parseNPY(repeated, source: "r.npy").rows == values.map { [$0] })
        let version2 = Self.npy(header: "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (1, 3)}", major: 2,
                                data: Self.float64Bytes(values))
        #expect(try DataMatrixFile.parseNPY(version2, source: "v2.npy").rows == [values])
        let fortran = Self.npy(header: "{'descr':'<f8','fortran_order':True,'shape':(3,)}", data: Self.float64Bytes(values))
        #expect(Self.message { _ = try DataMatrixFile.parseNPY(fortran, source: "f.npy") }?.contains("Fortran") == true)
    }

    @Test(".npy format versions other than 1, 2 and 3 are refused", arguments: [UInt8(0), 4, 255])
    func npyVersions(major: UInt8) {
        var bytes = [UInt8](Self.npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", data: Self.float64Bytes([1])))
        bytes[6] = major
        let error = Self.message { _ = try DataMatrixFile.parseNPY(Data(bytes), source: "v.npy") }
        #expect(error?.contains("v.npy: .npy format version \(major).0 is not supported") == true, "\(error ?? "accepted")")
    }

    @Test("a shape whose element count overflows is refused by every .npy reader, without trapping",
          arguments: ["(4611686018427387904,)", "(2147483648, 2147483648)", "(2147483648, 2147483648, 4)",
                      "(9223372036854775807, 9223372036854775807)", "(99999999999999999999,)"])
    func overflowingShapes(shape: String) {
        let data = Self.npy(header: "{'descr': '<f8', 'fortran_order': False, 'shape': \(shape), }", data: Self.float64Bytes([1, 2]))
        let plain = Self.message { _ = try DataMatrixFile.parseNPY(data, source: "big.npy") }
        let chains = Self.message { _ = try MultiChainDraws.parseNPY(data, source: "big.npy") }
        for error in [plain, chains] {
            #expect(error?.hasPrefix("big.npy") == true, "\(error ?? "accepted")")
        }
    }

    @Test("a directory, a FIFO or a device is refused with a message naming it")
    func specialFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("pipe.csv").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let cases: [(String, String)] = [(directory.path, "is a directory"), (fifo, "not a regular file"),
                                         ("/dev/null", "is a device"), (directory.path + "/absent.csv", "no such file")]
        for (path, fragment) in cases {
            let error = Self.message { _ = try DataMatrixFile.read(path: path) }
            #expect(error?.contains(path) == true && error?.contains(fragment) == true, "\(path): \(error ?? "accepted")")
            let chains = Self.message { _ = try MultiChainDraws.read(paths: [path]) }
            #expect(chains?.contains(fragment) == true, "\(path): \(chains ?? "accepted")")
        }
    }
}
