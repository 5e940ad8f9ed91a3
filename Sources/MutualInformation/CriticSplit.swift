import MonteCarloCore

/// One sample of pairs split into a training part (to fit a critic) and an evaluation part (to
/// evaluate a bound with the fitted critic), by a fixed, documented rule.
///
/// Rule: the first ⌊f·n⌋ pairs train, the remaining pairs evaluate, in the order given. With
/// i.i.d. pairs in any data-independent order the two parts are independent, which is what the
/// bound's standard error assumes (a critic fitted on the evaluation pairs would bias the bound
/// upward). If the order carries structure (time, sorted by a variable), shuffle first with a seed.
///
/// ```swift
/// let split = try CriticSplit(x: xs, y: ys, trainingFraction: 0.5)
/// let critic = try LinearCritic.fit(x: split.trainingX, y: split.trainingY, objective: .nwj)
/// let scores = try critic.scoreMatrix(x: split.evaluationX, y: split.evaluationY)
/// ```
public struct CriticSplit: Sendable {
    /// The training pairs (the first ⌊f·n⌋).
    public let trainingX: [[Double]], trainingY: [[Double]]
    /// The evaluation pairs (the rest).
    public let evaluationX: [[Double]], evaluationY: [[Double]]

    /// - Parameters:
    ///   - x: n draws of X.
    ///   - y: The n paired draws of Y.
    ///   - trainingFraction: f in (0, 1).
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` for unequal counts;
    ///   `MonteCarloError/invalidParameter(name:value:requirement:)` for f outside (0, 1);
    ///   `MonteCarloError/insufficientSamples(needed:available:reason:)` if either part would have
    ///   fewer than 2 pairs.
    public init(x: [[Double]], y: [[Double]], trainingFraction: Double = 0.5) throws(MonteCarloError) {
        guard x.count == y.count else {
            throw .dimensionMismatch(what: "number of y draws (one per x draw)", expected: x.count, actual: y.count)
        }
        guard trainingFraction > 0, trainingFraction < 1 else {
            throw .invalidParameter(name: "trainingFraction", value: trainingFraction, requirement: "in (0, 1)")
        }
        let cut = Int((trainingFraction * Double(x.count)).rounded(.down))
        guard cut >= 2, x.count - cut >= 2 else {
            throw .insufficientSamples(needed: 4, available: x.count,
                                       reason: "to split into training and evaluation parts of at least 2 pairs each")
        }
        trainingX = Array(x[..<cut])
        trainingY = Array(y[..<cut])
        evaluationX = Array(x[cut...])
        evaluationY = Array(y[cut...])
    }
}
