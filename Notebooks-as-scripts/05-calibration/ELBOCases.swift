// ELBOCases.swift — ELBO, IWAE_K and Rényi values of VariationalInference on the Normal–Normal
// model (closed-form log evidence and posterior), with independent, antithetic and randomized
// Sobol draws, and with a too-narrow q whose importance weights have infinite variance.

import Foundation
import MonteCarlo

enum ELBOCases {
    static func cases() throws(MonteCarloError) -> [CalibrationCase] {
        let model = try NormalNormalModel(observations: [0.5, 1.2, -0.3, 0.8, 1.0])
        let posteriorSD = model.posteriorVariance.squareRoot()
        /// ELBO(q) = log p(x) − KL(q ‖ p(z | x)), KL between normals in closed form.
        func elbo(mean m: Double, sd s: Double) -> Double {
            model.logEvidence - (log(posteriorSD / s) + (s * s + (m - model.posteriorMean) * (m - model.posteriorMean))
                                 / (2 * model.posteriorVariance) - 0.5)
        }
        let wide = try GaussianApproximation.meanField(mean: [0.2], standardDeviations: [0.6])
        let wideELBO = elbo(mean: 0.2, sd: 0.6)
        let widened = EvidenceLowerBound(model: model, approximation: wide)
        // Narrow: sd half the posterior's, so E_q[w²] = ∞ (needs σ_q² > σ_post²/2).
        let narrowSD = 0.5 * posteriorSD
        let narrow = EvidenceLowerBound(model: model, approximation: try GaussianApproximation.meanField(
            mean: [model.posteriorMean], standardDeviations: [narrowSD]))
        let narrowELBO = elbo(mean: model.posteriorMean, sd: narrowSD)
        let logEvidence = "log p(x) (the bound is below it; bias declared)"
        let iwaeJudgement = Judgement.varianceOnly("IWAE_K and Rényi objectives have no closed form; their bias relative to log p(x) is declared")
        let family = "ELBO"

        return [
            CalibrationCase(
                family: family, input: "i.i.d. ε, q = N(0.2, 0.6²)",
                rows: [RowSpec(estimator: "ELBO, log-weight form", problem: "ELBO(q)", truth: wideELBO, size: 200),
                       RowSpec(estimator: "ELBO, closed-form entropy", problem: "ELBO(q)", truth: wideELBO, size: 200),
                       RowSpec(estimator: "IWAE_5, 100 groups", problem: logEvidence, truth: model.logEvidence, size: 500,
                               judgement: iwaeJudgement),
                       RowSpec(estimator: "Rényi α = 0.5, K = 5, 100 groups", problem: logEvidence, truth: model.logEvidence,
                               size: 500, judgement: iwaeJudgement)],
                replicate: { generator throws(MonteCarloError) in
                    let seeds = (0..<4).map { _ in generator.next() }
                    return [
                        attempt { () throws(MonteCarloError) in try widened.estimate(samples: 200, seed: seeds[0]) },
                        attempt { () throws(MonteCarloError) in try widened.estimate(samples: 200, seed: seeds[1], form: .closedFormEntropy) },
                        attempt { () throws(MonteCarloError) in try widened.importanceWeighted(groupSize: 5, groups: 100, seed: seeds[2]) },
                        attempt { () throws(MonteCarloError) in try widened.renyi(alpha: 0.5, groupSize: 5, groups: 100, seed: seeds[3]) },
                    ]
                }),
            CalibrationCase(
                family: family, input: "antithetic ε, q = N(0.2, 0.6²)",
                rows: [RowSpec(estimator: "ELBO, 100 antithetic pairs", problem: "ELBO(q)", truth: wideELBO, size: 200)],
                replicate: { generator throws(MonteCarloError) in
                    let seed = generator.next()
                    return [attempt { () throws(MonteCarloError) in try widened.estimate(samples: 100, seed: seed, sampling: .antithetic) }]
                }),
            CalibrationCase(
                family: family, input: "randomized Sobol ε, q = N(0.2, 0.6²)",
                rows: [RowSpec(estimator: "ELBO, RQMC 16 × 16", problem: "ELBO(q)", truth: wideELBO, size: 256)],
                replicate: { generator throws(MonteCarloError) in
                    let seed = generator.next()
                    return [attempt { () throws(MonteCarloError) in
                        try widened.estimate(samples: 16, seed: seed, sampling: .quasiMonteCarlo(pointsPerReplicate: 16)) }]
                }),
            CalibrationCase(
                family: family, input: "i.i.d. ε, q too narrow (weights of infinite variance)",
                rows: [RowSpec(estimator: "ELBO, log-weight form", problem: "ELBO(q)", truth: narrowELBO, size: 200),
                       RowSpec(estimator: "IWAE_10, 100 groups", problem: logEvidence, truth: model.logEvidence, size: 1000,
                               judgement: iwaeJudgement)],
                replicate: { generator throws(MonteCarloError) in
                    let seeds = (0..<2).map { _ in generator.next() }
                    return [
                        attempt { () throws(MonteCarloError) in try narrow.estimate(samples: 200, seed: seeds[0]) },
                        attempt { () throws(MonteCarloError) in try narrow.importanceWeighted(groupSize: 10, groups: 100, seed: seeds[1]) },
                    ]
                }),
        ]
    }
}
