// NeighborCases.swift — the other k-nearest-neighbour estimators of MutualInformation: the mixed
// discrete–continuous MI (Gao et al. 2017), Ross's discrete–continuous MI (2014), the
// Wang–Kulkarni–Verdú KL divergence and the Kozachenko–Leonenko entropy, each on an input of its
// test suite with a closed-form (or converged-quadrature) truth. All four carry a documented
// O((k/N)^{2/d}) bias that is not in their error bar.

import Foundation
import MonteCarlo
import StatisticalTesting

enum NeighborCases {
    /// A one-row case whose replication draws its input and returns one estimate.
    static func single(_ estimator: String, input: String, problem: String, truth: Double, size: Int,
                       _ body: @escaping @Sendable (inout Xoshiro256PlusPlus) throws(MonteCarloError) -> Estimate) -> CalibrationCase {
        CalibrationCase(
            family: "MI", input: input, rows: [RowSpec(estimator: estimator, problem: problem, truth: truth, size: size)],
            replicate: { generator throws(MonteCarloError) in
                [attempt { () throws(MonteCarloError) in try body(&generator) }]
            })
    }

    // MARK: - Inputs
    // The mixed and the label–Gaussian inputs are `MutualInformationTestProblems`'s, the ones
    // the test suite uses.

    /// n draws of N(shift, scale² I_d).
    static func gaussian(_ n: Int, dimension d: Int, scale: Double = 1, shift: Double = 0,
                         using generator: inout Xoshiro256PlusPlus) -> [[Double]] {
        var rows: [[Double]] = []
        rows.reserveCapacity(n)
        for _ in 0..<n {
            var row = [Double](repeating: 0, count: d)
            for c in 0..<d { row[c] = shift + scale * generator.nextStandardNormal() }
            rows.append(row)
        }
        return rows
    }

    // MARK: - Cases

    static func cases() -> [CalibrationCase] {
        let mixedN = 1000, rossN = 1600, klN = 1000, entropyN = 1000
        let alpha = 0.9
        // KL(N(0, I₂) ‖ N(½, 1.5² I₂)) = d[log σ + (1 + μ²)/(2σ²) − ½]; H(N(0, I₃)) = (3/2) log(2πe).
        let (klD, shift, scale) = (2, 0.5, 1.5)
        let divergence = Double(klD) * (log(scale) + (1 + shift * shift) / (2 * scale * scale) - 0.5)
        let entropyD = 3
        return [
            single("mixed (Gao et al.), k = 5 (jackknife SE)", input: "half discrete, half continuous (α = 0.9)", problem: "I",
                   truth: MutualInformationTestProblems.halfDiscreteInformation(alpha: alpha), size: mixedN) { g throws(MonteCarloError) in
                let (x, y) = MutualInformationTestProblems.halfDiscrete(mixedN, alpha: alpha, using: &g)
                return try MixedMutualInformation(seed: g.next()).estimate(x: x, y: y)
            },
            single("discrete–continuous (Ross), k = 3 (jackknife SE)", input: "label ~ Bernoulli(½), Y ∣ label ~ N(±1, 1)",
                   problem: "I (quadrature)", truth: MutualInformationTestProblems.twoGaussiansInformation(separation: 1), size: rossN) { g throws(MonteCarloError) in
                let (labels, y) = MutualInformationTestProblems.twoGaussians(rossN, separation: 1, using: &g)
                return try DiscreteContinuousMutualInformation(seed: g.next()).estimate(labels: labels, feature: y)
            },
            single("KL divergence (Wang–Kulkarni–Verdú), k = 3", input: "i.i.d. N(0, I₂) vs N(½, 1.5² I₂), N = M = 1000",
                   problem: "KL(p ‖ q)", truth: divergence, size: 2 * klN) { g throws(MonteCarloError) in
                let p = gaussian(klN, dimension: klD, using: &g)
                let q = gaussian(klN, dimension: klD, scale: scale, shift: shift, using: &g)
                return try KullbackLeiblerDivergence(seed: g.next()).estimate(p: p, q: q)
            },
            single("entropy (Kozachenko–Leonenko), k = 3", input: "i.i.d. N(0, I₃)", problem: "H",
                   truth: 0.5 * Double(entropyD) * log(2 * Double.pi * exp(1)), size: entropyN) { g throws(MonteCarloError) in
                try KozachenkoLeonenkoEntropy(seed: g.next()).estimate(gaussian(entropyN, dimension: entropyD, using: &g))
            },
        ]
    }
}
