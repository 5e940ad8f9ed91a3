import MonteCarloCore
import StatisticalTesting
import Testing

@Suite struct CalibrationReportTests {
    @Test func correctEstimatorIsCalibrated() throws {
        let estimator = SyntheticMeanEstimator()
        let report = try CalibrationReport(replications: 400, seed: 60, truth: estimator.mean) { _, generator in
            estimator.estimate(using: &generator)
        }
        #expect(report.passed, "\(report)")
        #expect(report.replications == 400)
        #expect(abs(report.varianceRatio - 1) < 0.25)
        #expect(abs(report.meanBiasInStandardErrors) < 0.25)
        #expect(abs(report.rootMeanSquareZ - 1) < 0.15)
        #expect(abs(report.observedCoverage - 0.95) < 0.04)
        #expect(report.checks.map(\.name) == ["coverage", "variance calibration", "mean bias"])
    }

    @Test func tooSmallErrorBarsAreReported() throws {
        var estimator = SyntheticMeanEstimator()
        estimator.reportedVarianceScale = 0.25
        let report = try CalibrationReport(estimates: estimator.replications(400, seed: 61), truth: estimator.mean)
        #expect(!report.passed)
        #expect(!report.coverage.passed)
        #expect(!report.varianceCalibration.passed)
        #expect(report.meanBias.passed, "\(report.meanBias)")
        #expect(abs(report.rootMeanSquareZ - 2) < 0.3)
        #expect(report.description.contains("FAIL coverage"))
        #expect(report.description.contains("FAIL variance calibration"))
    }

    @Test func markdownRowMatchesHeader() throws {
        let report = try CalibrationReport(
            estimates: SyntheticMeanEstimator().replications(100, seed: 62), truth: 1)
        let headerColumns = CalibrationReport.markdownHeader.split(separator: "\n")[0].split(separator: "|").count
        let row = report.markdownRow(label: "synthetic, n = 100")
        #expect(row.split(separator: "|").count == headerColumns)
        #expect(row.hasPrefix("| synthetic, n = 100 | 100 |"))
        #expect(row.hasSuffix(report.passed ? "| pass |" : "| FAIL |"))
        let stated = report.markdownRow(label: "synthetic, n = 100", verdict: "pass (one-sided)")
        #expect(stated.hasSuffix("| pass (one-sided) |"))
        #expect(stated.split(separator: "|").count == headerColumns)
    }

    @Test func badInputThrowsBeforeRunning() {
        #expect(throws: MonteCarloError.self) {
            try CalibrationReport(estimates: [makeEstimate(0, standardError: 1)], truth: 0)
        }
        #expect(throws: MonteCarloError.invalidConfidenceLevel(1.2)) {
            try CalibrationReport(replications: 10, seed: 1, truth: 0, level: 1.2) { _, _ in
                Issue.record("a replication ran")
                return makeEstimate(0, standardError: 1)
            }
        }
    }
}

@Suite struct CalibrationScaleTests {
    @Test func fullOnlyWhenTheVariableSaysSo() {
        #expect(CalibrationScale(environment: ["MONTECARLO_CALIBRATION": "full"]) == .full)
        #expect(CalibrationScale(environment: ["MONTECARLO_CALIBRATION": " FULL\n"]) == .full)
        #expect(CalibrationScale(environment: ["MONTECARLO_CALIBRATION": "fast"]) == .fast)
        #expect(CalibrationScale(environment: ["MONTECARLO_CALIBRATION": "1"]) == .fast)
        #expect(CalibrationScale(environment: [:]) == .fast)
    }

    @Test func choosesCounts() {
        #expect(CalibrationScale.fast.replications(fast: 100, full: 5_000) == 100)
        #expect(CalibrationScale.full.replications(fast: 100, full: 5_000) == 5_000)
        #expect(CalibrationScale.full.choose(fast: "a", full: "b") == "b")
        #expect(CalibrationScale.full.isFull && !CalibrationScale.fast.isFull)
    }

    /// A calibration test as suites write it: tagged, sized by the scale.
    @Test(.tags(.calibration)) func scaledCalibrationOfTheSyntheticEstimator() throws {
        let replications = CalibrationScale.current.replications(fast: 200, full: 4_000)
        let estimator = SyntheticMeanEstimator()
        let report = try CalibrationReport(
            estimates: estimator.replications(replications, seed: 63), truth: estimator.mean)
        #expect(report.passed, "\(report)")
    }

    @Test(.tags(.calibration), .fullCalibrationOnly) func onlyInTheFullSuite() {
        #expect(CalibrationScale.current == .full)
    }
}
