import MonteCarlo

/// The signal-to-noise ratio of IWAE_K's q-gradient against K, with and without DReG.
///
/// Normal–Normal golden case NN-1 (x = 0.5, 1.2, −0.3, 0.8, 1.0; q = N(0.2, 0.6²)), m-component.
/// SNR = |∇_m IWAE_K| / sd of one group's gradient. Both estimators are unbiased for the same
/// gradient, so the signal in both ratios is DReG's mean, the more precise; each sd is the
/// estimator's own. Rainforth et al. (2018) predict SNR ∝ K^{−1/2} for reparameterization and
/// Tucker et al. (2019) SNR ∝ K^{1/2} for DReG.
struct IWAESignalToNoise {
    struct Row {
        let groupSize: Int
        let gradient: Double
        let gradientStandardError: Double
        let reparameterizationSNR: Double
        let doublyReparameterizedSNR: Double
    }

    let groups: Int

    func rows(groupSizes: [Int] = [1, 4, 16, 64]) throws -> [Row] {
        let model = try NormalNormalModel(observations: [0.5, 1.2, -0.3, 0.8, 1.0])
        let q = try GaussianApproximation.meanField(mean: [0.2], standardDeviations: [0.6])
        let elbo = EvidenceLowerBound(model: model, approximation: q)
        var rows: [Row] = []
        for (index, k) in groupSizes.enumerated() {
            let dreg = try elbo.importanceWeightedGradient(.doublyReparameterized, groupSize: k, groups: groups, seed: 500 + UInt64(index))
            let plain = try elbo.importanceWeightedGradient(.reparameterization, groupSize: k, groups: groups, seed: 600 + UInt64(index))
            let signal = abs(dreg.values[0])
            func perGroupSD(_ g: VectorEstimate) -> Double { (g.covariance[0] * Double(groups)).squareRoot() }
            rows.append(Row(groupSize: k, gradient: dreg.values[0], gradientStandardError: dreg.standardErrors[0],
                            reparameterizationSNR: signal / perGroupSD(plain), doublyReparameterizedSNR: signal / perGroupSD(dreg)))
        }
        return rows
    }
}
