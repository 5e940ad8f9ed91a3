import BenchmarkSupport

/// Everything `mcbench` measured, as written to the JSON file.
struct BenchmarkReport: Codable {
    var tool = "mcbench"
    var date: String
    var buildConfiguration: String
    var compiler: String
    var machine: MachineDescription
    var seed: UInt64
    var repetitions: Int
    var timing = "wall clock (DispatchTime uptime), best of `repetitions` runs per timed section; process CPU time alongside"
    var normals: NormalDraws?
    var plainMonteCarlo: PlainMonteCarloOverhead?
    var scaling: Scaling?
    /// Error targets on the Keister integral against QMCPy's stopping criteria.
    var stoppingRules: [StoppingComparison]?
    /// The cross-entropy method against plain Monte Carlo on P(Z > 5).
    var rareEvent: RareEvent?
    var targets: Targets
    /// The smallest share of its requested cores that any best run got (CPU time / wall time / threads).
    var lowestCoreShare: Double
    /// True when some best run got less than 90% of its cores: other processes disturbed the figures.
    var machineBusy: Bool
    var totalSeconds: Double
    /// The headline figures, for `benchreport`.
    var summary: [SummaryRow] = []
    /// Commit, date and machine of this run, for `benchreport`'s staleness check.
    var provenance = Provenance.current()

    /// A timed loop: best time and every run.
    struct Timing: Codable {
        var nanosecondsPerDraw: Double
        var bestSeconds: Double
        var allSeconds: [Double]
        /// Process CPU seconds of every run (all threads).
        var allCPUSeconds: [Double]
        /// CPU / wall time of the best run: ≈ threads used if the machine was otherwise idle.
        var cpuUtilizationOfBest: Double

        init<R>(_ runs: TimedRuns<R>, draws: Int) {
            nanosecondsPerDraw = runs.nanosecondsPerItem(draws)
            bestSeconds = runs.best
            allSeconds = runs.seconds
            allCPUSeconds = runs.cpuSeconds
            cpuUtilizationOfBest = runs.cpuUtilization
        }
    }

    /// Section 1.
    struct NormalDraws: Codable {
        var draws: Int
        /// Xoshiro256PlusPlus + nextStandardNormal.
        var ours: Timing
        var oursChecksum: Double
        /// GSL mt19937 + gsl_ran_gaussian_ziggurat.
        var gslMT19937Ziggurat: Timing
        var gslChecksum: Double
        /// GSL ns per draw / ours.
        var speedRatio: Double
        var targetSpeedRatio = 3.0
        var passed: Bool
        /// Context: uniforms and GSL's ziggurat driven by xoshiro256++ through the gsl_rng type.
        var oursUniform: Timing
        var oursUniformChecksum: Double
        var gslMT19937Uniform: Timing
        var gslUniformChecksum: Double
        var gslZigguratOnXoshiro: Timing
        var gslZigguratOnXoshiroChecksum: Double
    }

    /// Section 2.
    struct PlainMonteCarloOverhead: Codable {
        var draws: Int
        var exactValue: Double
        var bareLoop: Timing
        var bareLoopMean: Double
        /// PlainMonteCarlo + Integrand { exp($0) } through MonteCarloDriver, threadCount 1.
        var driverScalar: Timing
        var driverScalarEstimate: EstimateSummary
        /// driverScalar / bareLoop − 1.
        var overheadScalar: Double
        /// The same with Integrand(batch:).
        var driverBatch: Timing
        var driverBatchEstimate: EstimateSummary
        var overheadBatch: Double
        var batchBitIdenticalToScalar: Bool
        var targetOverhead = 0.20
        /// The target applies to the scalar-closure estimator.
        var passed: Bool
        var batchPassed: Bool
    }

    /// Section 3.
    struct Scaling: Codable {
        var draws: Int
        var oneThread: Timing
        var twoThreads: Timing
        var speedup: Double
        var targetSpeedup = 1.7
        var passed: Bool
        var oneThreadEstimate: EstimateSummary
        var twoThreadEstimate: EstimateSummary
        var bitIdentical: Bool
    }

    struct EstimateSummary: Codable {
        var value: Double
        var standardError: Double
        var sampleCount: Int
        var valueBits: String
        var varianceBits: String
    }

    struct Targets: Codable {
        var normalSpeedRatioAtLeast3: Bool?
        var driverOverheadBelow20Percent: Bool?
        var twoThreadSpeedupAtLeast1_7: Bool?
        var twoThreadResultBitIdentical: Bool?
        var cemDrawRatioAtLeast1e4: Bool?
        var allPassed: Bool
    }
}
