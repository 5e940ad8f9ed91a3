import Foundation
import MonteCarloCore
import Testing

@testable import MutualInformation

/// KSG on degenerate data comes out finite, often ± 0: a constant column, or Y equal to X (where
/// the mutual information of continuous variables is infinite). The estimate must say so.
@Suite("KSG: degenerate data is flagged")
struct KSGDegeneracyTests {
    /// n points of a standard normal pair with correlation 0.6, from a fixed seed.
    static func pairs(_ n: Int) -> (x: [[Double]], y: [[Double]]) {
        var generator = RandomStreams(seed: 11).stream(0)
        var x: [[Double]] = [], y: [[Double]] = []
        for _ in 0..<n {
            let a = generator.nextStandardNormal(), b = generator.nextStandardNormal()
            x.append([a])
            y.append([0.6 * a + 0.8 * b])
        }
        return (x, y)
    }

    @Test("a constant column of X or Y is named in a warning")
    func constantColumn() throws {
        let (x, y) = Self.pairs(400)
        let estimate = try KSGEstimator().estimate(x: x.map { $0 + [2.5] }, y: y)
        #expect(estimate.diagnostics.warnings.contains { $0.contains("column 1 of X constant") }, "\(estimate.diagnostics.warnings)")
        let constantY = try KSGEstimator().estimate(x: x, y: y.map { _ in [1.0] })
        #expect(constantY.diagnostics.warnings.contains { $0.contains("column 0 of Y constant") }, "\(constantY.diagnostics.warnings)")
    }

    @Test("Y = X is flagged as infinite mutual information; independent-looking data is not flagged")
    func identicalVariables() throws {
        let (x, y) = Self.pairs(400)
        let same = try KSGEstimator().estimate(x: x, y: x)
        #expect(same.diagnostics.warnings.contains { $0.contains("column 0 of Y equals column 0 of X") && $0.contains("infinite") },
                "\(same.diagnostics.warnings)")
        let ordinary = try KSGEstimator().estimate(x: x, y: y)
        #expect(!ordinary.diagnostics.warnings.contains { $0.contains("constant") || $0.contains("infinite") })
    }
}
