import ArgumentParser
import BenchmarkSupport
import Dispatch
import Foundation
import MonteCarlo

/// Benchmarks of the MonteCarlo toolkit: normal draws against GSL, the driver's overhead over a
/// bare loop, and two-thread scaling. Prints a table and writes every number to JSON.
@main
struct MCBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcbench",
        abstract: "Benchmark MonteCarlo's generators, plain Monte Carlo driver and scaling (build with -c release).")

    enum Section: String, CaseIterable, ExpressibleByArgument {
        case normals, plain, scaling, stopping
        case rareEvent = "rare-event"
    }

    @Option(help: "Number of standard normal (and uniform) draws per timed loop.")
    var normals = 100_000_000

    @Option(help: "Number of draws of the plain Monte Carlo benchmark and the scaling benchmark.")
    var draws = 100_000_000

    @Option(help: "Runs of every timed section; the best is reported (at least 2).")
    var repetitions = 3

    @Option(help: "Seed of every generator.")
    var seed: UInt64 = 20_240_601

    @Option(name: .customLong("section"), help: "Run only these sections (repeatable): normals, plain, scaling, stopping, rare-event.")
    var sections: [Section] = Section.allCases

    @Option(help: "Where to write the JSON report (folders are created).")
    var json = "benchmark-output/mcbench.json"

    @Flag(help: "Exit with status 1 when a target is missed.")
    var failOnMiss = false

    func validate() throws {
        guard repetitions >= 2 else { throw ValidationError("--repetitions must be at least 2") }
        guard normals >= 1, draws >= 2 else { throw ValidationError("--normals must be ≥ 1 and --draws ≥ 2") }
    }

    func run() throws {
        let start = DispatchTime.now().uptimeNanoseconds
        var machine = MachineDescription.current()
        let date = ISO8601DateFormatter().string(from: Date())

        print("mcbench: MonteCarlo benchmarks")
        print("  machine   \(machine.cpuModel), nproc \(machine.activeProcessors) (of \(machine.processors))")
        print("  system    \(machine.operatingSystem)")
        print("  load avg  \(machine.loadAverageAtStart.map { String(format: "%.2f", $0) }.joined(separator: " ")) (1/5/15 min, at start)")
        print("  date      \(date)")
        print("  build     \(buildConfiguration), \(compilerDescription)")
        print("  timing    wall clock, each timed section run \(repetitions)× (compared sections interleaved)")
        print("            and the BEST run reported;")
        print("            cpu/wall = process CPU time / wall time of that run (< threads used: the machine was busy)")
        print("  seed      \(seed)")
        if buildConfiguration != "release" { print("  WARNING   debug build: the figures mean nothing; use swift build -c release") }

        let normalDraws = sections.contains(.normals) ? benchmarkNormals() : nil
        let plain = sections.contains(.plain) ? try benchmarkPlainMonteCarlo() : nil
        let scaling = sections.contains(.scaling) ? try benchmarkScaling() : nil
        let stopping = sections.contains(.stopping) ? try benchmarkStoppingRules() : nil
        let rareEvent = sections.contains(.rareEvent) ? try benchmarkRareEvent() : nil

        // Share of the requested cores each best run really got (CPU time / wall time / threads).
        var shares: [Double] = []
        if let normalDraws {
            shares += [normalDraws.ours, normalDraws.gslMT19937Ziggurat, normalDraws.oursUniform,
                       normalDraws.gslMT19937Uniform, normalDraws.gslZigguratOnXoshiro].map(\.cpuUtilizationOfBest)
        }
        if let plain { shares += [plain.bareLoop, plain.driverScalar, plain.driverBatch].map(\.cpuUtilizationOfBest) }
        if let scaling { shares += [scaling.oneThread.cpuUtilizationOfBest, scaling.twoThreads.cpuUtilizationOfBest / 2] }
        let lowestCoreShare = shares.min() ?? 1

        let flags: [Bool?] = [normalDraws?.passed, plain?.passed, scaling?.passed, scaling?.bitIdentical, rareEvent?.passed]
        let targets = BenchmarkReport.Targets(
            normalSpeedRatioAtLeast3: normalDraws?.passed, driverOverheadBelow20Percent: plain?.passed,
            twoThreadSpeedupAtLeast1_7: scaling?.passed, twoThreadResultBitIdentical: scaling?.bitIdentical,
            cemDrawRatioAtLeast1e4: rareEvent?.passed, allPassed: flags.allSatisfy { $0 ?? true })
        machine.loadAverageAtEnd = MachineDescription.loadAverage()
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let report = BenchmarkReport(
            date: date, buildConfiguration: buildConfiguration, compiler: compilerDescription, machine: machine,
            seed: seed, repetitions: repetitions, normals: normalDraws, plainMonteCarlo: plain, scaling: scaling,
            stoppingRules: stopping, rareEvent: rareEvent, targets: targets, lowestCoreShare: lowestCoreShare, machineBusy: lowestCoreShare < 0.9, totalSeconds: total,
            summary: Self.headlineRows(normals: normalDraws, plain: plain, scaling: scaling, stopping: stopping,
                                      rareEvent: rareEvent, busy: lowestCoreShare < 0.9))

        print("\nSummary")
        printTable(
            ["target", "measured", "result"],
            [
                normalDraws.map { ["normal draws: ours ≥ 3× faster than GSL", times($0.speedRatio), verdict($0.passed)] },
                plain.map { ["driver overhead over bare loop < 20%", percent($0.overheadScalar), verdict($0.passed)] },
                scaling.map { ["2 threads vs 1: speed-up ≥ 1.7×", times($0.speedup), verdict($0.passed)] },
                scaling.map { ["2 threads vs 1: bit-identical estimate", $0.bitIdentical ? "yes" : "no", verdict($0.bitIdentical)] },
                rareEvent.map { ["P(Z > 5): plain draws / CEM draws at equal rel. error ≥ 1e4", String(format: "%.3g×", $0.drawRatio), verdict($0.passed)] },
            ].compactMap { $0 })
        if lowestCoreShare < 0.9 {
            print(String(format: "  WARNING: the machine was busy: a best run got only %.0f%% of the cores it asked for", 100 * lowestCoreShare))
            print("           (CPU time / wall time / threads); its timings are inflated and the ratios unreliable.")
        }
        print("  load avg at end \(machine.loadAverageAtEnd!.map { String(format: "%.2f", $0) }.joined(separator: " ")); total \(String(format: "%.1f", total)) s")

        try writeJSON(report)
        if failOnMiss && !targets.allPassed { throw ExitCode(1) }
    }

    // MARK: - 1. Standard normal draws

    func benchmarkNormals() -> BenchmarkReport.NormalDraws {
        let n = normals
        print("\n1. Standard normal draws, n = \(n) per loop (checksum = sum of the draws)")
        var clocks = (ours: Stopwatch<Double>(), gsl: Stopwatch<Double>(), oursUniform: Stopwatch<Double>(),
                      gslUniform: Stopwatch<Double>(), gslOnXoshiro: Stopwatch<Double>())
        for _ in 0..<repetitions {  // interleaved
            clocks.ours.measure { sumOfStandardNormals(count: opaque(n), seed: opaque(seed)) }
            clocks.gsl.measure { sumOfGSLZigguratNormals(count: opaque(n), generator: .mt19937(seed: seed)) }
            clocks.oursUniform.measure { sumOfUniforms(count: opaque(n), seed: opaque(seed)) }
            clocks.gslUniform.measure { sumOfGSLUniforms(count: opaque(n), generator: .mt19937(seed: seed)) }
            clocks.gslOnXoshiro.measure { sumOfGSLZigguratNormals(count: opaque(n), generator: .xoshiro256pp(seed: seed)) }
        }
        let (ours, gsl, oursUniform, gslUniform, gslOnXoshiro) =
            (clocks.ours.runs, clocks.gsl.runs, clocks.oursUniform.runs, clocks.gslUniform.runs, clocks.gslOnXoshiro.runs)
        let ratio = gsl.best / ours.best
        let row = { (name: String, runs: TimedRuns<Double>) in
            [name, ns(runs.nanosecondsPerItem(n)), seconds(runs.seconds), utilization(runs), String(format: "%.6e", runs.result)]
        }
        printTable(
            ["generator + sampler", "ns/draw", "runs (s)", "cpu/wall", "checksum"],
            [
                row("Xoshiro256PlusPlus + nextStandardNormal (ours)", ours),
                row("GSL mt19937 + gsl_ran_gaussian_ziggurat", gsl),
                ["speed ratio GSL / ours (target ≥ 3)", times(ratio), "", "", verdict(ratio >= 3)],
                ["context:", "", "", "", ""],
                row("Xoshiro256PlusPlus + nextUniform (ours)", oursUniform),
                row("GSL mt19937 + gsl_rng_uniform", gslUniform),
                row("GSL xoshiro256++ type + gsl_ran_gaussian_ziggurat", gslOnXoshiro),
            ])
        return .init(
            draws: n, ours: .init(ours, draws: n), oursChecksum: ours.result,
            gslMT19937Ziggurat: .init(gsl, draws: n), gslChecksum: gsl.result, speedRatio: ratio, passed: ratio >= 3,
            oursUniform: .init(oursUniform, draws: n), oursUniformChecksum: oursUniform.result,
            gslMT19937Uniform: .init(gslUniform, draws: n), gslUniformChecksum: gslUniform.result,
            gslZigguratOnXoshiro: .init(gslOnXoshiro, draws: n), gslZigguratOnXoshiroChecksum: gslOnXoshiro.result)
    }

    // MARK: - 2. Plain Monte Carlo overhead

    func benchmarkPlainMonteCarlo() throws -> BenchmarkReport.PlainMonteCarloOverhead {
        let n = draws
        let exact = M_E - 1
        print("\n2. Plain Monte Carlo of E[exp(U)] = e − 1 = \(exact), n = \(n), one thread")
        warmUpDriver()
        var clocks = (bare: Stopwatch<Double>(), scalar: Stopwatch<DrivenRun>(), batch: Stopwatch<DrivenRun>())
        for _ in 0..<repetitions {  // interleaved
            clocks.bare.measure { bareExponentialMean(count: opaque(n), seed: opaque(seed)) }
            try clocks.scalar.measure { try drivenRun(scalarExponentialEstimator, count: n, threads: 1, seed: seed) }
            try clocks.batch.measure { try drivenRun(batchExponentialEstimator, count: n, threads: 1, seed: seed) }
        }
        let (bare, scalar, batch) = (clocks.bare.runs, clocks.scalar.runs, clocks.batch.runs)
        let overhead = scalar.best / bare.best - 1
        let batchOverhead = batch.best / bare.best - 1
        let scalarEstimate = scalar.result.estimate
        let batchEstimate = batch.result.estimate
        printTable(
            ["variant", "ns/draw", "runs (s)", "cpu/wall", "overhead", "estimate"],
            [
                ["(a) bare loop: s += exp(g.nextUniform())", ns(bare.nanosecondsPerItem(n)), seconds(bare.seconds), utilization(bare), "—",
                 String(format: "%.10f (mean only)", bare.result)],
                ["(b) PlainMonteCarlo + Integrand { exp($0) }, driver, 1 thread", ns(scalar.nanosecondsPerItem(n)),
                 seconds(scalar.seconds), utilization(scalar), percent(overhead), show(scalarEstimate)],
                ["(b') PlainMonteCarlo + Integrand(batch:), driver, 1 thread", ns(batch.nanosecondsPerItem(n)),
                 seconds(batch.seconds), utilization(batch), percent(batchOverhead), show(batchEstimate)],
            ])
        let identical = sameBits(scalarEstimate, batchEstimate)
        print("  overhead target < 20% (scalar closure): \(verdict(overhead < 0.2)); batch integrand: \(verdict(batchOverhead < 0.2))")
        print("  scalar and batch integrands give bit-identical estimates: \(identical ? "yes" : "NO")")
        return .init(
            draws: n, exactValue: exact, bareLoop: .init(bare, draws: n), bareLoopMean: bare.result,
            driverScalar: .init(scalar, draws: n), driverScalarEstimate: summary(scalarEstimate),
            overheadScalar: overhead, driverBatch: .init(batch, draws: n), driverBatchEstimate: summary(batchEstimate),
            overheadBatch: batchOverhead, batchBitIdenticalToScalar: identical, passed: overhead < 0.2,
            batchPassed: batchOverhead < 0.2)
    }

    /// Builds the jump tables and the ziggurat tables once, outside the timed runs.
    func warmUpDriver() {
        _ = try? drivenRun(scalarExponentialEstimator, count: 100_000, threads: 2, seed: seed)
    }

    // MARK: - 3. Scaling

    func benchmarkScaling() throws -> BenchmarkReport.Scaling {
        let n = draws
        print("\n3. Scaling: PlainMonteCarlo + Integrand { exp($0) } through the driver, n = \(n), 1 vs 2 threads")
        warmUpDriver()
        var clocks = (one: Stopwatch<DrivenRun>(), two: Stopwatch<DrivenRun>())
        for _ in 0..<repetitions {  // interleaved
            try clocks.one.measure { try drivenRun(scalarExponentialEstimator, count: n, threads: 1, seed: seed) }
            try clocks.two.measure { try drivenRun(scalarExponentialEstimator, count: n, threads: 2, seed: seed) }
        }
        let (one, two) = (clocks.one.runs, clocks.two.runs)
        let speedup = one.best / two.best
        let identical = sameBits(one.result.estimate, two.result.estimate) && one.result.state == two.result.state
        printTable(
            ["threads", "ns/draw", "runs (s)", "cpu/wall", "speed-up", "estimate"],
            [
                ["1", ns(one.nanosecondsPerItem(n)), seconds(one.seconds), utilization(one), "1.00×",
                 show(one.result.estimate)],
                ["2", ns(two.nanosecondsPerItem(n)), seconds(two.seconds), utilization(two), times(speedup),
                 show(two.result.estimate)],
            ])
        print("  speed-up target ≥ 1.7×: \(verdict(speedup >= 1.7))")
        print("  1- and 2-thread estimates (value, variance and accumulator state) bit-identical: \(identical ? "yes" : "NO")")
        return .init(
            draws: n, oneThread: .init(one, draws: n), twoThreads: .init(two, draws: n), speedup: speedup,
            passed: speedup >= 1.7, oneThreadEstimate: summary(one.result.estimate),
            twoThreadEstimate: summary(two.result.estimate), bitIdentical: identical)
    }

    // MARK: - Output

    /// The headline rows for `benchreport`.
    static func headlineRows(normals: BenchmarkReport.NormalDraws?, plain: BenchmarkReport.PlainMonteCarloOverhead?,
                        scaling: BenchmarkReport.Scaling?, stopping: [BenchmarkReport.StoppingComparison]?,
                        rareEvent: BenchmarkReport.RareEvent? = nil, busy: Bool) -> [SummaryRow] {
        let note = busy ? "machine busy: timings inflated" : nil
        var rows: [SummaryRow] = []
        if let normals {
            rows.append(SummaryRow(benchmark: "mcbench", measure: "standard normals: speed vs GSL mt19937 + ziggurat",
                                   value: normals.speedRatio, unit: "×", target: "≥ 3×", passed: normals.passed, note: note))
        }
        if let plain {
            rows.append(SummaryRow(benchmark: "mcbench", measure: "PlainMonteCarlo through the driver: overhead over a bare loop",
                                   value: 100 * plain.overheadScalar, unit: "%", target: "< 20%", passed: plain.passed, note: note))
        }
        if let scaling {
            rows.append(SummaryRow(benchmark: "mcbench", measure: "2 threads vs 1: speed-up with a bit-identical estimate",
                                   value: scaling.speedup, unit: "×", target: "≥ 1.7×", passed: scaling.passed && scaling.bitIdentical,
                                   note: ["bit-identical: \(scaling.bitIdentical ? "yes" : "no")", note].compactMap { $0 }.joined(separator: "; ")))
        }
        if let rqmc = stopping?.first {
            let skipped = rqmc.peer?.skipped
            let both = "ours \(rqmc.points) points in \(String(format: "%.4f", rqmc.bestSeconds)) s (inside tolerance: \(rqmc.inside ? "yes" : "no")), "
                + "CubQMCSobolG \(rqmc.peerPoints.map(String.init) ?? "—") points (inside: \(rqmc.peerInside.map { $0 ? "yes" : "no" } ?? "—"))"
            rows.append(SummaryRow(benchmark: "mcbench", measure: "RQMC to 1e-3 on Keister d = 3: points vs QMCPy CubQMCSobolG",
                                   value: rqmc.pointRatio, unit: "×", target: "≤ 2×",
                                   passed: skipped == nil ? rqmc.pointRatio.map { $0 <= 2 && rqmc.inside } : nil,
                                   note: skipped ?? both))
            rows.append(SummaryRow(benchmark: "mcbench", measure: "RQMC to 1e-3 on Keister d = 3: time vs QMCPy CubQMCSobolG",
                                   value: rqmc.timeRatio, unit: "×", target: "≤ 2×",
                                   passed: skipped == nil ? rqmc.timeRatio.map { $0 <= 2 } : nil,
                                   note: skipped ?? [String(format: "ours %.4f s, QMCPy %.4f s", rqmc.bestSeconds, rqmc.peer?.seconds ?? .nan), note]
                                       .compactMap { $0 }.joined(separator: "; ")))
        }
        if let rareEvent {
            rows.append(SummaryRow(
                benchmark: "mcbench", measure: "CEM vs plain MC on P(Z > 5) at equal relative error: draws saved",
                value: rareEvent.drawRatio, unit: "×", target: "≥ 1e4×", passed: rareEvent.passed,
                note: String(format: "CEM %d draws, rel. SE %.4f, within 5 SE: %@; plain draws (1 − p)/(p r²) = %.3g from the closed form, not run",
                             rareEvent.cemDraws, rareEvent.cemRelativeStandardError, rareEvent.cemWithinFiveStandardErrors ? "yes" : "no",
                             rareEvent.plainDrawsForSameRelativeError)))
        }
        return rows
    }

    func writeJSON(_ report: BenchmarkReport) throws {
        let url = URL(fileURLWithPath: json)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try encoder.encode(report).write(to: url)
        print("  JSON written to \(url.path)")
    }
}

// MARK: - Formatting helpers

func sameBits(_ a: Estimate, _ b: Estimate) -> Bool {
    a.value.bitPattern == b.value.bitPattern && a.variance.bitPattern == b.variance.bitPattern
        && a.sampleCount == b.sampleCount
}

func summary(_ e: Estimate) -> BenchmarkReport.EstimateSummary {
    .init(value: e.value, standardError: e.standardError, sampleCount: e.sampleCount,
          valueBits: "0x" + String(e.value.bitPattern, radix: 16), varianceBits: "0x" + String(e.variance.bitPattern, radix: 16))
}

func show(_ e: Estimate) -> String { String(format: "%.10f ± %.2e", e.value, e.standardError) }
func ns(_ x: Double) -> String { String(format: "%.3f", x) }
func times(_ x: Double) -> String { String(format: "%.2f×", x) }
func percent(_ x: Double) -> String { String(format: "%+.1f%%", 100 * x) }
func seconds(_ xs: [Double]) -> String { xs.map { String(format: "%.3f", $0) }.joined(separator: " ") }
func utilization<R>(_ runs: TimedRuns<R>) -> String { String(format: "%.2f", runs.cpuUtilization) }
func verdict(_ passed: Bool) -> String { passed ? "PASS" : "FAIL" }

/// Prints rows as an aligned table (first column left-aligned, the others right-aligned).
func printTable(_ header: [String], _ rows: [[String]]) {
    let all = [header] + rows
    let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, cell in
            let pad = String(repeating: " ", count: widths[i] - cell.count)
            return i == 0 ? cell + pad : pad + cell
        }.joined(separator: "  ")
    }
    print("  " + line(header))
    print("  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
    for row in rows { print("  " + line(row)) }
}
