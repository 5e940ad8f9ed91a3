import Foundation
import MonteCarlo

// The timed work of sections 2 and 3: E[exp(U)] = e − 1 for U uniform on [0, 1).

/// The bare loop the estimator is measured against: draw, evaluate, add; no variance, no blocks.
@inline(never)
func bareExponentialMean(count: Int, seed: UInt64) -> Double {
    var generator = Xoshiro256PlusPlus(seed: seed)
    var sum = 0.0
    for _ in 0..<count { sum += exp(generator.nextUniform()) }
    return sum / Double(count)
}

/// Plain Monte Carlo of exp(u) with the scalar-closure integrand.
let scalarExponentialEstimator = PlainMonteCarlo(
    sampler: UniformDistribution.unit, integrand: Integrand { exp($0) })

/// Plain Monte Carlo of exp(u) with a batch integrand (one closure call per block).
let batchExponentialEstimator = PlainMonteCarlo(
    sampler: UniformDistribution.unit,
    integrand: Integrand<Double>(batch: { points, values in
        for i in points.indices { values[i] = exp(points[i]) }
    }))

/// What the scaling check compares: the estimate and the final accumulator state of a driven run.
struct DrivenRun {
    var estimate: Estimate
    var state: SampleMeanState
}

/// Runs `estimator` through ``MonteCarloDriver`` for exactly `count` samples on `threads` threads.
@inline(never)
func drivenRun(_ estimator: PlainMonteCarlo<UniformDistribution>, count: Int, threads: Int, seed: UInt64)
    throws(MonteCarloError) -> DrivenRun
{
    let report = try MonteCarloDriver(stoppingRule: .sampleCount(count), threadCount: threads).run(estimator, seed: seed)
    return DrivenRun(estimate: report.estimate, state: report.state)
}
