internal import MonteCarloShims

/// The module's only door to C: the vectorised fills of the first-order Stein kernels of the
/// Gaussian and inverse multiquadric base kernels (`Sources/MonteCarloShims/SteinKernel.c`).
enum SteinKernelShims {
    /// Points and scores of m draws stored coordinate-major (coordinate c of draw a at
    /// `c * count + a`), the layout the C kernel reads with unit stride.
    struct CoordinateMajorDraws {
        let count: Int
        let dimension: Int
        let points: [Double]
        let scores: [Double]

        /// The draws `indices` of `sample`.
        init(_ sample: SteinSample, _ indices: [Int]) {
            let (m, d) = (indices.count, sample.dimension)
            var points = [Double](repeating: 0, count: m * d)
            var scores = points
            for (a, i) in indices.enumerated() {
                for c in 0..<d {
                    points[c * m + a] = sample.points[i * d + c]
                    scores[c * m + a] = sample.scores[i * d + c]
                }
            }
            (count, dimension, self.points, self.scores) = (m, d, points, scores)
        }
    }

    /// A first-order Stein kernel the C code fills, with its parameters worked out once.
    enum ColumnKernel {
        /// The Gaussian base kernel.
        case gaussian(mc_stein_gaussian_parameters)
        /// The inverse multiquadric base kernel.
        case inverseMultiquadric(mc_stein_imq_parameters)

        /// The C kernel for the first-order Stein kernel of `base` in `dimension` dimensions, or
        /// `nil` for the families without one (rational quadratic, Matérn 5/2).
        init?(_ base: RadialKernel, dimension: Int) {
            let l2 = base.lengthScale * base.lengthScale
            switch base.family {
            case .gaussian:
                self = .gaussian(mc_stein_gaussian_parameters(
                    half: -0.5 / l2, inverse: 1 / l2, inverse2: 1 / (l2 * l2), d_over_l2: Double(dimension) * (1 / l2)))
            case .inverseMultiquadric(let beta):
                self = .inverseMultiquadric(mc_stein_imq_parameters(
                    l2: l2, beta: beta, beta_beta_minus_one: beta * (beta - 1), two_d: 2 * Double(dimension)))
            case .rationalQuadratic, .matern52:
                return nil
            }
        }

        /// Writes k0(x_a, y) for the rows a = `firstRow` ..< `rowCount` to
        /// `out[0 ..< rowCount − firstRow]`, y and u(y) the `dimension` numbers at `columnPoint`,
        /// `columnScore`, the rows coordinate-major (``CoordinateMajorDraws``).
        ///
        /// Gaussian: equal to ``LangevinSteinKernel/gaussianEntry(_:_:_:_:_:_:_:_:_:)`` up to the
        /// C kernel's `mc_exp` (within 2.2 ulp of the correctly rounded exponential): the
        /// coordinate sums and the bracket are the same IEEE operations in the same order, so
        /// entries agree to a few ulps. Inverse multiquadric: the same operations as the Swift
        /// entry (`LangevinSteinKernel.entry(_:_:_:_:dimension:)`) in the same order, with the
        /// correctly rounded square root for β = −½ and the C library's `pow` (the one Swift
        /// calls) otherwise, so the entries are bit-identical.
        func column(
            into out: UnsafeMutablePointer<Double>, rows: UnsafePointer<Double>, rowScores: UnsafePointer<Double>,
            rowCount: Int, firstRow: Int, dimension: Int, columnPoint: UnsafePointer<Double>,
            columnScore: UnsafePointer<Double>
        ) {
            switch self {
            case .gaussian(let parameters):
                mc_stein_gaussian_column(
                    out, rows + firstRow, rowScores + firstRow, rowCount, rowCount - firstRow, dimension,
                    columnPoint, columnScore, parameters)
            case .inverseMultiquadric(let parameters):
                mc_stein_imq_column(
                    out, rows + firstRow, rowScores + firstRow, rowCount, rowCount - firstRow, dimension,
                    columnPoint, columnScore, parameters)
            }
        }
    }
}
