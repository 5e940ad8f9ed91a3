import Foundation
import Testing
import MonteCarloCore
import StatisticalTesting
import VarianceReduction

/// Closed forms for μ = E[e^U] = e − 1, U ~ Uniform(0, 1); write V = U − ½ ~ Uniform(−½, ½).
///
/// - Plain: σ² = Var e^U = E[e^{2U}] − μ² = (e² − 1)/2 − (e − 1)² = 0.2420356.
/// - Antithetic pairs (U, 1 − U): Cov(e^U, e^{1−U}) = E[e^U e^{1−U}] − μ² = e − (e − 1)²
///   = −0.2342106, so the pair mean Y = ½(e^U + e^{1−U}) = √e cosh V has
///   Var Y = (σ² + Cov)/2 = 0.003912497 (equivalently E[Y²] = e E[cosh² V] = e(1 + sinh 1)/2),
///   and the factor per evaluation is σ² / (2 Var Y) = 30.931.
/// - The control U alone: Cov(e^U, U) = E[U e^U] − μ/2 = 1 − (e − 1)/2 = 3/2 − e/2 = 0.1408589,
///   Var U = 1/12, ρ² = 12 Cov² / σ² = 0.983720, factor 1/(1 − ρ²) = 61.427.
/// - Antithetic pairs + a control: the control acts through its pair average. For U that is
///   (U + 1 − U)/2 = ½, a constant: antithetic pairs already remove the odd part of f, which is
///   all that U could explain. The even control U² has pair average (U² + (1 − U)²)/2 = V² + ¼
///   (mean ⅓). With W = V²: E W = 1/12, Var W = E V⁴ − 1/144 = 1/80 − 1/144 = 1/180;
///   E[Y W] = √e ∫_{−½}^{½} v² cosh v dv = √e (9/2 sinh ½ − 2 cosh ½) (an antiderivative is
///   v² sinh v − 2v cosh v + 2 sinh v), so Cov(Y, W) = E[Y W] − μ/12 = 0.004662133 and
///   β = Cov/Var W = 0.839184. The residual variance of the pair mean is
///   Var Y (1 − ρ²_{YW}) = Var Y − Cov²/Var W = 1.09470 × 10⁻⁷: the control's factor on the pair
///   means is 35 740 and the stacked factor per evaluation σ² / (2 · 1.09470 × 10⁻⁷) = 1.1055 × 10⁶.
///
/// Tolerances for the factors come from `StatisticalCheck.varianceReductionFactor` (χ² bounds on
/// both variance estimates, Bonferroni, α = 10⁻³). Its degrees of freedom assume normal summands;
/// every summand here is lighter-tailed (kurtosis: e^U 1.93, Y 2.17, the residual of Y on W 2.53,
/// by quadrature of the closed forms), so the sample variances vary less than χ² says and the
/// bounds are conservative. The 2m single values of f in m pairs are not independent (within a
/// pair (e^U − μ)² ≈ (e^{1−U} − μ)²), so the plain variance is given m − 1 degrees of freedom,
/// one per pair.
enum StackedExponential {
    static let e = exp(1.0)
    static let mean = e - 1
    static let plainVariance = (e * e - 1) / 2 - (e - 1) * (e - 1)
    static let pairCovariance = e - (e - 1) * (e - 1)
    static let pairMeanVariance = (plainVariance + pairCovariance) / 2
    static let pairMeanVarianceFromCosh = e * (1 + sinh(1.0)) / 2 - (e - 1) * (e - 1)
    static let covarianceWithU = 1.5 - e / 2
    static let controlUFactor = 1 / (1 - 12 * covarianceWithU * covarianceWithU / plainVariance)
    static let antitheticFactor = plainVariance / (2 * pairMeanVariance)
    static let varianceW = 1.0 / 180
    static let covarianceYW = e.squareRoot() * (4.5 * sinh(0.5) - 2 * cosh(0.5)) - (e - 1) / 12
    static let betaW = covarianceYW / varianceW
    static let residualVariance = pairMeanVariance - covarianceYW * covarianceYW / varianceW
    static let stackedFactor = plainVariance / (2 * residualVariance)

    static let integrand = Integrand<Double> { exp($0) }
    static let pairs = AntitheticMonteCarlo(sampler: UniformDistribution.unit, integrand: integrand)
    static func stacked(_ fitting: ControlVariates<AntitheticMonteCarlo<UniformDistribution>>.CoefficientFitting) throws
        -> ControlVariates<AntitheticMonteCarlo<UniformDistribution>> {
        try ControlVariates(pairs, controls: VectorIntegrand(outputDimension: 1) { [$0 * $0] },
                            controlMeans: [1.0 / 3], fitting: fitting)
    }
}

/// E[Π_j e^{u_j}] = (e − 1)³ on the unit cube in 3 dimensions, with the controls Σ u_j (mean 3/2)
/// and Σ u_j² (mean 1).
enum StackedProduct {
    static let truth = pow(exp(1.0) - 1, 3)
    static func rqmc(pointsPerReplicate: Int) throws -> RandomizedQuasiMonteCarlo<UnitCube> {
        try RandomizedQuasiMonteCarlo(sampler: UnitCube(dimension: 3),
                                      integrand: Integrand { $0.reduce(1) { $0 * exp($1) } },
                                      pointsPerReplicate: pointsPerReplicate)
    }
    static func stacked(pointsPerReplicate: Int) throws -> ControlVariates<RandomizedQuasiMonteCarlo<UnitCube>> {
        try ControlVariates(rqmc(pointsPerReplicate: pointsPerReplicate),
                            controls: VectorIntegrand(outputDimension: 2) { u in
                                [u.reduce(0, +), u.reduce(0) { $0 + $1 * $1 }]
                            },
                            controlMeans: [1.5, 1])
    }
}

@Suite("Stacking: control variates on antithetic pairs and randomized QMC")
struct StackingTests {
    typealias E = StackedExponential

    func expectWithin5SE(_ estimate: Estimate, _ truth: Double, _ label: String) {
        #expect(abs(estimate.value - truth) <= 5 * estimate.standardError,
                "\(label): \(estimate) vs truth \(truth) (\((estimate.value - truth) / estimate.standardError) SE)")
    }

    @Test("the closed forms agree with each other")
    func closedForms() {
        // Two derivations of Var Y, and the printed figures of the derivation above.
        #expect(abs(E.pairMeanVariance - E.pairMeanVarianceFromCosh) < 1e-14)
        #expect(abs(E.plainVariance - 0.242_035_6) < 1e-7)
        #expect(abs(E.antitheticFactor - 30.931) < 1e-3)
        #expect(abs(E.controlUFactor - 61.427) < 1e-3)
        #expect(abs(E.residualVariance / 1.094_70e-7 - 1) < 1e-4)
        #expect(abs(E.stackedFactor / 1.1055e6 - 1) < 1e-4)
    }

    @Test("antithetic-only, control-only and stacked factors for E[e^U] match their closed forms", arguments: [
        ControlVariates<AntitheticMonteCarlo<UniformDistribution>>.CoefficientFitting.crossFitted(folds: 2),
        .pilot(fraction: 0.1), .ordinaryLeastSquares,
    ])
    func exponentialFactors(fitting: ControlVariates<AntitheticMonteCarlo<UniformDistribution>>.CoefficientFitting) throws {
        let m = 20_000
        let stacked = try E.stacked(fitting).run(samples: m, seed: 21)
        expectWithin5SE(stacked, E.mean, "antithetic + U², \(fitting)")
        #expect(stacked.sampleCount == 2 * m)
        // The pilot evaluates 90% of the pairs but its factor counts all of them.
        let evaluatedShare: Double = if case .pilot = fitting { 0.9 } else { 1 }
        let total = try StatisticalCheck.varianceReductionFactor(
            of: stacked, theoreticalFactor: E.stackedFactor * evaluatedShare, plainDegreesOfFreedom: Double(m - 1))
        #expect(total.passed, "\(fitting): \(total)")
        // The controls' own factor on the pair means: both variances come from the m pairs.
        let onPairs = try #require(stacked.diagnostics.figures["controlVariateFactor"])
        let pairs = try StatisticalCheck.varianceReductionFactor(
            onPairs, theoreticalFactor: E.pairMeanVariance / E.residualVariance * evaluatedShare,
            plainDegreesOfFreedom: Double(m - 1),
            reducedDegreesOfFreedom: try #require(stacked.diagnostics.figures["varianceDegreesOfFreedom"]))
        #expect(pairs.passed, "\(fitting): \(pairs)")
        // β̂ has sd √(residual variance / (m Var W)) = 3.1e-5 at m = 2·10⁴ (pilot: m/10 pairs).
        let fitPairs: Double = if case .pilot = fitting { Double(m) / 10 } else { Double(m) }
        let betaSD = (E.residualVariance / (fitPairs * E.varianceW)).squareRoot()
        #expect(abs(stacked.diagnostics.coefficients[0] - E.betaW) <= 5 * betaSD, "β = \(stacked.diagnostics.coefficients)")
        if case .ordinaryLeastSquares = fitting {
            #expect(stacked.diagnostics.declaredBias != nil)
            #expect(stacked.degreesOfFreedom == Double(m - 2))
        } else {
            #expect(stacked.diagnostics.declaredBias == nil)
        }
        #expect(stacked.diagnostics.method.hasPrefix("antithetic+control-variates"))

        // The two layers alone, on the same number of evaluations.
        let antithetic = try E.pairs.run(samples: m, seed: 22)
        let antitheticCheck = try StatisticalCheck.varianceReductionFactor(
            of: antithetic, theoreticalFactor: E.antitheticFactor, plainDegreesOfFreedom: Double(m - 1))
        #expect(antitheticCheck.passed, "antithetic: \(antitheticCheck)")
        let controlOnly = try ControlVariateMonteCarlo(
            sampler: UniformDistribution.unit, integrand: E.integrand,
            controls: VectorIntegrand(outputDimension: 1) { [$0] }, controlMeans: [0.5]).run(samples: 2 * m, seed: 23)
        let controlCheck = try StatisticalCheck.varianceReductionFactor(of: controlOnly, theoreticalFactor: E.controlUFactor)
        #expect(controlCheck.passed, "control U: \(controlCheck)")
    }

    @Test("a control odd under the reflection averages to a constant over pairs and is rejected")
    func oddControl() throws {
        // U over (U, 1 − U): the pair average is ½ (to rounding).
        let uniform = try ControlVariates(E.pairs, controls: VectorIntegrand(outputDimension: 1) { [$0] }, controlMeans: [0.5])
        let error = #expect(throws: MonteCarloError.self) { try uniform.run(samples: 1000, seed: 1) }
        guard case .singularControlCovariance = error else { Issue.record("\(String(describing: error))"); return }
        // X over (X, 2μ − X) for μ = 0.3: the pair average is μ up to rounding noise, which must
        // not be mistaken for a signal.
        let normal = try NormalDistribution(mean: 0.3, standardDeviation: 1.7)
        let shifted = try ControlVariates(
            AntitheticMonteCarlo(sampler: normal, integrand: Integrand { exp($0 / 4) }),
            controls: VectorIntegrand(outputDimension: 1) { [$0] }, controlMeans: [0.3])
        let noise = #expect(throws: MonteCarloError.self) { try shifted.run(samples: 1000, seed: 2) }
        guard case .singularControlCovariance = noise else { Issue.record("\(String(describing: noise))"); return }
    }

    @Test("RQMC + controls: E[Π e^{u_j}] = (e − 1)³ in 3 dimensions within 5 SE")
    func rqmcProduct() throws {
        let m = 64
        let stacked = try StackedProduct.stacked(pointsPerReplicate: 256).run(samples: m, seed: 31)
        expectWithin5SE(stacked, StackedProduct.truth, "rqmc + controls")
        #expect(stacked.sampleCount == m * 256)
        #expect(stacked.diagnostics.method == "rqmc-sobol+control-variates-cross-fitted")
        #expect(stacked.diagnostics.figures["varianceDegreesOfFreedom"] == Double(m - 2))
    }

    @Test("the result depends on the seed only: thread counts, block sizes and shards")
    func reproducible() throws {
        let stacked = try E.stacked(.crossFitted(folds: 3))
        let rule = StoppingRule.sampleCount(5000)
        let one = try MonteCarloDriver(stoppingRule: rule, threadCount: 1, blockSize: 100).run(stacked, seed: 7)
        let two = try MonteCarloDriver(stoppingRule: rule, threadCount: 2, blockSize: 100).run(stacked, seed: 7)
        #expect(one.estimate == two.estimate)
        #expect(one.state == two.state)
        // Folds follow the global pair index: 5000 pairs in 3 folds, whatever the block size.
        for blockSize in [1, 7, 5000] {
            let report = try MonteCarloDriver(stoppingRule: rule, blockSize: blockSize).run(stacked, seed: 7)
            #expect(report.state.averages.groups.map(\.count) == [1667, 1667, 1666], "block size \(blockSize)")
            #expect(report.state.evaluations.count == 10_000)
        }
        // Two shards of disjoint blocks, folded in block order, give the one-run estimate exactly.
        let rqmc = try StackedProduct.stacked(pointsPerReplicate: 32)
        let driver = MonteCarloDriver(stoppingRule: .sampleCount(40), threadCount: 2)
        let shards = try driver.blockStates(rqmc, seed: 5, blocks: 0..<15) + driver.blockStates(rqmc, seed: 5, blocks: 15..<40)
        let merged = try rqmc.estimate(from: MonteCarloDriver.foldedState(of: rqmc, blockStates: shards))
        #expect(merged == (try driver.run(rqmc, seed: 5).estimate))
    }
}

@Suite("Stacking: bad input gives typed errors")
struct StackingInputTests {
    typealias E = StackedExponential
    let square = try! VectorIntegrand<Double>(outputDimension: 1) { [$0 * $0] }

    @Test("no controls, a missing or non-finite mean, a bad fold count")
    func configuration() {
        #expect(throws: MonteCarloError.self) { try VectorIntegrand<Double>(outputDimension: 0) { _ in [] } }
        #expect(throws: MonteCarloError.dimensionMismatch(what: "control means (one per control)", expected: 1, actual: 0)) {
            try ControlVariates(E.pairs, controls: square, controlMeans: [])
        }
        let nonFinite = #expect(throws: MonteCarloError.self) { try ControlVariates(E.pairs, controls: square, controlMeans: [.nan]) }
        guard case .invalidParameter(name: "controlMeans[0]", _, _) = nonFinite else { Issue.record("\(String(describing: nonFinite))"); return }
        let folds = #expect(throws: MonteCarloError.self) {
            try ControlVariates(E.pairs, controls: square, controlMeans: [1.0 / 3], fitting: .crossFitted(folds: 1))
        }
        guard case .invalidParameter(name: "folds", _, _) = folds else { Issue.record("\(String(describing: folds))"); return }
    }

    @Test("a NaN integrand value or an infinite control value names the evaluation")
    func nonFiniteValues() throws {
        // f is NaN for u > 0.99, so within a few hundred pairs one of the pair's points hits it.
        let badIntegrand = try ControlVariates(
            AntitheticMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { $0 > 0.99 ? .nan : exp($0) }),
            controls: square, controlMeans: [1.0 / 3])
        let f = #expect(throws: MonteCarloError.self) { try badIntegrand.run(samples: 1000, seed: 3) }
        guard case .nonFinite(quantity: "integrand", _) = f else { Issue.record("\(String(describing: f))"); return }
        let badControl = try ControlVariates(
            StackedProduct.rqmc(pointsPerReplicate: 16),
            controls: VectorIntegrand(outputDimension: 1) { u in [u[0] < 0.05 ? .infinity : u[0]] }, controlMeans: [0.5])
        let h = #expect(throws: MonteCarloError.self) { try badControl.run(samples: 8, seed: 4) }
        guard case .nonFinite(quantity: "control 0", let index) = h else { Issue.record("\(String(describing: h))"); return }
        #expect(index >= 0 && index < 8 * 16, "index \(index) counts evaluations over all randomizations")
    }

    @Test("too few pairs or randomizations to fit the coefficients and a variance")
    func tooFewSamples() throws {
        // Cross-fitting p controls over K = 2 folds needs m ≥ p + 3 groups and p + 2 in every fit.
        let pairs = #expect(throws: MonteCarloError.self) {
            try ControlVariates(E.pairs, controls: square, controlMeans: [1.0 / 3]).run(samples: 3, seed: 5)
        }
        guard case .insufficientSamples(needed: 4, available: 3, let reason) = pairs else {
            Issue.record("\(String(describing: pairs))"); return
        }
        #expect(reason.contains("antithetic pairs"), "\(reason)")
        let stacked = try StackedProduct.stacked(pointsPerReplicate: 16)
        for randomizations in [4, 6] {
            let error = #expect(throws: MonteCarloError.self) { try stacked.run(samples: randomizations, seed: 6) }
            guard case .insufficientSamples(_, available: randomizations, let reason) = error else {
                Issue.record("\(randomizations): \(String(describing: error))"); continue
            }
            #expect(reason.contains("randomizations"), "\(reason)")
        }
    }
}
