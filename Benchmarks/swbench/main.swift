// swbench: timing of the sliced-Wasserstein estimators (release build; prints figures, asserts nothing),
// with same-run peer comparisons against POT's ot.sliced_wasserstein_distance and a vectorized numpy
// plain estimator (Benchmarks/peers/sliced_wasserstein_pot.py; run Benchmarks/peers/setup-venv.sh first
// to get them in .build/peers-venv, else python3 from PATH is used, and a missing peer is skipped).
// n = 10 000 points per cloud, d = 64, L = 1000 projections, p = 2.
// Then (TimeToError.swift) the time each method needs to reach the standard error of plain MC at
// L = 1000, in d = 3 and d = 64 (n = 10 000 per cloud), against POT on the same data; the headline
// ratios use the method fixed in advance for each dimension (`preregisteredMethod`), not the
// fastest of the run; and
// (Memory.swift) n = 10⁶ points per cloud, d = 3, L = 1000 in a child process with its peak RSS.
// Usage: swbench [--json PATH (default benchmark-output/swbench.json)] [--no-peers] [--repeats R (default 3)]
//                [--skip-time-to-error] [--skip-memory] | swbench --memory (the child's mode: one JSON line)
import Dispatch
import Foundation
import BenchmarkSupport
import MonteCarlo

struct MethodTiming: Codable, Sendable {
    var method: String
    var seconds: Double
    var value: Double
    var standardError: Double
}

struct SWReport: Codable, Sendable {
    var benchmark = "swbench"
    var problem: String
    var exactSWpp: Double
    var threads: Int
    var context: RunContext
    var methods: [MethodTiming]
    var comparisons: [Comparison]
    var skipped: [String]
    var timeToError: [TimeToErrorSection] = []
    var memory: MemoryReport? = nil
    /// The headline rows for `benchreport`.
    var summary: [SummaryRow] = []
    /// Commit, date and machine of this run, for `benchreport`'s staleness check.
    var provenance = Provenance.current()
}

/// The issue's targets as `benchreport` rows.
func headlineRows(plainSeconds: Double, comparisons: [Comparison], sections: [TimeToErrorSection],
                  memory: MemoryReport?) -> [SummaryRow] {
    var rows: [SummaryRow] = []
    for (comparison, target) in zip(comparisons, [20.0, 2.0]) {
        rows.append(.speedup(benchmark: "swbench", measure: "\(comparison.name) (n = 10⁴, d = 64)", swiftSeconds: plainSeconds,
                             peer: comparison.peer, atLeast: target))
    }
    for section in sections {
        rows.append(SummaryRow(benchmark: "swbench", measure: "time to plain's SE at L = 1000, d = \(section.dimension): \(section.method) vs POT",
                               value: section.speedupOverPOT, unit: "×", target: "≥ 20×",
                               passed: section.methodSeconds == nil ? false : section.speedupOverPOT.map { $0 >= 20 },
                               note: section.methodSeconds == nil ? "\(section.method) did not reach the target SE" : section.pot?.skipped))
        rows.append(SummaryRow(benchmark: "swbench", measure: "time to plain's SE at L = 1000, d = \(section.dimension): \(section.method) vs our plain MC",
                               value: section.speedupOverPlain, unit: "×", target: section.dimension == 3 ? "≥ 10×" : nil,
                               passed: section.dimension == 3 ? (section.speedupOverPlain.map { $0 >= 10 } ?? false) : nil,
                               note: section.speedupOverPlain == nil ? "\(section.method) did not reach the target SE" : nil))
    }
    if let memory {
        rows.append(SummaryRow(benchmark: "swbench", measure: "peak memory, n = 10⁶ per cloud, d = 3, L = 1000", value: memory.peakMiB,
                               unit: "MiB", target: "< 1024 MiB", passed: memory.underLimit,
                               note: String(format: "%.1f s", memory.seconds)))
    }
    return rows
}

if CommandLine.arguments.contains("--memory") {
    do { try memoryChild() } catch {
        print("swbench --memory: error: \(error)")
        exit(2)
    }
    exit(0)
}

do {
    let n = 10_000, d = 64, L = 1000, p = 2
    let repeats = Int(argument("--repeats") ?? "") ?? 3
    let jsonPath = argument("--json") ?? "benchmark-output/swbench.json"
    let runPeers = !CommandLine.arguments.contains("--no-peers")
    var context = RunContext.now()
    var g = Xoshiro256PlusPlus(seed: 1)
    let x = (0..<(n * d)).map { _ in g.nextStandardNormal() }
    let y = (0..<(n * d)).map { _ in 1.5 * g.nextStandardNormal() + 0.3 }
    // Exact SW_2^2 for X ~ N(0, I), Y ~ N(0.3·1, 2.25 I): E_θ[(θ·0.3·1)²] + (1.5 − 1)² = 0.09 + 0.25.
    let exact = 0.09 + 0.25
    let sw = try SlicedWasserstein(try PointCloud(points: x, dimension: d), try PointCloud(points: y, dimension: d))
    let xm = Matrix(rows: d, columns: n, columnMajor: x)
    let theta = Matrix(rows: d, columns: L, columnMajor: (0..<(d * L)).map { _ in g.nextStandardNormal() })
    var start = DispatchTime.now().uptimeNanoseconds
    _ = try xm.product(transposingSelf: true, theta, transposingOther: false)
    print("swbench: n = \(n) per cloud, d = \(d), L = \(L), p = \(p), threads \(sw.threadCount), load average \(context.loadAverageBefore)")
    print(String(format: "  projection product X·Θ (10000 × 64 · 64 × 1000)  %.3f s", seconds(since: start)))
    var methods: [MethodTiming] = []
    for method in [SlicedWasserstein.Method.monteCarlo, .orthogonal, .controlVariates(.lower), .controlVariates(.both)] {
        _ = try sw.estimate(projections: 100, method: method, seed: 0)  // warm-up
        let (time, estimate) = try bestOf(repeats) { try sw.estimate(projections: L, method: method, seed: 1) }
        let name = "\(method)".replacingOccurrences(of: "SlicedWassersteinModule.SlicedWasserstein.GaussianControls.", with: "")
        methods.append(MethodTiming(method: name, seconds: time, value: estimate.value, standardError: estimate.standardError))
        print("  " + name.padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: " %.3f s   ", time) + "\(estimate)")
    }
    start = DispatchTime.now().uptimeNanoseconds
    let gradient = try sw.gradient(projections: L, seed: 1)
    print(String(format: "  gradient (plain)             %.3f s   total variance %.3g", seconds(since: start), gradient.totalVariance))
    start = DispatchTime.now().uptimeNanoseconds
    let cvGradient = try sw.gradient(projections: L, controlVariates: true, seed: 1)
    print(String(format: "  gradient (lower control)     %.3f s   total variance %.3g", seconds(since: start), cvGradient.totalVariance))
    start = DispatchTime.now().uptimeNanoseconds
    let bothGradient = try sw.gradient(projections: L, controls: .both, seed: 1)
    print(String(format: "  gradient (both controls)     %.3f s   total variance %.3g", seconds(since: start), bothGradient.totalVariance))

    // Same-run peers, each timed best of `repeats` after one warm-up call, exactly like plain MC above.
    // Values are compared as SW_p (POT returns SW_p, not SW_p^p, and no error bar).
    var comparisons: [Comparison] = []
    var skipped: [String] = []
    let plain = methods[0]
    let peerArguments = ["--n", "\(n)", "--d", "\(d)", "--projections", "\(L)", "--p", "\(p)"]
    if runPeers {
        print("peers (\(peerPython); exact SW_2 = \(String(format: "%.5f", exact.squareRoot()))):")
        let pot = runPeer("POT ot.sliced_wasserstein_distance", script: "sliced_wasserstein_pot.py",
                          arguments: peerArguments + ["--peer", "pot", "--repeats", "\(repeats)"])
        let numpy = runPeer("numpy plain MC", script: "sliced_wasserstein_pot.py",
                            arguments: peerArguments + ["--peer", "numpy", "--repeats", "\(repeats)"])
        comparisons.append(Comparison(name: "plain MC, L = 1000 vs POT", swiftSeconds: plain.seconds,
                                      swiftValue: plain.value.squareRoot(), peer: pot))
        comparisons.append(Comparison(name: "plain MC, L = 1000 vs numpy", swiftSeconds: plain.seconds,
                                      swiftValue: plain.value.squareRoot(), peer: numpy))
        for comparison in comparisons {
            print(comparison.line)
            if let reason = comparison.peer.skipped { skipped.append("\(comparison.name): \(reason)") }
        }
        if let blas = numpy.blas, !blas.isEmpty { print("  peer BLAS: \(blas.joined(separator: "; "))") }
    } else {
        skipped.append("all peer comparisons (--no-peers)")
        print("peers: skipped (--no-peers)")
    }
    if !skipped.isEmpty { print("skipped comparisons: \(skipped.count)") }
    var sections: [TimeToErrorSection] = []
    if !CommandLine.arguments.contains("--skip-time-to-error") {
        for dimension in [3, 64] {
            sections.append(try timeToError(d: dimension, n: 10_000, repeats: repeats, runPeers: runPeers))
        }
    }
    var memory: MemoryReport? = nil
    if !CommandLine.arguments.contains("--skip-memory") {
        memory = runMemoryChild()
        if let memory {
            print(String(format: "memory: %@, %@: %.2f s, peak RSS %.0f MiB (%.0f MiB after generating the clouds), limit 1024 MiB: %@",
                         memory.problem, memory.method, memory.seconds, memory.peakMiB, memory.peakMiBBeforeEstimate,
                         memory.underLimit ? "under" : "OVER"))
        }
    }
    context.loadAverageAfter = loadAverage()
    let report = SWReport(problem: "n = \(n) per cloud, d = \(d), L = \(L), p = \(p); X ~ N(0, I), Y ~ 1.5 N(0, I) + 0.3",
                          exactSWpp: exact, threads: sw.threadCount, context: context, methods: methods,
                          comparisons: comparisons, skipped: skipped, timeToError: sections, memory: memory,
                          summary: headlineRows(plainSeconds: plain.seconds, comparisons: comparisons, sections: sections,
                                                memory: memory))
    try writeJSON(report, to: jsonPath)
    print("load average after: \(context.loadAverageAfter ?? "?"); wrote \(jsonPath)")
} catch {
    print("swbench: error: \(error)")
    exit(2)
}
