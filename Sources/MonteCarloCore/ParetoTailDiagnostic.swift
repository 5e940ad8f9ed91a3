import Foundation

/// The Pareto-k̂ diagnostic of a heavy right tail (Vehtari, Simpson, Gelman, Yao & Gabry 2024).
///
/// Fits a generalized Pareto distribution to the M largest values above the (M+1)-th largest
/// with the profile-likelihood estimator of Zhang & Stephens (2009), shrunk towards 0.5 by a
/// weakly informative prior worth 10 observations, as in Pareto-smoothed importance sampling.
/// The fitted shape k̂ estimates the tail index ξ = 1/α of P(W > t) ~ t^(−1/ξ):
/// k̂ < 0.5 means a finite variance; 0.5 ≤ k̂ < 0.7 a usable but slowly converging estimate;
/// k̂ ≥ 0.7 an importance-sampling estimate whose error bar should not be trusted.
public enum ParetoTailDiagnostic {
    /// The threshold above which the warning is raised.
    public static let unreliableShape = 0.7

    /// The tail size M = ⌈min(n/5, 3√n)⌉ used for n draws (as in PSIS).
    public static func tailSize(sampleCount n: Int) -> Int {
        Int(min(Double(n) / 5, 3 * Double(n).squareRoot()).rounded(.up))
    }

    /// The fitted shape k̂ from the largest values of a sample, largest first.
    /// - Parameter largestFirst: the M + 1 largest values (at least 6), in decreasing order.
    /// - Returns: k̂, or `nil` when the tail is degenerate (all values equal).
    public static func shape(largestFirst: [Double]) -> Double? {
        guard largestFirst.count >= 6 else { return nil }
        let threshold = largestFirst[largestFirst.count - 1]
        let exceedances = largestFirst.dropLast().reversed().map { $0 - threshold }  // ascending
        guard let largest = exceedances.last, largest > 0 else { return nil }
        let n = exceedances.count
        let quartile = exceedances[max(0, Int(Double(n) / 4 + 0.5) - 1)]
        guard quartile > 0 else { return nil }
        let priorScale = 3.0
        let gridSize = 30 + Int(Double(n).squareRoot())
        var thetas = [Double](repeating: 0, count: gridSize)
        var profile = [Double](repeating: 0, count: gridSize)
        for j in 0..<gridSize {
            let theta = 1 / largest + (1 - (Double(gridSize) / (Double(j + 1) - 0.5)).squareRoot()) / (priorScale * quartile)
            let k = exceedances.reduce(0) { $0 + log1p(-theta * $1) } / Double(n)
            thetas[j] = theta
            profile[j] = Double(n) * (log(-theta / k) - k - 1)
        }
        // Posterior-mean θ with weights proportional to exp(profile), computed stably.
        let top = profile.filter { $0.isFinite }.max() ?? 0
        var weightSum = 0.0, thetaSum = 0.0
        for j in 0..<gridSize where profile[j].isFinite {
            let w = exp(profile[j] - top)
            weightSum += w
            thetaSum += w * thetas[j]
        }
        guard weightSum > 0 else { return nil }
        let theta = thetaSum / weightSum
        let k = exceedances.reduce(0) { $0 + log1p(-theta * $1) } / Double(n)
        let priorCount = 10.0
        return (Double(n) * k + priorCount * 0.5) / (Double(n) + priorCount)
    }
}
