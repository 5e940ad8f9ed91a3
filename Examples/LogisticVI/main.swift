// logistic-vi: variational inference for Bayesian logistic regression, with the ELBO and the
// importance-weighted bounds IWAE_K reported with their error bars.
//
//     swift run -c release logistic-vi
//     swift run -c release logistic-vi --rows 2000 --samples 20000 --seed 7
//
// The model: P(yᵢ = 1 | w) = σ(xᵢᵀw), w ~ N(0, I), on simulated data (an intercept and four
// standard-normal features, true weights (0.5, −1, 2, 0, 1)). A mean-field and a full-rank
// Gaussian q are fitted by stochastic gradient ascent on the ELBO (sticking-the-landing
// gradients, Adam, stopped when the ELBO stops changing beyond its noise). Then log p(y) is
// bracketed from below: ELBO(q) ≤ IWAE_K(q) ≤ log p(y), and IWAE_K grows towards log p(y) as K
// grows (its gap is about χ²(p‖q)/(2K)). The evidence of logistic regression has no closed form;
// the IWAE ladder is how one sees how far the ELBO is from it.

import ArgumentParser
import Foundation
import MonteCarlo
import NotebookSupport

struct LogisticVIExample: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logistic-vi",
        abstract: "Variational inference for Bayesian logistic regression: ELBO and IWAE bounds with error bars.",
        discussion: """
            Fits mean-field and full-rank Gaussian approximations, then estimates the ELBO of each \
            (plain draws, and quadratic control variates in ε), and IWAE_K for K = 10, 100, 1000 \
            with the full-rank q, each ± its standard error.
            """)

    @Option(help: "Seed of the data, the fits and the estimates.")
    var seed: UInt64 = 2024

    @Option(help: "Observations simulated (at least 20).")
    var rows = 500

    @Option(help: "Draws per ELBO estimate (at least 100); IWAE_K uses samples/K groups of K… at least 20 groups.")
    var samples = 20_000

    @Flag(help: "Print a JSON array of results instead of a table.")
    var json = false

    func validate() throws {
        guard rows >= 20 else { throw ValidationError("--rows must be at least 20 (got \(rows)).") }
        guard samples >= 100 else { throw ValidationError("--samples must be at least 100 (got \(samples)).") }
    }

    func run() {
        exitingOnError("logistic-vi") { try estimate() }
    }

    func estimate() throws(MonteCarloError) {
        let weights = [0.5, -1, 2, 0, 1], p = weights.count
        var generator = RandomStreams(seed: seed).stream(0)
        var design = Matrix(rows: rows, columns: p)
        var labels = [Double](repeating: 0, count: rows)
        for i in 0..<rows {
            design[i, 0] = 1
            for j in 1..<p { design[i, j] = generator.nextStandardNormal() }
            let eta = (0..<p).reduce(0.0) { $0 + design[i, $1] * weights[$1] }
            labels[i] = Double.random(in: 0..<1, using: &generator) < 1 / (1 + exp(-eta)) ? 1 : 0
        }
        let model = try BayesianLogisticRegression(design: design, labels: labels)
        let zeros = [Double](repeating: 0, count: p)
        let fit = VariationalFit(gradient: .stickingTheLanding, samplesPerStep: 16, learningRate: 0.05,
                                 maximumIterations: 4000, checkInterval: 100, samplesPerCheck: 1000)
        let meanField = try fit.run(model: model, initial: try .meanField(mean: zeros, standardDeviations: [Double](repeating: 0.1, count: p)),
                                    seed: seed &+ 1)
        var scale = Matrix.identity(p)
        for j in 0..<p { scale[j, j] = 0.1 }
        let fullRank = try fit.run(model: model, initial: try .fullRank(mean: zeros, lowerScale: scale), seed: seed &+ 2)
        if !json {
            print("logistic-vi: \(rows) observations, \(p) weights (true \(weights)), seed \(seed)")
            for (label, result) in [("mean-field", meanField), ("full-rank", fullRank)] {
                print("  \(label) fit: \(result.iterations) iterations, \(result.converged ? "converged" : "iteration cap reached"); "
                    + "posterior mean ≈ [" + result.approximation.mean.map { Fmt.fixed($0, 2) }.joined(separator: ", ") + "]")
            }
            print("")
        }
        var results: [ExampleResult] = []
        for (label, result) in [("mean-field", meanField), ("full-rank", fullRank)] {
            let elbo = EvidenceLowerBound(model: model, approximation: result.approximation)
            results.append(ExampleResult("ELBO, \(label) q, plain draws", try elbo.estimate(samples: samples, seed: seed &+ 3)))
            results.append(ExampleResult("ELBO, \(label) q, control variates in ε",
                                         try elbo.estimate(samples: samples, seed: seed &+ 3, sampling: .controlVariates)))
        }
        let elbo = EvidenceLowerBound(model: model, approximation: fullRank.approximation)
        for k in [10, 100, 1000] {
            let groups = max(20, samples / k)
            results.append(ExampleResult("IWAE_K, K = \(k), full-rank q (\(groups) groups)",
                                         try elbo.importanceWeighted(groupSize: k, groups: groups, seed: seed &+ 4)))
        }
        ExampleResult.print(results, json: json)
        if !json {
            print("\n  Every row is a lower bound of log p(y) (in expectation); the IWAE_K rows rise towards it as K grows.")
        }
    }
}

LogisticVIExample.main()
