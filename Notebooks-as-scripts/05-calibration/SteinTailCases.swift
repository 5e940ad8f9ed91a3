// SteinTailCases.swift — control functionals (`SteinControlFunctional()`, its defaults) on the
// tail-error problems of Tests/SteinControlVariatesTests/TailCalibrationTests.swift, where the
// held-out and jackknife variances alone once covered 76–92%: i.i.d. banana draws with f = x₂²
// and f = x₁², and sin x₁ under the correlated 2-D Gaussian of the `mcest cv` tests. (The
// third problem of that suite, South et al.'s 1-D T5 without a polynomial part at n = 250, is
// the "CF, cross-fitted (5 folds)" row of SteinCases' first case.)

import Foundation
import MonteCarlo

/// The banana-shaped target of the `mcmc-stein` example (Haario et al.), drawn i.i.d. exactly:
/// x₁ ~ N(0, a²), x₂ = y + b(x₁² − a²) with y ~ N(0, 1) independent (a = 1, b = 0.5), a
/// transformed Gaussian. E[x₁²] = a², E[x₂²] = 1 + 2b²a⁴ (E[(x₁² − a²)²] = 2a⁴).
///
/// A copy of the test suite's `IndependentBanana` (Tests/SteinControlVariatesTests/TestProblems.swift).
struct IndependentBanana: ScoredSampler {
    var a = 1.0
    var b = 0.5

    func draw<G: RandomNumberGenerator>(using generator: inout G) -> [Double] {
        let x1 = a * generator.nextStandardNormal()
        return [x1, generator.nextStandardNormal() + b * (x1 * x1 - a * a)]
    }

    /// ∇ log π: with r = x₂ − b(x₁² − a²), log π = −x₁²/(2a²) − r²/2 + const.
    func score(_ x: [Double]) -> [Double] {
        let r = x[1] - b * (x[0] * x[0] - a * a)
        return [-x[0] / (a * a) + 2 * b * x[0] * r, -r]
    }
}

enum SteinTailCases {
    /// The estimator of these rows, labelled as in SteinCases.
    static let label = "CF, cross-fitted (5 folds)"

    static func cases() throws(MonteCarloError) -> [CalibrationCase] {
        let banana = IndependentBanana()
        let bananaN = 200
        // The correlated Gaussian T3 of SteinCases: N(μ, Σ), μ = (−1.5, 1.5), Σ = [[1, .5], [.5, 2]];
        // E sin x₁ = sin(μ₁)e^{−Σ₁₁/2}.
        let correlated = try MultivariateNormalDistribution(mean: [-1.5, 1.5], covariance: Matrix(rows: [[1, 0.5], [0.5, 2]]))
        let sineN = 200
        return [
            CalibrationCase(
                family: "Stein", input: "i.i.d. banana (a = 1, b = 0.5)",
                rows: [RowSpec(estimator: label, problem: "E[x₂²]", truth: 1 + 2 * banana.b * banana.b * pow(banana.a, 4),
                               size: bananaN, judgement: SteinCases.conservative),
                       RowSpec(estimator: label, problem: "E[x₁²]", truth: banana.a * banana.a, size: bananaN,
                               judgement: SteinCases.conservative)],
                cost: 3,
                replicate: { generator throws(MonteCarloError) in
                    let sample = try SteinSample(drawing: bananaN, from: banana, using: &generator)
                    var second: [Double] = [], first: [Double] = []
                    for i in 0..<sample.count {
                        let x = sample.point(i)
                        second.append(x[1] * x[1])
                        first.append(x[0] * x[0])
                    }
                    return [attempt { () throws(MonteCarloError) in try SteinControlFunctional().estimate(sample: sample, values: second) },
                            attempt { () throws(MonteCarloError) in try SteinControlFunctional().estimate(sample: sample, values: first) }]
                }),
            CalibrationCase(
                family: "Stein", input: "i.i.d. Gaussian (d = 2)",
                rows: [RowSpec(estimator: label, problem: "E[sin x₁]", truth: sin(-1.5) * exp(-0.5), size: sineN,
                               judgement: SteinCases.conservative)],
                cost: 2,
                replicate: { generator throws(MonteCarloError) in
                    let sample = try SteinSample(drawing: sineN, from: correlated, using: &generator)
                    var values: [Double] = []
                    for i in 0..<sample.count { values.append(sin(sample.point(i)[0])) }
                    return [attempt { () throws(MonteCarloError) in try SteinControlFunctional().estimate(sample: sample, values: values) }]
                }),
        ]
    }
}
