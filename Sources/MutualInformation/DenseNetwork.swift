import Foundation
import LinearAlgebra
import MonteCarloCore

/// A fully connected network with hand-written backpropagation: hidden layers with a ReLU or
/// softplus activation, then a linear output layer. Layer products go through BLAS (`Matrix`).
///
/// A batch is a B × d matrix (one draw per row); layer ℓ computes Zₗ = Aₗ Wₗ + 1bₗᵀ and
/// Aₗ₊₁ = act(Zₗ) (no activation after the last layer).
struct DenseNetwork: Sendable, Hashable, Codable {
    var weights: [Matrix]     // in × out
    var biases: [[Double]]
    let activation: MLPCritic.Activation

    /// He initialisation for ReLU (variance 2/in), 1/in otherwise, zero biases; the output layer's
    /// weights are scaled down by `outputScale` so that initial critic scores g(x)ᵀh(y) are near 0
    /// (a large initial e^S makes NWJ's first gradients dominated by a few negatives).
    init(sizes: [Int], activation: MLPCritic.Activation, outputScale: Double = 0.1,
         using generator: inout Xoshiro256PlusPlus) {
        self.activation = activation
        weights = []
        biases = []
        for l in 0..<(sizes.count - 1) {
            let (fanIn, fanOut) = (sizes[l], sizes[l + 1])
            let hidden = l < sizes.count - 2
            let sd = ((hidden && activation == .relu ? 2.0 : 1.0) / Double(fanIn)).squareRoot() * (hidden ? 1 : outputScale)
            var w = Matrix(rows: fanIn, columns: fanOut)
            for e in w.storage.indices { w.storage[e] = sd * generator.nextStandardNormal() }
            weights.append(w)
            biases.append([Double](repeating: 0, count: fanOut))
        }
    }

    var parameterCount: Int { zip(weights, biases).reduce(0) { $0 + $1.0.storage.count + $1.1.count } }

    /// The layer inputs Aₗ and pre-activations Zₗ of a forward pass.
    struct Pass {
        var inputs: [Matrix]
        var preActivations: [Matrix]
        var output: Matrix
    }

    @inline(__always) static func softplus(_ t: Double) -> Double { t > 0 ? t + log1p(exp(-t)) : log1p(exp(t)) }
    @inline(__always) static func sigmoid(_ t: Double) -> Double { t >= 0 ? 1 / (1 + exp(-t)) : exp(t) / (1 + exp(t)) }

    func forward(_ input: Matrix) -> Pass {
        var inputs: [Matrix] = [], pre: [Matrix] = []
        var a = input
        for l in weights.indices {
            inputs.append(a)
            var z = a * weights[l]
            let rows = z.rows
            let bias = biases[l]
            z.storage.withUnsafeMutableBufferPointer { s in
                for c in 0..<bias.count { for r in 0..<rows { s[r + c * rows] += bias[c] } }
            }
            pre.append(z)
            if l < weights.count - 1 {
                switch activation {
                case .relu: for e in z.storage.indices where z.storage[e] < 0 { z.storage[e] = 0 }
                case .softplus: for e in z.storage.indices { z.storage[e] = Self.softplus(z.storage[e]) }
                }
            }
            a = z
        }
        return Pass(inputs: inputs, preActivations: pre, output: a)
    }

    /// Gradients with respect to the parameters, given ∂J/∂output, in the layout of ``flatten()``.
    func backward(_ pass: Pass, outputGradient: Matrix) -> [Double] {
        var gradientWeights = [Matrix](), gradientBiases = [[Double]]()
        var dz = outputGradient
        for l in weights.indices.reversed() {
            // Shapes agree by construction.
            let dw = (try? pass.inputs[l].product(transposingSelf: true, dz, transposingOther: false))!
            var db = [Double](repeating: 0, count: dz.columns)
            let rows = dz.rows
            for c in 0..<dz.columns { for r in 0..<rows { db[c] += dz.storage[r + c * rows] } }
            gradientWeights.append(dw)
            gradientBiases.append(db)
            if l > 0 {
                var da = (try? dz.product(transposingSelf: false, weights[l], transposingOther: true))!
                let z = pass.preActivations[l - 1]
                switch activation {
                case .relu: for e in da.storage.indices where z.storage[e] <= 0 { da.storage[e] = 0 }
                case .softplus: for e in da.storage.indices { da.storage[e] *= Self.sigmoid(z.storage[e]) }
                }
                dz = da
            }
        }
        var flat: [Double] = []
        flat.reserveCapacity(parameterCount)
        for (w, b) in zip(gradientWeights.reversed(), gradientBiases.reversed()) {
            flat += w.storage
            flat += b
        }
        return flat
    }

    /// The parameters as one vector: W₀ (column-major), b₀, W₁, b₁, …
    func flatten() -> [Double] {
        var flat: [Double] = []
        flat.reserveCapacity(parameterCount)
        for (w, b) in zip(weights, biases) {
            flat += w.storage
            flat += b
        }
        return flat
    }

    /// Reads the parameters back from `flat` starting at `offset`; returns the next offset.
    mutating func assign(_ flat: [Double], from offset: Int) -> Int {
        var o = offset
        for l in weights.indices {
            let nw = weights[l].storage.count
            for e in 0..<nw { weights[l].storage[e] = flat[o + e] }
            o += nw
            for e in biases[l].indices { biases[l][e] = flat[o + e] }
            o += biases[l].count
        }
        return o
    }
}
