import Foundation

/// The header of a NumPy `.npy` file (format versions 1–3): shape, element size and where the
/// data start, with the checks every reader needs. Internal to the readers.
struct NPYLayout {
    /// The array's shape, outermost dimension first.
    let shape: [Int]
    /// 8 for little-endian float64 (`<f8`), 4 for float32 (`<f4`).
    let itemSize: Int
    /// The file's bytes and the offset of the first element.
    private let bytes: [UInt8]
    private let start: Int
    /// The file's name, for error messages.
    let source: String

    /// Reads and checks the header.
    /// - Throws: `MonteCarloError/invalidArgument(_:)` naming `source` for a bad magic string,
    ///   a truncated header, a dtype other than `<f8`/`<f4`, Fortran order or no shape.
    init(_ data: Data, source: String) throws(MonteCarloError) {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw .invalidArgument("\(source) is not a .npy file (bad magic string).")
        }
        let major = bytes[6]
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
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        if header.contains("'<f8'") { itemSize = 8 } else if header.contains("'<f4'") { itemSize = 4 } else {
            throw .invalidArgument("\(source): only little-endian float64 ('<f8') or float32 ('<f4') arrays are supported.")
        }
        guard header.contains("'fortran_order': False") else {
            throw .invalidArgument("\(source): Fortran-ordered arrays are not supported; save with C order.")
        }
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw .invalidArgument("\(source): no shape in the .npy header.")
        }
        shape = header[open.upperBound..<close].split(separator: ",").compactMap {
            Int($0.trimmingCharacters(in: .whitespaces))
        }
        self.bytes = bytes
        self.start = headerStart + headerLength
        self.source = source
    }

    /// Checks that the data section holds `count` elements.
    func checkLength(count: Int) throws(MonteCarloError) {
        guard bytes.count >= start + count * itemSize else {
            throw .invalidArgument("\(source): the data section is shorter than the shape \(shape) needs.")
        }
    }

    /// Element `index` in C order, as a Double (call ``checkLength(count:)`` first).
    func element(_ index: Int) -> Double {
        let offset = start + index * itemSize
        var bits: UInt64 = 0
        for b in 0..<itemSize { bits |= UInt64(bytes[offset + b]) << (8 * UInt64(b)) }
        return itemSize == 8 ? Double(bitPattern: bits) : Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
    }
}
