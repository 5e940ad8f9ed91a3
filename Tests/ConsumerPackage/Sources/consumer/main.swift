// The README's first snippet ("A first estimate"), then checks of what it prints against the
// closed forms: E[e^U] = e − 1, and the antithetic pair's variance-reduction factor
// Var(e^U) / (2 Var((e^U + e^{1−U})/2)) per evaluation ≈ 31 (README: "about 31").
import Foundation
import MonteCarlo
#if canImport(Glibc)
import Glibc
#endif

/// The file whose mapping holds `cblas_dgemm` as this process resolves it (Linux), or nil.
/// dlsym on the program's own handle searches the global scope in load order, the lookup that
/// bound MonteCarlo's BLAS calls: it must be OpenBLAS, not GSL's reference CBLAS.
func cblasLibrary() -> String? {
    #if os(Linux)
    guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "cblas_dgemm") else { return nil }
    let address = UInt(bitPattern: symbol)
    // /proc files report size 0: read to the end in a loop.
    let descriptor = open("/proc/self/maps", O_RDONLY)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        let range = fields[0].split(separator: "-").compactMap { UInt($0, radix: 16) }
        if range.count == 2, range[0] <= address, address < range[1], fields.count >= 6 { return String(fields[5]) }
    }
    return nil
    #else
    return "not checked on this platform"
    #endif
}

do {
    // E[e^U], U ~ U(0, 1); the truth is e − 1.
    let f = Integrand<Double> { exp($0) }
    let plain = try PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: f)
        .run(samples: 100_000, seed: 42)
    let antithetic = try AntitheticMonteCarlo(sampler: UniformDistribution.unit, integrand: f)
        .run(samples: 50_000, seed: 42)                     // 50,000 pairs = 100,000 evaluations
    print(plain)
    print(antithetic)
    print(try antithetic.confidenceInterval(level: 0.95))

    let truth = M_E - 1
    // Closed forms: Var(e^U) = (e² − 1)/2 − (e − 1)²; Cov(e^U, e^{1−U}) = e − (e − 1)².
    let perDraw = (M_E * M_E - 1) / 2 - truth * truth
    let covariance = M_E - truth * truth
    let factor = (perDraw / 2) / ((perDraw + covariance) / 2)   // per pair of evaluations
    var failures: [String] = []
    for (name, estimate) in [("plain", plain), ("antithetic", antithetic)] where abs(estimate.value - truth) > 5 * estimate.standardError {
        failures.append("\(name): \(estimate.value) is more than 5 standard errors (\(estimate.standardError)) from e − 1")
    }
    // The reported factor ESS / n estimates `factor` from 50,000 pairs: within 10% of it.
    let reported = antithetic.effectiveSampleSize / Double(antithetic.sampleCount)
    if abs(reported / factor - 1) > 0.1 {
        failures.append("antithetic ESS / n = \(reported), closed form \(factor)")
    }
    let blas = cblasLibrary() ?? "unresolved"
    print("consumer: cblas_dgemm resolves to \(blas)")
    #if os(Linux)
    if !blas.contains("openblas") { failures.append("cblas_dgemm resolves to \(blas), not OpenBLAS") }
    #endif
    guard failures.isEmpty else {
        print("consumer: FAILED\n" + failures.joined(separator: "\n"))
        exit(1)
    }
    print(String(format: "consumer: OK (variance-reduction factor %.1f, closed form %.1f)", reported, factor))
} catch {
    print("consumer: error: \(error)")
    exit(1)
}
