import Foundation

extension LongRunVarianceMethod {
    /// Estimates the long-run variance of `series`, made of chains stored one after another
    /// (`chainLengths` adds up to `series.count`; pass `[series.count]` for one chain).
    ///
    /// Several chains are pooled about the grand mean, so chains that disagree (have not mixed)
    /// inflate the estimate rather than hide; batches and lag products never cross a chain
    /// boundary.
    ///
    /// ```swift
    /// // Two chains of 500 draws, one after the other.
    /// let r = try LongRunVarianceMethod.auto.estimate(series, chainLengths: [500, 500])
    /// r.varianceOfMean, r.effectiveSampleSize, r.degreesOfFreedom
    /// ```
    ///
    /// - Throws: `MonteCarloError/nonFinite(quantity:index:)` naming the first NaN or infinite
    ///   value; `MonteCarloError/dimensionMismatch(what:expected:actual:)` when the lengths do not
    ///   add up; `MonteCarloError/insufficientSamples(needed:available:reason:)` for fewer than
    ///   two draws or when a chain is shorter than two batches (batch means, OBM) or twice the
    ///   truncation (spectral); `MonteCarloError/invalidParameter(name:value:requirement:)` for
    ///   a batch size below 1, an empty chain list or an empty chain.
    /// - Complexity: O(n) for batch means, OBM and the spectral windows (rolled window sums,
    ///   one pass each); O(n L) for initial sequences summing L < 512 lags (L ≈ 8 for a
    ///   fast-mixing series), O(n log n) beyond.
    ///
    /// **Statistical properties.** See each case of ``LongRunVarianceMethod`` for bias,
    /// variance and consistency, and the type's discussion for the guards. The result's
    /// ``LongRunVariance/effectiveSampleSize`` is n s²/σ̂²_∞ (`Estimate/effectiveSampleSize`).
    public func estimate(_ series: [Double], chainLengths: [Int]) throws(MonteCarloError) -> LongRunVariance {
        let n = series.count
        let mean = try series.withUnsafeBufferPointer { buffer throws(MonteCarloError) in try Self.checkedMean(buffer, offset: 0) }
        let ranges = try SampleDependence.chains(lengths: chainLengths, longRunVariance: self).chainRanges(count: n)
        guard n >= 2 else { throw .insufficientSamples(needed: 2, available: n, reason: "for a long-run variance") }
        let constant = series.allSatisfy { $0 == series[0] }
        let centre = constant ? series[0] : mean
        let core = try series.withUnsafeBufferPointer { buffer throws(MonteCarloError) in
            try computeCore(buffer, means: [centre], rows: n, columns: 1, ranges: ranges, vector: false)
        }
        let s2 = constant ? 0 : series.withUnsafeBufferPointer {
            LongRunCovarianceKernel.centredSquares($0, mean: mean)
        } / Double(n - 1)
        let sigma2 = constant ? 0 : Self.guarded(core.sigma[0], plain: core.plain?[0], sampleVariance: s2, count: n)
        return LongRunVariance(mean: constant ? series[0] : mean, sampleCount: n, sampleVariance: s2,
                               longRunVariance: sigma2, degreesOfFreedom: core.degreesOfFreedom,
                               batchSize: core.batchSize, method: core.name)
    }

    /// Estimates the long-run variance of one chain.
    ///
    /// ```swift
    /// let r = try LongRunVarianceMethod.auto.estimate(chain)
    /// print(r.mean, r.varianceOfMean.squareRoot())   // value and MCSE
    /// ```
    /// - Throws: as ``estimate(_:chainLengths:)``.
    /// - Complexity: as ``estimate(_:chainLengths:)``.
    public func estimate(_ series: [Double]) throws(MonteCarloError) -> LongRunVariance {
        try estimate(series, chainLengths: [series.count])
    }

    /// Estimates the long-run variance of several chains of one quantity, pooled about the
    /// grand mean.
    ///
    /// ```swift
    /// let r = try LongRunVarianceMethod.auto.estimate(chains: [chain1, chain2, chain3, chain4])
    /// ```
    /// - Throws: as ``estimate(_:chainLengths:)`` (an index in an error counts draws of all
    ///   chains, in order).
    /// - Complexity: as ``estimate(_:chainLengths:)``, plus one copy of the draws.
    public func estimate(chains: [[Double]]) throws(MonteCarloError) -> LongRunVariance {
        try estimate(Array(chains.joined()), chainLengths: chains.map(\.count))
    }

    // MARK: - Shared core

    /// A long-run covariance before the guards: σ̂ (p × p, column-major), the plain estimate
    /// when σ̂ is a lugsail one, degrees of freedom, batch size and name.
    struct Core {
        var sigma: [Double]
        var plain: [Double]?
        var degreesOfFreedom: Double?
        var batchSize: Int?
        var name: String
    }

    /// The estimate of the concrete method on centred column-major draws (n × p).
    /// `data` are the raw draws (column-major) and `means` their grand column means (the
    /// kernels centre on the fly); `vector` selects what `.auto` stands for
    /// (``resolvedForVectors`` or ``resolved``).
    func computeCore(_ data: UnsafeBufferPointer<Double>, means: [Double], rows n: Int, columns p: Int,
                     ranges: [Range<Int>], vector: Bool) throws(MonteCarloError) -> Core {
        let shortest = ranges.map(\.count).min()!
        func requireTwo(_ b: Int, _ what: String) throws(MonteCarloError) {
            guard b <= shortest / 2 else {   // (not 2b > shortest: 2b may overflow)
                let needed = b.multipliedReportingOverflow(by: 2)
                throw .insufficientSamples(needed: needed.overflow ? Int.max : needed.partialValue, available: shortest,
                                           reason: "(two batches of \(b)) in every chain for \(what)")
            }
        }
        func combine(_ big: [Double], _ small: [Double]) -> [Double] { zip(big, small).map { 2 * $0 - $1 } }
        switch vector ? resolvedForVectors : resolved {
        case .batchMeans(let size, let lugsail):
            let b = try size.resolve(length: shortest)
            try requireTwo(b, "batch means")
            let big = LongRunCovarianceKernel.batchSums(data, means: means, rows: n, columns: p, ranges: ranges, batchSize: b)
            let a = big.batches
            let plain = big.gram.map { $0 / (Double(b) * Double(a - 1)) }
            guard lugsail else {
                return Core(sigma: plain, degreesOfFreedom: Double(a - 1), batchSize: b, name: "batch-means(b=\(b))")
            }
            let bs = max(1, b / 3)
            let small = LongRunCovarianceKernel.batchSums(data, means: means, rows: n, columns: p, ranges: ranges, batchSize: bs)
            let smallEstimate = small.gram.map { $0 / (Double(bs) * Double(small.batches - 1)) }
            return Core(sigma: combine(plain, smallEstimate), plain: plain,
                        degreesOfFreedom: Self.lugsailBatchMeansDegreesOfFreedom(batches: a),
                        batchSize: b, name: "lugsail-batch-means(b=\(b),\(bs))")
        case .overlappingBatchMeans(let size, let lugsail):
            let b = try size.resolve(length: shortest)
            try requireTwo(b, "overlapping batch means")
            func obm(_ b: Int) -> [Double] {
                let sums = LongRunCovarianceKernel.overlappingBatchSums(data, means: means, rows: n, columns: p, ranges: ranges, batchSize: b)
                let scale = Double(n) / (Double(n - b) * Double(b) * Double(sums.windows))
                return sums.gram.map { $0 * scale }
            }
            let plain = obm(b)
            let dof = Self.spectralDegreesOfFreedom(n: n, b: b, window: .bartlett, lugsail: lugsail)
            guard lugsail else {
                return Core(sigma: plain, degreesOfFreedom: dof, batchSize: b, name: "overlapping-batch-means(b=\(b))")
            }
            let bs = max(1, b / 3)
            return Core(sigma: combine(plain, obm(bs)), plain: plain, degreesOfFreedom: dof, batchSize: b,
                        name: "lugsail-overlapping-batch-means(b=\(b),\(bs))")
        case .spectral(let window, let truncation, let lugsail):
            let b = try truncation.resolve(length: shortest)
            try requireTwo(b, "a spectral estimate (truncation \(b) at most half the chain)")
            func sv(_ b: Int) -> [Double] {
                let sum = switch window {
                case .bartlett: LongRunCovarianceKernel.bartlett(data, means: means, rows: n, columns: p, ranges: ranges, truncation: b)
                case .tukeyHanning: LongRunCovarianceKernel.tukeyHanning(data, means: means, rows: n, columns: p, ranges: ranges, truncation: b)
                }
                return sum.map { $0 / Double(n) }
            }
            let name = window == .bartlett ? "bartlett" : "tukey-hanning"
            let dof = Self.spectralDegreesOfFreedom(n: n, b: b, window: window, lugsail: lugsail)
            guard lugsail else {
                return Core(sigma: sv(b), degreesOfFreedom: dof, batchSize: b, name: "spectral-\(name)(b=\(b))")
            }
            let bs = max(1, b / 3)
            let (plain, small): ([Double], [Double])
            if window == .tukeyHanning {
                // Both truncations in one pass over the draws.
                let sums = LongRunCovarianceKernel.tukeyHanning(data, means: means, rows: n, columns: p, ranges: ranges, truncations: [b, bs])
                (plain, small) = (sums[0].map { $0 / Double(n) }, sums[1].map { $0 / Double(n) })
            } else {
                (plain, small) = (sv(b), sv(bs))
            }
            return Core(sigma: combine(plain, small), plain: plain, degreesOfFreedom: dof, batchSize: b,
                        name: "lugsail-spectral-\(name)(b=\(b),\(bs))")
        case .initialSequence(let kind):
            guard p == 1 else {
                throw .invalidArgument("Geyer's initial sequence estimators are scalar; use batch means, overlapping batch means or a spectral method for vectors")
            }
            let result = try InitialSequenceEstimator.estimate(data, mean: means[0], ranges: ranges, kind: kind)
            return Core(sigma: [result.value], degreesOfFreedom: nil, batchSize: result.lags,
                        name: "initial-\(kind == .monotone ? "monotone" : "positive")-sequence(lags=\(result.lags))")
        case .auto:
            fatalError("unreachable: `resolved` and `resolvedForVectors` never return .auto")
        }
    }

    /// The scalar guards of the type's discussion: lugsail not below plain, then σ̂² ≥ s²/max(1, log₁₀ n).
    static func guarded(_ sigma2: Double, plain: Double?, sampleVariance s2: Double, count n: Int) -> Double {
        var value = sigma2
        if let plain, !(value >= plain) { value = plain }
        let floor = s2 / max(1, log10(Double(n)))
        return value >= floor ? value : floor
    }

    /// Satterthwaite's degrees of freedom of lugsail batch means with a batches of size b and
    /// 3a of size b/3, for independent normal batch means (see ``batchMeans(_:lugsail:)``).
    static func lugsailBatchMeansDegreesOfFreedom(batches a: Int) -> Double {
        let a = Double(a)
        let coefficient = 2 / (a - 1) - 1 / (3 * a - 1)
        let relativeVariance = 2 * (a - 1) * coefficient * coefficient + 4 * a / ((3 * a - 1) * (3 * a - 1))
        return 2 / relativeVariance
    }

    /// ν = (n − b)/(b ∫₋₁¹ w²): Satterthwaite's match to Var(σ̂²) ≈ 2σ⁴ (b/n) ∫ w².
    static func spectralDegreesOfFreedom(n: Int, b: Int, window: LagWindow, lugsail: Bool) -> Double {
        let integral = LongRunCovarianceKernel.squaredWindowIntegral(window, lugsail: lugsail)
        return max(1, Double(n - b) / (Double(b) * integral))
    }

    /// The mean of a buffer, which also screens it: a NaN or infinite value makes the sum
    /// non-finite, and only then is the buffer scanned for the first bad index (reported as
    /// `offset` + its index).
    /// - Throws: `MonteCarloError/nonFinite(quantity:index:)`; `MonteCarloError/invalidArgument(_:)`
    ///   when finite values overflow the sum (magnitudes near 10³⁰⁸).
    static func checkedMean(_ buffer: UnsafeBufferPointer<Double>, offset: Int) throws(MonteCarloError) -> Double {
        let mean = stableMean(buffer)
        if mean.isFinite { return mean }
        if let bad = buffer.firstIndex(where: { !$0.isFinite }) { throw .nonFinite(quantity: "series value", index: offset + bad) }
        guard buffer.isEmpty else { throw .invalidArgument("the values overflow a double when summed (magnitudes near 1e308)") }
        return 0
    }

    /// The mean by pairwise-blocked sums (four partial sums, fixed order).
    static func stableMean(_ values: [Double]) -> Double {
        values.withUnsafeBufferPointer { stableMean($0) }
    }

    /// The mean of a buffer by four partial sums (fixed order).
    static func stableMean(_ buffer: UnsafeBufferPointer<Double>) -> Double {
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
        var i = 0
        let n = buffer.count
        while i + 4 <= n {
            s0 += buffer[i]; s1 += buffer[i + 1]; s2 += buffer[i + 2]; s3 += buffer[i + 3]
            i += 4
        }
        while i < n { s0 += buffer[i]; i += 1 }
        return ((s0 + s1) + (s2 + s3)) / Double(n)
    }
}
