import LinearAlgebra
import MonteCarloCore

extension PenalizedControlVariateFit {
    /// The standardized problem of one training set: the correlation matrix R of the
    /// non-constant controls, their correlations r with f, and the scales that map the
    /// standardized slopes back.
    struct Standardized {
        /// The non-constant controls, in order.
        var kept: [Int]
        /// R, row-major m × m for the m kept controls.
        var correlationMatrix: [Double]
        /// r, one per kept control (all 0 when f is constant).
        var correlations: [Double]
        /// sⱼ for the kept controls and s_f (root mean square deviations).
        var controlScales: [Double]
        var responseScale: Double

        init(_ moments: CovarianceMoments) {
            let d = moments.dimension, n = Double(moments.count), m = moments.comoments
            kept = (0..<(d - 1)).filter { j in
                let centred = m[(j + 1) * d + j + 1]
                let uncentred = centred + n * moments.mean[j + 1] * moments.mean[j + 1]
                return centred > 0 && centred > 16 * Double.ulpOfOne * uncentred
            }
            controlScales = kept.map { (m[($0 + 1) * d + $0 + 1] / n).squareRoot() }
            responseScale = (max(m[0], 0) / n).squareRoot()
            let count = kept.count
            var matrix = [Double](repeating: 0, count: count * count)
            var cross = [Double](repeating: 0, count: count)
            for a in 0..<count {
                let (ja, sa) = (kept[a] + 1, controlScales[a])
                for b in 0..<count { matrix[a * count + b] = m[ja * d + kept[b] + 1] / (n * sa * controlScales[b]) }
                if responseScale > 0 { cross[a] = m[ja * d] / (n * sa * responseScale) }
            }
            correlationMatrix = matrix
            correlations = cross
        }

        /// β in original units, p entries, from standardized slopes b over the kept controls.
        func original(_ b: [Double], controls p: Int) -> [Double] {
            var beta = [Double](repeating: 0, count: p)
            for (a, j) in kept.enumerated() { beta[j] = b[a] * responseScale / controlScales[a] }
            return beta
        }

        /// Lasso by cyclic coordinate descent from the warm start `b`: bⱼ ← S(rⱼ − Σ_{k≠j} R_jk b_k, λ)/R_jj
        /// (S the soft threshold), sweeping the active set until no coefficient moves by more
        /// than 10⁻⁵ (on the standardized scale, where the slopes are correlations) and then all
        /// coefficients, until a full sweep moves none by more (at most 1000 sweeps).
        func coordinateDescent(_ b: inout [Double], weight lambda: Double) {
            let m = kept.count
            guard m > 0 else { return }
            var gradient = correlations   // c = r − R b
            correlationMatrix.withUnsafeBufferPointer { r in
                b.withUnsafeMutableBufferPointer { b in
                    gradient.withUnsafeMutableBufferPointer { c in
                        // Raw pointers and while loops: this is the hot loop, and it must stay
                        // fast in debug builds too. R is symmetric, so its column j is row j.
                        let (rBase, cBase) = (r.baseAddress!, c.baseAddress!)
                        func subtract(_ delta: Double, column j: Int) {
                            var (rk, ck, k) = (rBase + j * m, cBase, 0)
                            while k < m {
                                ck.pointee -= delta * rk.pointee
                                rk += 1
                                ck += 1
                                k += 1
                            }
                        }
                        var j = 0
                        while j < m {
                            if b[j] != 0 { subtract(b[j], column: j) }
                            j += 1
                        }
                        var sweeps = 0
                        func sweep(_ indices: UnsafeBufferPointer<Int>) -> Double {
                            sweeps += 1
                            var largest = 0.0
                            var t = 0
                            while t < indices.count {
                                let j = indices[t]
                                t += 1
                                let diagonal = rBase[j * m + j]
                                let z = cBase[j] + diagonal * b[j]
                                let updated = z > lambda ? (z - lambda) / diagonal : z < -lambda ? (z + lambda) / diagonal : 0
                                let delta = updated - b[j]
                                guard delta != 0 else { continue }
                                subtract(delta, column: j)
                                b[j] = updated
                                largest = max(largest, abs(delta))
                            }
                            return largest
                        }
                        let all = Array(0..<m), tolerance = 1e-5, limit = 1000
                        var active: [Int] = []
                        while sweeps < limit, all.withUnsafeBufferPointer({ sweep($0) }) > tolerance {
                            active.removeAll(keepingCapacity: true)
                            for j in 0..<m where b[j] != 0 { active.append(j) }
                            while sweeps < limit, active.withUnsafeBufferPointer({ sweep($0) }) > tolerance {}
                        }
                    }
                }
            }
        }
    }

    /// Ridge solutions for any weight from one eigen decomposition R = VΩVᵀ:
    /// b(λ) = V (Ω + λI)⁻¹ Vᵀ r (negative rounding eigenvalues clamped at 0).
    struct RidgePath {
        var eigenvectors: Matrix
        var eigenvalues: [Double]
        /// Vᵀ r.
        var rotated: [Double]

        init(_ problem: Standardized) throws(MonteCarloError) {
            let m = problem.kept.count
            if m == 0 {
                eigenvectors = Matrix(rows: 0, columns: 0)
                eigenvalues = []
                rotated = []
                return
            }
            do {
                (eigenvalues, eigenvectors) = try Matrix(rows: m, columns: m, columnMajor: problem.correlationMatrix)
                    .symmetricEigendecomposition()
            } catch {
                throw MonteCarloError(error, quantity: "control correlation matrix")
            }
            rotated = eigenvectors.transposed.multiplied(by: problem.correlations)
        }

        func solution(weight lambda: Double) -> [Double] {
            guard !eigenvalues.isEmpty else { return [] }
            var scaled = rotated
            for i in scaled.indices { scaled[i] /= max(eigenvalues[i], 0) + lambda }
            return eigenvectors.multiplied(by: scaled)
        }
    }
}
