import Foundation
import LinearAlgebra
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Guards against `cblas_*` silently resolving to GSL's reference CBLAS (`libgslcblas`),
/// which defines the same symbols and is 15× slower (see shared/C-INTEROP.md).
@Suite("BLAS linkage and threading", .serialized)
struct BLASLinkTests {
    @Test("512×512 dgemm runs far faster than a naive triple loop")
    func dgemmSpeed() {
        var generator = SplitMix64(seed: 8)
        let n = 512
        let a = randomMatrix(rows: n, columns: n, using: &generator)
        let b = randomMatrix(rows: n, columns: n, using: &generator)
        _ = a * b  // Warm-up: OpenBLAS starts its thread pool on first use.

        let clock = ContinuousClock()
        var product = Matrix(rows: 0, columns: 0)
        var fastest = Duration.seconds(3600)
        for _ in 0..<3 {
            fastest = min(fastest, clock.measure { product = a * b })
        }
        // Measured on this 2-core machine, debug build: OpenBLAS ≈ 3 ms, GSL's reference
        // cblas_dgemm ≈ 45 ms, a naive triple loop in debug Swift ≈ 4.9 s. The 250 ms bound is
        // 80× the OpenBLAS time (room for a loaded or slower CI machine) and 20× below the
        // naive loop. It does not separate GSL's CBLAS from OpenBLAS reliably; the
        // symbol-resolution test below does that deterministically.
        #expect(fastest < .milliseconds(250), "512×512 dgemm took \(fastest)")

        // Keep the result observable and check one entry: a 512-term dot product is within
        // γ₅₁₂ Σₖ|aᵢₖ||bₖⱼ| of the exact value for both evaluation orders.
        var dot = 0.0
        var absoluteDot = 0.0
        for k in 0..<n {
            dot += a[3, k] * b[k, 5]
            absoluteDot += (a[3, k] * b[k, 5]).magnitude
        }
        #expect((product[3, 5] - dot).magnitude <= 2 * gamma(n) * absoluteDot * (1 + gamma(n)))
    }

    #if os(Linux)
    @Test("cblas_dgemm resolves to OpenBLAS in this process")
    func symbolResolution() throws {
        // dlsym on the main program's handle searches the global scope in load order, the
        // same lookup that bound LinearAlgebra's calls, so the library whose mapping holds the
        // returned address is the one actually used.
        let handle = try #require(dlopen(nil, RTLD_NOW))
        defer { dlclose(handle) }
        let symbol = try #require(dlsym(handle, "cblas_dgemm"))
        let address = UInt(bitPattern: symbol)
        let library = try #require(mappedFile(containing: address), "no mapping holds cblas_dgemm")
        #expect(library.contains("openblas"), "cblas_dgemm resolves to \(library)")
        #expect(!library.contains("gslcblas"))
    }

    /// The file mapped at `address`, from /proc/self/maps.
    private func mappedFile(containing address: UInt) -> String? {
        guard let maps = readProcFile("/proc/self/maps") else { return nil }
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            let bounds = fields[0].split(separator: "-")
            guard fields.count >= 6, bounds.count == 2,
                let low = UInt(bounds[0], radix: 16), let high = UInt(bounds[1], radix: 16),
                low <= address, address < high
            else { continue }
            return fields[5...].joined(separator: " ")
        }
        return nil
    }

    /// Reads a /proc file to the end (its reported size is 0, so it must be read in a loop).
    private func readProcFile(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 { return nil }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
    #endif

    @Test("BLASThreads sets and reports the OpenBLAS thread count")
    func threadCount() {
        let original = BLASThreads.count
        #expect(original >= 1)
        // Lowering and then restoring (to a count whose threads already exist) is safe even
        // while other suites call BLAS concurrently.
        BLASThreads.set(1)
        #expect(BLASThreads.count == 1)
        BLASThreads.set(original)
        #expect(BLASThreads.count == original)
    }
}
