import Foundation
import LinearAlgebra

/// A long-run covariance estimate of p series observed together (p integrands of the same
/// chain draws): Σ̂_∞, the covariance of the mean Σ̂_∞/n, the sample covariance Λ and the
/// multivariate effective sample size.
///
/// ```swift
/// // 3 columns of 1000 draws each, column-major: column j is draws[j*1000 ..< (j+1)*1000].
/// let r = try LongRunVarianceMethod.auto.estimateCovariance(columnMajor: draws, dimension: 3,
///                                                            chainLengths: [1000])
/// r.covarianceOfMean            // 3 × 3: Cov(μ̂ᵢ, μ̂ⱼ)
/// r.multivariateEffectiveSampleSize
/// ```
///
/// Matrices are flat p × p arrays; all of them are symmetric, so row-major and column-major
/// read the same: entry (i, j) is `m[i * dimension + j]`.
///
/// **Statistical properties.** The multivariate ESS of Vats, Flegal & Jones (2019) is
/// mESS = n (|Λ| / |Σ̂_∞|)^{1/p}: the number of independent draws whose mean would have a
/// covariance of the same *volume* (generalized variance) as the chain's. With p = 1 it is the
/// scalar ESS. It is consistent when Σ̂_∞ is (BM, OBM, spectral under the conditions of each
/// ``LongRunVarianceMethod`` case) and Λ is positive definite.
public struct LongRunCovariance: Sendable, Hashable, Codable {
    /// The number of series p.
    public let dimension: Int
    /// The number of draws n (over all chains).
    public let sampleCount: Int
    /// The mean of each series.
    public let means: [Double]
    /// Λ, the sample covariance of the draws (all chains about the grand means, divisor n − 1), p × p.
    public let sampleCovariance: [Double]
    /// Σ̂_∞, the long-run covariance per draw, p × p.
    public let longRunCovariance: [Double]
    /// Σ̂_∞ / n, the covariance of the vector of means, p × p.
    public let covarianceOfMean: [Double]
    /// n (|Λ|/|Σ̂_∞|)^{1/p}, or `nil` when Λ or Σ̂_∞ is not positive definite to a Cholesky
    /// factorization without jitter (a constant or collinear column, an indefinite Tukey–Hanning
    /// estimate): the ratio of determinants is then 0/0 or meaningless, and no number is given.
    public let multivariateEffectiveSampleSize: Double?
    /// Degrees of freedom of the method (as ``LongRunVariance/degreesOfFreedom``), or `nil`.
    public let degreesOfFreedom: Double?
    /// The batch size or truncation used.
    public let batchSize: Int?
    /// A short name of the method.
    public let method: String

    /// Creates an estimate from its parts; mESS is computed from Λ and Σ̂_∞.
    public init(means: [Double], sampleCount: Int, sampleCovariance: [Double], longRunCovariance: [Double],
                degreesOfFreedom: Double?, batchSize: Int?, method: String) {
        let p = means.count
        precondition(sampleCovariance.count == p * p && longRunCovariance.count == p * p, "matrices must be p × p")
        self.dimension = p
        self.sampleCount = sampleCount
        self.means = means
        self.sampleCovariance = sampleCovariance
        self.longRunCovariance = longRunCovariance
        self.covarianceOfMean = longRunCovariance.map { $0 / Double(sampleCount) }
        self.degreesOfFreedom = degreesOfFreedom
        self.batchSize = batchSize
        self.method = method
        if let logLambda = Self.logDeterminant(sampleCovariance, p), let logSigma = Self.logDeterminant(longRunCovariance, p) {
            self.multivariateEffectiveSampleSize = Double(sampleCount) * exp((logLambda - logSigma) / Double(p))
        } else {
            self.multivariateEffectiveSampleSize = nil
        }
    }

    /// Series i alone, as a ``LongRunVariance`` (its diagonal entries; ESS n Λᵢᵢ/Σ̂ᵢᵢ).
    public func component(_ i: Int) -> LongRunVariance {
        LongRunVariance(mean: means[i], sampleCount: sampleCount, sampleVariance: sampleCovariance[i * dimension + i],
                        longRunVariance: longRunCovariance[i * dimension + i], degreesOfFreedom: degreesOfFreedom,
                        batchSize: batchSize, method: method)
    }

    /// The means as a `VectorEstimate` with covariance Σ̂_∞/n.
    public var vectorEstimate: VectorEstimate {
        VectorEstimate(values: means, covariance: covarianceOfMean, sampleCount: sampleCount,
                       effectiveSampleSizes: (0..<dimension).map { component($0).effectiveSampleSize },
                       degreesOfFreedom: degreesOfFreedom,
                       diagnostics: Diagnostics(method: method, figures: multivariateEffectiveSampleSize.map { ["multivariateESS": $0] } ?? [:]))
    }

    /// log det of a symmetric p × p matrix by Cholesky, or nil when it is not positive definite.
    static func logDeterminant(_ m: [Double], _ p: Int) -> Double? {
        guard p > 0 else { return 0 }
        guard let factor = try? Matrix(rows: p, columns: p, columnMajor: m).choleskyFactorization(),
              factor.jitter == 0 else { return nil }
        let value = factor.logDeterminant
        return value.isFinite ? value : nil
    }
}

extension LongRunVarianceMethod {
    /// Estimates the long-run covariance of p series observed on the same chain draws.
    ///
    /// ```swift
    /// // 2 chains of 500 draws, p = 2: column j holds chain 1's 500 draws then chain 2's.
    /// let r = try LongRunVarianceMethod.batchMeans().estimateCovariance(
    ///     columnMajor: draws, dimension: 2, chainLengths: [500, 500])
    /// ```
    ///
    /// - Parameters:
    ///   - columnMajor: n × p values, column-major: series j is `columnMajor[j·n ..< (j+1)·n]`,
    ///     its chains one after another as `chainLengths` says.
    ///   - dimension: p ≥ 1.
    ///   - chainLengths: the chain lengths, adding up to n.
    /// - Returns: Σ̂_∞ by the method (`.auto` → ``resolvedForVectors``, also for p = 1). The
    ///   lugsail guard: a lugsail Σ̂ that is not positive definite is replaced by the plain one
    ///   of the same method. A constant column gives zero rows and columns (and no mESS).
    /// - Throws: as ``estimate(_:chainLengths:)``, with `nonFinite`'s index the flat index;
    ///   `MonteCarloError/dimensionMismatch(what:expected:actual:)` when the count is not a
    ///   multiple of p; `MonteCarloError/invalidArgument(_:)` for `.initialSequence`, which is
    ///   scalar only.
    /// - Complexity: O(n p²) (one `dsyrk`/`dgemm` over window sums) and O(n p) memory.
    ///
    /// **Statistical properties.** Each entry of Σ̂_∞ has the bias and variance of the scalar
    /// method (Vats, Flegal & Jones 2018 and 2019 for multivariate BM and SV); mESS is
    /// explained at ``LongRunCovariance``.
    public func estimateCovariance(columnMajor: [Double], dimension: Int,
                                   chainLengths: [Int]) throws(MonteCarloError) -> LongRunCovariance {
        let p = dimension
        guard p >= 1 else { throw .invalidParameter(name: "dimension", value: Double(p), requirement: "at least 1") }
        guard columnMajor.count % p == 0 else {
            throw .dimensionMismatch(what: "values (a multiple of the dimension \(p))", expected: (columnMajor.count / p + 1) * p,
                                     actual: columnMajor.count)
        }
        let n = columnMajor.count / p
        // Means (screening for NaN and ∞ on the way), before the chain lengths are checked.
        var means = [Double](repeating: 0, count: p)
        try columnMajor.withUnsafeBufferPointer { x throws(MonteCarloError) in
            for j in 0..<p {
                let column = UnsafeBufferPointer(rebasing: x[(j * n)..<((j + 1) * n)])
                let mean = try Self.checkedMean(column, offset: j * n)
                // A constant column is centred at its value exactly, so it contributes exact zeros.
                means[j] = !column.isEmpty && column.allSatisfy({ $0 == column[0] }) ? column[0] : mean
            }
        }
        let ranges = try SampleDependence.chains(lengths: chainLengths, longRunVariance: self).chainRanges(count: n)
        guard n >= 2 else { throw .insufficientSamples(needed: 2, available: n, reason: "for a long-run covariance") }
        let (lambda, core) = try columnMajor.withUnsafeBufferPointer { x throws(MonteCarloError) in
            // Λ by chunks of centred rows (no centred copy of the draws).
            var gram = GramAccumulator(columns: p)
            var first = 0
            while first < n {
                let m = min(LongRunCovarianceKernel.chunkRows, n - first)
                gram.fill(rows: m) { j, left in
                    let mu = means[j]
                    for r in 0..<m { left[r] = x[j * n + first + r] - mu }
                }
                first += m
            }
            let lambda = gram.result().map { $0 / Double(n - 1) }
            return (lambda, try computeCore(x, means: means, rows: n, columns: p, ranges: ranges, vector: true))
        }
        var sigma = core.sigma
        if let plain = core.plain, LongRunCovariance.logDeterminant(sigma, p) == nil { sigma = plain }
        return LongRunCovariance(means: means, sampleCount: n, sampleCovariance: lambda, longRunCovariance: sigma,
                                 degreesOfFreedom: core.degreesOfFreedom, batchSize: core.batchSize, method: core.name)
    }

    /// Estimates the long-run covariance of p series given as p arrays of equal length (each
    /// the chains one after another).
    ///
    /// ```swift
    /// let r = try LongRunVarianceMethod.auto.estimateCovariance(columns: [f1, f2], chainLengths: [f1.count])
    /// ```
    /// - Throws: as ``estimateCovariance(columnMajor:dimension:chainLengths:)``, and
    ///   `MonteCarloError/dimensionMismatch(what:expected:actual:)` for columns of different lengths.
    /// - Complexity: as ``estimateCovariance(columnMajor:dimension:chainLengths:)``, plus one copy.
    public func estimateCovariance(columns: [[Double]], chainLengths: [Int]) throws(MonteCarloError) -> LongRunCovariance {
        guard let first = columns.first else { throw .invalidParameter(name: "dimension", value: 0, requirement: "at least 1") }
        if let bad = columns.first(where: { $0.count != first.count }) {
            throw .dimensionMismatch(what: "draws in every column", expected: first.count, actual: bad.count)
        }
        return try estimateCovariance(columnMajor: Array(columns.joined()), dimension: columns.count, chainLengths: chainLengths)
    }
}
