import Foundation
import Testing
import MonteCarloCore
import StatisticalTesting
import VarianceReduction

/// Are the error bars honest? For each estimator, R independent replications (seed r for
/// replication r) must give 95% intervals whose coverage lies in the Binomial(R, 0.95)
/// acceptance region, empirical-to-reported variance ratio within the χ²_{R−1} bounds, and no
/// mean bias by a t-test, each at false-alarm probability 10⁻³. The default run uses R = 200;
/// `make test-calibration` (MONTECARLO_CALIBRATION=full) uses R = 2000.
@Suite("Calibration", .tags(.calibration))
struct CalibrationTests {
    static let replications = CalibrationScale.current.replications(fast: 200, full: 2000)
    static let e = exp(1.0)

    func calibrate<E: MonteCarloEstimator>(_ estimator: E, samples: Int, truth: Double, label: String) throws where E.Output == Estimate {
        let estimates = try (0..<Self.replications).map { r in
            try MonteCarloDriver(stoppingRule: .sampleCount(samples), threadCount: 2).run(estimator, seed: 10_000 + UInt64(r)).estimate
        }
        let report = try CalibrationReport(estimates: estimates, truth: truth)
        #expect(report.passed, "\(label): \(report)")
    }

    @Test("plain Monte Carlo") func plain() throws {
        try calibrate(PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { exp($0) }),
                      samples: 1000, truth: Self.e - 1, label: "plain")
    }

    @Test("antithetic pairs") func antithetic() throws {
        try calibrate(AntitheticMonteCarlo(sampler: NormalDistribution.standard, integrand: Integrand { exp($0 / 2) }),
                      samples: 1000, truth: exp(0.125), label: "antithetic")
    }

    @Test("control variates", arguments: [
        ControlVariateMonteCarlo<UniformDistribution>.CoefficientFitting.crossFitted(folds: 2),
        .pilot(fraction: 0.2), .ordinaryLeastSquares,
    ])
    func controlVariates(fitting: ControlVariateMonteCarlo<UniformDistribution>.CoefficientFitting) throws {
        // Two controls (U − ½, U² − ⅓); at n = 1000 the residual skewness is negligible
        // (the reference notes measure coverage 0.945 already at n = 200).
        let estimator = try ControlVariateMonteCarlo(
            sampler: UniformDistribution.unit, integrand: Integrand { exp($0) },
            controls: VectorIntegrand(outputDimension: 2) { [$0, $0 * $0] }, controlMeans: [0.5, 1.0 / 3],
            fitting: fitting)
        try calibrate(estimator, samples: 1000, truth: Self.e - 1, label: "\(fitting)")
    }

    @Test("self-normalized importance sampling") func selfNormalizedImportanceSampling() throws {
        // E[X²] = 1 under N(0, 1) from a wider proposal N(0.5, 1.5²): weights have finite variance.
        let proposal = try NormalDistribution(mean: 0.5, standardDeviation: 1.5)
        let estimator = ImportanceSampling(target: NormalDistribution.standard, proposal: proposal,
                                           integrand: Integrand { $0 * $0 }, normalization: .selfNormalized)
        try calibrate(estimator, samples: 2000, truth: 1, label: "SNIS")
    }

    @Test("standard importance sampling") func importanceSampling() throws {
        let proposal = try NormalDistribution(mean: 0.5, standardDeviation: 1.5)
        let estimator = ImportanceSampling(target: NormalDistribution.standard, proposal: proposal,
                                           integrand: Integrand { $0 * $0 })
        try calibrate(estimator, samples: 2000, truth: 1, label: "IS")
    }

    @Test("randomized QMC", arguments: QuasiRandomPointSet.Kind.allCases)
    func rqmc(kind: QuasiRandomPointSet.Kind) throws {
        // 10 replicates of 64 points, Student-t interval with 9 degrees of freedom, in 3 dimensions.
        let estimator = try RandomizedQuasiMonteCarlo(
            sampler: try UnitCube(dimension: 3), integrand: Integrand { $0.reduce(0) { $0 + exp($1) } },
            sequence: kind, pointsPerReplicate: 64)
        try calibrate(estimator, samples: 10, truth: 3 * (Self.e - 1), label: "rqmc \(kind)")
    }
}
