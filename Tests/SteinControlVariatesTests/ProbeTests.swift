import Foundation
import MonteCarloCore
import Testing
@testable import SteinControlVariates

@Suite("probe") struct ProbeTests {
    @Test func probe() throws {
        let d1 = try StandardNormalVector(dimension: 1)
        let step: ([Double]) -> Double = { $0[0] >= 0 ? 1 : 0 }
        for (name, est) in [("w", SteinControlFunctional(form: .weighted(), tuning: .crossValidated())),
                            ("x5", SteinControlFunctional(form: .crossFitted(), tuning: .crossValidated())),
                            ("x5fixed", SteinControlFunctional(form: .crossFitted())),
                            ("x5fixedbig", SteinControlFunctional(form: .crossFitted(), nugget: 1e-3))] {
            for r in 0..<6 {
                let (s, vals) = try TestProblems.draw(d1, count: 100, seed: 99, replication: r, integrand: step)
                let e = try est.estimate(sample: s, values: vals)
                print(name, r, e, "err", e.value - 0.5, e.diagnostics.method, e.diagnostics.figures["lengthScale"] ?? -1, e.diagnostics.warnings.map { $0.prefix(40) })
            }
        }
    }
}
