import Foundation
import MonteCarloCore
import StatisticalTesting
import Testing

/// The score check on a density whose score is known exactly, and on the mistakes it is for.
@Suite("Score consistency")
struct ScoreConsistencyTests {
    /// log π = −x₁²/2 − x₂⁴/4 + x₁x₂ (unnormalized): ∇ = (−x₁ + x₂, −x₂³ + x₁).
    static func logDensity(_ x: [Double]) -> Double { -x[0] * x[0] / 2 - pow(x[1], 4) / 4 + x[0] * x[1] }
    static func score(_ x: [Double]) -> [Double] { [-x[0] + x[1], -pow(x[1], 3) + x[0]] }
    static let points: [[Double]] = [[0, 0], [0.3, -0.7], [-1.9, 2.4], [2.5, -4], [1e-8, 8]]

    @Test("the exact score passes; its discrepancy is at the difference quotient's error")
    func exactScorePasses() throws {
        let check = try StatisticalCheck.scoreConsistency(score: Self.score, logDensity: Self.logDensity, at: Self.points)
        #expect(check.passed, "\(check)")
        #expect(check.statistic < 1e-8, "\(check)")
    }

    /// A flipped sign, a dropped term and a wrong factor are each seen at one point.
    @Test("a wrong sign, a missing term or a factor of 2 fails")
    func wrongScoresFail() throws {
        let mistakes: [([Double]) -> [Double]] = [
            { x in Self.score(x).map { -$0 } },
            { x in [-x[0], -pow(x[1], 3) + x[0]] },
            { x in [Self.score(x)[0], 2 * Self.score(x)[1]] },
        ]
        for mistake in mistakes {
            let check = try StatisticalCheck.scoreConsistency(score: mistake, logDensity: Self.logDensity, at: [[0.3, -0.7]])
            #expect(!check.passed, "\(check)")
        }
        let short = try StatisticalCheck.scoreConsistency(score: { _ in [1] }, logDensity: Self.logDensity, at: [[0.3, -0.7]])
        #expect(!short.passed && short.detail.contains("entries"), "\(short)")
        let infinite = try StatisticalCheck.scoreConsistency(score: { _ in [.infinity, 0] }, logDensity: Self.logDensity,
                                                             at: [[0.3, -0.7]])
        #expect(!infinite.passed, "\(infinite)")
    }

    @Test("no points, mixed dimensions and bad settings are typed errors")
    func badArguments() {
        #expect(throws: MonteCarloError.self) {
            try StatisticalCheck.scoreConsistency(score: Self.score, logDensity: Self.logDensity, at: [])
        }
        #expect(throws: MonteCarloError.self) {
            try StatisticalCheck.scoreConsistency(score: Self.score, logDensity: Self.logDensity, at: [[0, 0], [0]])
        }
        #expect(throws: MonteCarloError.self) {
            try StatisticalCheck.scoreConsistency(score: Self.score, logDensity: Self.logDensity, at: [[]])
        }
        for (step, tolerance) in [(0.0, 1e-6), (.nan, 1e-6), (1e-5, -1), (1e-5, .infinity)] {
            #expect(throws: MonteCarloError.self) {
                try StatisticalCheck.scoreConsistency(score: Self.score, logDensity: Self.logDensity, at: [[0, 0]],
                                                      step: step, tolerance: tolerance)
            }
        }
    }
}
