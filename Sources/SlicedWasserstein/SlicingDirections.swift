import Foundation
import MonteCarloCore

/// Generators of unit directions on S^{d−1}, written column by column into a d × L buffer.
///
/// Every group of directions (a group of plain directions, an orthogonal block, a randomized
/// QMC set) draws from its own stream of `RandomStreams`, so the directions depend only on the
/// seed and the group index, never on how the work is split over threads.
enum SlicingDirections {
    /// Plain directions per random stream.
    static let directionsPerStream = 64

    /// L i.i.d. uniform directions θ = ε/|ε|, ε ~ N(0, I_d); column-major d × L.
    static func uniform(dimension d: Int, count: Int, seed: UInt64) -> [Double] {
        var theta = [Double](repeating: 0, count: d * count)
        let groups = (count + directionsPerStream - 1) / directionsPerStream
        let generators = RandomStreams(seed: seed).streams(from: 0, count: groups)
        theta.withUnsafeMutableBufferPointer { t in
            for g in 0..<groups {
                var generator = generators[g]
                for l in (g * directionsPerStream)..<min(count, (g + 1) * directionsPerStream) {
                    fillUniformDirection(t.baseAddress! + l * d, dimension: d, using: &generator)
                }
            }
        }
        return theta
    }

    /// One uniform direction; redraws the (probability-zero) all-zero Gaussian vector.
    @inline(__always)
    static func fillUniformDirection(_ out: UnsafeMutablePointer<Double>, dimension d: Int,
                                     using generator: inout Xoshiro256PlusPlus) {
        while true {
            var norm2 = 0.0
            for k in 0..<d {
                let z = generator.nextStandardNormal()
                out[k] = z
                norm2 += z * z
            }
            if norm2 > 0 {
                let s = 1 / norm2.squareRoot()
                for k in 0..<d { out[k] *= s }
                return
            }
        }
    }

    /// `blocks` independent Haar-random orthogonal d × d matrices, side by side (column-major
    /// d × (blocks·d)); block b uses stream b. Each block is the Q factor of a Gaussian matrix
    /// by Gram–Schmidt (applied twice for orthogonality to rounding), whose R has a positive
    /// diagonal, so Q is exactly Haar distributed (Mezzadri 2007).
    static func orthogonalBlocks(dimension d: Int, blocks: Int, seed: UInt64) -> [Double] {
        var theta = [Double](repeating: 0, count: d * d * blocks)
        let generators = RandomStreams(seed: seed).streams(from: 0, count: blocks)
        theta.withUnsafeMutableBufferPointer { t in
            for b in 0..<blocks {
                var generator = generators[b]
                fillHaarOrthogonal(t.baseAddress! + b * d * d, dimension: d, using: &generator)
            }
        }
        return theta
    }

    /// A Haar orthogonal d × d matrix, column-major, into `q`.
    static func fillHaarOrthogonal(_ q: UnsafeMutablePointer<Double>, dimension d: Int,
                                   using generator: inout Xoshiro256PlusPlus) {
        var j = 0
        while j < d {
            let column = q + j * d
            for k in 0..<d { column[k] = generator.nextStandardNormal() }
            var accepted = false
            for _ in 0..<2 {  // classical Gram–Schmidt, twice ("twice is enough", Giraud et al. 2005)
                for i in 0..<j {
                    let other = q + i * d
                    var dot = 0.0
                    for k in 0..<d { dot += other[k] * column[k] }
                    for k in 0..<d { column[k] -= dot * other[k] }
                }
                var norm2 = 0.0
                for k in 0..<d { norm2 += column[k] * column[k] }
                guard norm2 > 1e-20 else { accepted = false; break }
                let s = 1 / norm2.squareRoot()
                for k in 0..<d { column[k] *= s }
                accepted = true
            }
            if accepted { j += 1 }  // else redraw this column (probability zero)
        }
    }

    /// `randomizations` independently randomized QMC direction sets of `pointsPerSet` directions:
    /// Sobol points with a random digital shift, mapped to N(0, I_d) by the normal quantile,
    /// normalized, then multiplied by an independent Haar rotation. Set r uses stream r.
    /// Every direction is uniform on the sphere (the shift alone makes it so; the rotation
    /// removes the axis alignment of the point set), so each set's mean is unbiased.
    static func randomizedQuasiRandom(dimension d: Int, pointsPerSet: Int, randomizations: Int,
                                      seed: UInt64) throws(MonteCarloError) -> [Double] {
        let set = try QuasiRandomPointSet(.sobol, dimension: d, count: pointsPerSet)
        var theta = [Double](repeating: 0, count: d * pointsPerSet * randomizations)
        let generators = RandomStreams(seed: seed).streams(from: 0, count: randomizations)
        var cube = [Double](repeating: 0, count: d * pointsPerSet)
        var rotation = [Double](repeating: 0, count: d * d)
        var gaussian = [Double](repeating: 0, count: d)
        for r in 0..<randomizations {
            var generator = generators[r]
            set.randomize(into: &cube, using: &generator)
            rotation.withUnsafeMutableBufferPointer { fillHaarOrthogonal($0.baseAddress!, dimension: d, using: &generator) }
            for i in 0..<pointsPerSet {
                var norm2 = 0.0
                for k in 0..<d {
                    let z = NormalDistribution.standardQuantile(cube[i * d + k])
                    gaussian[k] = z
                    norm2 += z * z
                }
                let s = norm2 > 0 ? 1 / norm2.squareRoot() : 0
                let column = (r * pointsPerSet + i) * d
                for a in 0..<d {
                    var v = 0.0
                    for k in 0..<d { v += rotation[a + k * d] * gaussian[k] }
                    theta[column + a] = v * s
                }
            }
        }
        return theta
    }

    /// `randomizations` independent random rotations of the generalized spiral point set on S²
    /// (Rakhmanov, Saff & Zhou 1994; used for SW by Nguyen, Bariletto & Ho 2024):
    /// zᵢ = 1 − (2i − 1)/N, φᵢ = arccos zᵢ, ψᵢ = 1.8√N φᵢ mod 2π, i = 1…N. Set r uses stream r
    /// for its Haar rotation, so every direction is uniform on the sphere.
    static func randomizedSpiral(pointsPerSet n: Int, randomizations: Int, seed: UInt64) -> [Double] {
        var base = [Double](repeating: 0, count: 3 * n)
        for i in 0..<n {
            let z = 1 - (2 * Double(i + 1) - 1) / Double(n)
            let phi = acos(z)
            let psi = (1.8 * Double(n).squareRoot() * phi).truncatingRemainder(dividingBy: 2 * Double.pi)
            let r = (1 - z * z).squareRoot()
            base[3 * i] = r * cos(psi)
            base[3 * i + 1] = r * sin(psi)
            base[3 * i + 2] = z
        }
        var theta = [Double](repeating: 0, count: 3 * n * randomizations)
        let generators = RandomStreams(seed: seed).streams(from: 0, count: randomizations)
        var rotation = [Double](repeating: 0, count: 9)
        for set in 0..<randomizations {
            var generator = generators[set]
            rotation.withUnsafeMutableBufferPointer { fillHaarOrthogonal($0.baseAddress!, dimension: 3, using: &generator) }
            for i in 0..<n {
                let column = (set * n + i) * 3
                for a in 0..<3 {
                    var v = 0.0
                    for k in 0..<3 { v += rotation[a + k * 3] * base[3 * i + k] }
                    theta[column + a] = v
                }
            }
        }
        return theta
    }
}
