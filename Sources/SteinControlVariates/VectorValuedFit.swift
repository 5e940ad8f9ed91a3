import LinearAlgebra
import MonteCarloCore

/// The tasks of a vector-valued fit: every draw in one pooled sample, and for each task t the
/// pooled draws at which f_t was evaluated, with the values.
struct TaskData {
    /// All draws (the shared sample, or the tasks' samples one after the other).
    let pooled: SteinSample
    /// Per task, the pooled index of each of its draws.
    let pointIndices: [[Int]]
    /// Per task, f_t at those draws.
    let values: [[Double]]
    /// Whether every task uses all pooled draws in the same order (T integrands on one sample).
    let sharedDraws: Bool
    /// Per task, how its draws depend on each other (on the task's own draw indices).
    let dependences: [SampleDependence]
    /// Per task, the fold gap of its sample (``SteinSample/foldGap``).
    let gaps: [Int]

    /// Task t's `candidates` without the draws within its fold gap of `evaluation` (task indices).
    func training(task t: Int, excluding evaluation: [Int], from candidates: [Int]) -> [Int] {
        SteinSample.training(excluding: evaluation, from: candidates, count: values[t].count,
                             dependence: dependences[t], gap: gaps[t])
    }

    var taskCount: Int { values.count }
}

/// A vector-valued Stein control fitted on training draws: for every task t a function
///
///     ψ̂_t(x) = Σ_u k0(x, x_u) W[u, t],
///
/// which has mean zero under π whatever W is (each k0(·, x_u) does), and the fitted constants ĉ_t.
///
/// Model (Sun, Barp & Briol 2023): f_t = c_t + ψ_t with (ψ₁ … ψ_T) a Gaussian process with the
/// separable matrix-valued Stein kernel B_ts·k0(x, y), and a ridge nugget λ on every observation.
/// With G[(i, t), (j, s)] = B_ts k0(x_i, x_j) + λδ, E the task-indicator design and y the
/// observations (each task divided by its training standard deviation, so B is a correlation-type
/// matrix and the fit is scale-equivariant):
///
///     ĉ = (EᵀG⁻¹E)⁻¹EᵀG⁻¹y,   a = G⁻¹(y − Eĉ),   W[u, t] = Σ_{obs j at x_u} B_{t, task(j)} a_j.
///
/// On a shared sample G = B ⊗ K0 + λI, solved through the eigendecomposition B = VDVᵀ as T
/// scalar problems (d_r K0 + λI) on the rotated integrands YV: T Cholesky factorizations of
/// order n instead of one of order nT.
struct VectorValuedFit {
    let kernel: LangevinSteinKernel
    /// Pooled indices of the training draws carrying coefficients.
    let unique: [Int]
    /// |unique| × T, column-major.
    let weights: Matrix
    /// ĉ_t on the original scale.
    let constants: [Double]
    let relativeJitter: Double
    let reciprocalConditionNumber: Double

    /// Per-task standard deviation of the training values (1 when zero).
    static func scales(_ data: TaskData, training: [[Int]]) -> [Double] {
        (0..<data.taskCount).map { t in
            var moments = RunningMoments()
            for a in training[t] { moments.add(data.values[t][a]) }
            let s = moments.sampleVariance.squareRoot()
            return s.isFinite && s > 0 ? s : 1
        }
    }

    /// Fits with the task covariance `taskCovariance` (T × T, symmetric) on the training positions
    /// (per task, indices into its draws); dispatches to the Kronecker solve for shared draws.
    init(_ data: TaskData, training: [[Int]], kernel: LangevinSteinKernel, taskCovariance: [Double],
         nugget: Double) throws(MonteCarloError) {
        if data.sharedDraws {
            try self.init(shared: data, training: training[0], kernel: kernel, taskCovariance: taskCovariance, nugget: nugget)
        } else {
            try self.init(general: data, training: training, kernel: kernel, taskCovariance: taskCovariance, nugget: nugget)
        }
    }

    /// Shared draws: G = B ⊗ K0 + λI through B = VDVᵀ.
    private init(shared data: TaskData, training: [Int], kernel: LangevinSteinKernel, taskCovariance b: [Double],
                 nugget: Double) throws(MonteCarloError) {
        let tasks = data.taskCount, m = training.count
        let scales = Self.scales(data, training: Array(repeating: training, count: tasks))
        let k0 = kernel.matrix(for: data.pooled, indices: training)
        var meanDiagonal = 0.0
        for i in 0..<m { meanDiagonal += k0.storage[i + i * m] / Double(m) }
        guard meanDiagonal.isFinite, meanDiagonal > 0 else { throw .notPositiveDefinite(jitterTried: 0) }
        let lambda = nugget * meanDiagonal
        let decomposition: (eigenvalues: [Double], eigenvectors: Matrix)
        do {
            decomposition = try Matrix(rows: tasks, columns: tasks, columnMajor: b).symmetricEigendecomposition()
        } catch {
            throw MonteCarloError(error, quantity: "task covariance")
        }
        let v = decomposition.eigenvectors
        let largest = max(decomposition.eigenvalues.max() ?? 0, 0)
        var weights = Matrix(rows: m, columns: tasks)
        var rotatedConstants = [Double](repeating: 0, count: tasks)
        var largestJitter = 0.0, smallestCondition = Double.infinity
        for r in 0..<tasks {
            // The rotated integrand ỹ_r = Σ_t (f_t / s_t) V[t, r].
            var rhs = Matrix(rows: m, columns: 2)
            for (a, i) in training.enumerated() {
                rhs.storage[a] = 1
                var sum = 0.0
                for t in 0..<tasks { sum += data.values[t][i] / scales[t] * v[t, r] }
                rhs.storage[a + m] = sum
            }
            let d = decomposition.eigenvalues[r]
            guard d > 1e-12 * largest else {
                // No kernel part in this direction: the GLS constant is the plain mean.
                rotatedConstants[r] = (0..<m).reduce(0) { $0 + rhs.storage[$1 + m] } / Double(m)
                continue
            }
            var matrix = k0
            matrix.storage.withUnsafeMutableBufferPointer { p in
                for i in p.indices { p[i] *= d }
                for i in 0..<m { p[i + i * m] += lambda }
            }
            let factorization: CholeskyFactorization
            do {
                factorization = try matrix.choleskyFactorization(initialJitter: 1e-10, maximumJitter: 1e-2)
            } catch {
                throw MonteCarloError(error, quantity: "Stein kernel matrix")
            }
            largestJitter = max(largestJitter, (lambda + factorization.jitter) / (d * meanDiagonal + lambda))
            smallestCondition = min(smallestCondition, factorization.reciprocalConditionNumber)
            let solved = factorization.solve(rhs)
            var oneOne = 0.0, oneY = 0.0
            for a in 0..<m {
                oneOne += solved.storage[a]
                oneY += solved.storage[a + m]
            }
            let c = oneY / oneOne
            guard c.isFinite else { throw .notPositiveDefinite(jitterTried: lambda + factorization.jitter) }
            rotatedConstants[r] = c
            for t in 0..<tasks {
                let factor = d * v[t, r]
                for a in 0..<m { weights.storage[a + t * m] += factor * (solved.storage[a + m] - c * solved.storage[a]) }
            }
        }
        var constants = [Double](repeating: 0, count: tasks)
        for t in 0..<tasks {
            var c = 0.0
            for r in 0..<tasks { c += v[t, r] * rotatedConstants[r] }
            constants[t] = scales[t] * c
            for a in 0..<m { weights.storage[a + t * m] *= scales[t] }
        }
        guard weights.storage.allSatisfy(\.isFinite) else { throw .notPositiveDefinite(jitterTried: lambda) }
        self.kernel = kernel
        self.unique = training
        self.weights = weights
        self.constants = constants
        self.relativeJitter = largestJitter
        self.reciprocalConditionNumber = smallestCondition
    }

    /// Tasks on their own draws: one solve with the Hadamard-structured G.
    private init(general data: TaskData, training: [[Int]], kernel: LangevinSteinKernel, taskCovariance b: [Double],
                 nugget: Double) throws(MonteCarloError) {
        let tasks = data.taskCount
        let scales = Self.scales(data, training: training)
        var observationTask: [Int] = [], observationPoint: [Int] = [], y: [Double] = []
        for t in 0..<tasks {
            for a in training[t] {
                observationTask.append(t)
                observationPoint.append(data.pointIndices[t][a])
                y.append(data.values[t][a] / scales[t])
            }
        }
        let unique = Array(Set(observationPoint)).sorted()
        var position = [Int: Int](minimumCapacity: unique.count)
        for (u, i) in unique.enumerated() { position[i] = u }
        let slot = observationPoint.map { position[$0]! }
        let k0 = kernel.matrix(for: data.pooled, indices: unique)
        let nu = unique.count, count = y.count
        var g = Matrix(rows: count, columns: count)
        // The nugget of each task's block is relative to that block's mean diagonal, so that
        // with B = I the fit is exactly that of separate control functionals.
        var blockDiagonal = [Double](repeating: 0, count: tasks)
        var blockCount = [Double](repeating: 0, count: tasks)
        var meanDiagonal = 0.0
        g.storage.withUnsafeMutableBufferPointer { gp in
            k0.storage.withUnsafeBufferPointer { kp in
                b.withUnsafeBufferPointer { bp in
                    for c in 0..<count {
                        let tc = observationTask[c], sc = slot[c] * nu
                        for a in c..<count {
                            let value = bp[observationTask[a] * tasks + tc] * kp[slot[a] + sc]
                            gp[a + c * count] = value
                            gp[c + a * count] = value
                        }
                        blockDiagonal[tc] += gp[c + c * count]
                        blockCount[tc] += 1
                        meanDiagonal += gp[c + c * count] / Double(count)
                    }
                }
            }
        }
        guard meanDiagonal.isFinite, meanDiagonal > 0 else { throw .notPositiveDefinite(jitterTried: 0) }
        let lambda = (0..<tasks).map { nugget * blockDiagonal[$0] / max(1, blockCount[$0]) }
        for i in 0..<count { g.storage[i + i * count] += lambda[observationTask[i]] }
        let factorization: CholeskyFactorization
        do {
            factorization = try g.choleskyFactorization(initialJitter: 1e-10, maximumJitter: 1e-2)
        } catch {
            throw MonteCarloError(error, quantity: "vector-valued Stein kernel matrix")
        }
        var rhs = Matrix(rows: count, columns: tasks + 1)
        for a in 0..<count {
            rhs.storage[a + observationTask[a] * count] = 1
            rhs.storage[a + tasks * count] = y[a]
        }
        let solved = factorization.solve(rhs)
        var gram = Matrix(rows: tasks, columns: tasks)
        var cross = [Double](repeating: 0, count: tasks)
        for a in 0..<count {
            let t = observationTask[a]
            for s in 0..<tasks { gram.storage[t + s * tasks] += solved.storage[a + s * count] }
            cross[t] += solved.storage[a + tasks * count]
        }
        for t in 0..<tasks {
            for s in 0..<t {
                let mean = 0.5 * (gram.storage[t + s * tasks] + gram.storage[s + t * tasks])
                gram.storage[t + s * tasks] = mean
                gram.storage[s + t * tasks] = mean
            }
        }
        let small: CholeskyFactorization
        do {
            small = try gram.choleskyFactorization(initialJitter: 1e-14, maximumJitter: 1e-8)
        } catch {
            throw .singularControlCovariance(detail: "EᵀG⁻¹E of the task constants is singular (\(error))")
        }
        let c = small.solve(cross)
        var weights = Matrix(rows: nu, columns: tasks)
        for a in 0..<count {
            var coefficient = solved.storage[a + tasks * count]
            for s in 0..<tasks { coefficient -= solved.storage[a + s * count] * c[s] }
            let ta = observationTask[a]
            for t in 0..<tasks { weights.storage[slot[a] + t * nu] += b[t * tasks + ta] * coefficient * scales[t] }
        }
        guard c.allSatisfy(\.isFinite), weights.storage.allSatisfy(\.isFinite) else {
            throw .notPositiveDefinite(jitterTried: (lambda.max() ?? 0) + factorization.jitter)
        }
        self.kernel = kernel
        self.unique = unique
        self.weights = weights
        self.constants = (0..<tasks).map { scales[$0] * c[$0] }
        self.relativeJitter = ((lambda.max() ?? 0) + factorization.jitter) / meanDiagonal
        self.reciprocalConditionNumber = factorization.reciprocalConditionNumber
    }

    /// ψ̂_t at the pooled draws `indices` (|indices| × T), and (if asked) a bound on the rounding
    /// error of each entry: 4(d + 2)ε Σ_u |k0(x, x_u) W[u, t]|.
    func predictions(_ data: TaskData, at indices: [Int], rounding withRounding: Bool = true) -> (values: Matrix, rounding: Matrix) {
        let cross = kernel.matrix(for: data.pooled, rows: indices, columns: unique)
        let values = cross * weights
        guard withRounding else { return (values, Matrix(rows: 0, columns: 0)) }
        var absoluteCross = cross, absoluteWeights = weights
        absoluteCross.storage.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = abs(p[i]) } }
        absoluteWeights.storage.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = abs(p[i]) } }
        var rounding = absoluteCross * absoluteWeights
        let scale = 4 * Double(data.pooled.dimension + 2) * Double.ulpOfOne
        rounding.storage.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= scale } }
        return (values, rounding)
    }
}
