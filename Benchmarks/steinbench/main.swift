// steinbench: timing of Stein control functionals (release build; prints figures, asserts nothing),
// with a same-run numpy/scipy peer (Benchmarks/peers/stein_control_functional_scipy.py: pdist,
// cho_factor/cho_solve) and a bare Cholesky of the same kernel matrix.
// Problem: π = N(0, I₄), f = 1 + x₂ + 0.1x₁x₂x₃ + sin(x₁)exp(−(x₂x₃)²) (truth 1), Gaussian base
// kernel with a fixed length-scale (1.0, about the median heuristic here), relative nugget 1e-8.
// "core" = kernel matrix K0 + nugget, Cholesky (with the adaptive-jitter wrapper: dpotrf and the
// dpocon condition estimate), solves for K⁻¹[1, f], weighted estimate — the estimator the peer
// computes. The public estimators add their error bars (cross-fitting and jackknife refits).
// Usage: steinbench [--json PATH (default benchmark-output/steinbench.json)] [--no-peers] [--repeats R (default 3)]
import Dispatch
import Foundation
import BenchmarkSupport
import MonteCarlo

struct Timing: Codable, Sendable {
    var name: String
    var n: Int
    var seconds: Double
    var value: Double?
    var standardError: Double?
}

struct SteinReport: Codable, Sendable {
    var benchmark = "steinbench"
    var problem: String
    var blasThreads: Int
    var context: RunContext
    var timings: [Timing]
    var comparisons: [Comparison]
    var skipped: [String]
    /// The headline rows for `benchreport`.
    var summary: [SummaryRow] = []
}

func draws(_ n: Int, seed: UInt64) throws -> (SteinSample, [Double]) {
    var g = Xoshiro256PlusPlus(seed: seed)
    let x = (0..<(n * 4)).map { _ in g.nextStandardNormal() }
    let sample = try SteinSample(count: n, dimension: 4, points: x, scores: x.map { -$0 })
    let f = (0..<n).map { i -> Double in
        let p = sample.point(i)
        return 1 + p[1] + 0.1 * p[0] * p[1] * p[2] + sin(p[0]) * exp(-(p[1] * p[2]) * (p[1] * p[2]))
    }
    return (sample, f)
}

/// The weighted estimate from the public building blocks: K0 + λI, Cholesky, K⁻¹[1, f].
func core(_ kernel: LangevinSteinKernel, _ sample: SteinSample, _ f: [Double]) throws -> Double {
    var k = kernel.matrix(for: sample)
    let n = sample.count
    var meanDiagonal = 0.0
    for i in 0..<n { meanDiagonal += k.storage[i + i * n] / Double(n) }
    for i in 0..<n { k.storage[i + i * n] += 1e-8 * meanDiagonal }
    let factor = try k.choleskyFactorization(initialJitter: 1e-10, maximumJitter: 1e-2)
    var rhs = Matrix(rows: n, columns: 2)
    for i in 0..<n { rhs.storage[i] = 1; rhs.storage[i + n] = f[i] }
    let solved = factor.solve(rhs)
    var a = 0.0, b = 0.0
    for i in 0..<n { a += solved.storage[i]; b += solved.storage[i + n] }
    return b / a
}

do {
    let repeats = Int(argument("--repeats") ?? "") ?? 3
    let jsonPath = argument("--json") ?? "benchmark-output/steinbench.json"
    let runPeers = !CommandLine.arguments.contains("--no-peers")
    var context = RunContext.now()
    let length = 1.0
    let kernel = LangevinSteinKernel(base: try RadialKernel(.gaussian, lengthScale: length))
    let specification = KernelSpecification.gaussian(lengthScale: .fixed(length))
    print("steinbench: d = 4, Gaussian kernel ℓ = \(length), BLAS threads \(BLASThreads.count), load average \(context.loadAverageBefore)")
    var timings: [Timing] = []
    func record(_ name: String, _ n: Int, _ seconds: Double, _ estimate: Estimate?) {
        timings.append(Timing(name: name, n: n, seconds: seconds, value: estimate?.value, standardError: estimate?.standardError))
        print("  " + "\(name), n = \(n)".padding(toLength: 54, withPad: " ", startingAt: 0) + String(format: " %.4f s", seconds)
              + (estimate.map { "   \($0)" } ?? ""))
    }
    var coreSeconds: [Int: (Double, Double)] = [:]
    for n in [1000, 4000] {
        let (sample, f) = try draws(n, seed: UInt64(n))
        _ = try core(kernel, try draws(200, seed: 9).0, try draws(200, seed: 9).1)  // warm-up
        let (matrixTime, matrix) = bestOf(repeats) { kernel.matrix(for: sample) }
        record("kernel matrix K0 (lower triangle, mirrored)", n, matrixTime, nil)
        let (choleskyTime, _) = try bestOf(repeats) { try matrix.choleskyFactorization(initialJitter: 1e-10, maximumJitter: 1e-2) }
        record("Cholesky of K0 alone (dpotrf + dpocon)", n, choleskyTime, nil)
        let (coreTime, value) = try bestOf(repeats) { try core(kernel, sample, f) }
        record("core: K0 + Cholesky + solves (weighted value)", n, coreTime, nil)
        print(String(format: "    weighted value %.6f; core / Cholesky = %.2f", value, coreTime / choleskyTime))
        coreSeconds[n] = (coreTime, value)
        let split = SteinControlFunctional(kernel: specification, form: .sampleSplit())
        let (splitTime, splitEstimate) = try bestOf(repeats) { try split.estimate(sample: sample, values: f) }
        record("public split form (with jackknife)", n, splitTime, splitEstimate)
        if n <= 1000 {
            for (name, form) in [("public 5-fold cross-fitted (with jackknife)", SteinControlFunctional.Form.crossFitted(folds: 5)),
                                 ("public weighted (5-fold variance)", .weighted(varianceFolds: 5))] {
                let estimator = SteinControlFunctional(kernel: specification, form: form)
                let (time, estimate) = try bestOf(repeats) { try estimator.estimate(sample: sample, values: f) }
                record(name, n, time, estimate)
            }
            let tuned = SteinControlFunctional(kernel: specification, form: .sampleSplit(), tuning: .crossValidated())
            let (tunedTime, tunedEstimate) = try bestOf(1) { try tuned.estimate(sample: sample, values: f) }
            record("split form with cross-validated tuning", n, tunedTime, tunedEstimate)
            print(String(format: "    cost of tuning (14 candidates × 5 inner folds): %.3f s over the untuned split form", tunedTime - splitTime))
        }
    }
    var comparisons: [Comparison] = []
    var skipped: [String] = []
    if runPeers {
        print("peers (\(peerPython)):")
        for n in [1000, 4000] {
            let peer = runPeer("numpy/scipy", script: "stein_control_functional_scipy.py",
                               arguments: ["--n", "\(n)", "--d", "4", "--length", "\(length)", "--repeats", "\(repeats)"])
            let (seconds, value) = coreSeconds[n]!
            let comparison = Comparison(name: "weighted CF core, n = \(n)", swiftSeconds: seconds, swiftValue: value, peer: peer)
            comparisons.append(comparison)
            print(comparison.line)
            if let reason = peer.skipped { skipped.append("\(comparison.name): \(reason)") }
        }
    }
    context.loadAverageAfter = loadAverage()
    var summary: [SummaryRow] = []
    for (n, limit) in [(1000, 0.05), (4000, 0.8)] {
        let seconds = coreSeconds[n]!.0
        summary.append(SummaryRow(benchmark: "steinbench", measure: "control functional fit + estimate (fixed hyper-parameters), d = 4, n = \(n)",
                                  value: seconds, unit: "s", target: "< \(limit) s", passed: seconds < limit))
    }
    for comparison in comparisons {
        summary.append(.speedup(benchmark: "steinbench", measure: "\(comparison.name) vs numpy/scipy", swiftSeconds: comparison.swiftSeconds,
                                peer: comparison.peer, atLeast: 2))
    }
    try writeJSON(SteinReport(problem: "N(0, I4), South f, Gaussian kernel l = 1, nugget 1e-8", blasThreads: BLASThreads.count,
                              context: context, timings: timings, comparisons: comparisons, skipped: skipped, summary: summary),
                  to: jsonPath)
    print("load average after: \(context.loadAverageAfter ?? "?"); JSON: \(jsonPath)")
} catch {
    FileHandle.standardError.write(Data("steinbench: \(error)\n".utf8))
    exit(1)
}
