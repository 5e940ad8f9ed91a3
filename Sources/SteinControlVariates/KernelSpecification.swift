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

    /// Creates a specification.
    public init(family: RadialKernel.Family, lengthScale: LengthScale = .medianHeuristic) {
        self.family = family
        self.lengthScale = lengthScale
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
