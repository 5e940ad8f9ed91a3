import Foundation
import Testing
import MonteCarloCore
import StatisticalTesting
import VarianceReduction

/// Stratified sampling, post-stratification and Latin hypercube sampling against closed forms.
///
/// Each test runs R independent replications (R = 200 by default, 2000 with
/// MONTECARLO_CALIBRATION=full) and checks, each at false-alarm probability 10⁻³:
/// - the calibration report (coverage in the Binomial(R, 0.95) region — at R = 200 the region
///   is about 0.90…0.985, so coverage 0.85 fails with probability > 0.9 —, empirical against
///   reported variance, mean bias);
/// - the empirical variance s² of the R values against the exact variance V of the estimator,
///   derived in closed form below: (R − 1)s²/V ~ χ²_{R−1} for normal values;
/// - the mean reported variance v̄ against V: each reported variance is a sum of independent
///   scaled χ² terms, approximately V·χ²_ν/ν with Satterthwaite's ν, so R·ν·v̄/V ~ χ²_{Rν}.
/// The within-stratum values here are bounded and nearly uniform (kurtosis below 3), which makes
/// the χ² bounds on variance estimates conservative.
@Suite("Stratification and Latin hypercube", .tags(.calibration))
struct StratificationTests {
    static let replications = CalibrationScale.current.replications(fast: 200, full: 2000)
    static let alpha = 1e-3

    /// χ²_ν/ν quantiles at α/2 and 1 − α/2.
    static func chiSquareBand(_ nu: Double) -> ClosedRange<Double> {
        ChiSquaredDistribution.quantile(alpha / 2, degreesOfFreedom: nu) / nu
            ... ChiSquaredDistribution.quantile(1 - alpha / 2, degreesOfFreedom: nu) / nu
    }

    /// Mean and variance of e^{cU}, U uniform on [a, b].
    static func exponentialMoments(_ c: Double, on a: Double, _ b: Double) -> (mean: Double, variance: Double) {
        let mean = (exp(c * b) - exp(c * a)) / (c * (b - a))
        let second = (exp(2 * c * b) - exp(2 * c * a)) / (2 * c * (b - a))
        return (mean, second - mean * mean)
    }

    /// Runs the replications and checks calibration, s²/V and v̄/V.
    /// - Parameters:
    ///   - exactVariance: V, the estimator's variance in closed form.
    ///   - reportedDegreesOfFreedom: ν of one reported variance (Satterthwaite, or R − 1).
    func checkReplications<E: MonteCarloEstimator>(
        _ estimator: E, samples: Int, truth: Double, exactVariance: Double, reportedDegreesOfFreedom: Double,
        label: String
    ) throws where E.Output == Estimate {
        let estimates = try replicate(Self.replications) { r throws(MonteCarloError) in
            try MonteCarloDriver(stoppingRule: .sampleCount(samples), threadCount: 2)
                .run(estimator, seed: 50_000 + UInt64(r)).estimate
        }
        let report = try CalibrationReport(estimates: estimates, truth: truth)
        #expect(report.passed, "\(label): \(report)")
        let empirical = report.empiricalVariance / exactVariance
        #expect(Self.chiSquareBand(Double(Self.replications - 1)).contains(empirical),
                "\(label): empirical variance / exact = \(empirical), band \(Self.chiSquareBand(Double(Self.replications - 1)))")
        let reported = report.meanReportedVariance / exactVariance
        let band = Self.chiSquareBand(Double(Self.replications) * reportedDegreesOfFreedom)
        #expect(band.contains(reported), "\(label): mean reported variance / exact = \(reported), band \(band)")
    }

    /// Satterthwaite's ν for a variance Σ v_h with v_h estimated from n_h values.
    static func satterthwaite(_ parts: [(variance: Double, count: Int)]) -> Double {
        let total = parts.reduce(0) { $0 + $1.variance }
        return total * total / parts.reduce(0) { $0 + $1.variance * $1.variance / Double($1.count - 1) }
    }

    // MARK: - Stratified sampling

    @Test("proportional: f = e^{2u₀} + u₁², 8 strata on u₀; variance (1/n) Σ w_h σ_h² exactly")
    func proportional() throws {
        // σ_h² = Var(e^{2U} | stratum h) + Var(U²), Var(U²) = 1/5 − 1/9 = 4/45; plain σ² is
        // Var(e^{2U}) + 4/45 = 1.1336 + 0.0889, so the factor σ²/Σ w_h σ_h² is about 10.
        let strata = 8, perStratum = 4, sweeps = 64
        let grid = try StratificationGrid(coordinates: [0], divisions: [strata], cubeDimension: 2)
        let estimator = try StratifiedMonteCarlo(
            sampler: try UnitCube(dimension: 2), integrand: Integrand { exp(2 * $0[0]) + $0[1] * $0[1] },
            grid: grid, drawsPerStratum: perStratum)
        let within = (0..<strata).map { h in
            Self.exponentialMoments(2, on: Double(h) / Double(strata), Double(h + 1) / Double(strata)).variance + 4.0 / 45
        }
        let w = 1 / Double(strata), n = strata * perStratum * sweeps
        let exact = within.reduce(0) { $0 + w * w * $1 / Double(perStratum * sweeps) }
        let plain = (Self.exponentialMoments(2, on: 0, 1).variance + 4.0 / 45) / Double(n)
        #expect(abs(exact * Double(n) - within.reduce(0, +) * w) < 1e-12)   // proportional: (1/n) Σ w_h σ_h²
        let truth = (exp(2.0) - 1) / 2 + 1.0 / 3
        try checkReplications(
            estimator, samples: sweeps, truth: truth, exactVariance: exact,
            reportedDegreesOfFreedom: Self.satterthwaite(within.map { (w * w * $0 / Double(perStratum * sweeps), perStratum * sweeps) }),
            label: "proportional (factor vs plain \(plain / exact))")

        // The reported variance-reduction factor on one long run against σ²/(n V) = plain/exact.
        let long = try estimator.run(samples: 2000, seed: 7)
        #expect(StatisticalCheck.consistency(of: long, with: truth).passed, "\(long)")
        let factor = try StatisticalCheck.varianceReductionFactor(of: long, theoreticalFactor: plain / exact)
        #expect(factor.passed, "\(factor)")
    }

    @Test("Neyman allocation from a pilot: f = e^{4u}, 8 strata; variance Σ w_h² σ_h²/n_h exactly")
    func neyman() throws {
        let strata = 8, perSweep = 64, sweeps = 32
        let grid = try StratificationGrid(divisions: strata, cubeDimension: 1)
        let f = Integrand<Double> { exp(4 * $0) }
        let estimator = try StratifiedMonteCarlo.neyman(
            sampler: UniformDistribution.unit, integrand: f, grid: grid, drawsPerSample: perSweep, seed: 99)
        let sigma = (0..<strata).map { h in
            Self.exponentialMoments(4, on: Double(h) / Double(strata), Double(h + 1) / Double(strata)).variance.squareRoot()
        }
        let w = 1 / Double(strata)
        let n = estimator.evaluationsPerSample * sweeps
        let exact = zip(sigma, estimator.allocation).reduce(0) { $0 + w * w * $1.0 * $1.0 / Double($1.1 * sweeps) }
        // The allocation follows σ_h: it is more than a factor of 10 apart across the strata,
        // and the variance lies between the Neyman optimum (Σ w_h σ_h)²/n and proportional's.
        let optimum = pow(sigma.reduce(0) { $0 + w * $1 }, 2) / Double(n)
        let proportional = sigma.reduce(0) { $0 + w * $1 * $1 } / Double(n)
        #expect(estimator.allocation.last! > 10 * estimator.allocation.first!, "\(estimator.allocation)")
        #expect(optimum <= exact && exact < 0.6 * proportional, "optimum \(optimum), exact \(exact), proportional \(proportional)")
        let parts = zip(sigma, estimator.allocation).map { (w * w * $0 * $0 / Double($1 * sweeps), $1 * sweeps) }
        try checkReplications(
            estimator, samples: sweeps, truth: (exp(4.0) - 1) / 4, exactVariance: exact,
            reportedDegreesOfFreedom: Self.satterthwaite(parts), label: "Neyman \(estimator.allocation)")
    }

    @Test("post-stratification: f = e^{2u}, 8 strata; conditionally unbiased, calibrated")
    func postStratification() throws {
        // Unconditional variance to second order (Cochran 1977, eq. 5A.42):
        // (1/n) Σ w_h σ_h² + (1/n²) Σ (1 − w_h) σ_h²; the next term is below 10⁻⁴ relative here.
        // The reported variance also varies through the random counts n_h (relative variance
        // about (1 − w)/(n w H) = 4·10⁻⁴), but the nearly uniform values within a stratum
        // (kurtosis ≈ 1.8) make s_h² vary 2.5 times less than the χ² law says, so the
        // Satterthwaite χ² band on the mean reported variance stays conservative.
        let strata = 8, n = 2048
        let grid = try StratificationGrid(divisions: strata, cubeDimension: 1)
        let estimator = try PostStratifiedMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { exp(2 * $0) },
                                                     grid: grid)
        let within = (0..<strata).map { h in
            Self.exponentialMoments(2, on: Double(h) / Double(strata), Double(h + 1) / Double(strata)).variance
        }
        let w = 1 / Double(strata)
        let exact = within.reduce(0) { $0 + w * $1 } / Double(n) + within.reduce(0) { $0 + (1 - w) * $1 } / Double(n * n)
        let parts = within.map { (w * w * $0 / (Double(n) * w), n / strata) }
        try checkReplications(estimator, samples: n, truth: (exp(2.0) - 1) / 2, exactVariance: exact,
                              reportedDegreesOfFreedom: Self.satterthwaite(parts), label: "post-stratified")
    }

    // MARK: - Latin hypercube sampling

    @Test("replicated LHS: f = Σ u_j in 4 dimensions; design-mean variance d/(12 m³), m² below plain")
    func latinHypercubeAdditive() throws {
        // A design mean of u_j is (m − 1)/(2m) + (1/m²) Σ_i U_ij: variance m/(12 m⁴) per
        // coordinate, independent across coordinates. Plain m draws: d/(12 m).
        let d = 4, m = 16, designs = 10
        let estimator = try LatinHypercubeSampling(
            sampler: try UnitCube(dimension: d), integrand: Integrand { $0.reduce(0, +) }, designSize: m)
        let exact = Double(d) / (12 * pow(Double(m), 3)) / Double(designs)
        try checkReplications(estimator, samples: designs, truth: Double(d) / 2, exactVariance: exact,
                              reportedDegreesOfFreedom: Double(designs - 1), label: "LHS additive")
    }

    @Test("replicated LHS: f = u₀u₁ keeps only the interaction, variance ≈ Var(r)/m")
    func latinHypercubeInteraction() throws {
        // u₀u₁ = 1/4 + (u₀ − ½)/2 + (u₁ − ½)/2 + (u₀ − ½)(u₁ − ½): the interaction r has variance
        // 1/144 of 7/144 in all. Exactly: with cells i and σ(i) (σ a uniform permutation), the
        // design mean M = m⁻³ Σ (i + U_i)(σ(i) + V_i) has Var E[M | σ] = (m − 1)(m + 1)²/(144 m⁴)
        // (variance of a linear permutation statistic) and E Var[M | σ] = ((4m² − 1)/72 + 1/144)/m⁵;
        // at m = 1 the sum is 7/144, plain Monte Carlo's variance, and for large m it is ≈ 1/(144 m).
        let m = 256, designs = 8
        let estimator = try LatinHypercubeSampling(
            sampler: try UnitCube(dimension: 2), integrand: Integrand { $0[0] * $0[1] }, designSize: m)
        let size = Double(m)
        let designVariance = (size - 1) * (size + 1) * (size + 1) / (144 * pow(size, 4))
            + ((4 * size * size - 1) / 72 + 1.0 / 144) / pow(size, 5)
        #expect(designVariance * 144 * size > 1 && designVariance * 144 * size < 1.005)
        try checkReplications(estimator, samples: designs, truth: 0.25, exactVariance: designVariance / Double(designs),
                              reportedDegreesOfFreedom: Double(designs - 1), label: "LHS interaction")
    }

    @Test("randomized orthogonal array (q = 7): f = u₀u₁ stratified on the 7 × 7 grid, exact variance")
    func orthogonalArray() throws {
        // Columns 0 and 1 of a strength-2 array put one point in each of the q² cells of the
        // (u₀, u₁) grid, independently uniform within it, so a design mean has variance
        // n⁻² Σ_cells Var(u₀u₁ | cell) = ((4q² − 1)/72 + 1/144)/q⁶ with n = q² (as for the
        // conditional LHS term above, with q cells per side instead of m).
        let q = 7, designs = 8
        let estimator = try LatinHypercubeSampling(
            sampler: try UnitCube(dimension: 3), integrand: Integrand { $0[0] * $0[1] + $0[2] }, orthogonalArrayLevels: q)
        let size = Double(q)
        // u₂ adds the variance of a one-dimensional stratified mean with q points in each of q cells: 1/(12 q² · q²).
        let designVariance = ((4 * size * size - 1) / 72 + 1.0 / 144) / pow(size, 6) + 1 / (12 * pow(size, 4))
        try checkReplications(estimator, samples: designs, truth: 0.75, exactVariance: designVariance / Double(designs),
                              reportedDegreesOfFreedom: Double(designs - 1), label: "randomized OA")
        #expect(throws: MonteCarloError.self) {
            try LatinHypercubeSampling(sampler: try UnitCube(dimension: 3), integrand: Integrand { $0[0] }, orthogonalArrayLevels: 4)
        }
        #expect(throws: MonteCarloError.self) {
            try LatinHypercubeSampling(sampler: try UnitCube(dimension: 5), integrand: Integrand { $0[0] }, orthogonalArrayLevels: 3)
        }
    }

    // MARK: - Composition, driver and bad input

    @Test("control variates stack on proportional stratified sweeps and on LHS designs")
    func stacking() throws {
        let grid = try StratificationGrid(divisions: 4, cubeDimension: 1)
        let f = Integrand<Double> { exp($0) }
        let control = try VectorIntegrand<Double>(outputDimension: 1) { [$0 * $0] }
        let stratified = try StratifiedMonteCarlo(sampler: UniformDistribution.unit, integrand: f, grid: grid, drawsPerStratum: 2)
        let stacked = try ControlVariates(stratified, controls: control, controlMeans: [1.0 / 3]).run(samples: 2000, seed: 3)
        #expect(StatisticalCheck.consistency(of: stacked, with: exp(1.0) - 1).passed, "\(stacked)")
        #expect(stacked.diagnostics.method.hasPrefix("stratified+"))
        let lhs = try LatinHypercubeSampling(sampler: UniformDistribution.unit, integrand: f, designSize: 8)
        let stackedLHS = try ControlVariates(lhs, controls: control, controlMeans: [1.0 / 3]).run(samples: 2000, seed: 4)
        #expect(StatisticalCheck.consistency(of: stackedLHS, with: exp(1.0) - 1).passed, "\(stackedLHS)")
        // A non-proportional allocation makes the equally weighted sweep average biased: refused.
        let allocated = try StratifiedMonteCarlo(sampler: UniformDistribution.unit, integrand: f, grid: grid, allocation: [1, 2, 3, 4])
        #expect(throws: MonteCarloError.self) { try ControlVariates(allocated, controls: control, controlMeans: [1.0 / 3]) }
    }

    @Test("the thread count and block size never change the result; states survive encoding")
    func reproducibleAndMergeable() throws {
        let grid = try StratificationGrid(coordinates: [1, 0], divisions: [3, 2], cubeDimension: 2)
        let estimator = try StratifiedMonteCarlo(sampler: try UnitCube(dimension: 2), integrand: Integrand { $0[0] * $0[1] },
                                                 grid: grid, allocation: [1, 2, 1, 3, 1, 1])
        let one = try MonteCarloDriver(stoppingRule: .sampleCount(500), threadCount: 1).run(estimator, seed: 5).estimate
        let four = try MonteCarloDriver(stoppingRule: .sampleCount(500), threadCount: 4).run(estimator, seed: 5).estimate
        #expect(one == four)
        var state = estimator.makeState()
        var generator = RandomStreams(seed: 1).stream(0)
        try estimator.accumulate(10, firstIndex: 0, into: &state, using: &generator)
        let decoded = try JSONDecoder().decode(StratifiedState.self, from: JSONEncoder().encode(state))
        #expect(decoded == state)
        var mismatched = StratifiedState(strata: 5)
        #expect(throws: MonteCarloError.self) { try mismatched.merge(state) }
    }

    @Test("bad input: typed errors")
    func badInput() throws {
        let unit = UniformDistribution.unit
        let grid = try StratificationGrid(divisions: 4, cubeDimension: 1)
        let nanAtTop = Integrand<Double> { $0 > 0.9 ? .nan : $0 }
        // NaN values name the evaluation.
        for error in [
            #expect(throws: MonteCarloError.self) { try StratifiedMonteCarlo(sampler: unit, integrand: nanAtTop, grid: grid).run(samples: 10, seed: 1) },
            #expect(throws: MonteCarloError.self) { try PostStratifiedMonteCarlo(sampler: unit, integrand: nanAtTop, grid: grid).run(samples: 100, seed: 1) },
            #expect(throws: MonteCarloError.self) { try LatinHypercubeSampling(sampler: unit, integrand: nanAtTop, designSize: 10).run(samples: 4, seed: 1) },
        ] {
            guard case .nonFinite(quantity: "integrand", _)? = error else { Issue.record("expected nonFinite, got \(String(describing: error))"); continue }
        }
        // Fewer than one stratum, bad coordinates, zero draws in a stratum.
        #expect(throws: MonteCarloError.self) { try StratificationGrid(divisions: 0, cubeDimension: 1) }
        #expect(throws: MonteCarloError.self) { try StratificationGrid(coordinates: [0, 0], divisions: [2, 2], cubeDimension: 2) }
        #expect(throws: MonteCarloError.self) { try StratificationGrid(coordinates: [2], divisions: [2], cubeDimension: 2) }
        #expect(throws: MonteCarloError.self) { try StratifiedMonteCarlo(sampler: unit, integrand: Integrand { $0 }, grid: grid, allocation: [1, 0, 1, 1]) }
        #expect(throws: MonteCarloError.self) {
            try StratifiedMonteCarlo(sampler: unit, integrand: Integrand { $0 }, grid: try StratificationGrid(divisions: 2, cubeDimension: 2))
        }
        // One sweep leaves one value in a stratum: no within-stratum variance.
        let single = #expect(throws: MonteCarloError.self) {
            try StratifiedMonteCarlo(sampler: unit, integrand: Integrand { $0 }, grid: grid).run(samples: 1, seed: 1)
        }
        guard case .insufficientSamples(needed: 2, available: 1, _)? = single else { Issue.record("\(String(describing: single))"); return }
        // Post-stratification with a stratum left with fewer than two draws.
        #expect(throws: MonteCarloError.self) {
            try PostStratifiedMonteCarlo(sampler: unit, integrand: Integrand { $0 }, grid: try StratificationGrid(divisions: 64, cubeDimension: 1))
                .run(samples: 20, seed: 1)
        }
        // LHS: one design gives no variance; design size below 1.
        let oneDesign = #expect(throws: MonteCarloError.self) {
            try LatinHypercubeSampling(sampler: unit, integrand: Integrand { $0 }, designSize: 100).run(samples: 1, seed: 1)
        }
        guard case .insufficientSamples(needed: 2, available: 1, _)? = oneDesign else { Issue.record("\(String(describing: oneDesign))"); return }
        #expect(throws: MonteCarloError.self) { try LatinHypercubeSampling(sampler: unit, integrand: Integrand { $0 }, designSize: 0) }
        // Neyman: a pilot of fewer than 2 draws per stratum, or fewer draws per sweep than strata.
        #expect(throws: MonteCarloError.self) {
            try StratifiedMonteCarlo.neyman(sampler: unit, integrand: Integrand { $0 }, grid: grid, drawsPerSample: 16, pilotDrawsPerStratum: 1, seed: 1)
        }
        #expect(throws: MonteCarloError.self) {
            try StratifiedMonteCarlo.neyman(sampler: unit, integrand: Integrand { $0 }, grid: grid, drawsPerSample: 3, seed: 1)
        }
    }
}
