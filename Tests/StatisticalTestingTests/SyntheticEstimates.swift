import MonteCarloCore
import StatisticalTesting

/// Estimates of the mean of N(mean, σ²) from `sampleCount` draws, built the way a plain
/// Monte Carlo estimator builds them, with knobs to make them wrong on purpose.
struct SyntheticMeanEstimator {
    var mean: Double = 1
    var standardDeviation: Double = 2
    var sampleCount: Int = 100
    /// Added to every value (a bias).
    var shift: Double = 0
    /// Multiplies the reported variance (1 is honest; 0.25 reports four times too little).
    var reportedVarianceScale: Double = 1

    /// The standard error of an honest estimate, σ/√n.
    var standardError: Double { standardDeviation / Double(sampleCount).squareRoot() }

    /// One estimate: the sample mean and sample variance / n of `sampleCount` normal draws.
    func estimate(using generator: inout some RandomNumberGenerator) -> Estimate {
        var moments = RunningMoments()
        for _ in 0..<sampleCount { moments.add(mean + standardDeviation * generator.nextStandardNormal()) }
        return Estimate(
            value: moments.mean + shift, variance: moments.varianceOfMean * reportedVarianceScale,
            sampleCount: sampleCount, effectiveSampleSize: Double(sampleCount),
            diagnostics: Diagnostics(method: "synthetic normal mean"))
    }

    /// `count` independent estimates, replication r from stream r of `seed`.
    func replications(_ count: Int, seed: UInt64) -> [Estimate] {
        replicate(count, seed: seed) { _, generator in estimate(using: &generator) }
    }
}

/// An estimate with the given value and standard error (and nothing else of interest).
func makeEstimate(_ value: Double, standardError: Double, sampleCount: Int = 1_000) -> Estimate {
    Estimate(
        value: value, variance: standardError * standardError, sampleCount: sampleCount,
        effectiveSampleSize: Double(sampleCount), diagnostics: Diagnostics(method: "fixed"))
}
