import Foundation
import MonteCarloCore

/// Data and closed-form truths (nats) for the discrete and mixed mutual-information tests.
enum DiscreteTestData {
    // MARK: - Formula data shared with Benchmarks/peers/discrete_mi_sklearn.py

    /// The script's deterministic data (only *, +, fmod and floor, so identical bit for bit).
    struct Formula {
        var labels: [Int] = [], feature: [Double] = [], codes: [Int] = [], tied: [Double] = []

        init(_ n: Int) {
            for i in 0..<n {
                let t = Double(i)
                let label = (3 * (t * 0.7548776662466927 + 0.1).truncatingRemainder(dividingBy: 1)).rounded(.down)
                let u = (t * t * 0.6180339887498949 + 0.25).truncatingRemainder(dividingBy: 1)
                let v = (t * t * 0.4142135623730951 + 0.5).truncatingRemainder(dividingBy: 1)
                let value = 0.8 * label + u + v
                labels.append(Int(label))
                feature.append(value)
                codes.append(Int((4 * (0.5 * u + 0.3 * label).truncatingRemainder(dividingBy: 1)).rounded(.down)))
                tied.append(i % 2 == 0 ? (4 * value).rounded(.down) / 4 : value)
            }
        }
    }

    /// `python Benchmarks/peers/discrete_mi_sklearn.py --reference --sizes 300 2000 --k 3`
    /// (scikit-learn 1.9.1, numpy 2.4.6, scipy 1.17.1): n → (mutual_info_score(label, code),
    /// _compute_mi_cd(feature, label, 3) = mutual_info_classif(..., random_state=0), Gao et al.
    /// on (label, tied) by brute force in numpy, in the form of the authors' code).
    static let sklearnReference: [Int: (plugIn: Double, ross: Double, mixed: Double)] = [
        300: (0.5054757107041847, 0.6582325352816305, 0.8074341939714693),
        2000: (0.4972994466628775, 0.6110942098826626, 0.6253792735347623),
    ]

    // MARK: - A known joint pmf

    /// A 3 × 3 joint pmf (rows x, columns y).
    static let table: [[Double]] = [[0.20, 0.05, 0.05], [0.05, 0.20, 0.05], [0.02, 0.08, 0.30]]

    /// Σ p log(p / (p_x p_y)).
    static var tableInformation: Double {
        let px = table.map { $0.reduce(0, +) }
        var py = [Double](repeating: 0, count: 3)
        for row in table { for (j, p) in row.enumerated() { py[j] += p } }
        var information = 0.0
        for (i, row) in table.enumerated() { for (j, p) in row.enumerated() { information += p * log(p / (px[i] * py[j])) } }
        return information
    }

    static func sampleTable(_ n: Int, using generator: inout Xoshiro256PlusPlus) -> (x: [Int], y: [Int]) {
        var x = [Int](), y = [Int]()
        for _ in 0..<n {
            var u = Double.random(in: 0..<1, using: &generator)
            var cell = 8
            for c in 0..<9 {
                u -= table[c / 3][c % 3]
                if u < 0 { cell = c; break }
            }
            x.append(cell / 3)
            y.append(cell % 3)
        }
        return (x, y)
    }

    // MARK: - A label with two Gaussian components

    /// Label L ∈ {0, 1} with probability ½ each, Y | L ~ N(±μ, 1) (− for 0, + for 1).
    static func twoGaussians(_ n: Int, separation mu: Double, using generator: inout Xoshiro256PlusPlus) -> (labels: [Int], y: [Double]) {
        var labels = [Int](), y = [Double]()
        for _ in 0..<n {
            let label = generator.next() & 1 == 0 ? 0 : 1
            labels.append(label)
            y.append((label == 0 ? -mu : mu) + generator.nextStandardNormal())
        }
        return (labels, y)
    }

    /// I(L; Y) = h(Y) − h(Y | L) = −∫ p log p − ½ log(2πe), by the trapezoid rule on [−μ − 12, μ + 12]
    /// with step 10⁻³ (the integrand is smooth and negligible at the ends; error far below 10⁻⁸).
    static func twoGaussiansInformation(separation mu: Double) -> Double {
        let step = 1e-3, lower = -mu - 12, steps = Int(((2 * mu + 24) / step).rounded())
        var entropy = 0.0
        for s in 0...steps {
            let y = lower + Double(s) * step
            let p = 0.5 * (exp(-0.5 * (y - mu) * (y - mu)) + exp(-0.5 * (y + mu) * (y + mu))) / (2 * Double.pi).squareRoot()
            if p > 0 { entropy -= (s == 0 || s == steps ? 0.5 : 1) * p * log(p) * step }
        }
        return entropy - 0.5 * log(2 * Double.pi * exp(1))
    }

    // MARK: - Mixtures (Gao, Kannan, Oh & Viswanath 2017)

    /// X uniform on {0, …, m − 1}, Y | X uniform on [X, X + 2]: I = log m − ((m − 1)/m) log 2.
    static func uniformShift(_ n: Int, categories m: Int, using generator: inout Xoshiro256PlusPlus) -> (x: [Double], y: [Double]) {
        var x = [Double](), y = [Double]()
        for _ in 0..<n {
            let c = Double(Int(generator.next() % UInt64(m)))
            x.append(c)
            y.append(c + 2 * Double.random(in: 0..<1, using: &generator))
        }
        return (x, y)
    }

    static func uniformShiftInformation(categories m: Int) -> Double { log(Double(m)) - Double(m - 1) / Double(m) * log(2) }

    /// With probability ½ a continuous pair X ~ U(0, 1), Y = X + U(0, 1) (I_c = h(Y) − h(Y | X) = ½,
    /// the triangular entropy), else a point of {−1, −2}² with P(X = Y) = α (α/2 each) and
    /// P(X ≠ Y) = 1 − α, apart from the continuous part. The component is a function of X (and
    /// of Y), so I = log 2 + ½ I_c + ½ I_discrete, I_discrete = log 2 + α log α + (1 − α) log(1 − α).
    static func halfDiscrete(_ n: Int, alpha: Double, using generator: inout Xoshiro256PlusPlus) -> (x: [Double], y: [Double]) {
        var x = [Double](), y = [Double]()
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

    static func halfDiscreteInformation(alpha: Double) -> Double {
        log(2) + 0.25 + 0.5 * (log(2) + alpha * log(alpha) + (1 - alpha) * log(1 - alpha))
    }
}
