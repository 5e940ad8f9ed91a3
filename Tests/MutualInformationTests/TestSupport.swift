import Foundation
import MonteCarloCore

/// d independent coordinate pairs with correlation ρ: x ~ N(0, I), y = ρx + √(1 − ρ²) ε.
func correlatedGaussianBatch(
    count: Int, dimension d: Int, correlation rho: Double, using generator: inout Xoshiro256PlusPlus
) -> (x: [[Double]], y: [[Double]]) {
    var xs = [[Double]](), ys = [[Double]]()
    xs.reserveCapacity(count)
    ys.reserveCapacity(count)
    let noise = (1 - rho * rho).squareRoot()
    for _ in 0..<count {
        let x = (0..<d).map { _ in generator.nextStandardNormal() }
        xs.append(x)
        ys.append(x.map { rho * $0 + noise * generator.nextStandardNormal() })
    }
    return (xs, ys)
}

/// ρ such that d pairs carry I nats: ρ = √(1 − e^{−2I/d}).
func correlation(forMutualInformation i: Double, dimension d: Int) -> Double {
    (1 - exp(-2 * i / Double(d))).squareRoot()
}

func pairMutualInformation(_ rho: Double, dimension d: Int) -> Double { -0.5 * Double(d) * log(1 - rho * rho) }
