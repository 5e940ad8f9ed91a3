import Foundation

extension RadialKernel {
    /// φ(z) and its first four derivatives in z = |x − y|², in closed form, for the
    /// second-order Stein kernel (see ``SteinOrder/second``).
    ///
    /// - Gaussian, φ = exp(−z/(2ℓ²)): φ⁽ᵏ⁾ = (−1/(2ℓ²))ᵏ φ;
    /// - inverse multiquadric, φ = bᵝ with b = ℓ² + z: φ⁽ᵏ⁾ = β(β − 1)…(β − k + 1) b^(β−k);
    /// - rational quadratic, φ = b^(−α) with b = 1 + sz, s = 1/(2αℓ²):
    ///   φ⁽ᵏ⁾ = (−α)(−α − 1)…(−α − k + 1) sᵏ b^(−α−k);
    /// - Matérn 5/2 is not four times differentiable in z at 0: all five values are NaN.
    @inlinable
    public func radialDerivativesToFourthOrder(_ z: Double)
        -> (phi: Double, first: Double, second: Double, third: Double, fourth: Double)
    {
        let l2 = lengthScale * lengthScale
        switch family {
        case .gaussian:
            let phi = exp(-z / (2 * l2))
            let c = -1 / (2 * l2)
            let first = c * phi, second = c * first, third = c * second
            return (phi, first, second, third, c * third)
        case .inverseMultiquadric(let beta):
            let b = l2 + z
            let phi = beta == -0.5 ? 1 / b.squareRoot() : pow(b, beta)
            let first = beta * phi / b
            let second = (beta - 1) * first / b
            let third = (beta - 2) * second / b
            return (phi, first, second, third, (beta - 3) * third / b)
        case .rationalQuadratic(let alpha):
            let s = 1 / (2 * alpha * l2)
            let b = 1 + z * s
            let phi = pow(b, -alpha)
            let first = -alpha * s * phi / b
            let second = (-alpha - 1) * s * first / b
            let third = (-alpha - 2) * s * second / b
            return (phi, first, second, third, (-alpha - 3) * s * third / b)
        case .matern52:
            return (.nan, .nan, .nan, .nan, .nan)
        }
    }
}

extension LangevinSteinKernel {
    /// The second-order entry LₓLᵧk from pointers (see the type's documentation for the formula).
    @inlinable
    func secondOrderEntry(_ x: UnsafePointer<Double>, _ ux: UnsafePointer<Double>,
                          _ y: UnsafePointer<Double>, _ uy: UnsafePointer<Double>, dimension d: Int) -> Double {
        var z = 0.0, uxr = 0.0, uyr = 0.0, uu = 0.0
        for k in 0..<d {
            let r = x[k] - y[k]
            z += r * r
            uxr += ux[k] * r
            uyr += uy[k] * r
            uu += ux[k] * uy[k]
        }
        let (_, first, second, third, fourth) = base.radialDerivativesToFourthOrder(z)
        let dd = Double(d)
        return 16 * z * z * fourth + 16 * (2 + dd) * z * third + 4 * dd * (2 + dd) * second
            + (8 * z * third + 4 * (2 + dd) * second) * (uxr - uyr) - 4 * second * uxr * uyr - 2 * first * uu
    }
}
