// ChainCases.swift — error bars of the mean of unthinned Markov chains: every long-run variance
// estimator of MonteCarloCore (batch means, overlapping batch means, spectral windows, lugsail,
// Geyer's initial sequences), `SampleMean` through `SteinSample.dependence`, and — as the
// deliberate bad example — the i.i.d. formula s²/n on the same draws.

import Foundation
import MonteCarlo

enum ChainCases {
    /// f(x) = x₁ + x₂², whose mean is 1 under every chain below (stationary variance 1 per coordinate).
    static func integrand(_ x: [Double]) -> Double { x[0] + x[1] * x[1] }

    /// AR(1) chains in d = 2 with unit stationary variance, innovations either normal or Student-t₅
    /// scaled to unit variance (heavy-tailed draws with finite fourth moments), started at a
    /// stationary-variance draw of the same kind.
    static func autoregressiveChains(chains: Int, length: Int, rho: Double, heavyTailed: Bool,
                                     using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) -> SteinSample {
        let t5 = try StudentTDistribution(degreesOfFreedom: 5, scale: (3.0 / 5).squareRoot())
        func innovation() -> Double { heavyTailed ? t5.draw(using: &generator) : generator.nextStandardNormal() }
        let scale = (1 - rho * rho).squareRoot()
        var points: [Double] = []
        points.reserveCapacity(2 * chains * length)
        for _ in 0..<chains {
            var x = [innovation(), innovation()]
            for _ in 0..<length {
                points.append(contentsOf: x)
                x = [rho * x[0] + scale * innovation(), rho * x[1] + scale * innovation()]
            }
        }
        // `SampleMean` reads only the points and the dependence; the scores (those of N(0, I))
        // are a placeholder that no estimator of this family uses.
        return try SteinSample(count: chains * length, dimension: 2, points: points, scores: points.map { -$0 },
                               dependence: .chains(count: chains, totalDraws: chains * length))
    }

    static let methods: [(String, LongRunVarianceMethod)] = [
        ("batch means, b = √n", .batchMeans()),
        ("lugsail batch means", .batchMeans(lugsail: true)),
        ("overlapping batch means", .overlappingBatchMeans()),
        ("spectral, Bartlett", .spectral(.bartlett)),
        ("spectral, Tukey–Hanning, lugsail", .spectral(.tukeyHanning, lugsail: true)),
        ("Geyer initial positive sequence", .initialSequence(.positive)),
        ("auto (Geyer initial monotone sequence)", .auto),
    ]

    static func chainCase(input: String, problem: String, truth: Double, size: Int,
                          draw: @escaping @Sendable (inout Xoshiro256PlusPlus) throws(MonteCarloError) -> SteinSample,
                          f: @escaping @Sendable ([Double]) -> Double) -> CalibrationCase {
        var rows = methods.map { RowSpec(estimator: "LongRunVariance: \($0.0)", problem: problem, truth: truth, size: size) }
        rows.append(RowSpec(estimator: "SampleMean, SteinSample.dependence = .chains", problem: problem, truth: truth, size: size))
        rows.append(RowSpec(estimator: "i.i.d. formula s²/n on the chain", problem: problem, truth: truth, size: size))
        return CalibrationCase(
            family: "chains", input: input, rows: rows,
            replicate: { generator throws(MonteCarloError) in
                let sample = try draw(&generator)
                let values = (0..<sample.count).map { f(sample.point($0)) }
                let lengths = try sample.dependence.chainRanges(count: sample.count).map(\.count)
                var results: [Result<Estimate, MonteCarloError>] = []
                for (_, method) in methods {
                    results.append(attempt { () throws(MonteCarloError) in try method.estimate(values, chainLengths: lengths).meanEstimate })
                }
                results.append(attempt { () throws(MonteCarloError) in try SampleMean().estimate(sample: sample, values: values) })
                results.append(attempt { () throws(MonteCarloError) in try LongRunVarianceMethod.independent(values).meanEstimate })
                return results
            })
    }

    static func cases() -> [CalibrationCase] {
        let problem = "E[x₁ + x₂²]"
        return [
            chainCase(input: "AR(1) ρ = 0.8, 1 chain of 1000", problem: problem, truth: 1, size: 1000,
                      draw: { g throws(MonteCarloError) in
                          try autoregressiveChains(chains: 1, length: 1000, rho: 0.8, heavyTailed: false, using: &g) },
                      f: integrand),
            chainCase(input: "AR(1) ρ = 0.8, 4 chains of 250", problem: problem, truth: 1, size: 1000,
                      draw: { g throws(MonteCarloError) in
                          try autoregressiveChains(chains: 4, length: 250, rho: 0.8, heavyTailed: false, using: &g) },
                      f: integrand),
            chainCase(input: "AR(1) ρ = 0.8, Student-t₅ innovations, 4 × 250", problem: problem, truth: 1, size: 1000,
                      draw: { g throws(MonteCarloError) in
                          try autoregressiveChains(chains: 4, length: 250, rho: 0.8, heavyTailed: true, using: &g) },
                      f: integrand),
            chainCase(input: "MALA chains (4 × 250)", problem: "E[cos(x₁ + x₂) + sin x₂ + cos x₁]",
                      truth: exp(-1.6) + exp(-0.5), size: 1000,
                      draw: { g throws(MonteCarloError) in try Inputs.langevinSample(chains: 4, length: 250, using: &g) },
                      f: { cos($0[0] + $0[1]) + sin($0[1]) + cos($0[0]) }),
        ]
    }
}
