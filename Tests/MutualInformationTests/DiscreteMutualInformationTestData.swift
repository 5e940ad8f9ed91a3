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

    // The two-Gaussian label, the uniform shift and the half-discrete mixture are public:
    // `MutualInformationTestProblems` (StatisticalTesting), shared with notebook 05.
}
