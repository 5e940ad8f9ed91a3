// # Notebook 05 — Calibration: are the error bars honest?
//
//     swift run -c release notebook-calibration [OUTPUT-FOLDER] [options]
//     swift run -c release notebook-calibration --markdown Notebooks-as-scripts/05-calibration/calibration-table.md
//
// Options: --replications R (default 250; 1000 with MONTECARLO_CALIBRATION=full; NOTEBOOK_SCALE
// multiplies it), --quick (R = 20: a smoke run, too few replications to judge a row),
// --families core,Stein,SW,MI,ELBO,chains (a subset), --markdown PATH (also write the report
// there), --list (print the row identifiers), --expect-bad ID (add a row to the known-bad
// list), --inject-failure (add a deliberately miscalibrated row that is not on that list).
//
// Exit status: 0 when every row passes or is on the known-bad list (KnownBad.swift), 1 when a
// row outside that list fails, 64 for bad options. A known-bad row that passes is reported.
//
// An estimate "μ̂ ± SE" makes three promises that one run cannot check but many runs can:
//
// 1. **coverage**: the 95% interval contains the truth in 95% of independent runs;
// 2. **variance**: the reported SE² is, on average, the variance the estimate actually has over
//    runs — the ratio of the mean reported variance to the empirical variance is about 1;
// 3. **no bias**: the estimates average to the truth (we measure the mean error in units of one
//    run's reported standard error).
//
// This notebook runs the sampling estimators (core: plain, antithetic, regression control
// variates, randomized QMC, importance sampling), the Stein-kernel fixed-sample estimators
// (sample mean, ZV-CV, control functionals, SECF, the automatic chooser, vector-valued CV,
// also on the tail-error problems), sliced Wasserstein, mutual information (the Gaussian
// plug-in, KSG, the mixed and discrete–continuous k-NN estimators, every variational bound with
// the exact critic and InfoNCE/NWJ with a trained critic, Barber–Agakov) with the k-NN entropy
// and KL divergence, ELBO/IWAE/Rényi values and the Markov-chain error bars R times on inputs of
// several classes (i.i.d., Markov chains, heavy-tailed Student-t) with answers known in closed
// form, and summarizes each row with `CalibrationReport` from `StatisticalTesting`. Not in the
// table (tested in the test suites instead): stratified, post-stratified and Latin-hypercube
// sampling, multilevel Monte Carlo, cross-entropy and adaptive multiple importance sampling,
// importance sampling with control variates, Nyström control functionals, kernel Stein
// discrepancies and Stein thinning, the ELBO gradient estimators, and the discrete plug-in MI.

import Foundation
import MonteCarlo
import NotebookSupport
import StatisticalTesting

// MARK: - Settings

struct Options {
    var output: String?
    var replications: Int?
    var quick = false
    var families: [String]?
    var markdown: String?
    var list = false
    var expectBad: [String] = []
    var injectFailure = false

    static let usage = """
        usage: notebook-calibration [OUTPUT-FOLDER] [--replications R | --quick] [--families LIST]
                                    [--markdown PATH] [--list] [--expect-bad ID]... [--inject-failure]
          OUTPUT-FOLDER      report.md and coverage.svg (default: $NOTEBOOK_OUTPUT, else notebook-output/05-calibration/)
          --replications R   replications per row (default 250; 1000 with MONTECARLO_CALIBRATION=full;
                             NOTEBOOK_SCALE multiplies the default)
          --quick            R = 20: a smoke run of the machinery, too few replications to judge a row
          --families LIST    comma-separated subset of: core, Stein, SW, MI, ELBO, chains
          --markdown PATH    also write the report (without the chart) to PATH
          --list             print every row's identifier (the keys of the known-bad list) and exit
          --expect-bad ID    treat row ID as known bad for this run (repeatable)
          --inject-failure   add a miscalibrated row (plain Monte Carlo reporting SE/4) that is not known bad
        Exit status: 0 if every row passes or is known bad, 1 if any other row fails, 64 for bad options.
        """

    init(_ arguments: [String]) {
        var i = 0
        func value() -> String {
            i += 1
            guard i < arguments.count else { Options.reject("\(arguments[i - 1]) needs a value") }
            return arguments[i]
        }
        while i < arguments.count {
            let argument = arguments[i]
            switch argument {
            case "-h", "--help":
                print(Self.usage)
                exit(0)
            case "--replications":
                guard let r = Int(value()), r >= 2 else { Options.reject("--replications needs an integer ≥ 2") }
                replications = r
            case "--quick": quick = true
            case "--families": families = value().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            case "--markdown": markdown = value()
            case "--list": list = true
            case "--expect-bad": expectBad.append(value())
            case "--inject-failure": injectFailure = true
            default:
                guard !argument.hasPrefix("-"), output == nil else { Options.reject("unknown option \(argument)") }
                output = argument
            }
            i += 1
        }
    }

    static func reject(_ message: String) -> Never {
        FileHandle.standardError.write(Data("notebook-calibration: \(message)\n\(usage)\n".utf8))
        exit(64)
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let environment = ProcessInfo.processInfo.environment
let scale = Double(environment["NOTEBOOK_SCALE"] ?? "") ?? 1
let calibrationScale = CalibrationScale.current
let replications = options.replications
    ?? (options.quick ? 20 : max(20, Int((Double(calibrationScale.replications(fast: 250, full: 1000)) * scale).rounded())))
let level = 0.95
// Per check: with about 150 rows of 3 checks each, a spurious failure somewhere has probability
// at most about 4.5% (union bound). R = 250 keeps the power to catch 85% coverage above 0.9 at
// this false-alarm probability (the report computes it).
let falseAlarm = 1e-4
let clock = Stopwatch()
// Rows run in parallel: one OpenBLAS thread each.
BLASThreads.set(1)

// MARK: - The rows

// Each family's cases (CoreCases.swift, SteinCases.swift, …) say what they draw and why the
// truth is what it is. A case draws its random input once per replication (a sample, a chain,
// a data set, a batch, a set of directions) and runs every estimator of its rows on it.
var allCases: [CalibrationCase] = []
do throws(MonteCarloError) {
    allCases = try CoreCases.cases() + SteinCases.cases() + SteinTailCases.cases() + SlicedWassersteinCases.cases()
        + MutualInformationCases.cases() + TrainedBoundCases.cases() + NeighborCases.cases() + ELBOCases.cases()
        + ChainCases.cases()
} catch {
    fail("could not build the calibration cases: \(error)")
}
if options.injectFailure { allCases.append(CoreCases.injectedFailure()) }
if let families = options.families {
    let known = Set(allCases.map { $0.family.lowercased() })
    if let unknown = families.first(where: { !known.contains($0) }) { Options.reject("unknown family \(unknown)") }
    allCases = allCases.filter { families.contains($0.family.lowercased()) }
}
if options.list {
    for c in allCases { for j in c.rows.indices { print(c.identifier(j)) } }
    exit(0)
}
var knownBad = KnownBad.rows
for identifier in options.expectBad { knownBad[identifier] = "named by --expect-bad" }

let outputFolder = URL(fileURLWithPath: options.output ?? environment["NOTEBOOK_OUTPUT"] ?? "notebook-output/05-calibration",
                       isDirectory: true)
do {
    try FileManager.default.createDirectory(at: outputFolder, withIntermediateDirectories: true)
} catch {
    fail("cannot create the output folder \(outputFolder.path): \(error.localizedDescription)")
}
let settings = NotebookSettings(outputDirectory: outputFolder, scale: scale)
let rowCount = allCases.reduce(0) { $0 + $1.rows.count }
print("Notebook 05 — calibration: \(rowCount) rows, \(replications) replications each (false-alarm probability \(falseAlarm) per check)")
print("writing to \(settings.outputDirectory.path)")

// MARK: - The replications

// Replication r of a case draws from random stream r of the case's seed (a hash of its family
// and input), so every number below is reproducible, independent of the thread count and of
// which other cases run.
let (outcomes, caseSeconds) = CalibrationRun.run(allCases, replications: replications, level: level,
                                                 falseAlarm: falseAlarm, knownBad: knownBad)
for o in outcomes {
    let figures = o.report.map { r in
        "coverage \(Fmt.percent(r.observedCoverage)), reported/empirical variance \(Fmt.short(1 / r.varianceRatio))"
    } ?? (o.error ?? "no report")
    print("  \(o.family): \(o.row.estimator) — \(o.input), \(o.row.problem): \(figures), \(o.verdict.label)")
}
let familySeconds: [String: Double] = {
    var seconds: [String: Double] = [:]
    for (c, s) in zip(allCases, caseSeconds) { seconds[c.family, default: 0] += s }
    return seconds
}()

// MARK: - The report

let unexpected = outcomes.filter { $0.verdict == .fail }
let nowPassing = outcomes.filter { $0.verdict == .knownBadPasses }
let ranIdentifiers = Set(outcomes.map(\.identifier))
let stale = options.families == nil ? KnownBad.rows.keys.filter { !ranIdentifiers.contains($0) }.sorted() : []

// The power of the coverage check against 85% coverage: the probability that Binomial(R, 0.85)
// falls outside the acceptance region.
let power: Double? = outcomes.lazy.compactMap(\.report).first.map { r in
    1 - CalibrationTable.binomialProbability(replications: r.replications, success: 0.85,
                                             within: r.coverage.lowerBound...r.coverage.upperBound)
}

let chart = CalibrationTable.coverageChart(outcomes, level: level, falseAlarm: falseAlarm)
let chartPath = settings.write(chart, to: "coverage.svg")
print("  wrote \(chartPath)")

func report(withChart: Bool) -> String {
    """
    # Notebook 05 — Calibration of the error bars

    The sampling estimators (plain, antithetic, regression control variates, randomized QMC,
    importance sampling), the Stein-kernel fixed-sample estimators, sliced Wasserstein, mutual
    information (Gaussian plug-in, KSG, mixed and discrete–continuous k-NN, the variational bounds
    with the exact and a trained critic, Barber–Agakov), the k-NN entropy and KL divergence,
    ELBO/IWAE/Rényi values and the Markov-chain error bars, run R = \(replications) times with
    independent random streams on inputs whose answers are known in closed form (i.i.d. draws,
    Markov chains, heavy-tailed Student-t data). Not in this table (tested in the test suites
    instead): stratified, post-stratified and Latin-hypercube sampling, multilevel Monte Carlo,
    cross-entropy and adaptive multiple importance sampling, importance sampling with control
    variates, Nyström control functionals, kernel Stein discrepancies and Stein thinning, the ELBO
    gradient estimators and the discrete plug-in MI. Each row is one `CalibrationReport` (module
    `StatisticalTesting`): the coverage of the \(Fmt.percent(level)) intervals against its
    Binomial(R, \(level)) region, the mean reported variance over the empirical variance of the R
    estimates against its χ²_{R−1} region, and the mean error in units of one run's standard
    error against a t-test, each at false-alarm probability \(falseAlarm). At R = \(replications) a
    row whose intervals cover only 85% fails the coverage check with probability \(power.map { Fmt.fixed($0, 3) } ?? "—").

    Produced by `swift run -c release notebook-calibration --markdown \
    \(options.markdown ?? "Notebooks-as-scripts/05-calibration/calibration-table.md")` \
    (\(calibrationScale.isFull ? "MONTECARLO_CALIBRATION=full; " : "")\(Fmt.fixed(familySeconds.values.reduce(0, +), 0)) s of CPU time, \
    \(Fmt.fixed(clock.seconds, 0)) s wall-clock on this machine).
    \(withChart ? "\n![coverage of 95% intervals](coverage.svg)\n" : "")
    ## Summary

    \(CalibrationTable.familySummary(outcomes, seconds: familySeconds))

    \(unexpected.isEmpty ? "No row outside the known-bad list fails." : "**Unexpected failures:** " + unexpected.map { "\($0.family), \($0.row.estimator), \($0.input), \($0.row.problem)" }.joined(separator: "; ") + ".")
    \(nowPassing.isEmpty ? "" : "\n**Known bad but passing now** (take them off the list in `KnownBad.swift`): " + nowPassing.map { "\($0.family), \($0.row.estimator), \($0.input), \($0.row.problem)" }.joined(separator: "; ") + ".\n")
    ## The table

    \(CalibrationTable.markdown(outcomes))

    ## Known-bad rows

    Rows expected to fail, from `Notebooks-as-scripts/05-calibration/KnownBad.swift`, each with the
    measured reason. The deliberate ones show what a miscalibrated error bar looks like; the others
    are documented limitations (a declared bias, a non-normal estimate) whose variance is right.

    \(CalibrationTable.knownBadList(outcomes))

    ## Rows judged by their variance only

    \(CalibrationTable.varianceOnlyReasons(outcomes))

    ## Columns

    - **n**: draws, data points, directions or integrand evaluations per run.
    - **coverage**: fraction of the R intervals (normal, or Student-t where the estimator gives
      degrees of freedom) containing the truth; **binomial region**: the central Binomial(R, \(level))
      acceptance region.
    - **reported/empirical var**: mean reported variance / empirical variance of the R estimates:
      1 when honest, 0.25 when the error bars are half as wide as they should be; **χ² region**:
      its acceptance region from χ²_{R−1}.
    - **bias (SE)**: (mean estimate − truth) / √(mean reported variance).
    - **warned**: fraction of runs whose estimate carried a warning in its diagnostics.
    - **judged**: *two-sided* — all three checks; *conservative ≤ k×* — for error bars that are
      conservative by design (the larger of a held-out variance and a jackknife, plus the
      control functionals' unseen-tail term; k = 5 for the Stein rows, the allowance the test
      suites state for them): coverage at least the region's lower end, the bias check,
      reported/empirical at least the χ² region's lower end (not too narrow) and not
      significantly above k (at most k divided by the χ² region's lower end of
      empirical/reported: intervals not more than √k too wide, at the same false-alarm
      probability); *variance only* — for
      estimators of a bound or objective with no closed form and a declared bias (DV, InfoNCE,
      SMILE, bounds with a trained critic, IWAE_K, Rényi): only the variance check decides, and coverage is shown against the
      quantity in the problem column for information.
    - **verdict**: pass; **FAIL** (a row not on the known-bad list failed: the notebook exits 1);
      FAIL (known bad); pass (known bad, shows at R = \(KnownBad.fullScaleReplications)): a known-bad row whose
      flaw is too small for this R to see (it fails in the full run); pass (known bad: update the list).
    """
}
let text = report(withChart: true)
print("  wrote \(settings.write(text + "\n", to: "report.md"))")
if let path = options.markdown {
    do {
        try (report(withChart: false) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        print("  wrote \(path)")
    } catch {
        fail("cannot write \(path): \(error.localizedDescription)")
    }
}

for o in nowPassing { print("known bad, passes now (take it off KnownBad.swift): \(o.identifier)") }
for identifier in stale { print("known-bad entry matches no row (stale): \(identifier)") }
for o in unexpected { print("unexpected FAIL: \(o.identifier)") }
let passed = outcomes.filter { $0.verdict == .pass }.count
print("\(passed) of \(outcomes.count) rows pass, \(outcomes.filter { $0.verdict == .knownBad || $0.verdict == .knownBadBelowPower }.count) known bad, "
      + "\(nowPassing.count) known bad but passing, \(unexpected.count) unexpected FAIL; done in \(Fmt.fixed(clock.seconds, 1)) s")
exit(unexpected.isEmpty ? 0 : 1)
