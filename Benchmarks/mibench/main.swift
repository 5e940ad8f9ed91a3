// mibench: timing of the KSG mutual-information estimator (release build; prints figures, asserts
// nothing), with same-run peer comparisons (Benchmarks/peers/mutual_information_sklearn.py; run
// Benchmarks/peers/setup-venv.sh first to get the peers in .build/peers-venv, else python3 from PATH
// is used, and a missing peer is skipped):
// - KSG k = 3 on n = 100 000 one-dimensional pairs vs sklearn.feature_selection.mutual_info_regression
//   on the same data (written to benchmark-output/mibench-ksg-1d.npy): the value alone, the
//   estimate with its standard error, and the whole `mcest mi FILE --x 0 --y 1 --method ksg`
//   process (reading the .npy file, estimate, SE, printing; .build/release/mcest, built by make bench);
// - KSG k = 3 on n = 100 000 pairs in 3 + 3 dimensions vs a KSG written with scipy.spatial.cKDTree;
// - Ross's discrete–continuous estimator (k = 3) on n = 100 000 points, one continuous feature and a
//   3-class label (label uniform on {0, 1, 2}, feature = label + N(0, 1)), value and estimate with SE,
//   vs sklearn.feature_selection.mutual_info_classif (Benchmarks/peers/discrete_mi_sklearn.py --bench,
//   same distribution, numpy's draws; target ≥ 5×);
// - the score-matrix bounds (NWJ, DV, InfoNCE, JS, SMILE τ = 5, each with its variance) at B = 4096
//   (no peer; the target is < 50 ms each).
// Data: Y_j = ρ X_j + √(1 − ρ²) ε_j, ρ = 0.6, so I = −(d/2) log(1 − ρ²) nats.
// Usage: mibench [--json PATH (default benchmark-output/mibench.json)] [--no-peers] [--repeats R (default 3)]
//                [--n N (default 100000)] [--batch B (default 4096)] [--only ksg1|ksg3|discrete|bounds]
//                [--bound nwj|dv|infonce|js|smile (with --only bounds: time one bound)]
//        mibench --profile none|value|estimate [--n N] [--algorithm 1|2]: one KSG call on 1 + 1 d data, for callgrind.
//        mibench --calibration [--replications R (default 200)] [--sizes 500,2000,10000] [--pairs 1,2,10]
//                [--nu inf,3] [--rho R]: no timing; for each cell, KSG-1 and KSG-2 (k = 3) on R independent data
//                sets (pairs with dispersion correlations 0.6, 0.3, …, or R for every pair; Gaussian or Student-t ν) and the
//                ratio mean reported variance / empirical variance of the estimates, with the χ² band
//                (false alarm 10⁻³) that PlugInVarianceCalibrationTests applies.
//        mibench --calibration --gaussian [--replications R] [--sizes 500,2000] [--nu inf,10,6,5,4,3]: the
//                same for the Gaussian plug-in on 2 + 2 d, its sandwich and its Gaussian-moment variance.
import Dispatch
import Foundation
import BenchmarkSupport
import MonteCarlo

struct KSGTiming: Codable, Sendable {
    var name: String
    var n: Int
    var dimension: Int
    var seconds: Double
    var value: Double
    var trueValue: Double
}

struct BoundTiming: Codable, Sendable {
    var name: String
    var batchSize: Int
    var seconds: Double
    var value: Double
    var standardError: Double
    var trueValue: Double
}

struct MIReport: Codable, Sendable {
    var benchmark = "mibench"
    var problem: String
    var context: RunContext
    var timings: [KSGTiming]
    var bounds: [BoundTiming]
    var comparisons: [Comparison]
    var skipped: [String]
    /// The headline rows for `benchreport`.
    var summary: [SummaryRow] = []
    /// Commit, date and machine of this run, for `benchreport`'s staleness check.
    var provenance = Provenance.current()
}

/// The issue's targets as `benchreport` rows.
func headlineRows(comparisons: [Comparison], bounds: [BoundTiming]) -> [SummaryRow] {
    var rows = comparisons.map { comparison in
        SummaryRow.speedup(benchmark: "mibench", measure: comparison.name, swiftSeconds: comparison.swiftSeconds,
                           peer: comparison.peer,
                           atLeast: comparison.name.contains("cKDTree") ? 3.0 : comparison.name.contains("mutual_info_classif") ? 5.0 : 10.0)
    }
    for bound in bounds {
        rows.append(SummaryRow(benchmark: "mibench", measure: "\(bound.name) with its variance, B = \(bound.batchSize)",
                               value: 1000 * bound.seconds, unit: "ms", target: "< 50 ms", passed: bound.seconds < 0.05))
    }
    return rows
}

/// n pairs in d + d dimensions with coordinate-wise correlation ρ.
func correlatedPairs(n: Int, dimension d: Int, rho: Double, seed: UInt64) -> (x: [[Double]], y: [[Double]]) {
    var g = Xoshiro256PlusPlus(seed: seed)
    let s = (1 - rho * rho).squareRoot()
    var xs: [[Double]] = [], ys: [[Double]] = []
    xs.reserveCapacity(n); ys.reserveCapacity(n)
    for _ in 0..<n {
        let x = (0..<d).map { _ in g.nextStandardNormal() }
        xs.append(x)
        ys.append(x.map { rho * $0 + s * g.nextStandardNormal() })
    }
    return (xs, ys)
}

/// n points: a label uniform on {0, 1, 2} and one feature = label + N(0, 1).
func labelledFeature(n: Int, seed: UInt64) -> (labels: [Int], feature: [Double]) {
    var g = Xoshiro256PlusPlus(seed: seed)
    var labels: [Int] = [], feature: [Double] = []
    labels.reserveCapacity(n); feature.reserveCapacity(n)
    for _ in 0..<n {
        let label = Int(g.next() % 3)
        labels.append(label)
        feature.append(Double(label) + g.nextStandardNormal())
    }
    return (labels, feature)
}

/// I(label; feature) of `labelledFeature` = h(feature) − ½ log(2πe), by the trapezoid rule (step 10⁻³ on [−12, 14]).
func labelledFeatureInformation() -> Double {
    var entropy = 0.0
    for s in 0...26_000 {
        let y = -12 + Double(s) / 1000
        var p = 0.0
        for c in 0..<3 { p += exp(-0.5 * (y - Double(c)) * (y - Double(c))) / (3 * (2 * Double.pi).squareRoot()) }
        if p > 0 { entropy -= p * log(p) / 1000 }
    }
    return entropy - 0.5 * log(2 * Double.pi * exp(1))
}

/// The `--calibration --gaussian` table (see the usage note).
func gaussianCalibrationTable(replications: Int) throws {
    func list(_ flag: String, _ fallback: String) -> [String] { (argument(flag) ?? fallback).split(separator: ",").map(String.init) }
    print("Gaussian plug-in, 2 + 2 d, reported/empirical variance over \(replications) data sets (sandwich, Gaussian-moment)")
    var sigma = Matrix.identity(4)
    for (c, rho) in [0.6, 0.3].enumerated() {
        sigma[c, 2 + c] = rho
        sigma[2 + c, c] = rho
    }
    for degrees in list("--nu", "inf,10,6,5,4,3").compactMap({ Double($0) }) {
        var line = "  " + (degrees.isFinite ? "Student-t ν = \(Int(degrees))" : "Gaussian") + ":"
        for n in list("--sizes", "500,2000").compactMap({ Int($0) }) {
            var g = Xoshiro256PlusPlus(seed: UInt64(n) &+ UInt64(degrees.isFinite ? degrees : 0))
            let normal = try MultivariateNormalDistribution(mean: [0, 0, 0, 0], covariance: sigma)
            let t = degrees.isFinite ? try MultivariateStudentTDistribution(dispersion: sigma, degreesOfFreedom: degrees) : nil
            var values = RunningMoments(), sandwich = RunningMoments(), gaussian = RunningMoments()
            for _ in 0..<replications {
                var x: [[Double]] = [], y: [[Double]] = []
                for _ in 0..<n {
                    let z = t?.draw(using: &g) ?? normal.draw(using: &g)
                    x.append(Array(z[0..<2]))
                    y.append(Array(z[2...]))
                }
                let e = try GaussianMutualInformation.estimate(x: x, y: y)
                values.add(e.value)
                sandwich.add(e.variance)
                gaussian.add(e.diagnostics.figures["gaussianVariance"] ?? .nan)
            }
            line += String(format: "  n = %d: %.3f, %.3f", n, sandwich.mean / values.sampleVariance,
                           gaussian.mean / values.sampleVariance)
        }
        print(line)
    }
}

/// The `--calibration` table (see the usage note).
func calibrationTable() throws {
    func list(_ flag: String, _ fallback: String) -> [String] { (argument(flag) ?? fallback).split(separator: ",").map(String.init) }
    let replications = Int(argument("--replications") ?? "") ?? 200
    if CommandLine.arguments.contains("--gaussian") { return try gaussianCalibrationTable(replications: replications) }
    // `--rho R`: every pair's correlation (default 0.6 and 0.3 alternately).
    let correlation = argument("--rho").flatMap { Double($0) }
    let nu = Double(replications - 1)
    let lower = ChiSquaredDistribution.quantile(0.0005, degreesOfFreedom: nu) / nu
    let upper = ChiSquaredDistribution.quantile(0.9995, degreesOfFreedom: nu) / nu
    print("KSG (k = 3) reported/empirical variance over \(replications) data sets; χ² band for the ratio "
          + String(format: "%.3f…%.3f", 1 / upper, 1 / lower))
    for n in list("--sizes", "500,2000,10000").compactMap({ Int($0) }) {
        for pairs in list("--pairs", "1,2,10").compactMap({ Int($0) }) {
            for degrees in list("--nu", "inf,3").compactMap({ Double($0) }) {
                var sigma = Matrix.identity(2 * pairs)
                for c in 0..<pairs {
                    sigma[c, pairs + c] = correlation ?? (c % 2 == 0 ? 0.6 : 0.3)
                    sigma[pairs + c, c] = sigma[c, pairs + c]
                }
                var line = "  N = \(n), \(pairs) + \(pairs) d, " + (degrees.isFinite ? "Student-t ν = \(Int(degrees))" : "Gaussian") + ":"
                let start = DispatchTime.now().uptimeNanoseconds
                for algorithm in [KSGEstimator.Algorithm.one, .two] {
                    var g = Xoshiro256PlusPlus(seed: UInt64(7 * n + pairs))
                    let normal = try MultivariateNormalDistribution(mean: [Double](repeating: 0, count: 2 * pairs), covariance: sigma)
                    let t = degrees.isFinite ? try MultivariateStudentTDistribution(dispersion: sigma, degreesOfFreedom: degrees) : nil
                    var values = RunningMoments(), reported = RunningMoments(), plain = RunningMoments()
                    for r in 0..<replications {
                        var x: [[Double]] = [], y: [[Double]] = []
                        for _ in 0..<n {
                            let z = t?.draw(using: &g) ?? normal.draw(using: &g)
                            x.append(Array(z[0..<pairs]))
                            y.append(Array(z[pairs...]))
                        }
                        let e = try KSGEstimator(algorithm: algorithm, neighbors: 3, seed: UInt64(r)).estimate(x: x, y: y)
                        values.add(e.value)
                        reported.add(e.variance)
                        plain.add(e.diagnostics.figures["subsampleVariance"] ?? .nan)
                    }
                    let ratio = reported.mean / values.sampleVariance
                    line += String(format: "  ksg%d %.3f%@ (plain subsampling %.3f)", algorithm == .one ? 1 : 2, ratio,
                                   (1 / upper <= ratio && ratio <= 1 / lower) ? "" : " OUT", plain.mean / values.sampleVariance)
                }
                print(line + String(format: "  [%.0f s]", seconds(since: start)))
            }
        }
    }
}

// `--profile value|estimate`: one call on the 1 + 1 d data of the timing run and nothing else, for
// `valgrind --tool=callgrind` instruction counts of the value alone against the estimate with its SE.
if let what = argument("--profile") {
    let n = Int(argument("--n") ?? "") ?? 100_000
    let (x, y) = correlatedPairs(n: n, dimension: 1, rho: 0.6, seed: 11)
    let x1 = x.map { $0[0] }, y1 = y.map { $0[0] }
    let ksg = KSGEstimator(algorithm: argument("--algorithm") == "2" ? .two : .one, neighbors: 3)
    do {
        let start = DispatchTime.now().uptimeNanoseconds
        let text = what == "none" ? "data only" : what == "value" ? "\(try ksg.value(x: x1, y: y1))" : "\(try ksg.estimate(x: x1, y: y1))"
        print(text + String(format: "  [%.4f s]", seconds(since: start)))
        exit(0)
    } catch {
        print("mibench: error: \(error)")
        exit(2)
    }
}

if CommandLine.arguments.contains("--calibration") {
    do {
        try calibrationTable()
        exit(0)
    } catch {
        print("mibench: error: \(error)")
        exit(2)
    }
}

do {
    let n = Int(argument("--n") ?? "") ?? 100_000
    let k = 3, rho = 0.6
    let repeats = Int(argument("--repeats") ?? "") ?? 3
    let jsonPath = argument("--json") ?? "benchmark-output/mibench.json"
    let only = argument("--only")
    let runPeers = !CommandLine.arguments.contains("--no-peers") && (only == nil || only == "discrete")
    var context = RunContext.now()
    let ksg = KSGEstimator(algorithm: .one, neighbors: k)
    print("mibench: KSG algorithm 1, k = \(k), n = \(n), ρ = \(rho), cores \(context.cores), load average \(context.loadAverageBefore)")

    var timings: [KSGTiming] = []
    let dataPath = "benchmark-output/mibench-ksg-1d.npy"
    var skippedCLI: String?
    for d in [1, 3] where only == nil || only == "ksg\(d)" {
        let (x, y) = correlatedPairs(n: n, dimension: d, rho: rho, seed: UInt64(10 + d))
        let trueValue = -Double(d) / 2 * log(1 - rho * rho)
        if d == 1 {
            let x1 = x.map { $0[0] }, y1 = y.map { $0[0] }
            _ = try ksg.value(x: Array(x1.prefix(1000)), y: Array(y1.prefix(1000)))  // warm-up
            let (time, value) = try bestOf(repeats) { try ksg.value(x: x1, y: y1) }
            timings.append(KSGTiming(name: "KSG 1+1 value", n: n, dimension: 1, seconds: time, value: value, trueValue: trueValue))
        } else {
            _ = try ksg.value(x: Array(x.prefix(1000)), y: Array(y.prefix(1000)))  // warm-up
            let (time, value) = try bestOf(repeats) { try ksg.value(x: x, y: y) }
            timings.append(KSGTiming(name: "KSG \(d)+\(d) value", n: n, dimension: d, seconds: time, value: value, trueValue: trueValue))
        }
        // The estimate with its standard error (jackknife + 8 subsample blocks).
        let (time, estimate) = d == 1
            ? try bestOf(repeats) { try ksg.estimate(x: x.map { $0[0] }, y: y.map { $0[0] }) }
            : try bestOf(repeats) { try ksg.estimate(x: x, y: y) }
        timings.append(KSGTiming(name: "KSG \(d)+\(d) estimate (with SE)", n: n, dimension: d,
                                 seconds: time, value: estimate.value, trueValue: trueValue))
        if d == 1 {
            // The same data for the CLI and for scikit-learn, as a NumPy .npy file (float64, C
            // order, n × 2): a CSV of 10⁵ rows takes mcest longer to parse than the estimate.
            var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (\(n), 2), }"
            while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
            header += "\n"
            var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
            bytes += [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)] + Array(header.utf8)
            bytes.reserveCapacity(bytes.count + 16 * n)
            for i in 0..<n {
                for v in [x[i][0], y[i][0]] { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
            }
            try FileManager.default.createDirectory(atPath: "benchmark-output", withIntermediateDirectories: true)
            try Data(bytes).write(to: URL(fileURLWithPath: dataPath))
            let mcest = packageRoot.appendingPathComponent(".build/release/mcest").path
            if FileManager.default.isExecutableFile(atPath: mcest) {
                // posix_spawn and waitpid rather than Foundation's Process, whose waitUntilExit
                // added 40–55 ms (it notices the exit late) to a 0.16–0.2 s run.
                let (time, status) = bestOf(repeats) { () -> Int32 in
                    spawnAndWait(mcest, ["mi", dataPath, "--x", "0", "--y", "1", "--method", "ksg"])
                }
                if status == 0 {
                    timings.append(KSGTiming(name: "mcest mi --method ksg 1+1 (whole process)", n: n, dimension: 1,
                                             seconds: time, value: estimate.value, trueValue: trueValue))
                } else {
                    skippedCLI = "mcest exited with status \(status)"
                }
            } else {
                skippedCLI = "\(mcest) not built (make bench builds it)"
            }
        }
    }
    // Ross's discrete–continuous estimator: one feature and a 3-class label.
    if only == nil || only == "discrete" {
        let (labels, feature) = labelledFeature(n: n, seed: 50)
        let ross = DiscreteContinuousMutualInformation(neighbors: k)
        let trueValue = labelledFeatureInformation()
        _ = try ross.value(labels: Array(labels.prefix(1000)), feature: Array(feature.prefix(1000)))  // warm-up
        let (time, value) = try bestOf(repeats) { try ross.value(labels: labels, feature: feature) }
        timings.append(KSGTiming(name: "Ross 1 feature, 3 classes value", n: n, dimension: 1, seconds: time, value: value,
                                 trueValue: trueValue))
        let (estimateTime, estimate) = try bestOf(repeats) { try ross.estimate(labels: labels, feature: feature) }
        timings.append(KSGTiming(name: "Ross 1 feature, 3 classes estimate (with SE)", n: n, dimension: 1,
                                 seconds: estimateTime, value: estimate.value, trueValue: trueValue))
    }
    for t in timings {
        print("  " + t.name.padding(toLength: 44, withPad: " ", startingAt: 0)
              + String(format: " %.3f s   Î = %.5f  (true %.5f)", t.seconds, t.value, t.trueValue))
    }

    // Score-matrix bounds at B = 4096 with the exact critic log r of a 1-D Gaussian pair (S + 1 for NWJ).
    var bounds: [BoundTiming] = []
    if only == nil || only == "bounds" {
        let b = Int(argument("--batch") ?? "") ?? 4096
        let (x, y) = correlatedPairs(n: b, dimension: 1, rho: rho, seed: 40)
        let critic = try GaussianCritic(covariance: GaussianCritic.correlatedPairsCovariance(dimension: 1, correlation: rho),
                                        xDimension: 1)
        let scores = try critic.scoreMatrix(x: x, y: y)
        let shifted = scores.shifted(by: 1)
        let trueValue = -0.5 * log(1 - rho * rho)
        let allCases: [(String, VariationalBound, ScoreMatrix)] = [
            ("NWJ (S + 1)", .nwj, shifted), ("DV", .donskerVaradhan, scores), ("InfoNCE", .infoNCE, scores),
            ("JS (DV value)", .jensenShannon(.donskerVaradhan), scores), ("SMILE τ = 5", .smile(tau: 5), scores),
        ]
        let selected = argument("--bound")
        let cases = allCases.filter { selected == nil || $0.1.name.hasPrefix(selected!) }
        _ = try VariationalBound.donskerVaradhan.estimate(from: scores)  // warm-up
        for (name, bound, matrix) in cases {
            let (time, estimate) = try bestOf(repeats) { try bound.estimate(from: matrix) }
            bounds.append(BoundTiming(name: name, batchSize: b, seconds: time, value: estimate.value,
                                      standardError: estimate.standardError, trueValue: trueValue))
        }
        print("score-matrix bounds with variance, B = \(b), exact critic (true I = \(String(format: "%.5f", trueValue))):")
        for t in bounds {
            print("  " + t.name.padding(toLength: 16, withPad: " ", startingAt: 0)
                  + String(format: " %.1f ms   %.5f ± %.5f", 1000 * t.seconds, t.value, t.standardError))
        }
    }

    var comparisons: [Comparison] = []
    var skipped: [String] = []
    func timing(_ name: String) -> KSGTiming? { timings.first { $0.name == name } }
    if runPeers {
        print("peers (\(peerPython)):")
        if let value = timing("Ross 1 feature, 3 classes value"), let estimate = timing("Ross 1 feature, 3 classes estimate (with SE)") {
            let classif = runPeer("sklearn mutual_info_classif", script: "discrete_mi_sklearn.py",
                                  arguments: ["--bench", "--n", "\(n)", "--k", "\(k)", "--repeats", "\(repeats)"])
            comparisons.append(Comparison(name: "Ross discrete–continuous, n = \(n) vs sklearn mutual_info_classif",
                                          swiftSeconds: value.seconds, swiftValue: value.value, peer: classif))
            comparisons.append(Comparison(name: "Ross estimate with SE, n = \(n) vs sklearn mutual_info_classif",
                                          swiftSeconds: estimate.seconds, swiftValue: estimate.value, peer: classif))
        }
    }
    if runPeers && only == nil {
        let sklearn = runPeer("sklearn mutual_info_regression", script: "mutual_information_sklearn.py",
                              arguments: ["--peer", "sklearn", "--data", dataPath, "--k", "\(k)", "--repeats", "\(repeats)"])
        let ckdtree = runPeer("scipy cKDTree KSG", script: "mutual_information_sklearn.py",
                              arguments: ["--peer", "ckdtree", "--n", "\(n)", "--dim", "3", "--k", "\(k)", "--rho", "\(rho)",
                                          "--repeats", "\(repeats)"])
        comparisons.append(Comparison(name: "KSG 1+1, n = \(n) vs sklearn", swiftSeconds: timings[0].seconds,
                                      swiftValue: timings[0].value, peer: sklearn))
        if let t = timing("KSG 1+1 estimate (with SE)") {
            comparisons.append(Comparison(name: "KSG 1+1 estimate with SE, n = \(n) vs sklearn", swiftSeconds: t.seconds,
                                          swiftValue: t.value, peer: sklearn))
        }
        if let t = timing("mcest mi --method ksg 1+1 (whole process)") {
            comparisons.append(Comparison(name: "mcest mi --method ksg (whole process), n = \(n) vs sklearn",
                                          swiftSeconds: t.seconds, swiftValue: t.value, peer: sklearn))
        }
        if let reason = skippedCLI { skipped.append("mcest mi --method ksg (whole process): \(reason)") }
        if let t = timing("KSG 3+3 value") {
            comparisons.append(Comparison(name: "KSG 3+3, n = \(n) vs cKDTree", swiftSeconds: t.seconds,
                                          swiftValue: t.value, peer: ckdtree))
        }
    }
    if runPeers {
        for comparison in comparisons {
            print(comparison.line)
            if let reason = comparison.peer.skipped { skipped.append("\(comparison.name): \(reason)") }
        }
    } else {
        skipped.append("all peer comparisons (--no-peers)")
        print("peers: skipped (--no-peers)")
    }
    if !skipped.isEmpty { print("skipped comparisons: \(skipped.count)") }
    context.loadAverageAfter = loadAverage()
    let report = MIReport(problem: "KSG algorithm 1, k = \(k), n = \(n), Y_j = ρ X_j + √(1 − ρ²) ε_j, ρ = \(rho)",
                          context: context, timings: timings, bounds: bounds, comparisons: comparisons, skipped: skipped,
                          summary: headlineRows(comparisons: comparisons, bounds: bounds))
    try writeJSON(report, to: jsonPath)
    print("load average after: \(context.loadAverageAfter ?? "?"); wrote \(jsonPath)")
} catch {
    print("mibench: error: \(error)")
    exit(2)
}

/// Runs `path` with `arguments` (standard output to /dev/null) and waits for it; returns its exit
/// status, or −1 if it could not be started or did not exit normally.
func spawnAndWait(_ path: String, _ arguments: [String]) -> Int32 {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid = pid_t()
    guard posix_spawn(&pid, path, &actions, nil, argv, environ) == 0 else { return -1 }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    // Normal exit: the low 7 bits are 0 and the status is in bits 8–15.
    return status & 0x7F == 0 ? (status >> 8) & 0xFF : -1
}

