// swbench: timing of the sliced-Wasserstein estimators (release build; prints figures, asserts nothing).
// n = 10 000 points per cloud, d = 64, L = 1000 projections, p = 2.
import Dispatch
import Foundation
import MonteCarlo

func seconds(since start: UInt64) -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

do {
    let n = 10_000, d = 64
    var g = Xoshiro256PlusPlus(seed: 1)
    let x = (0..<(n * d)).map { _ in g.nextStandardNormal() }
    let y = (0..<(n * d)).map { _ in 1.5 * g.nextStandardNormal() + 0.3 }
    let sw = try SlicedWasserstein(try PointCloud(points: x, dimension: d), try PointCloud(points: y, dimension: d))
    let xm = Matrix(rows: d, columns: n, columnMajor: x)
    let theta = Matrix(rows: d, columns: 1000, columnMajor: (0..<(d * 1000)).map { _ in g.nextStandardNormal() })
    var start = DispatchTime.now().uptimeNanoseconds
    _ = try xm.product(transposingSelf: true, theta, transposingOther: false)
    print("swbench: n = \(n) per cloud, d = \(d), L = 1000, p = 2, threads \(sw.threadCount)")
    print(String(format: "  projection product X·Θ (10000 × 64 · 64 × 1000)  %.3f s", seconds(since: start)))
    for method in [SlicedWasserstein.Method.monteCarlo, .orthogonal, .controlVariates(.lower), .controlVariates(.both)] {
        _ = try sw.estimate(projections: 100, method: method, seed: 0)  // warm-up
        start = DispatchTime.now().uptimeNanoseconds
        let estimate = try sw.estimate(projections: 1000, method: method, seed: 1)
        print(String(format: "  %-28@ %.3f s   ", "\(method)" as NSString, seconds(since: start)) + "\(estimate)")
    }
    start = DispatchTime.now().uptimeNanoseconds
    let gradient = try sw.gradient(projections: 1000, seed: 1)
    print(String(format: "  gradient (plain)             %.3f s   total variance %.3g", seconds(since: start), gradient.totalVariance))
    start = DispatchTime.now().uptimeNanoseconds
    let cvGradient = try sw.gradient(projections: 1000, controlVariates: true, seed: 1)
    print(String(format: "  gradient (lower control)     %.3f s   total variance %.3g", seconds(since: start), cvGradient.totalVariance))
} catch {
    print("swbench: error: \(error)")
    exit(2)
}
