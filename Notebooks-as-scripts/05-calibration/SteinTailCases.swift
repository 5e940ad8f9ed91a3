// SteinTailCases.swift — control functionals (`SteinControlFunctional()`, its defaults) on the
// tail-error problems of Tests/SteinControlVariatesTests/TailCalibrationTests.swift, where the
// held-out and jackknife variances alone once covered 76–92%: i.i.d. banana draws with f = x₂²
// and f = x₁², and sin x₁ under the correlated 2-D Gaussian of the `mcest cv` tests. (The
// third problem of that suite, South et al.'s 1-D T5 without a polynomial part at n = 250, is
// the "CF, cross-fitted (5 folds)" row of SteinCases' first case.)

import Foundation
import MonteCarlo

enum SteinTailCases {
    /// The estimator of these rows, labelled as in SteinCases.
    static let label = "CF, cross-fitted (5 folds)"

    static func cases() throws(MonteCarloError) -> [CalibrationCase] {
        let banana = try BananaDistribution()  // a = 1, b = 0.5
        let bananaN = 200
        // The correlated Gaussian T3 of SteinCases: N(μ, Σ), μ = (−1.5, 1.5), Σ = [[1, .5], [.5, 2]];
        // E sin x₁ = sin(μ₁)e^{−Σ₁₁/2}.
        let correlated = try MultivariateNormalDistribution(mean: [-1.5, 1.5], covariance: Matrix(rows: [[1, 0.5], [0.5, 2]]))
        let sineN = 200
        return [
            CalibrationCase(
                family: "Stein", input: "i.i.d. banana (a = 1, b = 0.5)",
                rows: [RowSpec(estimator: label, problem: "E[x₂²]", truth: 1 + 2 * banana.curvature * banana.curvature * pow(banana.scale, 4),
                               size: bananaN, judgement: SteinCases.conservative),
                       RowSpec(estimator: label, problem: "E[x₁²]", truth: banana.scale * banana.scale, size: bananaN,
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
