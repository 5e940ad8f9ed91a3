import LinearAlgebra
import MonteCarloCore

/// Why fitting or training a critic (``LinearCritic``, ``MLPCritic``) failed.
///
/// Bad input is reported through ``invalidInput(_:)`` with the toolkit's `MonteCarloError`
/// (non-finite coordinates, ragged vectors, out-of-domain options); the other cases are
/// failures of the optimisation itself.
public enum CriticTrainingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The data or an option is invalid (NaN/∞ coordinate, dimension mismatch, bad parameter).
    case invalidInput(MonteCarloError)
    /// Fewer training pairs than the critic needs to be determined by the data rather than by
    /// its ridge penalty or initialisation.
    case tooFewPairs(needed: Int, available: Int, parameters: Int)
    /// Newton's method stopped at its iteration limit with the Newton decrement still above the
    /// tolerance (`decrement` is ½ gᵀH⁻¹g at the last iterate).
    case notConverged(iterations: Int, decrement: Double)
    /// The objective or a gradient became NaN or infinite (e.g. e^T overflowed in NWJ) at the
    /// given iteration or step; lower the learning rate or use a bounded objective (JS, InfoNCE).
    case diverged(step: Int, detail: String)
    /// A LAPACK factorisation failed (the Hessian could not be made positive definite).
    case linearAlgebra(LinearAlgebraError)

    public var description: String {
        switch self {
        case .invalidInput(let error):
            return error.description
        case let .tooFewPairs(needed, available, parameters):
            return "The critic has \(parameters) parameters and needs at least \(needed) training pairs, "
                + "but only \(available) were given."
        case let .notConverged(iterations, decrement):
            return "Newton's method did not converge in \(iterations) iterations (Newton decrement \(decrement)); "
                + "raise the ridge penalty or the iteration limit, or standardise the data."
        case let .diverged(step, detail):
            return "Critic training diverged at step \(step): \(detail)."
        case .linearAlgebra(let error):
            return "Linear algebra failed while fitting the critic: \(error)"
        }
    }
}
