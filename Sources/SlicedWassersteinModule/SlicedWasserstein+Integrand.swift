import MonteCarloCore
import VarianceReduction

// MARK: - The problem as a Gaussian-space integrand, for the generic estimators

extension SlicedWasserstein {
    /// The base measure of the Gaussian-space formulation: ε ~ N(0, I_d).
    ///
    /// SW_p^p = E_ε[f(ε/|ε|)] with ε standard normal, because ε/|ε| is uniform on the sphere.
    /// Pair it with ``gaussianSpaceIntegrand`` to use any estimator of `VarianceReduction`
    /// (cross-fitted control variates, the driver's stopping rules, Stein-kernel control
    /// variates once they exist); do not use `AntitheticMonteCarlo` (f is even, so the pair
    /// (ε, −ε) gives the same value twice).
    public var gaussianSpace: StandardNormalVector {
        // d ≥ 1 is guaranteed by PointCloud.
        try! StandardNormalVector(dimension: dimension)
    }

    /// f(ε/|ε|) = W_p^p of the projections on ε/|ε|, evaluated a batch at a time (one BLAS
    /// product per batch, single-threaded sorting: the generic driver parallelizes over blocks).
    ///
    /// ```swift
    /// let estimator = PlainMonteCarlo(sampler: sw.gaussianSpace, integrand: sw.gaussianSpaceIntegrand)
    /// let estimate = try estimator.run(samples: 1000, seed: 1)
    /// ```
    ///
    /// **Statistical properties.** Those of the estimator it is given to: E_ε[f(ε/|ε|)] = SW_p^p
    /// exactly. A zero ε (probability zero) or an overflowing cost yields NaN, which the
    /// estimators report as a typed error naming the draw.
    public var gaussianSpaceIntegrand: Integrand<[Double]> {
        let single = ProjectionEvaluator(x: source, y: target, order: Order(p), threadCount: 1)
        let d = dimension
        return Integrand(batch: { points, values in
            var theta = [Double](repeating: 0, count: d * points.count)
            for (l, e) in points.enumerated() {
                let norm = e.reduce(0) { $0 + $1 * $1 }.squareRoot()
                for k in 0..<d { theta[l * d + k] = e.count == d && norm > 0 ? e[k] / norm : .nan }
            }
            guard theta.allSatisfy(\.isFinite),
                  let costs = try? single.evaluate(directions: theta, wantVariances: false).costs else {
                for i in values.indices { values[i] = .nan }
                return
            }
            for i in values.indices { values[i] = costs[i] }
        })
    }

    /// The Gaussian-approximation controls of Nguyen & Ho (2024) as functions of ε, with their
    /// known means, for `ControlVariateMonteCarlo`.
    ///
    /// Components (in this order, as selected): C_low(θ) = (θᵀΔm)² with mean |Δm|²/d, and
    /// C_up(θ) = (θᵀΔm)² + θᵀ(Σ_μ + Σ_ν)θ with mean (|Δm|² + tr Σ_μ + tr Σ_ν)/d, θ = ε/|ε|.
    /// Cost O(d²) per draw. With two equal means, C_low is identically zero and
    /// `ControlVariateMonteCarlo` rejects it as a constant control: use `.upper` then.
    public func gaussianSpaceControls(_ which: GaussianControls) -> (controls: VectorIntegrand<[Double]>, means: [Double]) {
        let d = dimension
        let dm = meanDifference
        let norm2 = dm.reduce(0) { $0 + $1 * $1 }
        let sx = source.covariance, sy = target.covariance
        let q = zip(sx, sy).map { $0 + $1 }  // row-major d × d
        let lowerMean = norm2 / Double(d)
        let upperMean = (norm2 + totalVariance) / Double(d)
        let wantLower = which != .upper, wantUpper = which != .lower
        let means = (wantLower ? [lowerMean] : []) + (wantUpper ? [upperMean] : [])
        let count = means.count
        let controls = VectorIntegrand<[Double]>(validatedOutputDimension: count, batch: { points, values in
            for (l, e) in points.enumerated() {
                let norm = e.reduce(0) { $0 + $1 * $1 }.squareRoot()
                var projected = 0.0, quadratic = 0.0
                for a in 0..<d {
                    projected += e[a] * dm[a]
                    var row = 0.0
                    for b in 0..<d { row += q[a * d + b] * e[b] }
                    quadratic += e[a] * row
                }
                let lower = projected * projected / (norm * norm)
                var k = 0
                if wantLower { values[l * count + k] = lower; k += 1 }
                if wantUpper { values[l * count + k] = lower + quadratic / (norm * norm) }
            }
        })
        return (controls, means)
    }
}
