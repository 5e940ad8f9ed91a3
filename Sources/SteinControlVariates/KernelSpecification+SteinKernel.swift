import MonteCarloCore

extension KernelSpecification {
    /// The Stein kernel of this specification (family and ``steinOrder``) at length-scale ℓ.
    /// - Throws: the errors of ``RadialKernel/init(_:lengthScale:)``;
    ///   `MonteCarloError/invalidArgument(_:)` for the second order with Matérn 5/2, which is not
    ///   smooth enough.
    func steinKernel(lengthScale: Double) throws(MonteCarloError) -> LangevinSteinKernel {
        if steinOrder == .second, case .matern52 = family {
            throw .invalidArgument("The second-order Stein kernel needs a base kernel with four derivatives: use gaussian, inverse multiquadric or rational quadratic, not Matérn 5/2.")
        }
        return LangevinSteinKernel(base: try RadialKernel(family, lengthScale: lengthScale), order: steinOrder)
    }
}
