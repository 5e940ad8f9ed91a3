import Foundation
import MonteCarloCore
import Testing

@testable import SteinControlVariates

/// Independent draws each repeated 10 times (a fuzzing finding): the control functional used to
/// put a held-out draw's copies in the training folds, interpolate them exactly and report an
/// error bar of 10⁻¹⁰ with an ESS of 10¹⁹, silently.
@Suite("Control functionals: repeated independent draws")
struct RepeatedDrawsTests {
    /// 40 draws of N(0, 1) (scores −x), f(x) = sin(2x) + x with E f = 0.
    static func draws() -> (points: [[Double]], scores: [[Double]], values: [Double]) {
        var generator = RandomStreams(seed: 19).stream(0)
        let x = (0..<40).map { _ in generator.nextStandardNormal() }
        return (x.map { [$0] }, x.map { [-$0] }, x.map { sin(2 * $0) + $0 })
    }

    @Test("copies stay in one fold, the estimate warns, and the error bar is that of the distinct draws over √10")
    func repeatedDraws() throws {
        let (points, scores, values) = Self.draws()
        let estimator = SteinControlFunctional()
        let distinct = try estimator.estimate(sample: SteinSample(points: points, scores: scores), values: values)
        let repeated = try estimator.estimate(
            sample: SteinSample(points: points.flatMap { Array(repeating: $0, count: 10) },
                                scores: scores.flatMap { Array(repeating: $0, count: 10) }),
            values: values.flatMap { Array(repeating: $0, count: 10) })
        #expect(repeated.diagnostics.warnings.contains { $0.contains("360 of 400 draws repeat an earlier draw") },
                "\(repeated.diagnostics.warnings)")
        #expect(!distinct.diagnostics.warnings.contains { $0.contains("repeat") })
        // With the copies of a draw in one fold, each held-out copy gets the residual its
        // original gets among the distinct draws, so the residual variance is the same and the
        // variance of the mean is divided by 10 (n = 400, not 40): SE ratio 1/√10 ≈ 0.32, up to
        // the difference between fits on 4·10 copies and on 4 distinct draws per fold (the nugget
        // weighs copies differently). Before the fix the ratio was about 10⁻⁸.
        let ratio = repeated.standardError / distinct.standardError
        #expect(ratio > 0.5 / 10.0.squareRoot() && ratio < 2 / 10.0.squareRoot(), "SE ratio \(ratio)")
        #expect(repeated.effectiveSampleSize.isFinite && repeated.effectiveSampleSize < 1e6, "ESS \(repeated.effectiveSampleSize)")
    }
}
