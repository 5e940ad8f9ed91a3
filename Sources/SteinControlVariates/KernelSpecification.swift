import MonteCarloCore

/// A base-kernel family together with a rule for its length-scale: what a user picks.
///
/// ```swift
/// let spec = KernelSpecification.gaussian()                       // median heuristic
/// let imq = KernelSpecification.inverseMultiquadric(scale: .fixed(1))
/// ```
public struct KernelSpecification: Sendable, Hashable, Codable {
    /// The family of φ.
    public var family: RadialKernel.Family
    /// The length-scale rule.
    public var lengthScale: LengthScale
    /// The order of the Stein operator: ``SteinOrder/first`` (default) or ``SteinOrder/second``
    /// (k0 = LₓLᵧk, Lg = Δg + u·∇g; not with Matérn 5/2). The median heuristic is usually too
    /// small a length-scale for the second order: prefer cross-validated tuning there.
    public var steinOrder: SteinOrder = .first

    /// Creates a specification.
    public init(family: RadialKernel.Family, lengthScale: LengthScale = .medianHeuristic, steinOrder: SteinOrder = .first) {
        self.family = family
        self.lengthScale = lengthScale
        self.steinOrder = steinOrder
    }

    /// This specification with the Stein operator of order `order`.
    ///
    /// ```swift
    /// let spec = KernelSpecification.inverseMultiquadric().steinOrder(.second)
    /// ```
    public func steinOrder(_ order: SteinOrder) -> Self {
        var copy = self
        copy.steinOrder = order
        return copy
    }

    /// Gaussian RBF exp(−|x − y|²/(2ℓ²)).
    public static func gaussian(lengthScale: LengthScale = .medianHeuristic) -> Self {
        Self(family: .gaussian, lengthScale: lengthScale)
    }

    /// Inverse multiquadric (c² + |x − y|²)^β, c = the length-scale, β = −½ by default.
    public static func inverseMultiquadric(scale: LengthScale = .medianHeuristic, exponent: Double = -0.5) -> Self {
        Self(family: .inverseMultiquadric(exponent: exponent), lengthScale: scale)
    }

    /// Rational quadratic (1 + |x − y|²/(2αℓ²))^(−α).
    public static func rationalQuadratic(lengthScale: LengthScale = .medianHeuristic, shape: Double = 1) -> Self {
        Self(family: .rationalQuadratic(shape: shape), lengthScale: lengthScale)
    }

    /// Matérn 5/2.
    public static func matern52(lengthScale: LengthScale = .medianHeuristic) -> Self {
        Self(family: .matern52, lengthScale: lengthScale)
    }

    /// The base length-scale on `sample` (before any cross-validated rescaling).
    func baseLengthScale(on sample: SteinSample) throws(MonteCarloError) -> Double {
        try lengthScale.resolve(on: sample)
    }
}
