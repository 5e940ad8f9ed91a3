import MonteCarloCore

/// The delete-one jackknife variance of a nearest-neighbour statistic, rescaled by the factor
/// by which the jackknife overestimates, measured on disjoint blocks of the data.
///
/// For statistics of nearest-neighbour distances the jackknife J_N = ((N − 1)/N) Σⱼ (T₋ⱼ − T̄₋)²
/// is too large by a factor f (Efron–Stein: E J_N ≥ Var T_{N−1}; measured f ≈ 1.4–2.3 for the
/// Kozachenko–Leonenko and Wang–Kulkarni–Verdú estimators). The data are split at random into
/// m disjoint blocks; the sample variance s² of the m block values is unbiased for the variance
/// at the block size, and the mean J̄_b of the blocks' jackknives estimates f times it. So
/// `variance` = J_N · s² / J̄_b, which assumes only that f is the same at the block size and at
/// N (the device of ``KSGEstimator``).
struct BlockRescaledJackknife {
    /// J_N on all the data.
    let jackknife: Double
    /// s², the sample variance of the block values (m − 1 degrees of freedom).
    let blockVariance: Double
    /// J̄_b, the mean of the blocks' jackknives.
    let blockJackknife: Double
    /// The mean of the block values.
    let blockMean: Double
    let blocks: Int

    /// Evaluates the m blocks concurrently (`evaluate(b)` returns block b's value and jackknife;
    /// it must not depend on the thread it runs on).
    init(jackknife: Double, blocks m: Int,
         evaluate: @Sendable (Int) throws(MonteCarloError) -> (value: Double, jackknife: Double)) throws(MonteCarloError) {
        var results = [Result<(value: Double, jackknife: Double), MonteCarloError>](repeating: .success((0, 0)), count: m)
        results.withUnsafeMutableBufferPointer { buffer in
            let out = SharedPointer(buffer.baseAddress!)
            ParallelLoop.run(iterations: m) { b in
                do throws(MonteCarloError) {
                    out.pointer[b] = .success(try evaluate(b))
                } catch {
                    out.pointer[b] = .failure(error)
                }
            }
        }
        var values = RunningMoments()
        var jackknives = 0.0
        for result in results {
            let block = try result.get()
            values.add(block.value)
            jackknives += block.jackknife / Double(m)
        }
        self.jackknife = jackknife
        blockVariance = values.sampleVariance
        blockJackknife = jackknives
        blockMean = values.mean
        blocks = m
    }

    /// J_N · s² / J̄_b; the plain jackknife J_N when every block jackknife is 0.
    var variance: Double { blockJackknife > 0 ? jackknife * blockVariance / blockJackknife : jackknife }

    /// J̄_b / s², the measured overestimation factor f (noisy: m − 1 degrees of freedom).
    var overestimation: Double { blockVariance > 0 ? blockJackknife / blockVariance : .nan }

    /// `value` with this variance as an `Estimate`: Student-t with m − 1 degrees of freedom,
    /// ESS = `pointTermVariance` (of the per-point terms) / variance, and `figures` plus
    /// `subsampleBlocks`, `jackknifeVariance`, `jackknifeOverestimation`, `subsampleMeanShift`
    /// and `pointTermVariance` (over N).
    func estimate(value: Double, pointTermVariance: Double, sampleCount n: Int, method: String, coefficients: [Double] = [],
                  declaredBias: String, figures: [String: Double]) -> Estimate {
        var all = figures
        all["subsampleBlocks"] = Double(blocks)
        all["jackknifeVariance"] = jackknife
        all["jackknifeOverestimation"] = overestimation
        all["subsampleMeanShift"] = blockMean - value
        all["pointTermVariance"] = pointTermVariance / Double(n)
        return Estimate(
            value: value, variance: variance, sampleCount: n,
            effectiveSampleSize: Estimate.effectiveSampleSize(perDrawVariance: pointTermVariance, estimatorVariance: variance,
                                                              evaluations: n),
            degreesOfFreedom: Double(blocks - 1),
            diagnostics: Diagnostics(method: method, coefficients: coefficients, declaredBias: declaredBias, figures: all))
    }

    /// ((N − 1)/N) Σⱼ (T₋ⱼ − T̄₋)² for leave-one-out values T₋ⱼ.
    static func jackknife(_ leaveOneOut: [Double]) -> Double {
        var moments = RunningMoments()
        moments.add(contentsOf: leaveOneOut)
        let n = Double(leaveOneOut.count)
        return moments.sampleVariance * (n - 1) * (n - 1) / n
    }

    /// A uniformly random permutation of 0..<n (Fisher–Yates) from stream `stream` of `seed`.
    static func permutation(_ n: Int, seed: UInt64, stream: Int) -> [Int] {
        var generator = RandomStreams(seed: seed).stream(stream)
        var permutation = Array(0..<n)
        for i in stride(from: n - 1, to: 0, by: -1) {
            permutation.swapAt(i, Int(generator.next() % UInt64(i + 1)))
        }
        return permutation
    }
}
