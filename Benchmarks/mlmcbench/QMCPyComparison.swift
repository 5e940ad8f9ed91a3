// QMCPyComparison.swift: mlmcbench's peer section, our MLMC against QMCPy's CubMLMC in the same run.
import Foundation
import BenchmarkSupport
import MonteCarlo

/// One tolerance of the comparison: best-of-N time and the error of every run on both sides.
struct QMCPyComparison: Codable, Sendable {
    var rootMeanSquareError: Double
    var truth: Double
    var oursBestSeconds: Double
    var oursErrors: [Double]
    var oursCost: Double
    var peer: String
    var peerVersion: String?
    var peerBestSeconds: Double?
    var peerErrors: [Double]
    var peerSamples: Int?
    var skipped: String?

    /// √(mean squared error) over the runs, against the claimed ε.
    static func empiricalRootMeanSquareError(_ errors: [Double]) -> Double? {
        errors.isEmpty ? nil : (errors.reduce(0) { $0 + $1 * $1 } / Double(errors.count)).squareRoot()
    }
}

/// The continuously averaged geometric Asian call (S0 = K = 100, r = 0.05, σ = 0.2, T = 1), truth
/// Kemna–Vorst, to RMSE ε: ours (Milstein steps, one thread) against `Benchmarks/peers/mlmc_qmcpy.py`
/// (exact GBM at 2·2^ℓ dates, NumPy), each run `repeats` times with seeds 1, 2, … . A run is
/// "inside" when |estimate − truth| ≤ 1.96 ε, the 95% bound that an RMSE ε implies for a normal
/// error; the empirical RMSE over the runs is the direct check of the claim.
func compareWithQMCPy(epsilons: [Double], repeats: Int) throws -> [QMCPyComparison] {
    let option = try EuropeanCallOption(spot: 100, strike: 100, rate: 0.05, volatility: 0.2, maturity: 1)
    let sampler = try AsianCallLevelSampler(option: option, scheme: .milstein, average: .geometric)
    guard let truth = sampler.limit, !epsilons.isEmpty else { return [] }
    print("\nQMCPy section: geometric Asian call (S0 = K = 100, r = 0.05, σ = 0.2, T = 1, continuous average), "
        + "truth Kemna–Vorst \(String(format: "%.6f", truth)); best of \(repeats), seeds 1…\(repeats) on both sides")
    print("  ours: Milstein time steps, 2^l per path, 1 thread; QMCPy: exact GBM at 2·2^l dates (quadrature bias only)")
    var results: [QMCPyComparison] = []
    for epsilon in epsilons {
        var oursBest = Double.infinity, oursErrors: [Double] = [], oursCost = 0.0
        for seed in 1...UInt64(repeats) {
            let (seconds, report) = try bestOf(1) {
                try MultilevelMonteCarlo(sampler: sampler, threadCount: 1).run(rootMeanSquareError: epsilon, seed: seed)
            }
            oursBest = min(oursBest, seconds)
            oursErrors.append(report.estimate.value - truth)
            oursCost = report.totalCost
        }
        var peerBest: Double? = nil, peerErrors: [Double] = [], peerSamples: Int? = nil
        var peerName = "QMCPy CubMLMC", version: String? = nil, skipped: String? = nil
        for seed in 1...repeats {
            let peer = runPeer("QMCPy", script: "mlmc_qmcpy.py",
                               arguments: ["--rmse", "\(epsilon)", "--repeats", "1", "--seed", "\(seed)"])
            if let reason = peer.skipped { skipped = reason; break }
            peerName = peer.peer
            version = peer.version
            if let seconds = peer.seconds { peerBest = min(peerBest ?? .infinity, seconds) }
            if let value = peer.value { peerErrors.append(value - truth) }
            peerSamples = peer.points
        }
        let result = QMCPyComparison(
            rootMeanSquareError: epsilon, truth: truth, oursBestSeconds: oursBest, oursErrors: oursErrors,
            oursCost: oursCost, peer: peerName, peerVersion: version, peerBestSeconds: peerBest,
            peerErrors: peerErrors, peerSamples: peerSamples, skipped: skipped)
        results.append(result)
        func describe(_ errors: [Double]) -> String {
            guard let rmse = QMCPyComparison.empiricalRootMeanSquareError(errors) else { return "—" }
            let inside = errors.filter { abs($0) <= 1.959963984540054 * epsilon }.count
            return String(format: "RMSE %.2g = %.2fε, %d/%d inside 1.96ε", rmse, rmse / epsilon, inside, errors.count)
        }
        print(String(format: "  ε = %.0e  ours  %.4f s  ", epsilon, oursBest) + describe(oursErrors))
        if let skipped {
            print("            QMCPy skipped: \(skipped)")
        } else {
            let ratio = peerBest.map { String(format: " (%.1f× ours)", $0 / oursBest) } ?? ""
            print(String(format: "            QMCPy %.4f s", peerBest ?? .nan) + ratio + "  " + describe(peerErrors))
        }
    }
    return results
}
