import LinearAlgebra

/// An error raised by a Monte Carlo computation, naming what was wrong and where.
///
/// Every public entry point of the toolkit throws this type (typed throws) for bad input or a
/// numerical failure; it never traps on user data. The ``description`` is a complete sentence
/// meant for an end user.
public enum MonteCarloError: Error, Equatable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The integrand (or a control, weight or density) returned NaN or ±∞ at draw `index`.
    case nonFinite(quantity: String, index: Int)
    /// Fewer samples than the computation needs (e.g. 2 for a variance).
    case insufficientSamples(needed: Int, available: Int, reason: String)
    /// A confidence level outside the open interval (0, 1).
    case invalidConfidenceLevel(Double)
    /// Two inputs whose sizes must agree do not.
    case dimensionMismatch(what: String, expected: Int, actual: Int)
    /// The controls' sample covariance is singular, so the control-variate coefficients are undefined.
    case singularControlCovariance(detail: String)
    /// A matrix that must be positive definite did not factor, even with the largest jitter tried.
    case notPositiveDefinite(jitterTried: Double)
    /// A parameter is outside its domain (e.g. a negative standard deviation).
    case invalidParameter(name: String, value: Double, requirement: String)
    /// An argument that is not a single number is invalid.
    case invalidArgument(String)
    /// GSL reported an error.
    case gsl(status: Int32, reason: String)
    /// States built with different configurations cannot be merged.
    case incompatibleStates(String)
    /// An iterative fit (`algorithm`, e.g. a critic's Newton iteration) stopped at its iteration
    /// limit without meeting its tolerance; `detail` gives the last convergence measure.
    case notConverged(algorithm: String, iterations: Int, detail: String)
    /// An iterative fit produced a NaN or infinite objective, gradient or step at `step`.
    case diverged(algorithm: String, step: Int, detail: String)

    public var description: String {
        switch self {
        case let .nonFinite(quantity, index):
            return "The \(quantity) is not finite (NaN or infinite) at draw \(index)."
        case let .insufficientSamples(needed, available, reason):
            return "Need at least \(needed) samples \(reason), but only \(available) are available."
        case let .invalidConfidenceLevel(level):
            return "Confidence level \(level) is outside the open interval (0, 1)."
        case let .dimensionMismatch(what, expected, actual):
            return "Dimension mismatch in \(what): expected \(expected), got \(actual)."
        case let .singularControlCovariance(detail):
            return "The control variates' covariance matrix is singular (\(detail)); remove constant or collinear controls."
        case let .notPositiveDefinite(jitter):
            return "The matrix is not positive definite, even after adding diagonal jitter \(jitter)."
        case let .invalidParameter(name, value, requirement):
            return "Parameter \(name) = \(value) is invalid: it must be \(requirement)."
        case let .invalidArgument(message):
            return message
        case let .gsl(status, reason):
            return "GSL error \(status): \(reason)."
        case let .incompatibleStates(detail):
            return "Cannot merge accumulator states: \(detail)."
        case let .notConverged(algorithm, iterations, detail):
            return "\(algorithm) did not converge in \(iterations) iterations (\(detail))."
        case let .diverged(algorithm, step, detail):
            return "\(algorithm) diverged at step \(step): \(detail)."
        }
    }
}

extension MonteCarloError {
    /// The toolkit's error for a failure of a `LinearAlgebra` operation on `quantity`
    /// (e.g. "kernel matrix"), keeping the case when one corresponds.
    public init(_ error: LinearAlgebraError, quantity: String) {
        switch error {
        case .notPositiveDefinite(let jitter): self = .notPositiveDefinite(jitterTried: jitter)
        case .nonFinite(let row, _): self = .nonFinite(quantity: quantity, index: row)
        case .singular: self = .singularControlCovariance(detail: "the \(quantity) is rank-deficient to working precision")
        case .dimensionMismatch(let expected, let actual): self = .invalidArgument("\(quantity): expected \(expected), but \(actual).")
        case .lapackFailure(let routine, let info): self = .invalidArgument("\(quantity): LAPACK \(routine) failed (info = \(info)).")
        }
    }
}
