import Foundation
import MonteCarloCore

extension MultilevelMonteCarlo {
    /// The per-level figures after regularisation, the rates used and the bias bound.
    struct Shape {
        /// |mean| per level, floored (Giles) and extrapolated for levels without samples.
        var means: [Double]
        /// Variance per level, floored and extrapolated likewise.
        var variances: [Double]
        /// The rates used, with standard errors where they were fitted.
        var rates: MultilevelRates
        /// The extrapolated remaining bias, or nil with a single level.
        var biasBound: Double?
    }

    /// The mutable state of one run: the levels' moments, their streams and the cost spent.
    struct LevelRun {
        let estimator: MultilevelMonteCarlo
        let seed: UInt64
        var moments: [CoupledLevelMoments] = []
        var blocksUsed: [Int] = []
        var costs: [Double] = []

        init(_ estimator: MultilevelMonteCarlo, seed: UInt64, levels: Int? = nil) throws(MonteCarloError) {
            self.estimator = estimator
            self.seed = seed
            for _ in 0...(levels ?? estimator.minimumLevel) { try appendLevel() }
        }

        var finestLevel: Int { moments.count - 1 }
        var counts: [Int] { moments.map(\.differences.count) }
        var spent: Double { zip(counts, costs).reduce(0.0) { $0 + Double($1.0) * $1.1 } }

        private mutating func appendLevel() throws(MonteCarloError) {
            let level = moments.count
            let cost = estimator.sampler.cost(level: level)
            guard cost.isFinite, cost > 0 else {
                throw .invalidParameter(name: "cost(level: \(level))", value: cost, requirement: "finite and positive")
            }
            moments.append(CoupledLevelMoments())
            blocksUsed.append(0)
            costs.append(cost)
        }

        /// Adds level L + 1 with no samples yet.
        mutating func addLevel() throws(MonteCarloError) { try appendLevel() }

        /// Removes the finest level, which must have no samples yet.
        mutating func removeFinestLevel() {
            precondition(finestLevel > 0 && counts[finestLevel] == 0, "only an unsampled level above level 0 is removed")
            moments.removeLast()
            blocksUsed.removeLast()
            costs.removeLast()
        }

        /// Samples per block at `level`: about 4096 level-0 samples' worth of work, 8 to 4096.
        func blockSize(_ level: Int) -> Int {
            Int(max(8, min(4096, (4096 * costs[0] / costs[level]).rounded(.up))))
        }

        /// Draws `additional[ℓ]` more samples at each level ℓ, each top-up on fresh streams of the
        /// level's range (level ℓ owns streams ℓ·2⁴⁰ … (ℓ + 1)·2⁴⁰ − 1).
        mutating func draw(_ additional: [Int]) throws(MonteCarloError) {
            for (level, count) in additional.enumerated() where count > 0 {
                let size = blockSize(level)
                let driver = MonteCarloDriver(stoppingRule: .sampleCount(count), threadCount: estimator.threadCount,
                                              blockSize: size, firstStream: level << 40 + blocksUsed[level])
                let report = try driver.run(CoupledLevelEstimator(sampler: estimator.sampler, level: level, blockSize: size),
                                            seed: seed)
                moments[level].merge(report.state)
                blocksUsed[level] += (count + size - 1) / size
            }
        }

        /// Means, variances, rates and bias bound from the samples so far.
        func shape() -> Shape {
            let rawMeans = moments.map { abs($0.differences.mean) }
            let rawVariances = moments.map { $0.differences.count >= 2 ? $0.differences.sampleVariance : .nan }
            var rates: MultilevelRates
            if let given = estimator.rates {
                rates = given
            } else {
                let sampled = (1..<moments.count).filter { moments[$0].differences.count >= 2 }
                let a = try? MultilevelRates.slope(sampled, sampled.map { rawMeans[$0] }, "alpha")
                let b = try? MultilevelRates.slope(sampled, sampled.map { rawVariances[$0] }, "beta")
                let g = try? MultilevelRates.slope(Array(1..<costs.count), Array(costs.dropFirst()), "gamma")
                rates = MultilevelRates(fittedAlpha: a.map { -$0.slope }, beta: b.map { -$0.slope }, gamma: g?.slope,
                                        alphaStandardError: a?.standardError, betaStandardError: b?.standardError,
                                        gammaStandardError: g?.standardError, betaPoints: b?.points ?? 0)
            }
            var means = rawMeans, variances = rawVariances
            for l in means.indices where moments[l].differences.count < 2 {
                // A level without samples yet: extrapolate from the one below.
                means[l] = l > 0 ? means[l - 1] / exp2(rates.alpha) : 0
                variances[l] = l > 0 ? variances[l - 1] / exp2(rates.beta) : 0
            }
            if means.count > 2 {
                for l in 2..<means.count {
                    means[l] = max(means[l], 0.5 * means[l - 1] / exp2(rates.alpha))
                    variances[l] = max(variances[l], 0.5 * variances[l - 1] / exp2(rates.beta))
                }
            }
            var bias: Double? = nil
            let finest = means.count - 1
            if finest >= 1 {
                var largest = 0.0
                for j in 0...min(2, finest - 1) { largest = max(largest, means[finest - j] / exp2(Double(j) * rates.alpha)) }
                bias = largest / (exp2(rates.alpha) - 1)
            }
            return Shape(means: means, variances: variances, rates: rates, biasBound: bias)
        }

        /// Additional samples per level for the optimal allocation at variance `varianceBudget`.
        func topUp(_ shape: Shape, varianceBudget: Double) -> [Int] {
            var sum = 0.0
            for l in costs.indices { sum += (shape.variances[l] * costs[l]).squareRoot() }
            var additional: [Int] = []
            for l in costs.indices {
                let optimal = (shape.variances[l] / costs[l]).squareRoot() * sum / varianceBudget
                let target = max(Double(MultilevelMonteCarlo.minimumSamplesPerLevel), optimal.rounded(.up))
                let count = moments[l].differences.count
                additional.append(target > Double(count) ? Int(min(target - Double(count), Double(Int.max / 4))) : 0)
            }
            return additional
        }

        /// The report for the samples drawn so far.
        func report(_ reason: MultilevelReport.StopReason, target: Double?) throws(MonteCarloError) -> MultilevelReport {
            var levels: [MultilevelReport.Level] = []
            var value = 0.0, variance = 0.0, samples = 0
            for (l, m) in moments.enumerated() {
                guard m.differences.count >= 2 else {
                    throw .insufficientSamples(needed: 2, available: m.differences.count,
                                               reason: "at level \(l) to estimate its variance (raise maximumCost)")
                }
                levels.append(MultilevelReport.Level(level: l, samples: m.differences.count, mean: m.differences.mean,
                                                     variance: m.differences.sampleVariance,
                                                     fineVariance: m.fineValues.sampleVariance, cost: costs[l]))
                value += m.differences.mean
                variance += m.differences.varianceOfMean
                samples += m.differences.count
            }
            let shape = shape()
            let finest = levels[levels.count - 1]
            let ess = Estimate.effectiveSampleSize(perDrawVariance: finest.fineVariance, estimatorVariance: variance,
                                                   evaluations: samples)
            var warnings: [String] = []
            switch reason {
            case .reachedMaximumLevel:
                warnings.append(shape.biasBound.map { "The bias bound \($0) is above the target ε/√2 at the sampler's finest level \(finestLevel): the root-mean-square error target is not met." }
                    ?? "The sampler offers a single level, so the remaining bias cannot be estimated.")
            case .reachedCostCap:
                warnings.append("The cost cap \(estimator.maximumCost) was reached before the target: the variance and bias targets may be unmet.")
            case .reachedTarget, .reachedSampleCounts:
                break
            }
            var figures: [String: Double] = [
                "levels": Double(levels.count), "totalCost": spent,
                "alpha": shape.rates.alpha, "beta": shape.rates.beta, "gamma": shape.rates.gamma,
            ]
            if let bias = shape.biasBound { figures["biasBound"] = bias }
            if let target { figures["targetRootMeanSquareError"] = target }
            let declared = shape.biasBound.map {
                "Truncation at level \(finestLevel): |E[P] − E[P_\(finestLevel)]| ≈ \($0) (weak-error extrapolation with α = \(shape.rates.alpha)), not included in the interval"
            } ?? "Truncation at level \(finestLevel): the remaining bias E[P] − E[P_\(finestLevel)] is unknown"
            let estimate = Estimate(
                value: value, variance: variance, sampleCount: samples, effectiveSampleSize: ess,
                diagnostics: Diagnostics(method: "mlmc", varianceReductionFactor: ess / Double(samples),
                                         declaredBias: declared, figures: figures, warnings: warnings))
            return MultilevelReport(estimate: estimate, levels: levels, rates: shape.rates, biasBound: shape.biasBound,
                                    targetRootMeanSquareError: target, totalCost: spent, stopReason: reason, seed: seed)
        }
    }
}
