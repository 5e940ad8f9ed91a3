import MonteCarloCore

/// Randomized quasi-Monte Carlo for a vector-valued integrand, with the estimators' covariance.
///
/// Each sample is one randomization of an n-point Sobol or Halton set mapped to π; the sample
/// vector is the mean of f over those points.
///
/// **Statistical properties.** Unbiased. `covariance` is the sample covariance of the R
/// replicate mean vectors divided by R; intervals are Student-t with R − 1 degrees of freedom.
/// Per-component ESS is σ²_plain,i / variance_i with σ²_plain,i the sample variance of all R·n
/// values of component i.
public struct VectorRandomizedQuasiMonteCarlo<S: UnitCubeSampler>: MonteCarloEstimator {
    /// The measure π, as the image of the unit cube.
    public let sampler: S
    /// The integrand f: Point → ℝᵏ.
    public let integrand: VectorIntegrand<S.Point>
    /// The point set randomized for every replicate.
    public let pointSet: QuasiRandomPointSet

    /// Creates the estimator (see ``RandomizedQuasiMonteCarlo`` for the sequences and their limits).
    public init(sampler: S, integrand: VectorIntegrand<S.Point>, sequence: QuasiRandomPointSet.Kind = .sobol,
                pointsPerReplicate: Int = 1024) throws(MonteCarloError) {
        self.sampler = sampler
        self.integrand = integrand
        pointSet = try QuasiRandomPointSet(sequence, dimension: sampler.cubeDimension, count: pointsPerReplicate)
    }

    public var evaluationsPerSample: Int { pointSet.count }
    public var preferredBlockSize: Int { 1 }
    /// 16 replicates, as for ``RandomizedQuasiMonteCarlo``.
    public var minimumSamplesBeforeStopping: Int { 16 }

    public func makeState() -> VectorMonteCarlo<S>.State {
        VectorMonteCarlo<S>.State(samples: CovarianceMoments(validatedDimension: integrand.outputDimension),
                                  evaluations: CovarianceMoments(validatedDimension: integrand.outputDimension))
    }

    public func accumulate(_ count: Int, firstIndex: Int, into state: inout VectorMonteCarlo<S>.State,
                           using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) {
        let n = pointSet.count, k = integrand.outputDimension
        var cube = [Double](repeating: 0, count: n * pointSet.dimension)
        for replicate in 0..<count {
            let values = integrand.values(at: pointSet.randomizedPoints(for: sampler, workspace: &cube, using: &generator))
            if let bad = firstNonFinite(values) {
                throw .nonFinite(quantity: "integrand component \(bad % k)", index: (firstIndex + replicate) * n + bad / k)
            }
            var mean = [Double](repeating: 0, count: k)
            for i in 0..<n {
                let row = Array(values[(i * k)..<((i + 1) * k)])
                state.evaluations.add(row)
                for j in 0..<k { mean[j] += row[j] / Double(n) }
            }
            state.samples.add(mean)
        }
    }

    public func estimate(from state: VectorMonteCarlo<S>.State) throws(MonteCarloError) -> VectorEstimate {
        let r = state.samples.count
        guard r >= 2 else {
            throw .insufficientSamples(needed: 2, available: r, reason: "(independent randomizations) to estimate a covariance")
        }
        let k = integrand.outputDimension
        let covariance = state.samples.sampleCovarianceMatrix.map { $0 / Double(r) }
        let evaluations = r * pointSet.count
        let ess = (0..<k).map {
            Estimate.effectiveSampleSize(perDrawVariance: state.evaluations.sampleCovariance($0, $0),
                                estimatorVariance: covariance[$0 * k + $0], evaluations: evaluations)
        }
        return VectorEstimate(values: state.samples.mean, covariance: covariance, sampleCount: evaluations,
                              effectiveSampleSizes: ess, degreesOfFreedom: Double(r - 1),
                              diagnostics: Diagnostics(method: "rqmc-vector-\(pointSet.kind.rawValue)"))
    }
}
