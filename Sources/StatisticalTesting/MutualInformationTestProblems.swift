import Foundation
import MonteCarloCore

/// Pairs (X, Y) with a closed-form (or converged-quadrature) mutual information, in nats, for
/// testing mutual-information estimators on discrete, continuous and mixed data.
///
/// ```swift
/// var generator = Xoshiro256PlusPlus(seed: 3)
/// let (labels, y) = MutualInformationTestProblems.twoGaussians(2000, separation: 1, using: &generator)
/// let truth = MutualInformationTestProblems.twoGaussiansInformation(separation: 1)  // 0.33683…
/// ```
///
/// Each sampler draws its rows one after the other from `generator`, so a seed fixes the data.
public enum MutualInformationTestProblems {
    /// A label L ∈ {0, 1} with probability ½ each and Y | L ~ N(±μ, 1) (− for 0, + for 1).
    /// - Returns: n labels and the n values of Y paired with them.
    public static func twoGaussians(_ n: Int, separation mu: Double,
                                    using generator: inout Xoshiro256PlusPlus) -> (labels: [Int], y: [Double]) {
        var labels = [Int](), y = [Double]()
        labels.reserveCapacity(n)
        y.reserveCapacity(n)
        for _ in 0..<n {
            let label = generator.next() & 1 == 0 ? 0 : 1
            labels.append(label)
            y.append((label == 0 ? -mu : mu) + generator.nextStandardNormal())
        }
        return (labels, y)
    }

    /// I(L; Y) of ``twoGaussians(_:separation:using:)``: h(Y) − h(Y | L) = −∫ p log p − ½ log(2πe),
    /// by the trapezoid rule on [−μ − 12, μ + 12] with step 10⁻³. The integrand is smooth and
    /// negligible at the ends, so the error is far below 10⁻⁸ (0.3368308203 at μ = 1, as SciPy's
    /// `quad` gives).
    public static func twoGaussiansInformation(separation mu: Double) -> Double {
        let step = 1e-3, lower = -mu - 12, steps = Int(((2 * mu + 24) / step).rounded())
        var entropy = 0.0
        for s in 0...steps {
            let y = lower + Double(s) * step
            let p = 0.5 * (exp(-0.5 * (y - mu) * (y - mu)) + exp(-0.5 * (y + mu) * (y + mu))) / (2 * Double.pi).squareRoot()
            if p > 0 { entropy -= (s == 0 || s == steps ? 0.5 : 1) * p * log(p) * step }
        }
        return entropy - 0.5 * log(2 * Double.pi * exp(1))
    }

    /// A mixture of a continuous and a discrete pair (Gao, Kannan, Oh & Viswanath 2017): with
    /// probability ½, X ~ U(0, 1) and Y = X + U(0, 1); otherwise X is −1 or −2 with probability
    /// ½ each, and Y = X with probability α, else the other atom.
    /// - Returns: n values of X and the n values of Y paired with them.
    public static func halfDiscrete(_ n: Int, alpha: Double,
                                    using generator: inout Xoshiro256PlusPlus) -> (x: [Double], y: [Double]) {
        var x = [Double](), y = [Double]()
        x.reserveCapacity(n)
        y.reserveCapacity(n)
        for _ in 0..<n {
            if generator.next() & 1 == 0 {
                let a = Double.random(in: 0..<1, using: &generator)
                x.append(a)
                y.append(a + Double.random(in: 0..<1, using: &generator))
            } else {
                let atom: Double = generator.next() & 1 == 0 ? -1 : -2
                let same = Double.random(in: 0..<1, using: &generator) < alpha
                x.append(atom)
                y.append(same ? atom : -3 - atom)
            }
        }
        return (x, y)
    }

    /// I(X; Y) of ``halfDiscrete(_:alpha:using:)``. Which component a row comes from is a
    /// function of X (and of Y), so I = log 2 + ½ I_c + ½ I_d, with I_c = h(Y) − h(Y | X) = ½ for
    /// the continuous pair (the triangular law's entropy) and I_d = log 2 + α log α + (1 − α) log(1 − α)
    /// for the discrete one.
    public static func halfDiscreteInformation(alpha: Double) -> Double {
        log(2) + 0.25 + 0.5 * (log(2) + alpha * log(alpha) + (1 - alpha) * log(1 - alpha))
    }

    /// X uniform on {0, …, m − 1} and Y | X ~ U(X, X + 2) (Gao et al. 2017).
    /// - Returns: n values of X (as whole numbers) and the n values of Y paired with them.
    public static func uniformShift(_ n: Int, categories m: Int,
                                    using generator: inout Xoshiro256PlusPlus) -> (x: [Double], y: [Double]) {
        var x = [Double](), y = [Double]()
        x.reserveCapacity(n)
        y.reserveCapacity(n)
        for _ in 0..<n {
            let c = Double(Int(generator.next() % UInt64(m)))
            x.append(c)
            y.append(c + 2 * Double.random(in: 0..<1, using: &generator))
        }
        return (x, y)
    }

    /// I(X; Y) of ``uniformShift(_:categories:using:)``: log m − ((m − 1)/m) log 2.
    public static func uniformShiftInformation(categories m: Int) -> Double {
        log(Double(m)) - Double(m - 1) / Double(m) * log(2)
    }
}
