import MonteCarloCore

/// Plain or antithetic Monte Carlo for a vector-valued integrand, with the estimators' covariance.
///
/// Estimates E_π[f] for f: Point → ℝᵏ (several integrals from one sample, or a gradient).
///
/// **Statistical properties.** Unbiased. `covariance` is S/m, the sample covariance matrix of
/// the m i.i.d. per-sample vectors (draws, or antithetic pair means) divided by m — each
/// diagonal entry is the squared standard error of that component. Per-component ESS is
/// σ²_plain,i / Var̂(μ̂_i) with σ²_plain,i the sample variance of all individual values of
/// component i. Normal intervals per component.
public struct VectorMonteCarlo<S: Sampler>: MonteCarloEstimator {
    /// The measure π.
    public let sampler: S
    /// The integrand f: Point → ℝᵏ.
    public let integrand: VectorIntegrand<S.Point>
    /// The reflection for antithetic pairs, or `nil` for independent draws.
    let reflection: (@Sendable (S.Point) -> S.Point)?

    /// Independent draws.
    public init(sampler: S, integrand: VectorIntegrand<S.Point>) {
        self.sampler = sampler
        self.integrand = integrand
        reflection = nil
    }

    public var evaluationsPerSample: Int { reflection == nil ? 1 : 2 }

    /// Per-sample vectors and (for pairs) individual vectors.
    public struct State: MergeableState, Hashable {
        /// Moments of the per-sample vectors.
        public internal(set) var samples: CovarianceMoments
        /// Moments of individual evaluations (antithetic only).
        public internal(set) var evaluations: CovarianceMoments

        public mutating func merge(_ other: State) throws(MonteCarloError) {
            try samples.merge(other.samples)
            try evaluations.merge(other.evaluations)
        }
    }

    public func makeState() -> State {
        State(samples: CovarianceMoments(validatedDimension: integrand.outputDimension),
              evaluations: CovarianceMoments(validatedDimension: integrand.outputDimension))
    }

    public func accumulate(_ count: Int, firstIndex: Int, into state: inout State,
                           using generator: inout Xoshiro256PlusPlus) throws(MonteCarloError) {
        let k = integrand.outputDimension
        let perSample = evaluationsPerSample
        var points = [S.Point]()
        points.reserveCapacity(count * perSample)
        for _ in 0..<count {
            let x = sampler.draw(using: &generator)
            points.append(x)
            if let reflection { points.append(reflection(x)) }
        }
        let values = integrand.values(at: points)
        var mean = [Double](repeating: 0, count: k)
        for i in 0..<count {
            for j in 0..<k {
                var sum = 0.0
                for r in 0..<perSample {
                    let v = values[(i * perSample + r) * k + j]
                    guard v.isFinite else { throw .nonFinite(quantity: "integrand component \(j)", index: firstIndex + i) }
                    sum += v
                }
                mean[j] = sum / Double(perSample)
            }
            state.samples.add(mean)
            if perSample > 1 {
                for r in 0..<perSample { state.evaluations.add(Array(values[((i * perSample + r) * k)..<((i * perSample + r + 1) * k)])) }
            }
        }
    }

    public func estimate(from state: State) throws(MonteCarloError) -> VectorEstimate {
        let m = state.samples.count
        guard m >= 2 else { throw .insufficientSamples(needed: 2, available: m, reason: "to estimate a covariance") }
        let k = integrand.outputDimension
        let covariance = state.samples.sampleCovarianceMatrix.map { $0 / Double(m) }
        let individual = state.evaluations.count >= 2 ? state.evaluations : state.samples
        let n = m * evaluationsPerSample
        let ess = (0..<k).map {
            Estimate.effectiveSampleSize(perDrawVariance: individual.sampleCovariance($0, $0), estimatorVariance: covariance[$0 * k + $0],
                                evaluations: n)
        }
        return VectorEstimate(values: state.samples.mean, covariance: covariance, sampleCount: n,
                              effectiveSampleSizes: ess, degreesOfFreedom: nil,
                              diagnostics: Diagnostics(method: reflection == nil ? "plain-vector" : "antithetic-vector"))
    }
}

extension VectorMonteCarlo where S: ReflectableSampler {
    /// Antithetic pairs (X, T(X)); the covariance is that of the i.i.d. pair means.
    public init(antitheticSampler sampler: S, integrand: VectorIntegrand<S.Point>) {
        self.sampler = sampler
        self.integrand = integrand
        reflection = { sampler.reflection(of: $0) }
    }
}
