import Foundation
import MonteCarloCore
import Testing

@testable import MutualInformation

/// The k-NN entropy and divergence against peers on the same data: the committed fixture
/// `Benchmarks/peers/entropy-crosscheck.json`, written by `Benchmarks/peers/entropy_scipy.py --fixture`.
///
/// - `knn`: the same estimator (max-norm, k = 3) written independently with scipy's `cKDTree`:
///   equal to rounding.
/// - `scipy`, `scipyVasicek`: `scipy.stats.differential_entropy` (one dimension only), a
///   different estimator of the same H from sample spacings (`auto` = Ebrahimi et al. 1994 at
///   this N; Vasicek 1976, window m = round(√N)). Both are consistent for H with different
///   finite-N biases (the spacing estimators are biased low, Vasicek's most), and both have the
///   influence function −log f(X) − H, so on the same data their difference is mostly bias. The
///   check is |ours − scipy| ≤ 5 SE (ours); the measured differences are 0.011–0.039 nats
///   (N = 600, SE ≈ 0.03–0.04).
@Suite("k-NN entropy: cross-check with scipy")
struct EntropyCrossCheckTests {
    struct OneDimensional: Decodable {
        let data: [Double]
        let knn: Double
        let scipy: Double
        let scipyVasicek: Double
    }
    struct Cube: Decodable {
        let data: [[Double]]
        let knn: Double
    }
    struct Divergence: Decodable {
        let p: [[Double]]
        let q: [[Double]]
        let knn: Double
    }
    struct Fixture: Decodable {
        let gaussian1: OneDimensional
        let exponential1: OneDimensional
        let gaussian3: Cube
        let divergence3: Divergence
    }

    static func fixture() throws -> Fixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Benchmarks/peers/entropy-crosscheck.json")
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    @Test func sameEstimatorAsTheCKDTreeImplementation() throws {
        let f = try Self.fixture()
        let entropy = KozachenkoLeonenkoEntropy(neighbors: 3)
        #expect(abs(try entropy.value(f.gaussian1.data) - f.gaussian1.knn) < 1e-12)
        #expect(abs(try entropy.value(f.exponential1.data) - f.exponential1.knn) < 1e-12)
        #expect(abs(try entropy.value(f.gaussian3.data) - f.gaussian3.knn) < 1e-12)
        #expect(abs(try KullbackLeiblerDivergence(neighbors: 3).value(p: f.divergence3.p, q: f.divergence3.q) - f.divergence3.knn) < 1e-12)
    }

    @Test func agreesWithScipySpacingEstimatorsWithinFiveStandardErrors() throws {
        let f = try Self.fixture()
        for (name, set) in [("gaussian", f.gaussian1), ("exponential", f.exponential1)] {
            let estimate = try KozachenkoLeonenkoEntropy(seed: 1).estimate(set.data)
            for (method, value) in [("auto", set.scipy), ("vasicek", set.scipyVasicek)] {
                #expect(abs(estimate.value - value) <= 5 * estimate.standardError,
                        "\(name), scipy \(method) \(value) vs \(estimate)")
            }
        }
    }
}
