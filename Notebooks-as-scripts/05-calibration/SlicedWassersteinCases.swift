// SlicedWassersteinCases.swift — SW₂² between two fixed point clouds by every direction scheme
// (i.i.d., orthogonal blocks, randomized Sobol, randomized spiral, the Gaussian-approximation and
// spherical-harmonic control variates, Stein control functionals): the random input is the set
// of directions; the clouds are Gaussian-like or heavy-tailed (Student-t₃ points).

import Foundation
import MonteCarlo

enum SlicedWassersteinCases {
    /// Two clouds in d = 2 (not affine images of each other) and SW₂² by the trapezoid rule in
    /// the angle: f(φ) is π-periodic, Lipschitz and piecewise smooth, so 2¹⁶ nodes give it to
    /// about 10⁻⁹ (checked against 2¹⁵ nodes; a larger gap is an error, not a row).
    static func planarProblem(heavyTailed: Bool) throws(MonteCarloError) -> (SlicedWasserstein, truth: Double) {
        var g = Xoshiro256PlusPlus(seed: heavyTailed ? 78 : 77)
        let t3 = try StudentTDistribution(degreesOfFreedom: 3)
        func point() -> Double { heavyTailed ? t3.draw(using: &g) : g.nextStandardNormal() }
        let n = 30, m = 25
        let x = (0..<(2 * n)).map { _ in point() }
        let y = (0..<m).flatMap { _ -> [Double] in
            let u = g.nextUniform(), v = point()
            return [2 * u + 0.8, 0.5 * v + 0.6 * u - 0.4]
        }
        let sw = try SlicedWasserstein(try PointCloud(points: x, dimension: 2), try PointCloud(points: y, dimension: 2))
        func trapezoid(_ nodes: Int) throws(MonteCarloError) -> Double {
            var theta: [Double] = []
            theta.reserveCapacity(2 * nodes)
            for k in 0..<nodes {
                let phi = Double.pi * Double(k) / Double(nodes)
                theta.append(cos(phi))
                theta.append(sin(phi))
            }
            return try sw.projectedCosts(directions: theta).reduce(0, +) / Double(nodes)
        }
        let fine = try trapezoid(1 << 16), coarse = try trapezoid(1 << 15)
        guard abs(fine - coarse) <= 1e-7 * fine else {
            throw .invalidParameter(name: "trapezoid reference", value: fine - coarse, requirement: "converged to 1e-7 relative")
        }
        return (sw, fine)
    }

    /// An affine image y = 0.4x + b of a cloud x in d = 3, whose SW₂² is exact:
    /// (1/(nd)) Σᵢ ‖−0.6xᵢ + b‖² (the projected costs are those of a 1-D affine map).
    static func affineProblem(heavyTailed: Bool) throws(MonteCarloError) -> (SlicedWasserstein, truth: Double) {
        var g = Xoshiro256PlusPlus(seed: heavyTailed ? 6 : 5)
        let t3 = try StudentTDistribution(degreesOfFreedom: 3)
        let n = 40, d = 3
        let x = (0..<(n * d)).map { k in (heavyTailed ? t3.draw(using: &g) : g.nextStandardNormal()) * (1 + Double(k % d)) }
        let b: [Double] = [0.5, -1, 0.2]
        let y = (0..<(n * d)).map { 0.4 * x[$0] + b[$0 % d] }
        var truth = 0.0
        for i in 0..<n { for k in 0..<d { let t = -0.6 * x[i * d + k] + b[k]; truth += t * t } }
        truth /= Double(n * d)
        return (try SlicedWasserstein(try PointCloud(points: x, dimension: d), try PointCloud(points: y, dimension: d)), truth)
    }

    static func cases() throws(MonteCarloError) -> [CalibrationCase] {
        var cases: [CalibrationCase] = []
        for heavyTailed in [false, true] {
            let (sw, truth) = try planarProblem(heavyTailed: heavyTailed)
            let input = heavyTailed ? "Student-t₃ clouds (d = 2, 30 vs 25 points)" : "Gaussian-like clouds (d = 2, 30 vs 25 points)"
            // (label, method, L): harmonic controls need L ≫ k for their OLS error bar (k = 4 here).
            let methods: [(String, SlicedWasserstein.Method, Int)] = [
                ("i.i.d. directions", .monteCarlo, 100),
                ("orthogonal blocks", .orthogonal, 100),
                ("randomized Sobol (10 sets)", .randomizedQuasiMonteCarlo(randomizations: 10), 100),
                ("Gaussian CV, lower", .controlVariates(.lower), 100),
                ("Gaussian CV, upper", .controlVariates(.upper), 100),
                ("Gaussian CV, both", .controlVariates(.both), 100),
                ("spherical harmonics, degree ≤ 4", .sphericalHarmonics(maxDegree: 4), 400),
            ]
            var rows = methods.map { RowSpec(estimator: "\($0.0), L = \($0.2)", problem: "SW₂²", truth: truth, size: $0.2) }
            rows.append(RowSpec(estimator: "Stein CF (cross-fitted), L = 100", problem: "SW₂²", truth: truth, size: 100,
                                judgement: SteinCases.conservative))
            cases.append(CalibrationCase(
                family: "SW", input: input, rows: rows, cost: 2,
                replicate: { generator throws(MonteCarloError) in
                    var results: [Result<Estimate, MonteCarloError>] = []
                    for (_, method, projections) in methods {
                        let seed = generator.next()
                        results.append(attempt { () throws(MonteCarloError) in try sw.estimate(projections: projections, method: method, seed: seed) })
                    }
                    let seed = generator.next()
                    results.append(attempt { () throws(MonteCarloError) in try sw.steinEstimate(projections: 100, seed: seed) })
                    return results
                }))
        }
        for heavyTailed in [false, true] {
            let (sw, truth) = try affineProblem(heavyTailed: heavyTailed)
            let input = heavyTailed ? "affine image of a Student-t₃ cloud (d = 3, 40 points)" : "affine image of a Gaussian cloud (d = 3, 40 points)"
            let spiral = SlicedWasserstein.Method.randomizedSpiral(randomizations: 25)
            cases.append(CalibrationCase(
                family: "SW", input: input,
                rows: [RowSpec(estimator: "randomized spiral (25 sets), L = 100", problem: "SW₂² (exact)", truth: truth, size: 100),
                       RowSpec(estimator: "i.i.d. directions, L = 100", problem: "SW₂² (exact)", truth: truth, size: 100)],
                replicate: { generator throws(MonteCarloError) in
                    let first = generator.next(), second = generator.next()
                    return [attempt { () throws(MonteCarloError) in try sw.estimate(projections: 100, method: spiral, seed: first) },
                            attempt { () throws(MonteCarloError) in try sw.estimate(projections: 100, method: .monteCarlo, seed: second) }]
                }))
        }
        return cases
    }
}
