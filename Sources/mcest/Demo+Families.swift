import Foundation
import MonteCarlo

/// The demo's second part: one short section per application family (sliced Wasserstein, mutual
/// information, the ELBO, Stein control variates on a Markov chain), each on a problem with an
/// exact answer, so every line can be read against its truth.
extension Demo {
    /// Problem sizes, scaled with `--samples` (the defaults at --samples 100000).
    var cloudPoints: Int { min(1000, max(100, evaluations / 100)) }
    var projections: Int { min(1000, max(100, evaluations / 100)) }
    var mutualInformationPairs: Int { min(2000, max(400, evaluations / 50)) }
    var chainDraws: Int { min(300, max(100, evaluations / 400)) }

    func families() throws(MonteCarloError) -> [DemoSection] {
        [try slicedWasserstein(), try mutualInformation(), try evidence(), try steinOnChain()]
    }

    /// SW₂² between a Gaussian cloud and a curved one in the plane; the truth is the average of
    /// W₂² over ``exactAngles`` equally spaced directions (the midpoint rule on the half circle, exact
    /// to far below the error bars: W₂²(θ) is periodic and piecewise smooth).
    func slicedWasserstein() throws(MonteCarloError) -> DemoSection {
        let n = cloudPoints, projections = projections, seed = seed
        var generator = RandomStreams(seed: seed).stream(Self.familyStream)
        let xs = (0..<n).map { _ in [generator.nextStandardNormal(), generator.nextStandardNormal()] }
        let ys = (0..<n).map { _ in
            let a = generator.nextStandardNormal(), b = generator.nextStandardNormal()
            return [2 + a, -1 + 0.5 * b + 0.5 * a * a]
        }
        let problem = try SlicedWasserstein(try PointCloud(rows: xs), try PointCloud(rows: ys), p: 2)
        var directions: [Double] = []
        directions.reserveCapacity(2 * Self.exactAngles)
        for k in 0..<Self.exactAngles {
            let angle = Double.pi * (Double(k) + 0.5) / Double(Self.exactAngles)
            directions += [cos(angle), sin(angle)]
        }
        let truth = try problem.projectedCosts(directions: directions).reduce(0, +) / Double(Self.exactAngles)
        let methods: [(String, SlicedWasserstein.Method)] = [
            ("plain", .monteCarlo), ("orthogonal", .orthogonal), ("control variates", .controlVariates(.both)),
        ]
        var rows: [ResultRow] = []
        for (name, method) in methods {
            rows.append(try ResultRow.measure(problem: "SW2^2", method: name, truth: truth) { () throws(MonteCarloError) in
                try problem.estimate(projections: projections, method: method, seed: seed)
            })
        }
        return DemoSection(
            title: "4. Sliced Wasserstein: SW₂² between two clouds of \(n) points in the plane",
            preamble: [
                "X ~ N(0, I2); Y = (2 + a, −1 + b/2 + a²/2), a, b ~ N(0, 1) independent of X (a curved cloud).",
                "truth: \(truth) (W₂² averaged over \(Self.exactAngles) equally spaced directions: in d = 2 SW is a 1-D integral)",
            ],
            rows: rows, deviationHeader: "|est-truth|/SE",
            notes: [
                "\(projections) directions per method; orthogonal: random orthonormal pairs; control variates: the Gaussian "
                    + "lower and upper bounds (Nguyen & Ho 2024) in one cross-fitted regression.",
            ])
    }

    /// Directions of the sliced-Wasserstein section's quadrature truth.
    static let exactAngles = 20_000

    /// I(X; Y) for a bivariate normal with correlation ρ: −½ log(1 − ρ²).
    func mutualInformation() throws(MonteCarloError) -> DemoSection {
        let rho = 0.6, n = mutualInformationPairs, seed = seed
        let truth = -0.5 * log(1 - rho * rho)
        var generator = RandomStreams(seed: seed).stream(Self.familyStream + 1)
        var x: [[Double]] = [], y: [[Double]] = []
        for _ in 0..<n {
            let a = generator.nextStandardNormal(), e = generator.nextStandardNormal()
            x.append([a])
            y.append([rho * a + (1 - rho * rho).squareRoot() * e])
        }
        // The bound: a Gaussian critic fitted on the first half, NWJ averaged over batches of the second half.
        let half = n / 2, batchSize = 100
        let rows = [
            try ResultRow.measure(problem: "I(X;Y)", method: "KSG (k = 3)", truth: truth) { () throws(MonteCarloError) in
                try KSGEstimator(algorithm: .one, neighbors: 3, subsampleBlocks: 8, seed: seed).estimate(x: x, y: y)
            },
            try ResultRow.measure(problem: "I(X;Y)", method: "Gaussian closed form", truth: truth) { () throws(MonteCarloError) in
                try GaussianMutualInformation.estimate(x: x, y: y, biasCorrected: true)
            },
            try ResultRow.measure(problem: "I(X;Y)", method: "NWJ bound", truth: truth) { () throws(MonteCarloError) in
                let critic: TrainedCritic
                do {
                    critic = try TrainedCritic.fit(.gaussian, x: Array(x[..<half]), y: Array(y[..<half]), for: .nwj,
                                                   settings: TrainedCritic.Settings(seed: seed))
                } catch { throw .invalidArgument("Fitting the demo's Gaussian critic failed: \(error)") }
                var accumulator = VariationalBoundAccumulator(bound: .nwj, batchSize: batchSize)
                for start in stride(from: half, to: n - batchSize + 1, by: batchSize) {
                    try accumulator.add(try critic.scoreMatrix(x: Array(x[start..<(start + batchSize)]),
                                                               y: Array(y[start..<(start + batchSize)])))
                }
                return try accumulator.estimate()
            },
        ]
        return DemoSection(
            title: "5. Mutual information: \(n) pairs of a bivariate normal, ρ = \(rho)",
            preamble: ["truth: −½ log(1 − ρ²) = \(truth) nats"],
            rows: rows, deviationHeader: "|est-truth|/SE",
            notes: [
                "KSG: jackknife standard error; biased low in high dimension (not here, d = 1 + 1).",
                "NWJ: Gaussian critic fitted on \(half) pairs, the bound averaged over batches of \(batchSize) of the other "
                    + "\(n - half) (all off-diagonal negatives); a lower bound, tight for the optimal critic.",
                "VRF n/a: these estimators have no plain Monte Carlo counterpart on the same draws.",
            ])
    }

    /// The ELBO of a deliberately imperfect q and the IWAE bounds, in the normal–normal model.
    func evidence() throws(MonteCarloError) -> DemoSection {
        var generator = RandomStreams(seed: seed).stream(Self.familyStream + 2)
        let observations = (0..<20).map { _ in 0.7 + generator.nextStandardNormal() }
        let model = try NormalNormalModel(observations: observations)
        let posteriorSD = model.posteriorVariance.squareRoot()
        // q is off by half a posterior SD in the mean and 1.5× too wide.
        let qMean = model.posteriorMean + 0.5 * posteriorSD, qSD = 1.5 * posteriorSD
        let q = try GaussianApproximation.meanField(mean: [qMean], standardDeviations: [qSD])
        let bound = EvidenceLowerBound(model: model, approximation: q)
        // ELBO(q) = log p(x) − KL(q ‖ posterior), the KL between two normals in closed form.
        let kl = log(posteriorSD / qSD) + (qSD * qSD + pow(qMean - model.posteriorMean, 2)) / (2 * model.posteriorVariance) - 0.5
        let logEvidence = model.logEvidence, elbo = logEvidence - kl
        let n = evaluations, seed = seed
        var rows = [
            try ResultRow.measure(problem: "ELBO", method: "ELBO, plain", truth: elbo) { () throws(MonteCarloError) in
                try bound.estimate(samples: n, seed: seed)
            },
            try ResultRow.measure(problem: "ELBO", method: "ELBO, RQMC Sobol", truth: elbo) { () throws(MonteCarloError) in
                try bound.estimate(samples: replicates, seed: seed, sampling: .quasiMonteCarlo(pointsPerReplicate: pointsPerReplicate))
            },
        ]
        for k in [10, 100] {
            var row = try ResultRow.measure(problem: "IWAE", method: "IWAE, K = \(k)", truth: nil) { () throws(MonteCarloError) in
                try bound.importanceWeighted(groupSize: k, groups: max(20, n / k), seed: seed)
            }
            row.upperBound = logEvidence
            rows.append(row)
        }
        return DemoSection(
            title: "6. ELBO and IWAE: normal–normal model, 20 observations, q off by ½ SD and 1.5× too wide",
            preamble: [
                "exact log evidence log p(x) = \(logEvidence)",
                "truth of the ELBO rows: ELBO(q) = log p(x) − KL(q ‖ posterior) = \(elbo) (KL = \(kl))",
                "IWAE_K lies between them and rises to log p(x) as K grows (no closed form: deviation n/a).",
            ],
            rows: rows, deviationHeader: "|est-truth|/SE",
            notes: [rqmcNote + " IWAE: about \(n) evaluations per K; its VRF is against plain draws of its own group means."])
    }

    /// Stein (zero-variance) control variates on four chains targeting N(μ, I₂).
    func steinOnChain() throws(MonteCarloError) -> DemoSection {
        let mean = [1.0, -0.5], chains = 4, length = chainDraws, autocorrelation = 0.5
        var generator = RandomStreams(seed: seed).stream(Self.familyStream + 3)
        var points: [[Double]] = [], scores: [[Double]] = []
        // Preconditioned Crank–Nicolson proposals x' = μ + a(x − μ) + √(1 − a²) ξ: reversible for
        // N(μ, I), so on this target every proposal is accepted. Each chain starts in stationarity.
        for _ in 0..<chains {
            var x = mean.map { $0 + generator.nextStandardNormal() }
            for _ in 0..<length {
                x = (0..<2).map { mean[$0] + autocorrelation * (x[$0] - mean[$0]) + (1 - autocorrelation * autocorrelation).squareRoot() * generator.nextStandardNormal() }
                points.append(x)
                scores.append((0..<2).map { mean[$0] - x[$0] })
            }
        }
        // f(x) = exp(x₁/2) + sin(x₂): E f = exp(μ₁/2 + 1/8) + sin(μ₂) e^(−1/2).
        let truth = exp(mean[0] / 2 + 0.125) + sin(mean[1]) * exp(-0.5)
        let values = points.map { exp($0[0] / 2) + sin($0[1]) }
        let sample = try SteinSample(points: points, scores: scores,
                                     dependence: .chains(lengths: Array(repeating: length, count: chains), longRunVariance: .auto))
        let rows = [
            try ResultRow.measure(problem: "E[f]", method: "sample mean", truth: truth) { () throws(MonteCarloError) in
                try SampleMean().estimate(sample: sample, values: values)
            },
            try ResultRow.measure(problem: "E[f]", method: "ZV-CV, degree 1", truth: truth) { () throws(MonteCarloError) in
                try ZeroVarianceControlVariates(degree: 1, folds: 2).estimate(sample: sample, values: values)
            },
            try ResultRow.measure(problem: "E[f]", method: "ZV-CV, degree 2", truth: truth) { () throws(MonteCarloError) in
                try ZeroVarianceControlVariates(degree: 2, folds: 2).estimate(sample: sample, values: values)
            },
        ]
        return DemoSection(
            title: "7. Stein control variates on a Markov chain: \(chains) chains × \(length) draws targeting N((1, −0.5), I2)",
            preamble: ["f(x) = exp(x1/2) + sin(x2); truth: exp(μ1/2 + 1/8) + sin(μ2) e^(−1/2) = \(truth)"],
            rows: rows, deviationHeader: "|est-truth|/SE",
            notes: [
                "chains: preconditioned Crank–Nicolson, lag-1 autocorrelation \(autocorrelation); error bars from the long-run "
                    + "variance; ZV-CV cross-fitted on contiguous blocks of each chain (Mira et al. 2013).",
                "VRF = ESS/n: the i.i.d. variance σ²/n over the estimator's variance; the sample mean's is below 1 "
                    + "because the draws are autocorrelated. Gain over the sample mean on the same draws (ratio of "
                    + "squared standard errors): " + rows.dropFirst().map {
                        "\($0.method) " + String(format: "%.1f×", pow(rows[0].standardError / $0.standardError, 2))
                    }.joined(separator: ", ") + ".",
            ])
    }

    /// First random stream of the family sections: disjoint from the table's and the reference's.
    static let familyStream = 1 << 41
}
