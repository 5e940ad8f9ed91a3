// chainbench: long-run variance estimators on Markov chain output (release build; prints figures,
// asserts nothing).
//
// Timing: 10⁶ draws × 10 AR(1) columns (ρ = 0.05, 0.15, …, 0.95), one chain; every estimator of
// LongRunVarianceMethod (a) on each column as a scalar series, (b) as one 10-column
// LongRunCovariance where the method supports vectors; best of --repeats. Same-run peer: ArviZ's
// `ess(method="mean")` + `mcse(method="mean")` on exactly the same array (written to a raw
// float64 file; Benchmarks/peers/arviz_ess_mcse.py), best of the same --repeats as ours, against our scalar initial monotone
// sequence (ArviZ's own estimator) and `.auto` on the same 10 columns.
//
// Coverage (`--coverage [R]`): the table behind `.auto`'s choice: coverage of the 95% interval of
// the sample mean on AR(1) chains x_t = ρx_{t−1} + √(1−ρ²)e_t (stationary start), ρ ∈ {0 (i.i.d.),
// 0.5, 0.8, 0.9}, n ∈ {250, 1000, 10⁴} draws in total, as 1 chain or 4 chains of n/4, R
// replications (default 1000), for each estimator with its own degrees of freedom.
//
// Usage: chainbench [--json PATH (default benchmark-output/chainbench.json)] [--no-peers] [--repeats R (default 5)]
//        chainbench --coverage [R]
//        chainbench --profile-geyer   (per-column times of the initial sequence vs Autocovariances' FFT)
import Dispatch
import Foundation
import BenchmarkSupport
import MonteCarlo

struct Timing: Codable, Sendable {
    var name: String
    var shape: String
    var seconds: Double
    var value: Double?
}

struct ChainReport: Codable, Sendable {
    var benchmark = "chainbench"
    var problem: String
    var context: RunContext
    var timings: [Timing]
    var comparisons: [Comparison]
    /// The headline rows for `benchreport`.
    var summary: [SummaryRow] = []
    /// Commit, date and machine of this run, for `benchreport`'s staleness check.
    var provenance = Provenance.current()
}

/// An AR(1) chain with unit stationary variance, started in stationarity.
func ar1(_ n: Int, rho: Double, using g: inout Xoshiro256PlusPlus) -> [Double] {
    var x = [Double](repeating: 0, count: n)
    let scale = (1 - rho * rho).squareRoot()
    var previous = g.nextStandardNormal()
    for t in 0..<n {
        x[t] = t == 0 ? previous : rho * previous + scale * g.nextStandardNormal()
        previous = x[t]
    }
    return x
}

/// ρ = 0.05, 0.15, …: one AR(1) coefficient per column.
func columnRhos(_ p: Int) -> [Double] { (0..<p).map { 0.05 + 0.1 * Double($0) } }

let methods: [(String, LongRunVarianceMethod)] = [
    ("BM √n", .batchMeans(.squareRoot)),
    ("BM ∛n", .batchMeans(.cubeRoot)),
    ("lugsail BM", .batchMeans(.squareRoot, lugsail: true)),
    ("OBM", .overlappingBatchMeans(.squareRoot)),
    ("lugsail OBM", .overlappingBatchMeans(.squareRoot, lugsail: true)),
    ("SV Bartlett", .spectral(.bartlett)),
    ("lugsail Bartlett", .spectral(.bartlett, lugsail: true)),
    ("SV Tukey–Hanning", .spectral(.tukeyHanning)),
    ("lugsail TH", .spectral(.tukeyHanning, lugsail: true)),
    ("Geyer positive", .initialSequence(.positive)),
    ("Geyer monotone", .initialSequence(.monotone)),
]

func coverageTable(replications: Int) throws {
    print("Coverage (%) of 95% intervals of the mean, \(replications) replications each; AR(1), unit variance")
    print("| ρ | n | chains | " + methods.map(\.0).joined(separator: " | ") + " |")
    print("|---|---|---|" + String(repeating: "---|", count: methods.count))
    for rho in [0.0, 0.5, 0.8, 0.9] {
        for n in [250, 1000, 10_000] {
            for chains in [1, 4] {
                var covered = [Int](repeating: 0, count: methods.count)
                for r in 0..<replications {
                    var g = RandomStreams(seed: 2026).stream(r)
                    let series = (0..<chains).flatMap { _ in ar1(n / chains, rho: rho, using: &g) }
                    let lengths = [Int](repeating: n / chains, count: chains)
                    for (m, method) in methods.enumerated() {
                        let interval = try method.1.estimate(series, chainLengths: lengths).meanEstimate.confidenceInterval()
                        if interval.contains(0) { covered[m] += 1 }
                    }
                }
                let cells = covered.map { String(format: "%.1f", 100 * Double($0) / Double(replications)) }
                print("| \(rho) | \(n) | \(chains) | " + cells.joined(separator: " | ") + " |")
            }
        }
    }
}

if CommandLine.arguments.contains("--coverage") {
    let replications = argument("--coverage").flatMap(Int.init) ?? 1000
    do { try coverageTable(replications: replications) } catch { print("error: \(error)"); exit(1) }
    exit(0)
}

if let name = argument("--profile-vector") {
    // Repeats one vector method for `perf record` (diagnostics).
    var g = RandomStreams(seed: 7).stream(0)
    let flat = Array(columnRhos(10).map { ar1(1_000_000, rho: $0, using: &g) }.joined())
    let method = methods.first { $0.0 == name }?.1 ?? .auto
    for _ in 0..<20 { _ = try! method.estimateCovariance(columnMajor: flat, dimension: 10, chainLengths: [1_000_000]) }
    exit(0)
}

if CommandLine.arguments.contains("--profile-geyer") {
    // Per-column times of the initial monotone sequence and of Autocovariances (diagnostics).
    var g = RandomStreams(seed: 7).stream(0)
    for rho in [0.05, 0.55, 0.75, 0.85, 0.95] {
        let x = ar1(1_000_000, rho: rho, using: &g)
        let (geyer, r) = try! bestOf(3) { try LongRunVarianceMethod.initialSequence(.monotone).estimate(x) }
        let (fft, _) = try! bestOf(3) { try Autocovariances.estimate(x, maxLag: 40_000) }
        let (direct, _) = try! bestOf(3) { try Autocovariances.estimate(x, maxLag: 31) }
        print(String(format: "ρ = %.2f: Geyer %.4f s (lags %d); Autocovariances FFT 40000 lags %.4f s, direct 31 lags %.4f s",
                     rho, geyer, r.batchSize ?? -1, fft, direct))
    }
    exit(0)
}

let jsonPath = argument("--json") ?? "benchmark-output/chainbench.json"
let repeats = argument("--repeats").flatMap(Int.init) ?? 5
let runPeers = !CommandLine.arguments.contains("--no-peers")
let n = 1_000_000, p = 10
let rhos = columnRhos(p)

do {
    var context = RunContext.now()
    print("chainbench: \(n) draws × \(p) AR(1) columns (ρ = 0.05 … 0.95), best of \(repeats); load average \(context.loadAverageBefore)")
    var g = RandomStreams(seed: 7).stream(0)
    let columns = rhos.map { ar1(n, rho: $0, using: &g) }
    let flat = Array(columns.joined())
    var timings: [Timing] = []
    var summary: [SummaryRow] = []
    var scalarSeconds: [String: Double] = [:]
    for (name, method) in methods + [("auto", LongRunVarianceMethod.auto)] {
        let (seconds, result) = try bestOf(repeats) { try columns.map { try method.estimate($0) } }
        scalarSeconds[name] = seconds
        let last = result.last!
        timings.append(Timing(name: name, shape: "10 scalar series of 10^6", seconds: seconds, value: last.longRunVariance))
        print(String(format: "  %-18@ scalar × 10: %.4f s   (σ̂² of the ρ = 0.95 column %.2f, truth %.2f)",
                     name as NSString, seconds, last.longRunVariance, (1 + rhos[p - 1]) / (1 - rhos[p - 1])))
        summary.append(SummaryRow(benchmark: "chainbench", measure: "\(name), 10 columns of 10^6 draws (scalar, each column)",
                                  value: seconds, unit: "s", target: "< 0.1 s", passed: seconds < 0.1))
        if case .initialSequence = method { continue }
        let (vectorSeconds, covariance) = try bestOf(repeats) {
            try method.estimateCovariance(columnMajor: flat, dimension: p, chainLengths: [n])
        }
        timings.append(Timing(name: name, shape: "one 10^6 × 10 long-run covariance", seconds: vectorSeconds,
                              value: covariance.multivariateEffectiveSampleSize))
        print(String(format: "  %-18@ vector p = 10: %.4f s   (mESS %.0f)", name as NSString, vectorSeconds,
                     covariance.multivariateEffectiveSampleSize ?? .nan))
        summary.append(SummaryRow(benchmark: "chainbench", measure: "\(name), 10^6 × 10 long-run covariance + mESS",
                                  value: vectorSeconds, unit: "s", target: "< 0.1 s", passed: vectorSeconds < 0.1))
    }
    // The chain option's cost in a kernel fit: a cross-fitted control functional (jackknife
    // included) on the same 1000 draws of 4 AR(1) chains (d = 2, ρ = 0.8), declared independent
    // and declared as chains. The chains add the fold gap's τ̂ (O(nd)), contiguous folds and the
    // residual series' long-run variance (O(n log n) at most); the fits themselves are the same
    // size or smaller (the gap removes training draws).
    do {
        var h = RandomStreams(seed: 11).stream(1)
        let draws = 1000, dimension = 2
        var points: [Double] = []
        for _ in 0..<4 {
            var x = [h.nextStandardNormal(), h.nextStandardNormal()]
            for _ in 0..<(draws / 4) {
                points += x
                x = x.map { 0.8 * $0 + 0.6 * h.nextStandardNormal() }
            }
        }
        let independent = try SteinSample(count: draws, dimension: dimension, points: points, scores: points.map { -$0 })
        let values = (0..<draws).map { sin(points[2 * $0]) + cos(points[2 * $0 + 1]) }
        let functional = SteinControlFunctional()
        let (plainSeconds, _) = try bestOf(repeats) { try functional.estimate(sample: independent, values: values) }
        let (chainSeconds, _) = try bestOf(repeats) {
            try functional.estimate(sample: independent.with(dependence: .chains(count: 4, totalDraws: draws)), values: values)
        }
        let ratio = chainSeconds / plainSeconds
        print(String(format: "  control functional, n = 1000, d = 2: independent %.4f s, 4 chains %.4f s (%.2f×)", plainSeconds, chainSeconds, ratio))
        timings.append(Timing(name: "control functional, independent", shape: "n = 1000, d = 2", seconds: plainSeconds, value: nil))
        timings.append(Timing(name: "control functional, 4 chains", shape: "n = 1000, d = 2", seconds: chainSeconds, value: nil))
        summary.append(SummaryRow(benchmark: "chainbench", measure: "control functional on 4 chains / independent (n = 1000, fit + jackknife)",
                                  value: ratio, unit: "×", target: "≤ 1.25× (the chain option adds O(n log n))", passed: ratio <= 1.25))
    }
    var comparisons: [Comparison] = []
    if runPeers {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("chainbench-\(ProcessInfo.processInfo.processIdentifier).f64")
        defer { try? FileManager.default.removeItem(at: file) }
        // (chains = 1, draws = n, p) in C order: draw-major rows of p values.
        var rowMajor = [Double](repeating: 0, count: n * p)
        for j in 0..<p { for t in 0..<n { rowMajor[t * p + j] = columns[j][t] } }
        try rowMajor.withUnsafeBufferPointer { Data(buffer: $0) }.write(to: file)
        let peer = runPeer("arviz ess+mcse (mean)", script: "arviz_ess_mcse.py",
                           arguments: ["--file", file.path, "--draws", "\(n)", "--dimension", "\(p)", "--repeats", "\(repeats)"])  // best of as many runs as ours
        let geyer = scalarSeconds["Geyer monotone"]!
        let geyerValue = try LongRunVarianceMethod.initialSequence(.monotone).estimate(columns[p - 1]).effectiveSampleSize
        comparisons.append(Comparison(name: "ESS + MCSE of 10 columns of 10^6 (Geyer monotone, ArviZ's estimator)",
                                      swiftSeconds: geyer, swiftValue: geyerValue, peer: peer))
        let auto = scalarSeconds["auto"]!
        let autoValue = try LongRunVarianceMethod.auto.estimate(columns[p - 1]).effectiveSampleSize
        comparisons.append(Comparison(name: "ESS + MCSE of 10 columns of 10^6 (auto)", swiftSeconds: auto, swiftValue: autoValue, peer: peer))
        for comparison in comparisons {
            print(comparison.line)
            summary.append(.speedup(benchmark: "chainbench", measure: "\(comparison.name) vs ArviZ", swiftSeconds: comparison.swiftSeconds,
                                    peer: comparison.peer, atLeast: 10))
        }
    }
    context.loadAverageAfter = loadAverage()
    try writeJSON(ChainReport(problem: "AR(1) columns, rho 0.05…0.95, 10^6 draws × 10, one chain", context: context,
                              timings: timings, comparisons: comparisons, summary: summary), to: jsonPath)
    print("load average after: \(context.loadAverageAfter ?? "?"); JSON: \(jsonPath)")
} catch {
    print("chainbench failed: \(error)")
    exit(1)
}
