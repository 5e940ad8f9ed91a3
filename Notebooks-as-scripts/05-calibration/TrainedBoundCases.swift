// TrainedBoundCases.swift — variational bounds with a trained critic, as `mcest mi --critic auto`
// computes them through `HeldOutBoundEstimator`: `CriticSelection` chooses and fits the critic
// on training pairs, and `VariationalBoundAccumulator` averages the bound over batches of
// held-out pairs. Here on heavy-tailed (Student-t ν = 3) pairs, with the critic fitted once and
// fresh held-out pairs in every replication. Judged by their variance only: see `judgement`.

import Foundation
import MonteCarlo

enum TrainedBoundCases {
    /// The layout `HeldOutBoundEstimator` (mcest's largest B = 128) gives a data set of 800
    /// pairs: 400 train the critic, 400 are cut into 4 batches of B = 100, so the reported
    /// variance is the pooled within-batch variance (fewer than 8 batches).
    static let trainingPairs = 400, batches = 4, batchSize = 100

    /// Why only the variance is judged, and why the critic is fitted once. The value estimates
    /// the bound *for the fitted critic*, which has no closed form: below I by as much as the
    /// critic misses log r (InfoNCE also ≤ log B). What the error bar claims is the variance of
    /// the held-out average given the critic (`HeldOutBoundEstimator`'s and `CriticSelection`'s
    /// documentation), so each replication draws fresh held-out pairs for the same critic.
    /// Refitting the critic on every data set (`HeldOutBoundEstimator` on 800 fresh pairs per
    /// replication, R = 250) adds the spread of the fitted critic's bound, which the error bar
    /// does not claim: measured reported/empirical 0.76 for both bounds there, against 0.87–1.11
    /// with one critic fixed (three critics per bound, 400 replications each).
    static let judgement = Judgement.varianceOnly(
        "a trained critic's bound has no closed form (below I by the critic's shortfall); its error bar is that of the "
            + "held-out average given the critic, so the critic (auto choice, fitted once on 400 pairs) is fixed and each "
            + "run averages the bound over fresh held-out pairs")

    static func cases() throws(MonteCarloError) -> [CalibrationCase] {
        let dispersion = GaussianCritic.correlatedPairsCovariance(dimension: 2, correlation: 0.6)
        let distribution = try MultivariateStudentTDistribution(dispersion: dispersion, degreesOfFreedom: 3)
        let truth = try StudentTMutualInformation.exact(dispersion: dispersion, xDimension: 2, degreesOfFreedom: 3)
        let problem = "I (the bound is below it; bias declared)"
        // The training pairs: fixed (stream 0 of a seed of their own), one critic per bound, chosen
        // among the quadratic and random-Fourier families by CriticSelection with the settings
        // HeldOutBoundEstimator passes it.
        var generator = RandomStreams(seed: 0x05_CA1B).stream(0)
        let (trainX, trainY) = Inputs.studentTPairs(count: trainingPairs, distribution: distribution, xDimension: 2, using: &generator)
        var bounds: [(bound: VariationalBound, critic: TrainedCritic)] = []
        var rows: [RowSpec] = []
        for (label, bound) in [("InfoNCE", VariationalBound.infoNCE), ("NWJ", .nwj)] {
            let selection = try CriticSelection.select(x: trainX, y: trainY, for: bound, batchSize: batchSize,
                                                       settings: TrainedCritic.Settings(seed: 7))
            bounds.append((bound, selection.critic))
            rows.append(RowSpec(estimator: "\(label), auto critic (\(selection.critic.family.rawValue)), 4 held-out batches of 100",
                                problem: problem, truth: truth, size: batches * batchSize, judgement: judgement))
        }
        let evaluation = bounds
        return [
            CalibrationCase(
                family: "MI", input: "i.i.d. Student-t ν = 3 (2 + 2), ρ = 0.6, critic fitted once", rows: rows,
                replicate: { generator throws(MonteCarloError) in
                    var pairs: [(x: [[Double]], y: [[Double]])] = []
                    for _ in 0..<batches {
                        pairs.append(Inputs.studentTPairs(count: batchSize, distribution: distribution, xDimension: 2, using: &generator))
                    }
                    var results: [Result<Estimate, MonteCarloError>] = []
                    for (bound, critic) in evaluation {
                        results.append(attempt { () throws(MonteCarloError) in
                            var accumulator = VariationalBoundAccumulator(bound: bound, batchSize: batchSize)
                            for batch in pairs { try accumulator.add(try critic.scoreMatrix(x: batch.x, y: batch.y)) }
                            return try accumulator.estimate()
                        })
                    }
                    return results
                }),
        ]
    }
}
