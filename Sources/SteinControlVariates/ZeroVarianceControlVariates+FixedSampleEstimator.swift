import MonteCarloCore

/// Zero-variance control variates work on a given sample: ``ZeroVarianceControlVariates/estimate(sample:values:)``
/// cross-fits on the sample's folds and reports the chain error bar for Markov chains.
extension ZeroVarianceControlVariates: FixedSampleEstimator {}
