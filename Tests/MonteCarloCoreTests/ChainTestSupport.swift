import Foundation
import MonteCarloCore

/// Processes with closed-form long-run variances (see the reference notes "Error bars for Markov
/// chain output"), generated from fixed seeds.
enum ChainTestSupport {
    /// x_t = ρ x_{t−1} + √(1 − ρ²) e_t started from N(0, 1): stationary N(0, 1).
    static func ar1(_ n: Int, rho: Double, using g: inout Xoshiro256PlusPlus) -> [Double] {
        var x = [Double](repeating: 0, count: n)
        let scale = (1 - rho * rho).squareRoot()
        var previous = g.nextStandardNormal()
        x[0] = previous
        for t in 1..<n {
            previous = rho * previous + scale * g.nextStandardNormal()
            x[t] = previous
        }
        return x
    }

    /// `chains` independent AR(1) chains of `length`, stored one after another.
    static func ar1Chains(_ chains: Int, length: Int, rho: Double, seed: UInt64, stream: Int) -> [Double] {
        var g = RandomStreams(seed: seed).stream(stream)
        return (0..<chains).flatMap { _ in ar1(length, rho: rho, using: &g) }
    }

    /// x_t = Σⱼ θⱼ e_{t−j}: σ²_∞ = (Σ θⱼ)².
    static func movingAverage(_ n: Int, theta: [Double], using g: inout Xoshiro256PlusPlus) -> [Double] {
        let q = theta.count - 1
        let e = (0..<(n + q)).map { _ in g.nextStandardNormal() }
        return (0..<n).map { t in (0...q).reduce(0.0) { $0 + theta[$1] * e[t + q - $1] } }
    }

    // MARK: - Truths for AR(1)

    /// σ²_∞ and Γ = 2 Σ_{k≥1} k γₖ (the first-order bias constant of BM/OBM/Bartlett: bias ≈ −Γ/b).
    struct Truth {
        var sigma2: Double
        var gamma: Double
    }

    static func ar1Identity(_ rho: Double) -> Truth {
        Truth(sigma2: (1 + rho) / (1 - rho), gamma: 2 * rho / ((1 - rho) * (1 - rho)))
    }

    /// f = x²: Var 2, autocovariances 2ρ^{2k}.
    static func ar1Square(_ rho: Double) -> Truth {
        let r2 = rho * rho
        return Truth(sigma2: 2 * (1 + r2) / (1 - r2), gamma: 4 * r2 / ((1 - r2) * (1 - r2)))
    }

    /// f = cos x: Cov(cos x_t, cos x_{t+k}) = e^{−1}(cosh ρᵏ − 1).
    static func ar1Cosine(_ rho: Double) -> Truth {
        var sum = 0.0, gamma = 0.0
        var power = rho
        for k in 1...2000 {
            let c = exp(-1) * (cosh(power) - 1)
            sum += c
            gamma += Double(k) * c
            power *= rho
        }
        return Truth(sigma2: exp(-1) * (cosh(1) - 1) + 2 * sum, gamma: 2 * gamma)
    }

    // MARK: - Theory of each estimator, for tolerances

    /// ∫₋₁¹ w(x)² dx of a lag window (midpoint rule, 10⁵ cells: error far below the tolerances).
    static func squaredWindowIntegral(lugsail: Bool, _ w: (Double) -> Double) -> Double {
        let cells = 100_000
        var sum = 0.0
        for i in 0..<cells {
            let x = -1 + (Double(i) + 0.5) * 2 / Double(cells)
            let value = lugsail ? 2 * w(x) - w(3 * x) : w(x)
            sum += value * value
        }
        return sum * 2 / Double(cells)
    }

    static func bartlett(_ x: Double) -> Double { abs(x) < 1 ? 1 - abs(x) : 0 }
    static func tukeyHanning(_ x: Double) -> Double { abs(x) < 1 ? (1 + cos(Double.pi * x)) / 2 : 0 }

    /// The large-sample relative standard deviation sd(σ̂²)/σ² of a method with batch size or
    /// truncation b on n draws (independent of the implementation):
    /// BM 2/a; lugsail BM 6/a (see LongRunVarianceMethod.batchMeans); OBM and spectral
    /// 2 (b/n) ∫w² (Parzen 1957); initial sequences, at most a flat window over the L lags summed,
    /// 2 (L/n) · 2.
    static func relativeStandardDeviation(_ method: LongRunVarianceMethod, n: Int, b: Int) -> Double {
        let a = Double(n) / Double(b)
        switch method.resolved {
        case .batchMeans(_, let lugsail): return (lugsail ? 6 / a : 2 / a).squareRoot()
        case .overlappingBatchMeans(_, let lugsail):
            return (2 / a * squaredWindowIntegral(lugsail: lugsail, bartlett)).squareRoot()
        case .spectral(let window, _, let lugsail):
            let integral = squaredWindowIntegral(lugsail: lugsail, window == .bartlett ? bartlett : tukeyHanning)
            return (2 / a * integral).squareRoot()
        case .initialSequence: return (4 / a).squareRoot()
        case .auto: fatalError("resolved")
        }
    }

    /// A bound on |bias|/1 of a method: |Γ|/b to first order for BM, OBM, Bartlett and
    /// Tukey–Hanning (whose first-order term vanishes: the bound is conservative); lugsail
    /// Γ |1/⌊b/3⌋ − 2/b|; plus σ² b/n for the divisor-n and mean-estimation terms.
    static func biasBound(_ method: LongRunVarianceMethod, truth: Truth, n: Int, b: Int) -> Double {
        let lugsail: Bool
        switch method.resolved {
        case .batchMeans(_, let l), .overlappingBatchMeans(_, let l), .spectral(_, _, let l): lugsail = l
        case .initialSequence: return abs(truth.gamma) / Double(n) + truth.sigma2 * Double(b) / Double(n)
        case .auto: fatalError("resolved")
        }
        let first = lugsail ? abs(truth.gamma) * abs(1 / Double(max(1, b / 3)) - 2 / Double(b)) : abs(truth.gamma) / Double(b)
        return first + truth.sigma2 * Double(b) / Double(n)
    }

    static let allMethods: [LongRunVarianceMethod] = [
        .batchMeans(.squareRoot), .batchMeans(.squareRoot, lugsail: true), .batchMeans(.cubeRoot),
        .overlappingBatchMeans(.squareRoot), .overlappingBatchMeans(.squareRoot, lugsail: true),
        .spectral(.bartlett), .spectral(.bartlett, lugsail: true),
        .spectral(.tukeyHanning), .spectral(.tukeyHanning, lugsail: true),
        .initialSequence(.positive), .initialSequence(.monotone), .auto,
    ]
}
