import BenchmarkSupport
import Foundation
import MonteCarlo

// Section 4: error targets against QMCPy's stopping criteria on the Keister integral (issue #17).

/// The Keister integral ∫_{ℝ³} cos‖x‖ exp(−‖x‖²) dx as π^{3/2} E[cos(‖Z‖/√2)], Z ~ N(0, I₃).
let keisterTruth = 2.168309

func keisterIntegrand() -> Integrand<[Double]> {
    Integrand { z in pow(Double.pi, 1.5) * cos((z[0] * z[0] + z[1] * z[1] + z[2] * z[2]).squareRoot() / 2.0.squareRoot()) }
}

extension BenchmarkReport {
    /// One stopping-rule run against its QMCPy counterpart at the same absolute tolerance.
    struct StoppingComparison: Codable {
        var name: String
        var tolerance: Double
        /// Integrand evaluations of our run (RQMC: replicates × points per replicate).
        var points: Int
        var bestSeconds: Double
        var value: Double
        var standardError: Double
        /// |value − truth| ≤ tolerance.
        var inside: Bool
        var peer: PeerResult?
        var peerPoints: Int?
        var peerInside: Bool?
        /// Our points over the peer's (≤ 2 is the target for RQMC).
        var pointRatio: Double?
        /// Our best time over the peer's (≤ 2 is the target for RQMC).
        var timeRatio: Double?
    }
}

extension MCBench {
    func benchmarkStoppingRules() throws -> [BenchmarkReport.StoppingComparison] {
        print("\n4. Error targets on the Keister integral (d = 3, truth \(keisterTruth)) vs QMCPy, 95% absolute tolerance")
        print("  each timed run builds its estimator (the Sobol set) as QMCPy's timed runs build theirs")
        let normal = try StandardNormalVector(dimension: 3)
        func rqmc() throws -> RandomizedQuasiMonteCarlo<StandardNormalVector> {
            try RandomizedQuasiMonteCarlo(sampler: normal, integrand: keisterIntegrand(), pointsPerReplicate: 1024)
        }
        let plain = PlainMonteCarlo(sampler: normal, integrand: keisterIntegrand())
        let cases: [(name: String, tolerance: Double, peer: String, run: () throws -> RunReport<SampleMeanState, Estimate>, perSample: Int)] = [
            ("RQMC (1024 Sobol points per replicate)", 1e-3, "sobolg",
             { try MonteCarloDriver(stoppingRule: .absoluteError(1e-3, maximumSamples: 1 << 20)).run(try rqmc(), seed: seed) }, 1024),
            ("plain MC", 1e-2, "mcclt",
             { try MonteCarloDriver(stoppingRule: .absoluteError(1e-2, maximumSamples: 1 << 30)).run(plain, seed: seed) }, 1),
            ("plain MC", 1e-2, "mcg",
             { try MonteCarloDriver(stoppingRule: .absoluteError(1e-2, maximumSamples: 1 << 30)).run(plain, seed: seed) }, 1),
        ]
        var results: [BenchmarkReport.StoppingComparison] = []
        for item in cases {
            let (best, report) = try bestOf(repetitions) { try item.run() }
            let estimate = report.estimate
            let peer = runPeer("QMCPy", script: "keister_qmcpy.py",
                               arguments: ["--peer", item.peer, "--tol", "\(item.tolerance)", "--repeats", "\(repetitions)"])
            var result = BenchmarkReport.StoppingComparison(
                name: item.name, tolerance: item.tolerance, points: report.samples * item.perSample, bestSeconds: best,
                value: estimate.value, standardError: estimate.standardError,
                inside: abs(estimate.value - keisterTruth) <= item.tolerance, peer: peer, peerPoints: peer.points,
                peerInside: peer.value.map { abs($0 - keisterTruth) <= item.tolerance })
            if let points = peer.points, points > 0 { result.pointRatio = Double(result.points) / Double(points) }
            if let seconds = peer.seconds, seconds > 0 { result.timeRatio = best / seconds }
            results.append(result)
        }
        printTable(
            ["estimator", "tolerance", "points", "best (s)", "estimate", "inside", "peer", "peer points", "peer (s)", "peer inside"],
            results.map { r in
                [r.name, String(format: "%.0e", r.tolerance), "\(r.points)", String(format: "%.4f", r.bestSeconds),
                 String(format: "%.6f ± %.1e", r.value, r.standardError), r.inside ? "yes" : "NO",
                 r.peer?.skipped == nil ? (r.peer?.peer ?? "—") : "skipped: \(r.peer!.skipped!)",
                 r.peerPoints.map { "\($0)" } ?? "—", r.peer?.seconds.map { String(format: "%.4f", $0) } ?? "—",
                 r.peerInside.map { $0 ? "yes" : "NO" } ?? "—"]
            })
        if let first = results.first, let points = first.pointRatio, let time = first.timeRatio {
            print(String(format: "  RQMC vs CubQMCSobolG: %.2f× the points, %.2f× the time (targets ≤ 2×): %@",
                         points, time, verdict(points <= 2 && time <= 2)))
        }
        return results
    }
}
