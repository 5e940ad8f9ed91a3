import LinearAlgebra
import MonteCarloCore

/// A model p(x, z) for fixed data x: the log joint density of the latent z and its gradient.
///
/// Everything variational inference needs from a model: log p(x, z) up to nothing (constants
/// included, so that ELBO values are comparable with the log evidence) and ∇_z log p(x, z).
public protocol ProbabilisticModel: Sendable {
    /// The dimension d of the latent variable z.
    var dimension: Int { get }
    /// log p(x, z) for the model's data x.
    func logJoint(_ z: [Double]) -> Double
    /// ∇_z log p(x, z).
    func gradientLogJoint(_ z: [Double]) -> [Double]
    /// ∇_z log p(x, z) for several latents at once: the columns of the d × S matrix `latents`.
    /// Models with a data matrix override it with matrix products; the default loops.
    func gradientLogJoint(columns latents: Matrix) -> Matrix
}

extension ProbabilisticModel {
    public func gradientLogJoint(columns latents: Matrix) -> Matrix {
        var result = Matrix(rows: latents.rows, columns: latents.columns)
        for s in 0..<latents.columns {
            let g = gradientLogJoint(latents.column(s))
            for i in 0..<latents.rows { result[i, s] = g[i] }
        }
        return result
    }
}

/// A model given by closures, for users who bring their own log density.
public struct ClosureModel: ProbabilisticModel {
    public let dimension: Int
    let logJointFunction: @Sendable ([Double]) -> Double
    let gradientFunction: @Sendable ([Double]) -> [Double]

    /// A model from log p(x, z) and its gradient.
    public init(dimension: Int, logJoint: @escaping @Sendable ([Double]) -> Double,
                gradient: @escaping @Sendable ([Double]) -> [Double]) throws(MonteCarloError) {
        guard dimension >= 1 else {
            throw .invalidParameter(name: "dimension", value: Double(dimension), requirement: "at least 1")
        }
        self.dimension = dimension
        logJointFunction = logJoint
        gradientFunction = gradient
    }

    public func logJoint(_ z: [Double]) -> Double { logJointFunction(z) }
    public func gradientLogJoint(_ z: [Double]) -> [Double] { gradientFunction(z) }
}

/// Shared input checks.
enum Check {
    static func finite(_ values: [Double], _ name: String) throws(MonteCarloError) {
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            throw .invalidParameter(name: "\(name)[\(i)]", value: values[i], requirement: "finite")
        }
    }

    static func positive(_ value: Double, _ name: String) throws(MonteCarloError) {
        guard value.isFinite, value > 0 else {
            throw .invalidParameter(name: name, value: value, requirement: "finite and positive")
        }
    }
}
