import Foundation
import Testing
import MonteCarloCore
import VarianceReduction

/// Closed-form truths; every value check allows 5 standard errors (two-sided false-alarm
/// probability 5.7e-7 per check for a correct estimator under the normal approximation).
@Suite("Closed-form truths")
struct ClosedFormTests {
    static let e = exp(1.0)
    let exponential = Integrand<Double> { exp($0) }

    func expectWithin5SE(_ estimate: Estimate, _ truth: Double, _ label: String) {
        #expect(abs(estimate.value - truth) <= 5 * estimate.standardError,
                "\(label): \(estimate) vs truth \(truth) (\((estimate.value - truth) / estimate.standardError) SE)")
    }

    @Test("plain: E[e^U] = e − 1, ESS = n")
    func plainExponential() throws {
        let estimate = try PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: exponential)
            .run(samples: 100_000, seed: 1)
        expectWithin5SE(estimate, Self.e - 1, "plain")
        #expect(estimate.sampleCount == 100_000)
        #expect(estimate.effectiveSampleSize == 100_000)
        // Var(e^U) = (e² − 1)/2 − (e − 1)² = 0.242036; the variance estimate has relative
        // sd √((κ − 1)/n) = 0.003 (kurtosis κ = 1.93), so 5 sd is 1.5%.
        let perDraw = estimate.variance * 100_000
        #expect(abs(perDraw / 0.242_036 - 1) < 0.015)
    }

    @Test("antithetic: E[e^U] with variance-reduction factor 1/(1 + ρ) = 30.93")
    func antitheticExponential() throws {
        let estimate = try AntitheticMonteCarlo(sampler: UniformDistribution.unit, integrand: exponential)
            .run(samples: 100_000, seed: 2)
        expectWithin5SE(estimate, Self.e - 1, "antithetic")
        #expect(estimate.sampleCount == 200_000)
        // The factor is a ratio of two variance estimates with relative sds √((κ−1)/m):
        // pair means κ = 2.17, m = 10⁵ → 0.0034; all values κ = 1.93, 2·10⁵ → 0.0022.
        // 5 × (0.0034 + 0.0022) = 2.8%, so 3% is a 5-sd band.
        let factor = try #require(estimate.diagnostics.varianceReductionFactor)
        #expect(abs(factor / 30.93 - 1) < 0.03, "factor \(factor)")
        // The variance comes from m = 10⁵ pair means: m − 1 degrees of freedom, not 2m − 1.
        #expect(estimate.diagnostics.figures["varianceDegreesOfFreedom"] == 99_999)
    }

    @Test("control variate U: E[e^U] with factor 1/(1 − ρ²) = 61.43", arguments: [
        ControlVariateMonteCarlo<UniformDistribution>.CoefficientFitting.crossFitted(folds: 2),
        .crossFitted(folds: 5), .pilot(fraction: 0.1), .ordinaryLeastSquares,
    ])
    func controlVariateExponential(fitting: ControlVariateMonteCarlo<UniformDistribution>.CoefficientFitting) throws {
        let estimator = try ControlVariateMonteCarlo(
            sampler: UniformDistribution.unit, integrand: exponential,
            controls: VectorIntegrand(outputDimension: 1) { [$0] }, controlMeans: [0.5], fitting: fitting)
        let estimate = try estimator.run(samples: 100_000, seed: 3)
        expectWithin5SE(estimate, Self.e - 1, "\(fitting)")
        // β* = 12 Cov(e^U, U) = 1.690309; its estimate has sd √((1 − ρ²)σ²_f/(n σ²_U))
        // = √(0.01628 · 0.242036 · 12 / 10⁵) = 0.00069; 5 sd = 0.0035.
        #expect(abs(estimate.diagnostics.coefficients[0] - 1.690_309) < 0.0035)
        // Relative sd of the residual-variance estimate: √((κ − 1)/n_eval) with κ = 2.21; the
        // pilot evaluates 90% of draws but its factor counts all n: expected 61.43 · 0.9.
        let factor = try #require(estimate.diagnostics.varianceReductionFactor)
        var expected = 61.43
        if case .pilot = fitting { expected *= 0.9 }
        #expect(abs(factor / expected - 1) < 0.03, "\(fitting): factor \(factor)")
        switch fitting {
        case .crossFitted(let folds):
            #expect(estimate.diagnostics.figures["varianceDegreesOfFreedom"] == Double(100_000 - folds))
        case .pilot:
            #expect(estimate.diagnostics.figures["varianceDegreesOfFreedom"] == Double(90_000 - 9))
        case .ordinaryLeastSquares:
            #expect(estimate.diagnostics.figures["varianceDegreesOfFreedom"] == Double(100_000 - 2))
        }
        if case .ordinaryLeastSquares = fitting {
            #expect(estimate.degreesOfFreedom == Double(100_000 - 2))
            #expect(estimate.diagnostics.declaredBias != nil)
        } else {
            #expect(estimate.diagnostics.declaredBias == nil)
        }
    }

    @Test("a collinear control (2U beside U) is an error by default, and dropped with a warning on request")
    func collinearControl() throws {
        let controls = try VectorIntegrand<Double>(outputDimension: 2) { [$0, 2 * $0] }
        let failing = try ControlVariateMonteCarlo(
            sampler: UniformDistribution.unit, integrand: exponential, controls: controls, controlMeans: [0.5, 1])
        #expect(throws: MonteCarloError.self) { try failing.run(samples: 10_000, seed: 4) }
        let dropping = try ControlVariateMonteCarlo(
            sampler: UniformDistribution.unit, integrand: exponential, controls: controls, controlMeans: [0.5, 1],
            fitting: .ordinaryLeastSquares, collinearity: .dropWithWarning)
        let estimate = try dropping.run(samples: 10_000, seed: 4)
        let single = try ControlVariateMonteCarlo(
            sampler: UniformDistribution.unit, integrand: exponential, controls: VectorIntegrand(outputDimension: 1) { [$0] },
            controlMeans: [0.5], fitting: .ordinaryLeastSquares).run(samples: 10_000, seed: 4)
        // Dropping the collinear copy leaves the one-control fit on the same draws.
        #expect(abs(estimate.value - single.value) <= 1e-12 * abs(single.value))
        #expect(abs(estimate.variance / single.variance - 1) <= 1e-9)
        #expect(estimate.diagnostics.warnings.contains { $0.contains("collinear") })
    }

    @Test("antithetic: E[e^Z] = √e with factor e/(e − 1) = 1.582")
    func antitheticNormalExponential() throws {
        let estimate = try AntitheticMonteCarlo(sampler: NormalDistribution.standard, integrand: exponential)
            .run(samples: 1_000_000, seed: 4)
        expectWithin5SE(estimate, exp(0.5), "antithetic e^Z")
        // Log-normal values are heavy (kurtosis ≈ 111): relative sds √(110/10⁶) = 0.0105 and
        // √(110/2·10⁶) = 0.0074; 5 × their sum = 9%.
        let factor = try #require(estimate.diagnostics.varianceReductionFactor)
        #expect(abs(factor / (Self.e / (Self.e - 1)) - 1) < 0.09, "factor \(factor)")
    }

    @Test("antithetic hurts an even integrand: factor exactly (m − 1)/(2m − 1) ≈ 0.5")
    func antitheticEvenIntegrand() throws {
        let m = 10_000
        let estimate = try AntitheticMonteCarlo(sampler: NormalDistribution.standard, integrand: Integrand { $0 * $0 })
            .run(samples: m, seed: 5)
        expectWithin5SE(estimate, 1, "antithetic Z²")
        // Each pair holds two equal values, so the ratio of sample variances is exact.
        let factor = try #require(estimate.diagnostics.varianceReductionFactor)
        #expect(abs(factor - Double(m - 1) / Double(2 * m - 1)) < 1e-9)
    }

    @Test("European call: plain, antithetic and the terminal-price control match Black–Scholes")
    func europeanCall() throws {
        let option = try EuropeanCallOption(spot: 100, strike: 105, rate: 0.05, volatility: 0.2, maturity: 1)
        #expect(abs(option.blackScholesPrice - 8.021_352_235) < 1e-8)  // standard textbook value
        let payoff = Integrand<Double> { option.discountedPayoff($0) }
        let normal = NormalDistribution.standard
        expectWithin5SE(try PlainMonteCarlo(sampler: normal, integrand: payoff).run(samples: 200_000, seed: 6),
                        option.blackScholesPrice, "plain call")
        expectWithin5SE(try AntitheticMonteCarlo(sampler: normal, integrand: payoff).run(samples: 100_000, seed: 7),
                        option.blackScholesPrice, "antithetic call")
        let discountedTerminal = try VectorIntegrand<Double>(outputDimension: 1) { z in
            [exp(-option.rate) * option.spot * exp((option.rate - 0.02) + 0.2 * z)]
        }
        let cv = try ControlVariateMonteCarlo(sampler: normal, integrand: payoff, controls: discountedTerminal,
                                              controlMeans: [option.spot]).run(samples: 200_000, seed: 8)
        expectWithin5SE(cv, option.blackScholesPrice, "control-variate call")
        #expect(try #require(cv.diagnostics.varianceReductionFactor) > 2)
    }

    @Test("geometric Asian call: Monte Carlo matches the closed form; the arithmetic price agrees across methods")
    func asianCall() throws {
        let option = try AsianCallOption(spot: 100, strike: 100, rate: 0.05, volatility: 0.2, maturity: 1, monitoringDates: 12)
        let geometric = try PlainMonteCarlo(sampler: option.pathMeasure, integrand: Integrand { option.geometricPayoff($0) })
            .run(samples: 100_000, seed: 9)
        expectWithin5SE(geometric, option.geometricPrice, "geometric Asian")
        let arithmetic = Integrand<[Double]> { option.arithmeticPayoff($0) }
        let plain = try PlainMonteCarlo(sampler: option.pathMeasure, integrand: arithmetic).run(samples: 100_000, seed: 10)
        let cv = try ControlVariateMonteCarlo(
            sampler: option.pathMeasure, integrand: arithmetic,
            controls: VectorIntegrand(outputDimension: 1) { [option.geometricPayoff($0)] },
            controlMeans: [option.geometricPrice]).run(samples: 100_000, seed: 11)
        // Independent seeds: the difference has variance v₁ + v₂.
        #expect(abs(plain.value - cv.value) <= 5 * (plain.variance + cv.variance).squareRoot())
        // The geometric control is nearly perfectly correlated (ρ > 0.99 in this regime).
        #expect(try #require(cv.diagnostics.varianceReductionFactor) > 100)
    }

    @Test("randomized QMC (Sobol and Halton): E[e^U] unbiased, far below the plain variance")
    func rqmc() throws {
        for kind in QuasiRandomPointSet.Kind.allCases {
            let estimator = try RandomizedQuasiMonteCarlo(sampler: UniformDistribution.unit, integrand: exponential,
                                                          sequence: kind, pointsPerReplicate: 1024)
            let estimate = try estimator.run(samples: 32, seed: 12)
            expectWithin5SE(estimate, Self.e - 1, "rqmc \(kind)")
            #expect(estimate.degreesOfFreedom == 31)
            #expect(estimate.sampleCount == 32 * 1024)
            // A shifted lattice-like rule on a smooth 1-D integrand has replicate variance O(n⁻²),
            // so at n = 1024 the factor σ²/(n·Var) is of order n; demand at least 50.
            #expect(try #require(estimate.diagnostics.varianceReductionFactor) > 50, "\(kind)")
        }
        // Sobol on a 5-dimensional smooth product integrand: E[Π e^{u_j}] = (e − 1)⁵.
        let cube = try UnitCube(dimension: 5)
        let product = try RandomizedQuasiMonteCarlo(
            sampler: cube, integrand: Integrand { $0.reduce(1) { $0 * exp($1) } }, pointsPerReplicate: 4096)
            .run(samples: 16, seed: 13)
        expectWithin5SE(product, pow(Self.e - 1, 5), "rqmc 5-d")
    }

    @Test("importance sampling of P(Z > 4) = Q(4), standard and self-normalized")
    func importanceSampling() throws {
        let truth = 1 - NormalDistribution.standardCumulativeProbability(4)
        let proposal = try NormalDistribution(mean: 4, standardDeviation: 1)
        let indicator = Integrand<Double> { $0 > 4 ? 1 : 0 }
        let standard = try ImportanceSampling(target: NormalDistribution.standard, proposal: proposal, integrand: indicator)
            .run(samples: 100_000, seed: 14)
        expectWithin5SE(standard, truth, "IS")
        // Per-draw IS variance: E_q[w²1{x>4}] − Q(4)² = e¹⁶Q(8) − Q(4)² = 4.53e-9, against
        // Q(4)(1 − Q(4)) = 3.17e-5 for plain MC: a factor of about 6990. Allow a factor 2.
        let factor = try #require(standard.diagnostics.varianceReductionFactor)
        #expect(factor > 3500 && factor < 14_000, "factor \(factor)")
        let selfNormalized = try ImportanceSampling(target: NormalDistribution.standard, proposal: proposal,
                                                    integrand: indicator, normalization: .selfNormalized)
            .run(samples: 100_000, seed: 15)
        expectWithin5SE(selfNormalized, truth, "SNIS")
        #expect(selfNormalized.diagnostics.declaredBias != nil)
        #expect(standard.diagnostics.warnings.isEmpty)
    }

    @Test("importance sampling warns when the proposal's tails are too light")
    func importanceSamplingHeavyTails() throws {
        // Under q = N(0, s²), w = φ/q ∝ exp((1 − s²)χ²₁/2), so P(w > t) ~ t^(−1/(1 − s²)):
        // a Pareto tail with shape ξ = 1 − s² = 0.96 for s = 0.2 (infinite variance). k̂ has
        // standard error ≈ (1 + ξ)/√M ≈ 0.07 with M = 3√n = 424 tail draws, so k̂ ≥ 0.7 is
        // 3.7 standard errors inside the expected range.
        let proposal = try NormalDistribution(mean: 0, standardDeviation: 0.2)
        let estimate = try ImportanceSampling(target: NormalDistribution.standard, proposal: proposal,
                                              integrand: Integrand { $0 * $0 }, normalization: .selfNormalized)
            .run(samples: 20_000, seed: 16)
        #expect(!estimate.diagnostics.warnings.isEmpty, "\(estimate.diagnostics)")
        #expect(try #require(estimate.diagnostics.figures["paretoShape"]) >= 0.7)
    }
}

@Suite("Review regressions")
struct ReviewRegressionTests {
    @Test("control-variate folds depend on the draw index only: block size does not change the estimate", arguments: [
        ControlVariateMonteCarlo<UniformDistribution>.CoefficientFitting.crossFitted(folds: 3), .pilot(fraction: 0.25),
    ])
    func blockSizeInvariance(fitting: ControlVariateMonteCarlo<UniformDistribution>.CoefficientFitting) throws {
        let estimator = try ControlVariateMonteCarlo(
            sampler: UniformDistribution.unit, integrand: Integrand { exp($0) },
            controls: VectorIntegrand(outputDimension: 1) { [$0] }, controlMeans: [0.5], fitting: fitting)
        let rule = StoppingRule.sampleCount(999)
        // With block size 1 every block is its own stream, so the draws differ from block size 7;
        // what must not change is the split: compare group sizes through the state.
        for blockSize in [1, 7, 1000] {
            let report = try MonteCarloDriver(stoppingRule: rule, blockSize: blockSize).run(estimator, seed: 1)
            let sizes = report.state.groups.map(\.count)
            if case .pilot = fitting { #expect(sizes == [250, 250, 250, 249], "block size \(blockSize)") }
            else { #expect(sizes == [333, 333, 333], "block size \(blockSize)") }
        }
    }

    @Test("self-normalized IS accepts unnormalized log-weights of any size")
    func shiftedLogWeights() throws {
        let proposal = try NormalDistribution(mean: 0.5, standardDeviation: 1.5)
        let target = NormalDistribution.standard
        func estimate(offset: Double) throws -> Estimate {
            try ImportanceSampling(proposal: proposal, integrand: Integrand { $0 * $0 },
                                   logWeight: { target.logDensity($0) - proposal.logDensity($0) + offset },
                                   normalization: .selfNormalized).run(samples: 20_000, seed: 3)
        }
        let reference = try estimate(offset: 0)
        #expect(abs(reference.value - 1) <= 5 * reference.standardError)
        for offset in [-800.0, 800, 1e5] {
            let shifted = try estimate(offset: offset)
            // Same draws, weights rescaled by a constant: identical up to rounding.
            #expect(abs(shifted.value - reference.value) <= 1e-9 * abs(reference.value), "offset \(offset)")
            #expect(abs(shifted.variance / reference.variance - 1) <= 1e-7, "offset \(offset)")
        }
    }

    @Test("standard IS with unnormalized weights (×3) warns")
    func unnormalizedWarning() throws {
        let proposal = try NormalDistribution(mean: 0.5, standardDeviation: 1.5)
        let target = NormalDistribution.standard
        let estimate = try ImportanceSampling(proposal: proposal, integrand: Integrand { $0 * $0 },
                                              logWeight: { target.logDensity($0) - proposal.logDensity($0) + log(3) })
            .run(samples: 20_000, seed: 4)
        #expect(estimate.diagnostics.warnings.contains { $0.contains("mean weight") })
    }

    @Test("controls that explain f to rounding error give a floor, a warning and never a zero variance")
    func nearPerfectControls() throws {
        // f is an exact linear function of the controls: the true residual variance is 0.
        let estimator = try ControlVariateMonteCarlo(
            sampler: UniformDistribution.unit, integrand: Integrand { 2 * $0 + 3 * $0 * $0 },
            controls: VectorIntegrand(outputDimension: 2) { [$0, $0 * $0] }, controlMeans: [0.5, 1.0 / 3],
            fitting: .ordinaryLeastSquares)
        let estimate = try estimator.run(samples: 5000, seed: 5)
        #expect(estimate.variance > 0)
        #expect(abs(estimate.value - 2) <= 5 * estimate.standardError)
        #expect(!estimate.diagnostics.warnings.isEmpty)
    }

    @Test("a stopping rule with a minimum above its cap is clamped, not silently disabled")
    func minimumAboveCap() throws {
        let estimator = PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { $0 })
        let report = try MonteCarloDriver(stoppingRule: .absoluteError(0.1, maximumSamples: 500), blockSize: 100)
            .run(estimator, seed: 1)
        #expect(report.stopReason == .reachedAbsoluteError)
    }

    @Test("stream(2^40 + 1) is stream(2^40) jumped once")
    func largeStreamIndex() {
        let streams = RandomStreams(seed: 8)
        var jumped = streams.stream(1 << 40)
        jumped.jump()
        #expect(streams.stream((1 << 40) + 1) == jumped)
    }
}
