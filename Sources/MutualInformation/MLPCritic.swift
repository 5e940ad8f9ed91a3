import Foundation
import LinearAlgebra
import MonteCarloCore

/// A small multilayer-perceptron critic, trained with hand-written backpropagation and Adam,
/// without a deep-learning framework.
///
/// Two architectures of Poole et al. (2019) and Song & Ermon (2020), each with one or two hidden
/// layers (ReLU or softplus) and a linear output:
/// - ``Structure/separable`` (default): T(x, y) = g(x)ᵀh(y) with g: ℝ^{d_x} → ℝ^E and
///   h: ℝ^{d_y} → ℝ^E, so a whole B × B score matrix costs two forward passes of B draws and one
///   BLAS product S = G Hᵀ;
/// - ``Structure/joint``: T(x, y) = f([x, y]) with f: ℝ^{d_x + d_y} → ℝ, evaluated on all B² pairs
///   (more flexible, B times more work per step).
///
/// S[i, j] = T(xᵢ, yⱼ) in both cases (the toolkit's orientation).
///
/// Training objectives (maximised) and the value to report after training
/// (``Objective/evaluationBound``):
/// - ``Objective/nwj``: NWJ on S; report ``VariationalBound/nwj``.
/// - ``Objective/infoNCE``: InfoNCE (rows normalised over yⱼ); report ``VariationalBound/infoNCE``
///   (≤ log B).
/// - ``Objective/jensenShannon(_:)``: gradient of the JS objective −E_P softplus(−T) − E_Q softplus(T),
///   whose optimum is T = log r; report DV at S or NWJ at S + 1 (NWJ at S would be low by 1/e).
/// - ``Objective/smile(tau:)``: JS gradient, SMILE(τ) value (Song & Ermon 2020).
///
/// ```swift
/// var critic = MLPCritic(xDimension: 20, yDimension: 20, seed: 1)
/// for _ in 0..<4000 { let b = sampler(); _ = try critic.step(x: b.x, y: b.y, objective: .smile(tau: 5)) }
/// let scores = try critic.scoreMatrix(x: evalX, y: evalY)                     // fresh pairs
/// let estimate = try VariationalBound.smile(tau: 5).estimate(from: scores)
/// ```
///
/// **Determinism.** Initialisation and minibatches come from the seed (xoshiro256++); the BLAS
/// products split work by output blocks, so the same seed, data and options give the same
/// parameters bit for bit on one machine.
///
/// **Statistical properties.** Train on pairs that are not in the evaluation batches: the bounds'
/// standard errors assume a critic fixed independently of the evaluation pairs (see
/// ``CriticSplit``), and they are conditional on the trained critic (retrain with other seeds to
/// see the training variability). For a fixed critic NWJ and NWJ(S + 1) are unbiased for a value
/// ≤ I and InfoNCE's expectation is ≤ min(I, log B); DV and SMILE add their finite-B biases. How
/// far below I the trained critic lands is not controlled (optimisation and capacity); with
/// few steps and high I expect large shortfalls, and NWJ training can become unstable (its
/// gradient is dominated by the largest e^S). Inputs are used as given (no standardisation):
/// scale them to unit variance first.
public struct MLPCritic: Sendable, Hashable, Codable {
    /// The hidden-layer nonlinearity.
    public enum Activation: String, Sendable, Hashable, Codable {
        /// max(0, t).
        case relu
        /// log(1 + e^t) (smooth; use it for gradient checks).
        case softplus
    }

    /// What the training steps maximise.
    public enum Objective: Sendable, Hashable, Codable {
        /// NWJ: D − e⁻¹ mean_{i≠j} e^{Sᵢⱼ}.
        case nwj
        /// InfoNCE: log B + mean_i[Sᵢᵢ − log Σⱼ e^{Sᵢⱼ}].
        case infoNCE
        /// The Jensen–Shannon objective; the MI is reported by the given evaluation.
        case jensenShannon(VariationalBound.JensenShannonEvaluation)
        /// Trained with the JS gradient, reported as SMILE with clip τ.
        case smile(tau: Double)

        /// The bound to evaluate the trained critic with.
        public var evaluationBound: VariationalBound {
            switch self {
            case .nwj: .nwj
            case .infoNCE: .infoNCE
            case .jensenShannon(let evaluation): .jensenShannon(evaluation)
            case .smile(let tau): .smile(tau: tau)
            }
        }
    }

    /// How x and y enter the network.
    public enum Structure: String, Sendable, Hashable, Codable {
        /// T(x, y) = g(x)ᵀh(y).
        case separable
        /// T(x, y) = f([x, y]) on the concatenated pair.
        case joint
    }

    /// Network shape.
    public struct Architecture: Sendable, Hashable, Codable {
        /// Units per hidden layer.
        public var hiddenWidth: Int
        /// 1 or 2 hidden layers (in each of g and h, or in f).
        public var hiddenLayers: Int
        /// E, the embedding dimension of g(x) and h(y) (unused by the joint structure).
        public var embeddingDimension: Int
        /// The hidden nonlinearity.
        public var activation: Activation
        /// Separable or joint.
        public var structure: Structure

        public init(hiddenWidth: Int = 64, hiddenLayers: Int = 1, embeddingDimension: Int = 16,
                    activation: Activation = .relu, structure: Structure = .separable) {
            self.hiddenWidth = hiddenWidth
            self.hiddenLayers = hiddenLayers
            self.embeddingDimension = embeddingDimension
            self.activation = activation
            self.structure = structure
        }
    }

    /// Adam settings (Kingma & Ba 2015).
    public struct Optimizer: Sendable, Hashable, Codable {
        public var learningRate: Double
        public var beta1: Double
        public var beta2: Double
        public var epsilon: Double

        public init(learningRate: Double = 5e-4, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
            self.learningRate = learningRate
            self.beta1 = beta1
            self.beta2 = beta2
            self.epsilon = epsilon
        }
    }

    /// d_x.
    public let xDimension: Int
    /// d_y.
    public let yDimension: Int
    /// The network shape.
    public let architecture: Architecture
    /// Adam settings used by ``step(x:y:objective:)``.
    public var optimizer: Optimizer
    /// Adam steps taken so far.
    public private(set) var stepsTaken = 0
    /// The training objective's value on each step's batch, before that step's update (for SMILE,
    /// the SMILE value; for JS, the JS objective).
    public private(set) var objectiveTrace: [Double] = []

    /// g (separable) or f (joint).
    var xNetwork: DenseNetwork
    /// h (separable); nil for the joint structure.
    var yNetwork: DenseNetwork?
    var firstMoment: [Double]
    var secondMoment: [Double]

    /// A freshly initialised critic.
    ///
    /// - Precondition: dimensions, width and embedding ≥ 1 and 1 ≤ hiddenLayers ≤ 2 (use
    ///   ``validated(xDimension:yDimension:architecture:optimizer:seed:)`` for values from user input).
    public init(xDimension: Int, yDimension: Int, architecture: Architecture = Architecture(),
                optimizer: Optimizer = Optimizer(), seed: UInt64) {
        precondition(xDimension >= 1 && yDimension >= 1 && architecture.hiddenWidth >= 1
                     && architecture.embeddingDimension >= 1 && (1...2).contains(architecture.hiddenLayers),
                     "MLPCritic: invalid dimensions or architecture")
        self.xDimension = xDimension
        self.yDimension = yDimension
        self.architecture = architecture
        self.optimizer = optimizer
        var generator = Xoshiro256PlusPlus(seed: seed)
        let hidden = [Int](repeating: architecture.hiddenWidth, count: architecture.hiddenLayers)
        switch architecture.structure {
        case .separable:
            xNetwork = DenseNetwork(sizes: [xDimension] + hidden + [architecture.embeddingDimension],
                                    activation: architecture.activation, using: &generator)
            yNetwork = DenseNetwork(sizes: [yDimension] + hidden + [architecture.embeddingDimension],
                                    activation: architecture.activation, using: &generator)
        case .joint:
            xNetwork = DenseNetwork(sizes: [xDimension + yDimension] + hidden + [1], activation: architecture.activation,
                                    using: &generator)
            yNetwork = nil
        }
        let p = xNetwork.parameterCount + (yNetwork?.parameterCount ?? 0)
        firstMoment = [Double](repeating: 0, count: p)
        secondMoment = [Double](repeating: 0, count: p)
    }

    /// A critic after checking the shape.
    /// - Throws: a `MonteCarloError` for a dimension, width or embedding < 1
    ///   or hiddenLayers outside 1…2.
    public static func validated(xDimension: Int, yDimension: Int, architecture: Architecture = Architecture(),
                                 optimizer: Optimizer = Optimizer(), seed: UInt64) throws(MonteCarloError) -> MLPCritic {
        for (name, value) in [("xDimension", xDimension), ("yDimension", yDimension),
                              ("hiddenWidth", architecture.hiddenWidth),
                              ("embeddingDimension", architecture.embeddingDimension)] where value < 1 {
            throw .invalidParameter(name: name, value: Double(value), requirement: "at least 1")
        }
        guard (1...2).contains(architecture.hiddenLayers) else {
            throw .invalidParameter(name: "hiddenLayers", value: Double(architecture.hiddenLayers),
                                                  requirement: "1 or 2")
        }
        try checkOptimizer(optimizer)
        return MLPCritic(xDimension: xDimension, yDimension: yDimension, architecture: architecture,
                         optimizer: optimizer, seed: seed)
    }

    static func checkOptimizer(_ o: Optimizer) throws(MonteCarloError) {
        guard o.learningRate > 0, o.learningRate.isFinite else {
            throw .invalidParameter(name: "learningRate", value: o.learningRate, requirement: "positive")
        }
        guard o.beta1 >= 0, o.beta1 < 1, o.beta2 >= 0, o.beta2 < 1 else {
            throw .invalidParameter(name: "beta1/beta2", value: o.beta1, requirement: "in [0, 1)")
        }
        guard o.epsilon > 0 else {
            throw .invalidParameter(name: "epsilon", value: o.epsilon, requirement: "positive")
        }
    }

    /// The number of trainable parameters.
    public var parameterCount: Int { firstMoment.count }

    /// All parameters as one vector (g's layers, then h's).
    var parameters: [Double] {
        get { xNetwork.flatten() + (yNetwork?.flatten() ?? []) }
        set {
            let o = xNetwork.assign(newValue, from: 0)
            _ = yNetwork?.assign(newValue, from: o)
        }
    }

    static func matrix(_ draws: [[Double]], dimension: Int, name: String) throws(MonteCarloError) -> Matrix {
        try CriticTrainingData.check(draws, dimension: dimension, name: name)
        var m = Matrix(rows: draws.count, columns: dimension)
        for (i, v) in draws.enumerated() { for k in 0..<dimension { m.storage[i + k * draws.count] = v[k] } }
        return m
    }

    /// The B² concatenated pairs [xᵢ, yⱼ], row i·B + j (joint structure).
    static func pairs(_ x: Matrix, _ y: Matrix) -> Matrix {
        let b = x.rows, rows = b * b
        var m = Matrix(rows: rows, columns: x.columns + y.columns)
        for i in 0..<b {
            for j in 0..<b {
                let r = i * b + j
                for k in 0..<x.columns { m.storage[r + k * rows] = x.storage[i + k * b] }
                for k in 0..<y.columns { m.storage[r + (x.columns + k) * rows] = y.storage[j + k * b] }
            }
        }
        return m
    }

    /// Row-major S with the forward passes kept for backpropagation (separable: g(X) and h(Y);
    /// joint: f on all pairs, `yPass` nil).
    func scores(_ x: Matrix, _ y: Matrix) -> (values: [Double], xPass: DenseNetwork.Pass, yPass: DenseNetwork.Pass?) {
        guard let yNetwork else {
            let pass = xNetwork.forward(Self.pairs(x, y))
            return (pass.output.storage, pass, nil)
        }
        let xPass = xNetwork.forward(x), yPass = yNetwork.forward(y)
        let s = (try? xPass.output.product(transposingSelf: false, yPass.output, transposingOther: true))!
        let b = x.rows
        var values = [Double](repeating: 0, count: b * b)
        for i in 0..<b { for j in 0..<b { values[i * b + j] = s.storage[i + j * b] } }
        return (values, xPass, yPass)
    }

    /// The training objective on a batch and its gradient with respect to ``parameters`` (the
    /// gradient of the quantity the objective trains: JS for ``Objective/smile(tau:)``).
    func objectiveAndGradient(x: Matrix, y: Matrix, objective: Objective) -> (value: Double, gradient: [Double]) {
        let (values, xPass, yPass) = scores(x, y)
        let (value, scoreGradient) = CriticObjective.valueAndScoreGradient(values, batchSize: x.rows, objective: objective)
        let b = x.rows
        guard let yNetwork, let yPass else {
            // Joint: the output column is S in row-major order, so ∂J/∂output is the row-major gradient.
            let d = Matrix(rows: b * b, columns: 1, columnMajor: scoreGradient)
            return (value, xNetwork.backward(xPass, outputGradient: d))
        }
        let m = Matrix(rows: b, columns: b, columnMajor: (0..<(b * b)).map { scoreGradient[($0 % b) * b + $0 / b] })
        // ∂J/∂G = M H, ∂J/∂H = Mᵀ G.
        let dg = m * yPass.output
        let dh = (try? m.product(transposingSelf: true, xPass.output, transposingOther: false))!
        return (value, xNetwork.backward(xPass, outputGradient: dg) + yNetwork.backward(yPass, outputGradient: dh))
    }

    /// One Adam step on a batch of B pairs (all B(B − 1) off-diagonal pairs are the negatives).
    ///
    /// - Returns: The objective's value on this batch before the update (also appended to
    ///   ``objectiveTrace``).
    /// - Throws: a `MonteCarloError` for B < 2, unequal counts, wrong
    ///   dimensions, NaN/∞ coordinates, τ ≤ 0 or a bad optimiser setting;
    ///   `MonteCarloError/diverged(algorithm:step:detail:)` if the objective or gradient is not finite
    ///   (the parameters are then left unchanged).
    /// - Complexity: O(B·(network flops) + B²E).
    @discardableResult
    public mutating func step(x: [[Double]], y: [[Double]], objective: Objective) throws(MonteCarloError) -> Double {
        guard x.count == y.count else {
            throw .dimensionMismatch(what: "number of y draws (one per x draw)", expected: x.count,
                                                   actual: y.count)
        }
        guard x.count >= 2 else {
            throw .insufficientSamples(needed: 2, available: x.count, reason: "in a training batch")
        }
        if case .smile(let tau) = objective, !(tau > 0) {
            throw .invalidParameter(name: "tau", value: tau, requirement: "positive")
        }
        try Self.checkOptimizer(optimizer)
        let xm: Matrix, ym: Matrix
        do {
            xm = try Self.matrix(x, dimension: xDimension, name: "x")
            ym = try Self.matrix(y, dimension: yDimension, name: "y")
        } catch { throw error }
        try step(x: xm, y: ym, objective: objective)
        return objectiveTrace[objectiveTrace.count - 1]
    }

    mutating func step(x: Matrix, y: Matrix, objective: Objective) throws(MonteCarloError) {
        let (value, gradient) = objectiveAndGradient(x: x, y: y, objective: objective)
        guard value.isFinite, gradient.allSatisfy(\.isFinite) else {
            throw .diverged(algorithm: "Critic training", step: stepsTaken, detail: "the objective (\(value)) or its gradient is not finite; lower the learning rate or use a bounded objective (JS, InfoNCE)")
        }
        stepsTaken += 1
        objectiveTrace.append(value)
        let o = optimizer
        let t = Double(stepsTaken)
        let c1 = 1 - pow(o.beta1, t), c2 = 1 - pow(o.beta2, t)
        var theta = parameters
        for e in theta.indices {
            let g = -gradient[e]  // Adam minimises −J.
            firstMoment[e] = o.beta1 * firstMoment[e] + (1 - o.beta1) * g
            secondMoment[e] = o.beta2 * secondMoment[e] + (1 - o.beta2) * g * g
            theta[e] -= o.learningRate * (firstMoment[e] / c1) / ((secondMoment[e] / c2).squareRoot() + o.epsilon)
        }
        parameters = theta
    }

    /// Trains a fresh critic on a fixed training sample with seeded minibatches.
    ///
    /// Each step draws `batchSize` distinct pairs uniformly (a partial Fisher–Yates shuffle driven
    /// by `seed`, which also initialises the networks).
    ///
    /// - Throws: `MonteCarloError/insufficientSamples(needed:available:reason:)` if n < batchSize;
    ///   the errors of ``validated(xDimension:yDimension:architecture:optimizer:seed:)`` and
    ///   ``step(x:y:objective:)``; `invalidParameter` for steps < 1 or batchSize < 2.
    public static func fit(
        x: [[Double]], y: [[Double]], objective: Objective, architecture: Architecture = Architecture(),
        optimizer: Optimizer = Optimizer(), batchSize: Int = 64, steps: Int, seed: UInt64
    ) throws(MonteCarloError) -> MLPCritic {
        let data = try CriticTrainingData(x: x, y: y)
        guard batchSize >= 2 else {
            throw .invalidParameter(name: "batchSize", value: Double(batchSize), requirement: "at least 2")
        }
        guard steps >= 1 else {
            throw .invalidParameter(name: "steps", value: Double(steps), requirement: "at least 1")
        }
        if case .smile(let tau) = objective, !(tau > 0) {
            throw .invalidParameter(name: "tau", value: tau, requirement: "positive")
        }
        var critic = try validated(xDimension: data.xDimension, yDimension: data.yDimension,
                                   architecture: architecture, optimizer: optimizer, seed: seed)
        guard data.count >= batchSize else {
            throw .insufficientSamples(needed: batchSize, available: data.count, reason: "to fit a critic with \(critic.parameterCount) parameters")
        }
        var generator = Xoshiro256PlusPlus(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
        var order = Array(0..<data.count)
        var xm = Matrix(rows: batchSize, columns: data.xDimension), ym = Matrix(rows: batchSize, columns: data.yDimension)
        for _ in 0..<steps {
            for k in 0..<batchSize {
                let j = k + Int(generator.next() % UInt64(data.count - k))
                order.swapAt(k, j)
                let i = order[k]
                for c in 0..<data.xDimension { xm.storage[k + c * batchSize] = data.x[i][c] }
                for c in 0..<data.yDimension { ym.storage[k + c * batchSize] = data.y[i][c] }
            }
            try critic.step(x: xm, y: ym, objective: objective)
        }
        return critic
    }

    /// T(x, y) for one pair.
    /// - Precondition: `x.count == xDimension`, `y.count == yDimension`.
    public func score(x: [Double], y: [Double]) -> Double {
        precondition(x.count == xDimension && y.count == yDimension, "MLPCritic.score: wrong dimensions")
        guard let yNetwork else {
            return xNetwork.forward(Matrix(rows: 1, columns: xDimension + yDimension, columnMajor: x + y)).output.storage[0]
        }
        let g = xNetwork.forward(Matrix(rows: 1, columns: xDimension, columnMajor: x)).output
        let h = yNetwork.forward(Matrix(rows: 1, columns: yDimension, columnMajor: y)).output
        return zip(g.storage, h.storage).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// S[i, j] = T(xᵢ, yⱼ) + offset for an evaluation batch.
    /// - Throws: `MonteCarloError/dimensionMismatch(what:expected:actual:)` and
    ///   `MonteCarloError/nonFinite(quantity:index:)` for bad draws; the errors of
    ///   ``ScoreMatrix/init(batchSize:values:)``.
    public func scoreMatrix(x: [[Double]], y: [[Double]], offset: Double = 0) throws(MonteCarloError) -> ScoreMatrix {
        guard x.count == y.count else {
            throw .dimensionMismatch(what: "number of y draws (one per x draw)", expected: x.count, actual: y.count)
        }
        let xm = try Self.matrix(x, dimension: xDimension, name: "x")
        let ym = try Self.matrix(y, dimension: yDimension, name: "y")
        var values = scores(xm, ym).values
        if offset != 0 { for e in values.indices { values[e] += offset } }
        return try ScoreMatrix(batchSize: x.count, values: values)
    }
}
