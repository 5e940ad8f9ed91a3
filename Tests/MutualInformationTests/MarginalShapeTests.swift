import Foundation
import MonteCarloCore
import MutualInformation
import Testing

@Suite("Marginal shape check")
struct MarginalShapeTests {
    /// A normal column is not flagged (its thresholds are 5 standard errors under normality); an
    /// exponential column is (skewness 2, excess kurtosis 6), with the sample skewness within 0.7
    /// of 2 (about 5 of its standard errors at n = 2000: the asymptotic variance of the sample
    /// skewness of Exp(1) is about 35/n); a constant column is never flagged.
    @Test("normal columns pass, an exponential column is flagged with skewness ≈ 2, constants are skipped")
    func flags() {
        var generator = Xoshiro256PlusPlus(seed: 31)
        let n = 2000
        let normal = (0..<n).map { _ in generator.nextStandardNormal() }
        let exponential = (0..<n).map { _ in -log(1 - Double.random(in: 0..<1, using: &generator)) }
        let constant = [Double](repeating: 3, count: n)
        let flagged = MarginalShape.nonGaussian(columns: [normal, exponential, constant])
        #expect(flagged.map(\.column) == [1])
        if let shape = flagged.first {
            #expect(abs(shape.skewness - 2) < 0.7, "\(shape)")
            #expect(shape.excessKurtosis > 1, "\(shape)")
        }
    }
}
