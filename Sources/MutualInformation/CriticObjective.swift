import Foundation

/// Values of the critic training objectives on a row-major B × B score matrix, and their
/// gradients with respect to the scores (for ``MLPCritic``).
enum CriticObjective {
    @inline(__always) static func sigmoid(_ t: Double) -> Double { t >= 0 ? 1 / (1 + exp(-t)) : exp(t) / (1 + exp(t)) }
    @inline(__always) static func softplus(_ t: Double) -> Double { t > 0 ? t + log1p(exp(-t)) : log1p(exp(t)) }

    /// (value, ∂value/∂S row-major). SMILE returns its own value with the JS gradient.
    static func valueAndScoreGradient(_ s: [Double], batchSize b: Int, objective: MLPCritic.Objective)
        -> (Double, [Double]) {
        var gradient = [Double](repeating: 0, count: b * b)
        let bb = Double(b), pairs = Double(b * (b - 1))
        switch objective {
        case .nwj:
            var joint = 0.0, partition = 0.0
            for i in 0..<b {
                for j in 0..<b {
                    if i == j {
                        joint += s[i * b + i]
                        gradient[i * b + i] = 1 / bb
                    } else {
                        let e = exp(s[i * b + j] - 1)
                        partition += e
                        gradient[i * b + j] = -e / pairs
                    }
                }
            }
            return (joint / bb - partition / pairs, gradient)
        case .infoNCE:
            var total = 0.0
            for i in 0..<b {
                var maximum = -Double.infinity
                for j in 0..<b { maximum = max(maximum, s[i * b + j]) }
                var sum = 0.0
                for j in 0..<b { sum += exp(s[i * b + j] - maximum) }
                total += s[i * b + i] - maximum - log(sum)
                for j in 0..<b { gradient[i * b + j] = -exp(s[i * b + j] - maximum) / sum / bb }
                gradient[i * b + i] += 1 / bb
            }
            return (log(bb) + total / bb, gradient)
        case .jensenShannon, .smile:
            var value = 0.0
            for i in 0..<b {
                for j in 0..<b {
                    let t = s[i * b + j]
                    if i == j {
                        value -= softplus(-t) / bb
                        gradient[i * b + i] = sigmoid(-t) / bb
                    } else {
                        value -= softplus(t) / pairs
                        gradient[i * b + j] = -sigmoid(t) / pairs
                    }
                }
            }
            if case .smile(let tau) = objective {
                let scores = ScoreMatrix(unchecked: b, s)
                value = (try? VariationalBound.smile(tau: tau).value(of: scores)) ?? .nan
            }
            return (value, gradient)
        }
    }
}
