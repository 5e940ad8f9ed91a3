import Foundation

/// The header of a NumPy `.npy` file (format versions 1–3): shape, element size and where the
/// data start, with the checks every reader needs. Internal to the readers.
struct NPYLayout {
    /// The array's shape, outermost dimension first.
    let shape: [Int]
    /// The product of the shape (1 for a 0-D array), checked not to overflow.
    let elementCount: Int
    /// 8 for little-endian float64 (`<f8`), 4 for float32 (`<f4`).
    let itemSize: Int
    /// The file's bytes and the offset of the first element.
    private let bytes: [UInt8]
    private let start: Int
    /// The file's name, for error messages.
    let source: String

    /// Reads and checks the header and the length of the data section.
    ///
    /// The header is a Python dict literal; it is parsed as one (any spacing, keys in any order,
    /// a repeated key takes its last value as in Python), so `{'descr':'<f8','fortran_order':False,'shape':(3,)}`
    /// reads like numpy's own padded form.
    /// - Throws: `MonteCarloError/invalidArgument(_:)` naming `source` for a bad magic string, a
    ///   format version other than 1, 2 or 3, a truncated or malformed header, a dtype other than
    ///   `<f8`/`<f4`, Fortran order, a shape whose element count overflows, or a data section
    ///   shorter than the shape needs.
    init(_ data: Data, source: String) throws(MonteCarloError) {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw .invalidArgument("\(source) is not a .npy file (bad magic string).")
        }
        let major = bytes[6]
        guard (1...3).contains(major) else {
            throw .invalidArgument("\(source): .npy format version \(major).\(bytes[7]) is not supported (only 1.0, 2.0 and 3.0).")
        }
        let headerLength: Int, headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else {
            guard bytes.count >= 12 else { throw .invalidArgument("\(source): truncated .npy header.") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        }
        guard bytes.count >= headerStart + headerLength else { throw .invalidArgument("\(source): truncated .npy header.") }
        let header = try NPYHeader(Array(bytes[headerStart..<(headerStart + headerLength)]), source: source)
        switch header.descr {
        case "<f8": itemSize = 8
        case "<f4": itemSize = 4
        default:
            throw .invalidArgument("\(source): dtype '\(header.descr)' is not supported: only little-endian float64 ('<f8') or float32 ('<f4').")
        }
        guard !header.fortranOrder else {
            throw .invalidArgument("\(source): Fortran-ordered arrays are not supported; save with C order.")
        }
        shape = header.shape
        var count = 1, overflow = false
        for extent in shape where !overflow {
            (count, overflow) = count.multipliedReportingOverflow(by: extent)
        }
        let (byteCount, byteOverflow) = count.multipliedReportingOverflow(by: itemSize)
        start = headerStart + headerLength
        guard !overflow, !byteOverflow, byteCount <= bytes.count - start else {
            throw .invalidArgument("\(source): the data section (\(bytes.count - start) bytes) is shorter than the shape \(shape) needs.")
        }
        elementCount = count
        self.bytes = bytes
        self.source = source
    }

    /// Element `index` in C order, as a Double (`index < elementCount`).
    func element(_ index: Int) -> Double {
        let offset = start + index * itemSize
        precondition(index >= 0 && index < elementCount, "NPY element index out of range")
        // One unaligned little-endian load instead of a loop over the bytes.
        return bytes.withUnsafeBytes { raw in
            itemSize == 8
                ? Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
                : Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))))
        }
    }
}

/// The three entries of a `.npy` header dict: `descr`, `fortran_order` and `shape`.
///
/// A small parser for the Python literals numpy writes there: quoted strings, `True`/`False`,
/// integers (an old `L` suffix is accepted) and tuples of integers. Other keys are skipped when
/// their values are of these kinds.
struct NPYHeader {
    var descr = ""
    var fortranOrder = false
    var shape: [Int] = []

    private enum Value { case text(String), flag(Bool), integer(Int), tuple([Int]) }

    init(_ bytes: [UInt8], source: String) throws(MonteCarloError) {
        var parser = Parser(bytes: bytes, source: source)
        var found = Set<String>()
        try parser.expect(UInt8(ascii: "{"))
        while true {
            parser.skipSpace()
            if parser.peek == UInt8(ascii: "}") { break }
            let key = try parser.string()
            try parser.expect(UInt8(ascii: ":"))
            let value = try parser.value()
            switch (key, value) {
            case ("descr", .text(let text)): descr = text
            case ("fortran_order", .flag(let flag)): fortranOrder = flag
            case ("shape", .tuple(let extents)): shape = extents
            case ("descr", _), ("fortran_order", _), ("shape", _):
                throw .invalidArgument("\(source): the .npy header's '\(key)' has a value of the wrong kind.")
            default: break
            }
            found.insert(key)
            parser.skipSpace()
            if parser.peek == UInt8(ascii: ",") { parser.index += 1 } else { break }
        }
        try parser.expect(UInt8(ascii: "}"))
        for key in ["descr", "fortran_order", "shape"] where !found.contains(key) {
            throw .invalidArgument("\(source): the .npy header has no '\(key)'.")
        }
    }

    private struct Parser {
        let bytes: [UInt8]
        let source: String
        var index = 0

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipSpace() {
            while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D { index += 1 }
        }

        func malformed() -> MonteCarloError {
            .invalidArgument("\(source): malformed .npy header (at byte \(index) of the header).")
        }

        mutating func expect(_ byte: UInt8) throws(MonteCarloError) {
            skipSpace()
            guard peek == byte else { throw malformed() }
            index += 1
        }

        mutating func string() throws(MonteCarloError) -> String {
            skipSpace()
            guard let quote = peek, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else { throw malformed() }
            index += 1
            let begin = index
            while let byte = peek, byte != quote { index += 1 }
            guard peek == quote else { throw malformed() }
            defer { index += 1 }
            return String(decoding: bytes[begin..<index], as: UTF8.self)
        }

        mutating func integer() throws(MonteCarloError) -> Int {
            skipSpace()
            let begin = index
            while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
            guard index > begin, index - begin <= 19,
                  let value = Int(String(decoding: bytes[begin..<index], as: UTF8.self)) else {
                if index > begin { throw .invalidArgument("\(source): a .npy shape extent is too large.") }
                throw malformed()
            }
            if peek == UInt8(ascii: "L") { index += 1 }
            return value
        }

        mutating func value() throws(MonteCarloError) -> Value {
            skipSpace()
            switch peek {
            case UInt8(ascii: "'")?, UInt8(ascii: "\"")?:
                return .text(try string())
            case UInt8(ascii: "(")?:
                index += 1
                var extents: [Int] = []
                while true {
                    skipSpace()
                    if peek == UInt8(ascii: ")") { break }
                    extents.append(try integer())
                    skipSpace()
                    if peek == UInt8(ascii: ",") { index += 1 } else { break }
                }
                try expect(UInt8(ascii: ")"))
                return .tuple(extents)
            case UInt8(ascii: "T")?, UInt8(ascii: "F")?:
                for (word, flag) in [("True", true), ("False", false)] where bytes[index...].starts(with: word.utf8) {
                    index += word.utf8.count
                    return .flag(flag)
                }
                throw malformed()
            default:
                return .integer(try integer())
            }
        }
    }
}
