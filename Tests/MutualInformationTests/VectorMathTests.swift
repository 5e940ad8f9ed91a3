import Foundation
import Testing

@testable import MutualInformation

@Suite("Vectorisable exp and softplus")
struct VectorMathTests {
    @Test func exponentialWithinTwoUlp() {
        // Dense grid over the range the bounds use (x ≤ 0) and some positive arguments.
        var worst = 0.0
        for k in 0...200_000 {
            let x = -708 + 717 * Double(k) / 200_000  // −708 … 9
            let reference = exp(x)
            let error = abs(VectorMath.exponential(x) - reference) / reference.ulp
            worst = max(worst, error)
        }
        #expect(worst <= 2, "largest error \(worst) ulp")
        #expect(VectorMath.exponential(0) == 1)
        #expect(VectorMath.exponential(-709) == 0 && VectorMath.exponential(-1e300) == 0)
        #expect(abs(VectorMath.exponential(700) - exp(700)) <= 2 * exp(700).ulp)
    }

    @Test func logOnePlusAndSoftplusWithinFourUlp() {
        var worst = 0.0
        for k in 0...100_000 {
            let e = Double(k) / 100_000
            let reference = log1p(e)
            if reference > 0 { worst = max(worst, abs(VectorMath.logOnePlus(e) - reference) / reference.ulp) }
        }
        for e in [1e-300, 1e-20, 1e-8, 0.41421356237309503, 0.4142135623730951] {
            worst = max(worst, abs(VectorMath.logOnePlus(e) - log1p(e)) / log1p(e).ulp)
        }
        #expect(worst <= 4, "largest error \(worst) ulp")
        var worstSoftplus = 0.0
        for k in -4000...4000 {
            let t = Double(k) / 100
            let reference = t > 0 ? t + log1p(exp(-t)) : log1p(exp(t))
            worstSoftplus = max(worstSoftplus, abs(VectorMath.softplus(t) - reference) / reference.ulp)
        }
        #expect(worstSoftplus <= 8, "softplus: largest error \(worstSoftplus) ulp")
        // Sums and maxima in a fixed order.
        let values = (0..<103).map { sin(Double($0)) }
        values.withUnsafeBufferPointer { v in
            #expect(abs(VectorMath.sum(v.baseAddress!, count: 103) - values.reduce(0, +)) < 1e-13)
            #expect(VectorMath.maximum(v.baseAddress!, count: 103) == values.max())
        }
    }
}
