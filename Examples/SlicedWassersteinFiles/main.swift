// sliced-wasserstein-files: the sliced Wasserstein distance between two point clouds read from
// files, by every direction scheme and control variate of the library, each with its error bar.
//
//     swift run -c release sliced-wasserstein-files                 # writes and reads a demo pair
//     swift run -c release sliced-wasserstein-files X.csv Y.npy --projections 2000 --p 1
//
// X and Y are CSV files (header optional) or NumPy .npy files (float64/float32, C order), one
// point per row, read with `DataMatrixFile`. Without files the example writes a demo pair to
// --output: X ~ N(0, I₃) and its affine image Y = cX + b, for which SW₂² is known exactly at
// finite n (tr M / d with M = (1/n) Σ vᵢvᵢᵀ, vᵢ = (c − 1)xᵢ + b), so every row can be checked.

import ArgumentParser
import Foundation
import MonteCarlo
import NotebookSupport

struct SlicedWassersteinFilesExample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sliced-wasserstein-files",
        abstract: "Sliced Wasserstein distance between two point clouds from files, with control variates.",
        discussion: """
            Estimates SW_p^p = E_θ[W_p^p(θ#μ, θ#ν)] over uniform directions θ with plain Monte Carlo, \
            orthogonal blocks, randomized quasi-Monte Carlo directions (the spiral in d = 3, Sobol \
            for d ≤ 40) and the Gaussian-approximation control variates (lower, upper, both), each \
            with --projections directions, then SW_p with its delta-method standard error from the \
            control-variate estimate.
            """)

    @Argument(help: "Points of the first cloud (CSV or .npy); omitted: write and use a demo pair.")
    var x: String?

    @Argument(help: "Points of the second cloud (CSV or .npy).")
    var y: String?

    @Option(help: "The order p ≥ 1.")
    var p: Double = 2

    @Option(help: "Directions per method (at least 50).")
    var projections: Int = 1000

    @Option(help: "Demo pair: points per cloud.")
    var points: Int = 2000

    @Option(help: "Seed of the directions (and of the demo pair).")
    var seed: UInt64 = 2024

    @Option(help: "Folder for the demo pair's CSV files.")
    var output = "notebook-output/sliced-wasserstein-files"

    @Flag(help: "Print a JSON array of results instead of a table.")
    var json = false

    func validate() throws {
        guard (x == nil) == (y == nil) else { throw ValidationError("Give both X and Y, or neither (for the demo pair).") }
        guard projections >= 50 else { throw ValidationError("--projections must be at least 50 (got \(projections)).") }
        guard points >= 10 else { throw ValidationError("--points must be at least 10 (got \(points)).") }
    }

    func run() {
        exitingOnError("sliced-wasserstein-files") { try estimate() }
    }

    func estimate() throws {
        var truth: Double? = nil
        let paths: (String, String)
        if let x, let y {
            paths = (x, y)
        } else {
            (paths, truth) = try writeDemoPair()
        }
        let xFile = try DataMatrixFile.read(path: paths.0), yFile = try DataMatrixFile.read(path: paths.1)
        let problem = try SlicedWasserstein(try PointCloud(rows: xFile.rows), try PointCloud(rows: yFile.rows), p: p)
        let d = problem.dimension
        if p != 2 { truth = nil }
        if !json {
            print("sliced-wasserstein-files: \(paths.0) (\(xFile.rows.count) points) vs \(paths.1) (\(yFile.rows.count) points), "
                + "d = \(d), p = \(Fmt.short(p)), \(projections) directions per method, seed \(seed)")
        }
        var methods: [(String, SlicedWasserstein.Method)] = [("plain Monte Carlo", .monteCarlo), ("orthogonal blocks", .orthogonal)]
        if d == 3 {
            methods.append(("randomized spiral (25 sets)", .randomizedSpiral(randomizations: 25)))
        } else if d <= 40 {
            methods.append(("randomized Sobol (25 sets)", .randomizedQuasiMonteCarlo(randomizations: 25)))
        }
        methods += SlicedWasserstein.GaussianControls.allCases.map { ("control variate (\($0.rawValue))", .controlVariates($0)) }
        var results: [ExampleResult] = []
        for (label, method) in methods {
            let estimate = try problem.estimate(projections: projections, method: method, seed: seed)
            results.append(ExampleResult("SW_p^p, " + label, estimate, truth: truth))
        }
        let distance = try problem.estimateDistance(projections: projections, method: .controlVariates(.both), seed: seed)
        results.append(ExampleResult("SW_p (delta method), control variates (both)", distance, truth: truth.map { $0.squareRoot() }))
        ExampleResult.print(results, json: json)
        if !json, let plain = results.first {
            let best = results.dropLast().min { $0.standardError < $1.standardError }!
            let ratio = (plain.standardError / best.standardError) * (plain.standardError / best.standardError)
            print("\n  Lowest standard error: \(best.label), \(Fmt.short(ratio))× smaller variance than plain Monte Carlo "
                + "with the same directions.")
        }
    }

    /// Writes X ~ N(0, I₃) and Y = cX + b as CSV files and returns their paths and the exact SW₂².
    func writeDemoPair() throws -> ((String, String), Double) {
        let d = 3, c = 1.5, b = [2.0, -1.0, 0.5]
        var generator = RandomStreams(seed: seed).stream(1)
        let xs = (0..<points).map { _ in (0..<d).map { _ in generator.nextStandardNormal() } }
        let ys = xs.map { x in (0..<d).map { c * x[$0] + b[$0] } }
        // SW₂² = tr M / d with M = (1/n) Σ vᵢvᵢᵀ, vᵢ = (c − 1)xᵢ + b: every direction's optimal
        // matching is the identity, since θ·yᵢ is increasing in θ·xᵢ.
        let traceM = xs.reduce(0.0) { sum, x in sum + (0..<d).reduce(0.0) { $0 + pow((c - 1) * x[$1] + b[$1], 2) } } / Double(points)
        let directory = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func write(_ rows: [[Double]], _ name: String) throws -> String {
            let url = directory.appendingPathComponent(name)
            let text = "x1,x2,x3\n" + rows.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n") + "\n"
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        return ((try write(xs, "x.csv"), try write(ys, "y.csv")), traceM / Double(d))
    }
}

SlicedWassersteinFilesExample.main()
