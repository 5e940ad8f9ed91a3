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
    static func fillUniformDirection<G: RandomNumberGenerator>(_ out: UnsafeMutablePointer<Double>, dimension d: Int,
                                                               using generator: inout G) {
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
    /// d × (blocks·d)); block b uses stream b (see ``OrthogonalDirections``).
    static func orthogonalBlocks(dimension d: Int, blocks: Int, seed: UInt64) -> [Double] {
        // d ≥ 1 for every caller.
        sets(try! OrthogonalDirections(dimension: d), count: blocks, seed: seed)
    }

    /// `count` sets of `sampler`, set r from stream r, concatenated column by column.
    static func sets<S: SlicingDirectionSampler>(_ sampler: S, count: Int, seed: UInt64) -> [Double] {
        var points: [[Double]] = []
        points.reserveCapacity(count * sampler.pointsPerSet)
        for var generator in RandomStreams(seed: seed).streams(from: 0, count: count) {
            sampler.appendSet(to: &points, using: &generator)
        }
        return points.flatMap { $0 }
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

    /// `randomizations` independently randomized Sobol direction sets (``SobolDirections``) of
    /// `pointsPerSet` directions; set r uses stream r.
    static func randomizedQuasiRandom(dimension d: Int, pointsPerSet: Int, randomizations: Int,
                                      seed: UInt64) throws(MonteCarloError) -> [Double] {
        sets(try SobolDirections(dimension: d, pointsPerSet: pointsPerSet), count: randomizations, seed: seed)
    }

    /// `randomizations` independent random rotations of the spiral point set on S²
    /// (``SpiralDirections``); set r uses stream r.
    static func randomizedSpiral(pointsPerSet n: Int, randomizations: Int, seed: UInt64) -> [Double] {
        // d = 3 and n ≥ 1 for every caller.
        sets(try! SpiralDirections(pointsPerSet: n), count: randomizations, seed: seed)
    }
}
