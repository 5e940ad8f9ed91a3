import Foundation
import MonteCarlo
import StatisticalTesting
import Testing

// The worked examples of the family guides, compiled and run. Each guide's Swift block sits
// verbatim (after removing its `import` lines and a common indentation) between
// `// Guide snippet NAME` and `// end guide snippet`, NAME being the article's file name;
// `guideSnippetsAreTheCompiledOnes` fails when a guide and this file drift apart. The tests below
// check each snippet's claims against closed forms.

// MARK: - Sliced Wasserstein

/// The sliced-Wasserstein guide's example: an affine image of a Gaussian cloud in d = 3.
func slicedWassersteinExample() throws -> (
    xs: [[Double]], ys: [[Double]], plain: Estimate, lower: Estimate, orthogonal: Estimate, distance: Estimate
) {
    // Guide snippet SlicedWassersteinGuide
    // ν is the image of μ under y = x/2 + b: every projected transport is monotone, so
    // SW₂² has a closed form (the test computes it from the points).
    var generator = Xoshiro256PlusPlus(seed: 11)
    let xs = (0..<300).map { _ in (0..<3).map { _ in NormalDistribution.standard.draw(using: &generator) } }
    let ys = xs.map { [0.5 * $0[0] + 1, 0.5 * $0[1] + 2, 0.5 * $0[2] - 1] }
    let sw = try SlicedWasserstein(PointCloud(rows: xs), PointCloud(rows: ys), p: 2)

    let plain = try sw.estimate(projections: 1000, seed: 1)
    let lower = try sw.estimate(projections: 1000, method: .controlVariates(.lower), seed: 1)
    let orthogonal = try sw.estimate(projections: 999, method: .orthogonal, seed: 1)
    let distance = try sw.estimateDistance(projections: 1000, method: .controlVariates(.lower), seed: 1)
    print(plain)        // 2.193 ± 0.055 (n = 1000, ESS = 1000)
    print(lower)        // 2.18953 ± 0.00019 (n = 1000, ESS = 8.6e+07): the means differ, the lower bound carries f
    print(orthogonal)   // 2.1897 ± 9.5e-14 (n = 999, ESS = 999): full orthonormal blocks integrate a quadratic f exactly
    print(distance)     // 1.479706 ± 6.3e-05 (n = 1000, ESS = 8.6e+07): SW₂ by the delta method, Jensen bias declared
    // end guide snippet
    return (xs, ys, plain, lower, orthogonal, distance)
}

// MARK: - Mutual information

/// The mutual-information guide's example: two correlated Gaussian coordinate pairs.
func mutualInformationExample() throws -> (
    nwj: Estimate, infoNCE: Estimate, plugIn: Estimate, ksg: Estimate, pointwise: Estimate, batchSize: Int
) {
    // Guide snippet MutualInformationGuide
    // X, Y ∈ ℝ², (Xₖ, Yₖ) correlated with ρ = 0.8: I(X; Y) = −log(1 − 0.8²) = 1.0217 nats.
    let sigma = GaussianCritic.correlatedPairsCovariance(dimension: 2, correlation: 0.8)
    let joint = try MultivariateNormalDistribution(mean: [0, 0, 0, 0], covariance: sigma)
    var generator = Xoshiro256PlusPlus(seed: 3)
    let z = (0..<512).map { _ in joint.draw(using: &generator) }
    let xs = z.map { Array($0[0..<2]) }, ys = z.map { Array($0[2..<4]) }

    // Critic bounds on one batch of B = 512 pairs, here with the exact critic log r.
    let critic = try GaussianCritic(covariance: sigma, xDimension: 2)
    let nwj = try VariationalBound.nwj.estimate(from: critic.scoreMatrix(x: xs, y: ys, offset: 1))
    let infoNCE = try VariationalBound.infoNCE.estimate(from: critic.scoreMatrix(x: xs, y: ys))
    // Estimators from the pairs alone.
    let plugIn = try GaussianMutualInformation.estimate(x: xs, y: ys)
    let ksg = try KSGEstimator(algorithm: .one, neighbors: 3).estimate(x: xs, y: ys)
    // Known densities: Monte Carlo of the pointwise MI, with quadratic control variates.
    let pointwise = try PointwiseMutualInformation.gaussian(covariance: sigma, xDimension: 2)
        .quadraticControlVariateEstimator().run(samples: 1000, seed: 1)
    print(nwj, infoNCE, plugIn, ksg, pointwise, separator: "\n")
    // 1.004 ± 0.051 (n = 512, ESS = 553)         NWJ at T + 1: unbiased for I
    // 1.001 ± 0.051 (n = 512, ESS = 550)         InfoNCE: at most log B = 6.24, below I in expectation
    // 1.011 ± 0.049 (n = 512, ESS = 510)         plug-in: unbiased for Gaussian data
    // 0.956 ± 0.046 (n = 512, ESS = 399)         KSG: no model; its bias is declared, not estimated
    // 1.021651248 ± 8.5e-08 (n = 1000, …)        pointwise MI with quadratic controls: I to rounding
    // end guide snippet
    return (nwj, infoNCE, plugIn, ksg, pointwise, xs.count)
}

// MARK: - Variational inference

/// The variational-inference guide's example: the Normal–Normal model.
func variationalInferenceExample() throws -> (
    model: NormalNormalModel, q: GaussianApproximation, plain: Estimate, quadratic: Estimate, iwae: Estimate,
    fit: VariationalFit.Result
) {
    // Guide snippet VariationalInferenceGuide
    // xᵢ ~ N(θ, 1) with θ ~ N(0, 1): the posterior and log p(x) are closed forms.
    let model = try NormalNormalModel(observations: [0.5, 1.2, -0.3, 0.8, 1.0])
    let q = try GaussianApproximation.meanField(mean: [0.2], standardDeviations: [0.6])
    let elbo = EvidenceLowerBound(model: model, approximation: q)

    let plain = try elbo.estimate(samples: 10_000, seed: 1)
    let quadratic = try elbo.estimate(samples: 10_000, seed: 1, sampling: .controlVariates)
    let iwae = try elbo.importanceWeighted(groupSize: 16, groups: 1000, seed: 1)
    let fit = try VariationalFit().run(model: model, initial: q, seed: 1)
    print(plain)       // -6.868 ± 0.014: unbiased for ELBO(q) = −6.87552
    print(quadratic)   // -6.8755182898 ± 1.5e-09: ELBO(q) to rounding, as log p(x, z) is quadratic in z
    print(iwae)        // -6.3568 ± 0.0054: between ELBO(q) and log p(x) = −6.34724
    print(fit.elbo, fit.converged, fit.iterations)   // -6.347239067333 ± 1.7e-11 (…) true 400
    // end guide snippet
    return (model, q, plain, quadratic, iwae, fit)
}

// MARK: - StatisticalTesting

/// The StatisticalTesting guide's example: E[U²] = 1/3 under three checks.
func statisticalTestingExample() throws -> (
    consistency: StatisticalCheck, report: CalibrationReport, caught: CalibrationReport, factor: StatisticalCheck
) {
    // Guide snippet StatisticalTestingGuide
    let estimator = PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand<Double> { $0 * $0 })

    // One estimate against the truth E[U²] = 1/3: passes iff |z| ≤ 5.
    let consistency = StatisticalCheck.consistency(of: try estimator.run(samples: 10_000, seed: 1), with: 1.0 / 3)

    // Coverage, variance ratio and mean bias over R independent replications.
    let replications = CalibrationScale.current.replications(fast: 400, full: 4000)
    let estimates = try replicate(replications, seed: 9) { _, generator in
        try estimator.run(samples: 1000, seed: generator.next())
    }
    let report = try CalibrationReport(estimates: estimates, truth: 1.0 / 3)

    // The same estimates with error bars half as wide as they should be: the report catches it.
    let overconfident = estimates.map { e in
        Estimate(value: e.value, variance: e.variance / 4, sampleCount: e.sampleCount,
                 effectiveSampleSize: 4 * e.effectiveSampleSize, diagnostics: e.diagnostics)
    }
    let caught = try CalibrationReport(estimates: overconfident, truth: 1.0 / 3)

    // Antithetic pairs (U, 1 − U): Var U² = 4/45, Cov(U², (1 − U)²) = −7/90, factor 8.
    let antithetic = try AntitheticMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand<Double> { $0 * $0 })
        .run(samples: 5000, seed: 2)
    let factor = try StatisticalCheck.varianceReductionFactor(of: antithetic, theoreticalFactor: 8)
    print(consistency, report, caught, factor, separator: "\n")
    // PASS consistency: estimate 0.332927 ± 0.003 is 0.136 standard errors below truth 0.333333; allowed 5 …
    // calibration over 400 replications of truth 0.333333: coverage 95.0% …, variance ratio 1.02, … — PASS
    // calibration over 400 replications of truth 0.333333: coverage 66.2% …, variance ratio 4.06, … — FAIL
    // PASS variance-reduction factor: measured factor 8.11 is 1.01 × the theoretical 8; accepted 0.888…1.13 × …
    // end guide snippet
    return (consistency, report, caught, factor)
}

// MARK: - The checks

@Suite("Guide snippets")
struct GuideSnippetTests {
    /// The guides with a worked example, by file name, and where they live.
    static let guides = [
        "SlicedWassersteinGuide": "Sources/SlicedWassersteinModule/SlicedWassersteinModule.docc/SlicedWassersteinGuide.md",
        "MutualInformationGuide": "Sources/MutualInformation/MutualInformation.docc/MutualInformationGuide.md",
        "VariationalInferenceGuide": "Sources/VariationalInference/VariationalInference.docc/VariationalInferenceGuide.md",
        "StatisticalTestingGuide": "Sources/StatisticalTesting/StatisticalTesting.docc/StatisticalTestingGuide.md",
    ]

    @Test("every Swift block of the four guides is the snippet compiled here", arguments: guides.keys.sorted())
    func guideSnippetsAreTheCompiledOnes(name: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let guide = try String(contentsOf: root.appendingPathComponent(Self.guides[name]!), encoding: .utf8)
        let here = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let blocks = ReadmeSnippetTests.swiftBlocks(guide)
        let snippets = ReadmeSnippetTests.compiledSnippets(here, start: "// Guide snippet \(name)", end: "// end guide snippet")
        #expect(blocks.count == 1, "\(name) has \(blocks.count) Swift blocks; one, its worked example, is compiled here")
        #expect(snippets.count == 1, "this file holds \(snippets.count) snippets of \(name)")
        guard let block = blocks.first, let snippet = snippets.first else { return }
        let code = block.filter { !$0.hasPrefix("import ") }
        #expect(ReadmeSnippetTests.dedented(code) == snippet, "\(name)'s Swift block differs from the compiled snippet")
        for module in block.filter({ $0.hasPrefix("import ") }) {
            #expect(here.contains("\n\(module)\n"), "\(name)'s snippet needs `\(module)`")
        }
    }

    @Test("sliced Wasserstein: plain and lower-CV within 5 SE of the affine-image closed form; the lower control's variance-reduction factor matches its closed form; one orthonormal block is exact")
    func slicedWassersteinClaims() throws {
        let (xs, ys, plain, lower, orthogonal, distance) = try slicedWassersteinExample()
        // f(θ) = θᵀMθ with M = (1/n) Σ vᵢvᵢᵀ, vᵢ = xᵢ − yᵢ (the sort order is preserved), so
        // SW₂² = tr M/d and Var_θ f = 2(d tr M² − (tr M)²)/(d²(d + 2)) (uniform θ on S^{d−1}).
        let d = 3, n = Double(xs.count)
        var m = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        for (x, y) in zip(xs, ys) {
            for a in 0..<d { for b in 0..<d { m[a][b] += (x[a] - y[a]) * (x[b] - y[b]) / n } }
        }
        // The lower control C(θ) = (θᵀΔm)², Δm = mean x − mean y: a quadratic form too.
        var delta = [Double](repeating: 0, count: d)
        for (x, y) in zip(xs, ys) { for a in 0..<d { delta[a] += (x[a] - y[a]) / n } }
        let a = (0..<d).map { i in (0..<d).map { j in delta[i] * delta[j] } }
        func trace(_ p: [[Double]]) -> Double { (0..<d).reduce(0) { $0 + p[$1][$1] } }
        func traceOfProduct(_ p: [[Double]], _ q: [[Double]]) -> Double {
            var sum = 0.0
            for i in 0..<d { for j in 0..<d { sum += p[i][j] * q[j][i] } }
            return sum
        }
        func covariance(_ p: [[Double]], _ q: [[Double]]) -> Double {
            let dd = Double(d)
            return 2 * (dd * traceOfProduct(p, q) - trace(p) * trace(q)) / (dd * dd * (dd + 2))
        }
        let truth = trace(m) / Double(d)
        for estimate in [plain, lower] {
            let check = StatisticalCheck.consistency(of: estimate, with: truth)
            #expect(check.passed, "\(check)")
        }
        // Plain: the reported variance s²/L against the exact σ²_f/L (χ² bound, L − 1 d.o.f.).
        let plainCheck = try StatisticalCheck.varianceReductionFactor(
            covariance(m, m) / Double(plain.sampleCount) / plain.variance, theoreticalFactor: 1,
            plainDegreesOfFreedom: 1e12, reducedDegreesOfFreedom: Double(plain.sampleCount - 1))
        #expect(plainCheck.passed, "\(plainCheck)")
        // Lower control: factor 1/(1 − ρ²), ρ the correlation of θᵀMθ and θᵀAθ.
        let rho2 = pow(covariance(m, a), 2) / (covariance(m, m) * covariance(a, a))
        let factor = try StatisticalCheck.varianceReductionFactor(
            of: lower, theoreticalFactor: 1 / (1 - rho2), reducedDegreesOfFreedom: Double(lower.sampleCount - 2))
        #expect(factor.passed, "\(factor)")
        // One orthonormal block θ₁…θ_d has Σ θᵢᵀMθᵢ = tr M: every block mean is SW₂² to rounding.
        #expect(abs(orthogonal.value - truth) <= 1e-12 * truth, "orthogonal \(orthogonal.value) vs \(truth)")
        #expect(orthogonal.standardError <= 1e-12 * truth)
        // SW₂ by the delta method: the root of the SW₂² estimate, with a declared Jensen bias.
        #expect(abs(distance.value - lower.value.squareRoot()) <= 1e-12 * distance.value)
        #expect(distance.diagnostics.declaredBias != nil)
        let rootCheck = StatisticalCheck.consistency(of: distance, with: truth.squareRoot())
        #expect(rootCheck.passed, "\(rootCheck)")
    }

    @Test("mutual information: NWJ at the exact critic, the plug-in and the quadratic-CV PMI match the closed form; InfoNCE stays below log B")
    func mutualInformationClaims() throws {
        let (nwj, infoNCE, plugIn, ksg, pointwise, batchSize) = try mutualInformationExample()
        let truth = -log(1 - 0.8 * 0.8)   // per pair −½ log(1 − ρ²), two pairs
        // NWJ(T + 1) with T = log r is unbiased for I; the plug-in is exactly unbiased for
        // Gaussian data (Wishart correction).
        for estimate in [nwj, plugIn] {
            let check = StatisticalCheck.consistency(of: estimate, with: truth)
            #expect(check.passed, "\(check)")
        }
        // InfoNCE ≤ log B always, and its expectation is below I.
        #expect(infoNCE.value <= log(Double(batchSize)))
        #expect(infoNCE.value <= truth + 5 * infoNCE.standardError)
        // The PMI of a Gaussian is a quadratic form: the controls reproduce it, I to rounding.
        #expect(abs(pointwise.value - truth) <= 1e-9, "pointwise \(pointwise.value) vs \(truth)")
        // KSG: biased, with the direction declared, and an error bar from its rescaled jackknife.
        #expect(ksg.diagnostics.declaredBias != nil)
        #expect(ksg.variance > 0 && ksg.degreesOfFreedom == 7)
    }

    @Test("variational inference: the ELBO estimates match ELBO(q) = log p(x) − KL(q ‖ posterior); IWAE lies between ELBO(q) and log p(x); the fit's ELBO matches its own closed form")
    func variationalInferenceClaims() throws {
        let (model, q, plain, quadratic, iwae, fit) = try variationalInferenceExample()
        // Conjugate closed forms, written out here: posterior N(μₙ, τₙ²) with
        // 1/τₙ² = 1/τ₀² + n/σ² and μₙ = τₙ²(μ₀/τ₀² + Σxᵢ/σ²) (μ₀ = 0, τ₀ = σ = 1), and
        // log p(x) = log p(x | θ) + log p(θ) − log p(θ | x) at any θ.
        let x = model.observations, n = Double(x.count)
        let posteriorVariance = 1 / (1 + n), posteriorMean = posteriorVariance * x.reduce(0, +)
        func logNormal(_ v: Double, mean: Double, variance: Double) -> Double {
            -0.5 * log(2 * Double.pi * variance) - (v - mean) * (v - mean) / (2 * variance)
        }
        let theta = posteriorMean
        let logEvidence = x.reduce(0) { $0 + logNormal($1, mean: theta, variance: 1) }
            + logNormal(theta, mean: 0, variance: 1) - logNormal(theta, mean: posteriorMean, variance: posteriorVariance)
        func elbo(mean: Double, standardDeviation s: Double) -> Double {
            let kl = log(posteriorVariance.squareRoot() / s)
                + (s * s + (mean - posteriorMean) * (mean - posteriorMean)) / (2 * posteriorVariance) - 0.5
            return logEvidence - kl
        }
        let truth = elbo(mean: q.mean[0], standardDeviation: q.scale[0, 0])
        let plainCheck = StatisticalCheck.consistency(of: plain, with: truth)
        #expect(plainCheck.passed, "\(plainCheck)")
        #expect(abs(quadratic.value - truth) <= 1e-9, "quadratic controls \(quadratic.value) vs \(truth)")
        // ELBO(q) ≤ IWAE_K ≤ log p(x); the estimate is unbiased for IWAE_K.
        #expect(iwae.value - 5 * iwae.standardError <= logEvidence)
        #expect(iwae.value + 5 * iwae.standardError >= truth)
        // The fit's final ELBO: an unbiased estimate of ELBO(q_fit), whose closed form is known.
        let fitted = elbo(mean: fit.approximation.mean[0], standardDeviation: fit.approximation.scale[0, 0])
        let fitCheck = StatisticalCheck.consistency(of: fit.elbo, with: fitted)
        #expect(fitCheck.passed, "\(fitCheck)")
        #expect(fit.converged && fit.iterations < VariationalFit().maximumIterations)
    }

    @Test("StatisticalTesting: the honest estimator passes every check, the overconfident one fails")
    func statisticalTestingClaims() throws {
        let (consistency, report, caught, factor) = try statisticalTestingExample()
        #expect(consistency.passed, "\(consistency)")
        #expect(report.passed, "\(report)")
        #expect(factor.passed, "\(factor)")
        // Intervals half as wide cover about 2Φ(0.98) − 1 = 67%, and the variance ratio is about 4.
        #expect(!caught.coverage.passed && !caught.varianceCalibration.passed, "\(caught)")
        #expect(caught.meanBias.passed, "\(caught)")   // the values themselves are unbiased
    }
}
