import MonteCarloCore
import Foundation
import LinearAlgebra

/// Maximisation of a concave critic objective of t = Φw by damped Newton steps (``LinearCritic``).
///
/// Joint pairs: t_P = Φ_P w (n values); negatives: t_Q = Φ_Q w (nK values, K per joint pair).
struct CriticNewtonProblem {
    let objective: LinearCritic.Objective
    let joint: Matrix
    let product: Matrix
    let negatives: Int
    let ridge: Double
    let penaltyMask: [Double]

    init(objective: LinearCritic.Objective, joint: Matrix, product: Matrix, negatives: Int, ridge: Double,
         penaltyMask: [Double]) {
        self.objective = objective
        self.joint = joint
        self.product = product
        self.negatives = negatives
        self.ridge = ridge
        self.penaltyMask = penaltyMask
    }

    struct Evaluation {
        /// The unpenalised objective (InfoNCE without its log(K + 1)).
        var objective: Double
        /// Gradient of the unpenalised objective.
        var gradient: [Double]
        /// Minus the Hessian (positive semidefinite), if requested.
        var curvature: Matrix?
    }

    struct Result {
        var weights: [Double]
        var iterations: Int
        var decrement: Double
        var jitter: Double
    }

    var parameterCount: Int { joint.columns }

    func penalty(_ w: [Double]) -> Double {
        var s = 0.0
        for c in w.indices { s += penaltyMask[c] * w[c] * w[c] }
        return 0.5 * ridge * s
    }

    /// Φᵀv for a column-major Φ.
    static func transposedProduct(_ phi: Matrix, _ v: [Double]) -> [Double] {
        let column = Matrix(rows: v.count, columns: 1, columnMajor: v)
        // Shapes agree by construction.
        return (try? phi.product(transposingSelf: true, column, transposingOther: false))?.storage
            ?? [Double](repeating: .nan, count: phi.columns)
    }

    /// Φᵀ diag(weights) Φ via `dsyrk` on rows scaled by √weight.
    static func weightedGram(_ phi: Matrix, _ weights: [Double]) -> Matrix {
        var scaled = phi
        let n = phi.rows
        let roots = weights.map { $0.squareRoot() }
        scaled.storage.withUnsafeMutableBufferPointer { s in
            for c in 0..<phi.columns {
                for r in 0..<n { s[r + c * n] *= roots[r] }
            }
        }
        return scaled.gram()
    }

    /// The objective (and derivatives); nil if it is not finite at w.
    func evaluate(_ w: [Double], curvature withCurvature: Bool) -> Evaluation? {
        let tp = joint.multiplied(by: w), tq = product.multiplied(by: w)
        let n = tp.count, k = negatives
        let nq = Double(tq.count), np = Double(n)
        var value = 0.0
        var jointWeights = [Double](repeating: 0, count: n)     // ∂F/∂t_P
        var productWeights = [Double](repeating: 0, count: tq.count)  // ∂F/∂t_Q
        var curvature: Matrix?
        func sigmoid(_ t: Double) -> Double { t >= 0 ? 1 / (1 + exp(-t)) : exp(t) / (1 + exp(t)) }
        func softplus(_ t: Double) -> Double { t > 0 ? t + log1p(exp(-t)) : log1p(exp(t)) }
        switch objective {
        case .nwj:
            var partition = 0.0
            for r in 0..<tq.count {
                let e = exp(tq[r] - 1)
                partition += e
                productWeights[r] = -e / nq
            }
            value = tp.reduce(0, +) / np - partition / nq
            for i in 0..<n { jointWeights[i] = 1 / np }
            guard value.isFinite else { return nil }
            if withCurvature { curvature = Self.weightedGram(product, productWeights.map { -$0 }) }
        case .jensenShannon:
            var jointCurvature = [Double](repeating: 0, count: n), productCurvature = [Double](repeating: 0, count: tq.count)
            for i in 0..<n {
                value -= softplus(-tp[i]) / np
                let s = sigmoid(tp[i])
                jointWeights[i] = (1 - s) / np
                jointCurvature[i] = s * (1 - s) / np
            }
            for r in 0..<tq.count {
                value -= softplus(tq[r]) / nq
                let s = sigmoid(tq[r])
                productWeights[r] = -s / nq
                productCurvature[r] = s * (1 - s) / nq
            }
            guard value.isFinite else { return nil }
            if withCurvature {
                var c = Self.weightedGram(joint, jointCurvature)
                let q = Self.weightedGram(product, productCurvature)
                for e in c.storage.indices { c.storage[e] += q.storage[e] }
                curvature = c
            }
        case .infoNCE:
            // Row i: candidates t_P[i] (s = 0) and t_Q[iK + s − 1]; softmax weights p.
            let p = parameterCount
            var softmax = [Double](repeating: 0, count: k + 1)
            var meanFeatures = Matrix(rows: n, columns: p)  // φ̄ᵢ/√n = Σ_s p_s φ_is / √n
            var candidateWeights = [Double](repeating: 0, count: n)
            let rootN = np.squareRoot()
            for i in 0..<n {
                var maximum = tp[i]
                for s in 1...k { maximum = max(maximum, tq[i * k + s - 1]) }
                var sum = 0.0
                softmax[0] = exp(tp[i] - maximum)
                sum += softmax[0]
                for s in 1...k {
                    softmax[s] = exp(tq[i * k + s - 1] - maximum)
                    sum += softmax[s]
                }
                value += (tp[i] - maximum - log(sum)) / np
                for s in 0...k { softmax[s] /= sum }
                jointWeights[i] = (1 - softmax[0]) / np
                candidateWeights[i] = softmax[0] / np
                for s in 1...k { productWeights[i * k + s - 1] = -softmax[s] / np }
                if withCurvature {
                    for c in 0..<p {
                        var m = softmax[0] * joint.storage[i + c * n]
                        for s in 1...k { m += softmax[s] * product.storage[i * k + s - 1 + c * n * k] }
                        meanFeatures.storage[i + c * n] = m / rootN
                    }
                }
            }
            guard value.isFinite else { return nil }
            if withCurvature {
                // C = (1/n) Σᵢ [Σ_s p_s φ_is φ_isᵀ − φ̄ᵢφ̄ᵢᵀ].
                var c = Self.weightedGram(joint, candidateWeights)
                let q = Self.weightedGram(product, productWeights.map { -$0 })
                let m = meanFeatures.gram()
                for e in c.storage.indices { c.storage[e] += q.storage[e] - m.storage[e] }
                curvature = c
            }
        }
        var gradient = Self.transposedProduct(joint, jointWeights)
        let productGradient = Self.transposedProduct(product, productWeights)
        for c in gradient.indices { gradient[c] += productGradient[c] }
        guard gradient.allSatisfy(\.isFinite) else { return nil }
        return Evaluation(objective: value, gradient: gradient, curvature: curvature)
    }

    func maximize(maximumIterations: Int, tolerance: Double) throws(MonteCarloError) -> Result {
        let p = parameterCount
        var w = [Double](repeating: 0, count: p)
        var largestJitter = 0.0
        var decrement = Double.infinity
        for iteration in 0..<maximumIterations {
            guard let current = evaluate(w, curvature: true), var system = current.curvature else {
                throw .diverged(algorithm: "Newton's method for the critic", step: iteration, detail: "the objective is not finite at the current coefficients")
            }
            let value = current.objective - penalty(w)
            var gradient = current.gradient
            for c in 0..<p {
                gradient[c] -= ridge * penaltyMask[c] * w[c]
                system[c, c] += ridge * penaltyMask[c]
            }
            let factor: CholeskyFactorization
            do { factor = try system.choleskyFactorization() } catch { throw MonteCarloError(error, quantity: "Newton system of the critic") }
            largestJitter = max(largestJitter, factor.jitter)
            let step = factor.solve(gradient)
            var slope = 0.0
            for c in 0..<p { slope += gradient[c] * step[c] }
            decrement = 0.5 * slope
            guard decrement.isFinite else { throw .diverged(algorithm: "Newton's method for the critic", step: iteration, detail: "non-finite Newton step") }
            if decrement <= tolerance {
                return Result(weights: w, iterations: iteration, decrement: decrement, jitter: largestJitter)
            }
            // Backtracking line search (Armijo, factor 1/2).
            var t = 1.0
            var accepted = false
            for _ in 0..<60 {
                let trial = (0..<p).map { w[$0] + t * step[$0] }
                if let e = evaluate(trial, curvature: false) {
                    let trialValue = e.objective - penalty(trial)
                    if trialValue >= value + 0.25 * t * slope {
                        w = trial
                        accepted = true
                        break
                    }
                }
                t *= 0.5
            }
            guard accepted else { throw .notConverged(algorithm: "Newton's method for the critic", iterations: iteration + 1, detail: "Newton decrement \(decrement); raise the ridge penalty or the iteration limit, or standardise the data") }
        }
        throw .notConverged(algorithm: "Newton's method for the critic", iterations: maximumIterations, detail: "Newton decrement \(decrement); raise the ridge penalty or the iteration limit, or standardise the data")
    }
}
