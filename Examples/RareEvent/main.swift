// rare-event: estimate two small probabilities with plain Monte Carlo, the cross-entropy method
// (CEM) and CEM with score control variates, and compare draws and relative errors.
//
//     swift run -c release rare-event
//     swift run -c release rare-event --samples 200000 --seed 7
//
// Both problems have closed-form answers, so every row shows its actual relative error next to
// the relative standard error it claims:
// - P(Z > 5) for Z ~ N(0, 1): Q(5) = 2.866516e-7;
// - a portfolio loss: 10 assets with equal weights ⅒ and Gaussian returns Xᵢ = √ρ F + √(1 − ρ) εᵢ
//   driven by one common factor F (ρ = 0.3) and idiosyncratic noise εᵢ; the loss L = Σ wᵢ Xᵢ is
//   normal with variance σ² = ρ(Σwᵢ)² + (1 − ρ)Σwᵢ², so P(L > 3) = Q(3/σ).

import ArgumentParser
import Foundation
import MonteCarlo

struct RareEventExample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rare-event",
        abstract: "Estimate rare-event probabilities with plain Monte Carlo, CEM, and CEM + control variates.",
        discussion: """
            CEM adapts a Gaussian mean shift N(m, I) in a few iterations of --pilot draws each, then \
            estimates by importance sampling on --samples fresh draws (unbiased given m). Plain \
            Monte Carlo gets the same total number of draws. "plain draws for this SE" is \
            p(1 − p)/SE², the draws plain Monte Carlo would need to match a row's standard error \
            (computed from the closed form, not run).
            """)

    @Option(help: "Final importance-sampling draws per CEM run (at least 1000).")
    var samples: Int = 100_000

    @Option(help: "Draws per CEM adaptation iteration (at least 100).")
    var pilot: Int = 1000

    @Option(help: "Seed of the random streams.")
    var seed: UInt64 = 2024

    func validate() throws {
        guard samples >= 1000 else { throw ValidationError("--samples must be at least 1000 (got \(samples)).") }
        guard pilot >= 100 else { throw ValidationError("--pilot must be at least 100 (got \(pilot)).") }
    }

    func run() throws {
        do {
            try compare()
        } catch {
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// One row of the table.
    struct Row {
        let method: String
        let draws: Int
        let estimate: Estimate
    }

    func compare() throws(MonteCarloError) {
        // P(Z > 5).
        let tail = 0.5 * erfc(5 / 2.squareRoot())
        try report(title: "P(Z > 5), Z ~ N(0, 1)", truth: tail, dimension: 1, threshold: 5) { $0[0] }

        // The portfolio: u = (F, ε₁, …, ε₁₀) ~ N(0, I₁₁), loss Σ wᵢ (√ρ F + √(1 − ρ) εᵢ).
        let assets = 10, rho = 0.3, weight = 1 / Double(assets), level = 3.0
        let sigma = (rho * pow(Double(assets) * weight, 2) + (1 - rho) * Double(assets) * weight * weight).squareRoot()
        let truth = 0.5 * erfc(level / sigma / 2.squareRoot())
        print("")
        try report(title: "portfolio loss P(L > 3): 10 assets, one factor (ρ = 0.3), σ_L = \(format(sigma, 4))",
                   truth: truth, dimension: assets + 1, threshold: level) { u in
            var loss = 0.0
            for i in 1...assets { loss += weight * (rho.squareRoot() * u[0] + (1 - rho).squareRoot() * u[i]) }
            return loss
        }
    }

    func report(title: String, truth: Double, dimension: Int, threshold: Double,
                score: @escaping @Sendable ([Double]) -> Double) throws(MonteCarloError) {
        let driver = MonteCarloDriver(stoppingRule: .sampleCount(samples))
        let cem = try CrossEntropyImportanceSampling(dimension: dimension, threshold: threshold, pilotSize: pilot, score: score)
        let plainResult = try cem.run(driver: driver, seed: seed)
        let controlled = try cem.runWithControlVariates(driver: driver, seed: seed)
        let cemDraws = plainResult.fit.iterations * pilot + samples
        let plain = try MonteCarloDriver(stoppingRule: .sampleCount(cemDraws)).run(
            PlainMonteCarlo(sampler: try StandardNormalVector(dimension: dimension),
                            integrand: Integrand { score($0) >= threshold ? 1 : 0 }), seed: seed).estimate
        let rows = [Row(method: "plain", draws: cemDraws, estimate: plain),
                    Row(method: "CEM", draws: cemDraws, estimate: plainResult.estimate),
                    Row(method: "CEM + score CV", draws: cemDraws, estimate: controlled.estimate)]
        print("\(title): truth \(format(truth, 7, scientific: true))")
        print("CEM: \(plainResult.fit.iterations) iterations of \(pilot) draws, levels "
            + plainResult.fit.levels.map { format($0, 3) }.joined(separator: ", ")
            + "; |m| = \(format(plainResult.fit.proposalMean.reduce(0) { $0 + $1 * $1 }.squareRoot(), 4))")
        print("  method              draws   estimate ± SE                 rel. SE   rel. error   plain draws for this SE")
        for row in rows {
            let e = row.estimate
            let relativeSE = e.standardError / truth, relativeError = abs(e.value - truth) / truth
            let plainDraws = e.standardError > 0 ? truth * (1 - truth) / (e.standardError * e.standardError) : .nan
            print("  " + row.method.padding(toLength: 16, withPad: " ", startingAt: 0)
                + String(format: " %9d   %.5e ± %.3e   %8.4f   %9.4f    %@", row.draws, e.value, e.standardError,
                         relativeSE, relativeError, plainDraws.isNaN ? "— (no hits: SE 0 says nothing)" : format(plainDraws, 3, scientific: true)))
        }
    }

    func format(_ x: Double, _ digits: Int, scientific: Bool = false) -> String {
        String(format: scientific ? "%.\(digits - 1)e" : "%.\(digits)f", x)
    }
}

RareEventExample.main()
