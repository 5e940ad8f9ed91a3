import ArgumentParser
import BenchmarkSupport
import Dispatch
import Foundation
import MonteCarlo

/// Benchmarks the ELBO gradient of Bayesian logistic regression (n = 10,000, d = 50, 16 draws per
/// step) against the same estimator in numpy, run in the same process tree, and reports the
/// gradient-variance reductions available on that model.
@main
struct VIBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vibench", abstract: "ELBO-gradient benchmark: Swift vs numpy, and gradient-variance reductions (release build).")

    @Option(help: "Rows of the design matrix.") var n = 10_000
    @Option(help: "Weights.") var d = 50
    @Option(help: "Draws per gradient estimate.") var samples = 16
    @Option(help: "Gradient estimates per timing run.") var repeats = 200
    @Option(help: "Timing runs on each side, Swift and the numpy peer alike; the best is reported.") var runs = 3
    @Option(help: "Draws for the variance comparison.") var varianceSamples = 4000
    @Option(help: "Groups per K for the IWAE signal-to-noise table.") var snrGroups = 20_000
    @Option(help: "Where to write the JSON report.") var json = "benchmark-output/vibench.json"
    @Option(help: "Python interpreter for the numpy peer (default: the peers' venv, else python3).") var python = peerPython

    func run() throws {
        var generator = Xoshiro256PlusPlus(seed: 1)
        let design = Matrix(rows: n, columns: d, columnMajor: (0..<(n * d)).map { _ in generator.nextStandardNormal() / Double(d).squareRoot() })
        let truth = (0..<d).map { _ in generator.nextStandardNormal() }
        let eta = design.multiplied(by: truth)
        let labels = eta.map { generator.nextUniform() < 1 / (1 + exp(-$0)) ? 1.0 : 0.0 }
        let model = try BayesianLogisticRegression(design: design, labels: labels, priorStandardDeviation: 1)
        let q = try GaussianApproximation.meanField(mean: Array(repeating: 0, count: d), standardDeviations: Array(repeating: 0.1, count: d))
        let elbo = EvidenceLowerBound(model: model, approximation: q)

        // Timing: one gradient estimate (with its covariance) per call, single-threaded driver work.
        _ = try elbo.gradient(samples: samples, seed: 0)
        var best = Double.infinity
        for run in 0..<max(1, runs) {
            let start = DispatchTime.now().uptimeNanoseconds
            for i in 0..<repeats { _ = try elbo.gradient(samples: samples, seed: UInt64(run * repeats + i)) }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(repeats))
        }
        let peer = runPeer()
        print("vibench: Bayesian logistic regression, n = \(n), d = \(d), \(samples) draws per gradient")
        print(String(format: "  MonteCarlo (Swift, OpenBLAS)   %8.3f ms per gradient estimate", best * 1e3))
        if let peerSeconds = peer?["secondsPerGradient"] as? Double {
            let name = (peer?["peer"] as? String ?? "numpy").padding(toLength: 30, withPad: " ", startingAt: 0)
            print("  " + name + String(format: " %8.3f ms per gradient estimate", peerSeconds * 1e3))
            print(String(format: "  ratio numpy / Swift            %8.2f×  (≥ 1 means Swift is at least as fast)", peerSeconds / best))
        } else {
            print("  numpy peer unavailable (python3 with numpy not found)")
        }

        // Gradient variance (trace of the per-draw covariance) on the same model.
        func perDrawTrace(_ g: VectorEstimate) -> Double { g.totalVariance * Double(g.sampleCount) }
        let reparameterization = perDrawTrace(try elbo.gradient(samples: varianceSamples, seed: 11))
        let stl = perDrawTrace(try elbo.gradient(samples: varianceSamples, seed: 12, estimator: .stickingTheLanding))
        let antithetic = perDrawTrace(try elbo.gradient(samples: varianceSamples / 2, seed: 13, antithetic: true))
        let controlVariates = perDrawTrace(try elbo.gradient(samples: varianceSamples, seed: 14, sampling: .controlVariates))
        print("  per-draw gradient variance (trace), relative to plain reparameterization:")
        print(String(format: "    reparameterization  %10.4g  (1.00)", reparameterization))
        print(String(format: "    sticking the landing %9.4g  (%.2f× lower)", stl, reparameterization / stl))
        print(String(format: "    antithetic pairs    %10.4g  (%.2f× lower)", antithetic, reparameterization / antithetic))
        print(String(format: "    control variates ε, ε²  %7.4g  (%.2f× lower)", controlVariates, reparameterization / controlVariates))
        print("    randomized QMC: n/a at d = \(d) (Sobol goes to 40 dimensions; the estimator falls back to independent draws)")

        let snr = try IWAESignalToNoise(groups: snrGroups).rows()
        print("  IWAE_K q-gradient signal-to-noise (Normal–Normal NN-1, ∂/∂m, \(snrGroups) groups per K; signal = DReG mean):")
        print("       K   ∇_m IWAE_K            SNR reparameterization   SNR DReG")
        for row in snr {
            print(String(format: "    %4d   %.5f ± %.5f   %10.4f               %8.4f", row.groupSize, row.gradient,
                         row.gradientStandardError, row.reparameterizationSNR, row.doublyReparameterizedSNR))
        }

        let summary: [SummaryRow] = [
            .speedup(benchmark: "vibench", measure: "logistic-regression ELBO gradient (n = \(n), d = \(d), \(samples) draws): speed-up vs numpy",
                     swiftSeconds: best, peerName: peer?["peer"] as? String ?? "numpy", peerSeconds: peer?["secondsPerGradient"] as? Double,
                     skipped: peer == nil ? "python3 with numpy not found" : nil, atLeast: nil),
            SummaryRow(benchmark: "vibench", measure: "per-draw gradient variance: control variates in ε vs reparameterization",
                       value: reparameterization / controlVariates, unit: "× lower"),
        ]
        let report: [String: Any] = [
            "summary": try JSONSerialization.jsonObject(with: JSONEncoder().encode(summary)),
            "provenance": try JSONSerialization.jsonObject(with: JSONEncoder().encode(Provenance.current())),
            "timing": "best of \(runs) runs of \(repeats) gradients on each side",
            "n": n, "d": d, "samples": samples, "swiftSecondsPerGradient": best,
            "peer": peer ?? NSNull(),
            "ratioPeerOverSwift": (peer?["secondsPerGradient"] as? Double).map { $0 / best } ?? NSNull(),
            "perDrawTrace": ["reparameterization": reparameterization, "stickingTheLanding": stl, "antithetic": antithetic,
                             "controlVariates": controlVariates],
            "iwaeSignalToNoise": snr.map { ["K": $0.groupSize, "gradient": $0.gradient, "gradientStandardError": $0.gradientStandardError,
                                            "reparameterization": $0.reparameterizationSNR, "doublyReparameterized": $0.doublyReparameterizedSNR] },
        ]
        let url = URL(fileURLWithPath: json)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys]).write(to: url)
        print("  JSON written to \(json)")
    }

    /// Runs the numpy peer script and parses its JSON line, or returns nil if it cannot run.
    func runPeer() -> [String: Any]? {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("peers/logistic_elbo_gradient.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, script, "--n", "\(n)", "--d", "\(d)", "--samples", "\(samples)", "--repeats", "\(repeats)", "--runs", "\(runs)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }
}
