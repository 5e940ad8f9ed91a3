import Foundation
import Testing
import MonteCarloCore
import VarianceReduction

@Suite("Driver")
struct DriverTests {
    let estimator = PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { exp($0) })

    @Test("results are bit-identical for 1, 2, 3 and 8 threads")
    func threadCountInvariance() throws {
        let reports = try [1, 2, 3, 8].map { threads in
            try MonteCarloDriver(stoppingRule: .sampleCount(50_001), threadCount: threads, blockSize: 1000)
                .run(estimator, seed: 42)
        }
        for report in reports.dropFirst() {
            #expect(report.estimate == reports[0].estimate)
            #expect(report.state == reports[0].state)
        }
        #expect(reports[0].samples == 50_001)
        #expect(reports[0].stopReason == .reachedSampleCount)
    }

    @Test("antithetic, control variates and RQMC are thread-count invariant too")
    func otherEstimatorsInvariant() throws {
        let antithetic = AntitheticMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { exp($0) })
        let cv = try ControlVariateMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { exp($0) },
                                              controls: VectorIntegrand(outputDimension: 1) { [$0] }, controlMeans: [0.5])
        let rqmc = try RandomizedQuasiMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { exp($0) },
                                                 pointsPerReplicate: 256)
        for threads in [2, 5] {
            let rule = StoppingRule.sampleCount(20_000)
            #expect(try MonteCarloDriver(stoppingRule: rule, threadCount: 1, blockSize: 700).run(antithetic, seed: 1).estimate
                == MonteCarloDriver(stoppingRule: rule, threadCount: threads, blockSize: 700).run(antithetic, seed: 1).estimate)
            #expect(try MonteCarloDriver(stoppingRule: rule, threadCount: 1, blockSize: 700).run(cv, seed: 1).estimate
                == MonteCarloDriver(stoppingRule: rule, threadCount: threads, blockSize: 700).run(cv, seed: 1).estimate)
            let replicates = StoppingRule.sampleCount(20)
            #expect(try MonteCarloDriver(stoppingRule: replicates, threadCount: 1).run(rqmc, seed: 1).estimate
                == MonteCarloDriver(stoppingRule: replicates, threadCount: threads).run(rqmc, seed: 1).estimate)
        }
    }

    @Test("different seeds give different estimates; the same seed the same")
    func seeds() throws {
        let a = try estimator.run(samples: 10_000, seed: 1)
        let b = try estimator.run(samples: 10_000, seed: 1)
        let c = try estimator.run(samples: 10_000, seed: 2)
        #expect(a == b)
        #expect(a.value != c.value)
    }

    @Test("an absolute-error target stops once the half-width is met, checked per round")
    func absoluteError() throws {
        let rule = StoppingRule.absoluteError(0.002, level: 0.95, maximumSamples: 10_000_000)
        let report = try MonteCarloDriver(stoppingRule: rule, blockSize: 1000, blocksPerRound: 4).run(estimator, seed: 3)
        #expect(report.stopReason == .reachedAbsoluteError)
        let halfWidth = try report.estimate.confidenceInterval(level: 0.95).width / 2
        #expect(halfWidth <= 0.002)
        // σ = 0.492: the target needs about (1.96 · 0.492 / 0.002)² = 232,000 draws; one round
        // earlier must not have met it.
        #expect(report.samples >= 200_000 && report.samples <= 280_000, "\(report.samples)")
        let previous = report.history[report.history.count - 2]
        #expect(1.959_963_984_540_054 * previous.standardError > 0.002)
    }

    @Test("a relative-error target and the sample cap are reported as such")
    func relativeErrorAndCap() throws {
        let met = try MonteCarloDriver(stoppingRule: .relativeError(0.01, maximumSamples: 1_000_000)).run(estimator, seed: 4)
        #expect(met.stopReason == .reachedRelativeError)
        let capped = try MonteCarloDriver(stoppingRule: .relativeError(1e-6, maximumSamples: 30_000)).run(estimator, seed: 4)
        #expect(capped.stopReason == .reachedSampleCap)
        #expect(capped.samples == 30_000)
    }

    @Test("a time budget stops and says so")
    func timeBudget() throws {
        let report = try MonteCarloDriver(stoppingRule: .timeBudget(seconds: 0.05, maximumSamples: .max / 2),
                                          blockSize: 1000, blocksPerRound: 2).run(estimator, seed: 5)
        #expect(report.stopReason == .exhaustedTimeBudget)
        #expect(report.elapsedSeconds >= 0.05)
    }

    @Test("the progress callback sees every round")
    func progress() throws {
        final class Counter: @unchecked Sendable {
            let lock = NSLock()
            var rounds: [Int] = []
        }
        let counter = Counter()
        let report = try MonteCarloDriver(stoppingRule: .sampleCount(10_000), blockSize: 1000, blocksPerRound: 3,
                                          progress: { p in counter.lock.withLock { counter.rounds.append(p.samples) } })
            .run(estimator, seed: 6)
        #expect(counter.rounds == [3000, 6000, 9000, 10_000])
        #expect(report.history.map(\.samples) == counter.rounds)
    }

    @Test("shards with disjoint streams merge into one state; the report round-trips through JSON")
    func sharding() throws {
        let shards = try (0..<3).map { shard in
            try MonteCarloDriver(stoppingRule: .sampleCount(20_000), firstStream: shard * 1_000).run(estimator, seed: 7)
        }
        var merged = shards[0].state
        for shard in shards.dropFirst() { merged.merge(shard.state) }
        let combined = try estimator.estimate(from: merged)
        #expect(combined.sampleCount == 60_000)
        #expect(abs(combined.value - (exp(1) - 1)) <= 5 * combined.standardError)
        #expect(shards[0].estimate != shards[1].estimate)
        let data = try JSONEncoder().encode(shards[0])
        let decoded = try JSONDecoder().decode(RunReport<SampleMeanState, Estimate>.self, from: data)
        #expect(decoded.state == shards[0].state)
    }
}

@Suite("Bad input")
struct BadInputTests {
    @Test("a NaN integrand value is a typed error naming the draw")
    func nanNamesTheDraw() throws {
        let estimator = PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { u in u > 0.999 ? .nan : u })
        do {
            _ = try MonteCarloDriver(stoppingRule: .sampleCount(100_000), threadCount: 1).run(estimator, seed: 1)
            Issue.record("expected an error")
        } catch {
            guard case .nonFinite(let quantity, let index) = error else { Issue.record("\(error)"); return }
            #expect(quantity == "integrand")
            // Reproduce the draw: block b uses stream b; within a block draws are in order.
            let block = index / 4096, offset = index % 4096
            var generator = RandomStreams(seed: 1).stream(block)
            for _ in 0..<offset { _ = generator.nextUniform() }
            #expect(generator.nextUniform() > 0.999)
        }
    }

    @Test("infinite values can be skipped and reported instead")
    func skipAndReport() throws {
        let estimator = PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { u in u < 0.01 ? .infinity : u },
                                        nonFinitePolicy: .skipAndReport)
        let estimate = try estimator.run(samples: 100_000, seed: 2)
        let skipped = try #require(estimate.diagnostics.figures["skippedSamples"])
        // About 1% of draws: binomial sd √(10⁵ · 0.01 · 0.99) = 31.
        #expect(abs(skipped - 1000) < 5 * 31.5)
        #expect(!estimate.diagnostics.warnings.isEmpty)
        #expect(abs(estimate.value - 0.505) <= 5 * estimate.standardError)
    }

    @Test("fewer than two samples cannot give a variance")
    func tooFewSamples() {
        let estimator = PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { $0 })
        #expect(throws: MonteCarloError.insufficientSamples(needed: 2, available: 1, reason: "to estimate a variance")) {
            try estimator.run(samples: 1, seed: 1)
        }
        #expect(throws: MonteCarloError.self) { try estimator.run(samples: 0, seed: 1) }
    }

    @Test("a confidence level outside (0, 1) in a stopping rule is rejected")
    func badLevel() {
        let estimator = PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { $0 })
        #expect(throws: MonteCarloError.invalidConfidenceLevel(1.5)) {
            try MonteCarloDriver(stoppingRule: .absoluteError(0.1, level: 1.5, maximumSamples: 100)).run(estimator, seed: 1)
        }
    }

    @Test("control means of the wrong length are a dimension mismatch")
    func mismatchedControls() {
        #expect(throws: MonteCarloError.dimensionMismatch(what: "control means (one per control)", expected: 2, actual: 1)) {
            try ControlVariateMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { $0 },
                                         controls: VectorIntegrand(outputDimension: 2) { [$0, $0 * $0] }, controlMeans: [0.5])
        }
    }

    @Test("collinear or constant controls are a singular control covariance", arguments: [0, 1])
    func singularControls(kind: Int) throws {
        let controls = try kind == 0
            ? VectorIntegrand<Double>(outputDimension: 2) { [$0, 2 * $0] }
            : VectorIntegrand<Double>(outputDimension: 2) { [$0, 3] }
        let estimator = try ControlVariateMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { exp($0) },
                                                     controls: controls, controlMeans: [0.5, kind == 0 ? 1 : 3])
        #expect {
            try estimator.run(samples: 1000, seed: 1)
        } throws: { error in
            guard let error = error as? MonteCarloError, case .singularControlCovariance = error else { return false }
            return true
        }
    }

    @Test("RQMC beyond Sobol's 40 dimensions is a clear error")
    func rqmcDimension() throws {
        #expect(throws: MonteCarloError.self) {
            try RandomizedQuasiMonteCarlo(sampler: try UnitCube(dimension: 41), integrand: Integrand { $0[0] })
        }
    }
}

@Suite("Driver configuration errors")
struct DriverConfigurationTests {
    let estimator = PlainMonteCarlo(sampler: UniformDistribution.unit, integrand: Integrand { $0 })

    @Test("bad configurations are typed errors, not traps")
    func badConfigurations() {
        let rule = StoppingRule.sampleCount(1000)
        #expect(throws: MonteCarloError.self) { try MonteCarloDriver(stoppingRule: rule, threadCount: 0).run(estimator, seed: 1) }
        #expect(throws: MonteCarloError.self) { try MonteCarloDriver(stoppingRule: rule, blockSize: 0).run(estimator, seed: 1) }
        #expect(throws: MonteCarloError.self) { try MonteCarloDriver(stoppingRule: rule, blocksPerRound: 0).run(estimator, seed: 1) }
        #expect(throws: MonteCarloError.self) { try MonteCarloDriver(stoppingRule: rule, firstStream: -1).run(estimator, seed: 1) }
        #expect(throws: MonteCarloError.self) { try MonteCarloDriver(stoppingRule: rule, firstStream: 1 << 48).run(estimator, seed: 1) }
        #expect(throws: MonteCarloError.self) {
            try MonteCarloDriver(stoppingRule: rule, blockSize: 1, firstStream: (1 << 48) - 10).run(estimator, seed: 1)
        }
        #expect(throws: MonteCarloError.self) {
            try MonteCarloDriver(stoppingRule: .absoluteError(-1, maximumSamples: 10)).run(estimator, seed: 1)
        }
    }

    @Test("streams(from:count:) equals stream(i) one by one")
    func consecutiveStreams() {
        let streams = RandomStreams(seed: 3)
        #expect(streams.streams(from: 5, count: 4) == (5..<9).map { streams.stream($0) })
    }
}
