import Foundation

/// The skewness and excess kurtosis of one column of a sample, to flag margins far from normal.
///
/// The Gaussian mutual-information estimator and the Gaussian critic are exact only for Gaussian
/// data; a column whose shape is far from a normal's is a reason to compare with KSG.
///
/// ```swift
/// let flagged = MarginalShape.nonGaussian(columns: [x0, x1, y0])
/// ```
///
/// **Statistical properties.** Moment estimators with 1/n normalisation (biased by O(1/n)); a
/// column is flagged when |skewness| exceeds max(0.5, 5√(6/n)) or |excess kurtosis| exceeds
/// max(1, 5√(24/n)): beyond five of their standard errors under normality and of practical size.
public struct MarginalShape: Sendable, Hashable {
    /// The column's index in the `columns` given.
    public let column: Int
    /// m₃ / m₂^{3/2}.
    public let skewness: Double
    /// m₄ / m₂² − 3.
    public let excessKurtosis: Double

    /// The shapes of the columns that are far from normal (constant columns are never flagged).
    public static func nonGaussian(columns: [[Double]]) -> [MarginalShape] {
        var flagged: [MarginalShape] = []
        for (index, values) in columns.enumerated() where !values.isEmpty {
            let n = Double(values.count)
            let mean = values.reduce(0, +) / n
            var m2 = 0.0, m3 = 0.0, m4 = 0.0
            for v in values {
                let c = v - mean, c2 = c * c
                m2 += c2 / n; m3 += c2 * c / n; m4 += c2 * c2 / n
            }
            guard m2 > 0 else { continue }
            let skewness = m3 / pow(m2, 1.5), excessKurtosis = m4 / (m2 * m2) - 3
            if abs(excessKurtosis) > max(1, 5 * (24 / n).squareRoot()) || abs(skewness) > max(0.5, 5 * (6 / n).squareRoot()) {
                flagged.append(MarginalShape(column: index, skewness: skewness, excessKurtosis: excessKurtosis))
            }
        }
        return flagged
    }
}
