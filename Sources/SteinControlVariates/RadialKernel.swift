import Foundation
import MonteCarloCore

/// A radial base kernel k(x, y) = φ(z), z = |x − y|², with closed-form derivatives of φ.
///
/// Families (ℓ is ``lengthScale``):
/// - ``Family/gaussian``: φ(z) = exp(−z / (2ℓ²));
/// - ``Family/inverseMultiquadric(exponent:)``: φ(z) = (ℓ² + z)^β with β ∈ (−1, 0), β = −½ by
///   default (Gorham & Mackey 2017: heavy tails make the Stein discrepancy control convergence);
///   ℓ plays the role of the usual constant c;
/// - ``Family/rationalQuadratic(shape:)``: φ(z) = (1 + z / (2αℓ²))^(−α), α > 0;
/// - ``Family/matern52``: with s = √5·√z/ℓ, φ = (1 + s + s²/3) e^(−s) (twice differentiable,
///   enough for the first-order Stein kernel).
///
/// The Stein kernel needs φ, φ′ and φ″ (derivatives in z); ``radialDerivatives(_:)`` gives all
/// three in closed form. Gradients follow: ∇ₓk = 2φ′(x − y), ∇ᵧk = −2φ′(x − y),
/// ∇ₓ·∇ᵧk = −4zφ″ − 2dφ′.
public struct RadialKernel: Sendable, Hashable, Codable {
    /// The shape of φ.
    public enum Family: Sendable, Hashable, Codable {
        /// exp(−z / (2ℓ²)).
        case gaussian
        /// (ℓ² + z)^β, β in (−1, 0).
        case inverseMultiquadric(exponent: Double)
        /// (1 + z / (2αℓ²))^(−α), α > 0.
        case rationalQuadratic(shape: Double)
        /// Matérn ν = 5/2.
        case matern52
    }

    /// The shape of φ.
    public let family: Family
    /// The length-scale ℓ > 0.
    public let lengthScale: Double

    /// Creates a kernel.
    /// - Throws: `MonteCarloError/invalidParameter(name:value:requirement:)` for ℓ not finite and
    ///   positive, an inverse-multiquadric exponent outside (−1, 0) or a rational-quadratic shape
    ///   not finite and positive.
    public init(_ family: Family, lengthScale: Double) throws(MonteCarloError) {
        guard lengthScale.isFinite, lengthScale > 0 else {
            throw .invalidParameter(name: "lengthScale", value: lengthScale, requirement: "finite and positive")
        }
        switch family {
        case .inverseMultiquadric(let beta):
            guard beta > -1, beta < 0 else {
                throw .invalidParameter(name: "exponent", value: beta, requirement: "in the open interval (−1, 0)")
            }
        case .rationalQuadratic(let alpha):
            guard alpha.isFinite, alpha > 0 else {
                throw .invalidParameter(name: "shape", value: alpha, requirement: "finite and positive")
            }
        case .gaussian, .matern52:
            break
        }
        self.family = family
        self.lengthScale = lengthScale
    }

    /// φ(z), φ′(z) and φ″(z), derivatives with respect to z = |x − y|² ≥ 0.
    @inlinable
    public func radialDerivatives(_ z: Double) -> (phi: Double, first: Double, second: Double) {
        let l2 = lengthScale * lengthScale
        switch family {
        case .gaussian:
            let phi = exp(-z / (2 * l2))
            return (phi, -phi / (2 * l2), phi / (4 * l2 * l2))
        case .inverseMultiquadric(let beta):
            let b = l2 + z
            let phi: Double, over: Double  // b^β, b^(β−1)
            if beta == -0.5 {
                let root = b.squareRoot()
                phi = 1 / root
                over = phi / b
            } else {
                phi = pow(b, beta)
                over = phi / b
            }
            return (phi, beta * over, beta * (beta - 1) * over / b)
        case .rationalQuadratic(let alpha):
            let scale = 1 / (2 * alpha * l2)
            let b = 1 + z * scale
            let phi = pow(b, -alpha)
            let first = -alpha * scale * phi / b
            let second = alpha * (alpha + 1) * scale * scale * phi / (b * b)
            return (phi, first, second)
        case .matern52:
            let a2 = 5 / l2
            let s = (a2 * z).squareRoot()
            let e = exp(-s)
            return ((1 + s + s * s / 3) * e, -(a2 / 6) * (1 + s) * e, (a2 * a2 / 12) * e)
        }
    }

    /// k(x, y).
    public func value(_ x: [Double], _ y: [Double]) -> Double {
        radialDerivatives(Self.squaredDistance(x, y)).phi
    }

    /// ∇ₓk(x, y) = 2φ′(z)(x − y).
    public func gradientInFirst(_ x: [Double], _ y: [Double]) -> [Double] {
        let first = radialDerivatives(Self.squaredDistance(x, y)).first
        return zip(x, y).map { 2 * first * ($0 - $1) }
    }

    /// ∇ₓ·∇ᵧk(x, y) = Σᵢ ∂²k/∂xᵢ∂yᵢ = −4zφ″(z) − 2dφ′(z).
    public func mixedTrace(_ x: [Double], _ y: [Double]) -> Double {
        let z = Self.squaredDistance(x, y)
        let (_, first, second) = radialDerivatives(z)
        return -4 * z * second - 2 * Double(x.count) * first
    }

    static func squaredDistance(_ x: [Double], _ y: [Double]) -> Double {
        zip(x, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    }
}
