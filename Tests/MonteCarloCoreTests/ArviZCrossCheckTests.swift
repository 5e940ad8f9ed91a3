import Foundation
import MonteCarloCore
import Testing

/// Runs ArviZ (PyPI `arviz`) in a Python subprocess, for cross-checks on the same arrays.
///
/// The interpreter is `$MONTECARLO_PEERS_PYTHON` when set, else `.build/peers-venv/bin/python`
/// in the package root (made by `Benchmarks/peers/setup-venv.sh`), else `python3` on the PATH;
/// the first that can `import arviz` is used. When none can, the cross-checks are skipped.
enum ArviZPeer {
    static let python: String? = {
        var candidates: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["MONTECARLO_PEERS_PYTHON"], !explicit.isEmpty {
            candidates.append(explicit)
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/peers-venv/bin/python").path)
        candidates.append("python3")
        for candidate in candidates {
            if let output = try? run(candidate, arguments: ["-c", "import arviz; print(arviz.__version__)"]), output.status == 0 {
                return candidate
            }
        }
        print("ArviZ cross-check skipped: no Python with arviz (tried \(candidates.joined(separator: ", "))); "
              + "run Benchmarks/peers/setup-venv.sh with arviz, or set MONTECARLO_PEERS_PYTHON.")
        return nil
    }()

    static var available: Bool { python != nil }

    /// Runs an interpreter (a path, or a name looked up through /usr/bin/env).
    static func run(_ interpreter: String, arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        if interpreter.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: interpreter) else { return (127, "") }
            process.executableURL = URL(fileURLWithPath: interpreter)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [interpreter] + arguments
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("arviz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        return (process.terminationStatus, String(decoding: try Data(contentsOf: outURL), as: UTF8.self))
    }

    /// The script: for each CSV file (one chain per row) prints a JSON object with ArviZ's
    /// rank R̂, bulk/tail/mean ESS and mean MCSE (NaN as null), plus the ArviZ version.
    static let script = """
        import json, sys, warnings
        warnings.simplefilter("ignore")
        import numpy as np
        import arviz as az
        def f(x):
            x = float(x)
            return None if np.isnan(x) else x
        out = {"version": az.__version__, "cases": {}}
        for path in sys.argv[1:]:
            a = np.loadtxt(path, delimiter=",", ndmin=2)
            out["cases"][path] = {
                "rhat": f(az.rhat(a, method="rank")),
                "ess_bulk": f(az.ess(a, method="bulk")),
                "ess_tail": f(az.ess(a, method="tail")),
                "ess_mean": f(az.ess(a, method="mean")),
                "mcse_mean": f(az.mcse(a, method="mean")),
            }
        print(json.dumps(out))
        """
}

@Suite("ChainDiagnostics agree with ArviZ")
struct ArviZCrossCheckTests {
    /// The arrays compared: shape (chains, draws), covering the rules' edge cases.
    static func cases() -> [(name: String, chains: [[Double]])] {
        var shifted = ChainFixtures.chains(4, rho: 0.5, count: 1000, seed: 5)
        shifted[3] = shifted[3].map { $0 + 0.5 }
        // Heavy tails (ratio of a normal to a uniform: infinite variance), odd length 501.
        var generator = RandomStreams(seed: 99).stream(0)
        let heavy = (0..<4).map { _ in (0..<501).map { _ in generator.nextStandardNormal() / generator.nextOpenUniform() } }
        // Ties: AR(1) rounded to one decimal.
        let ties = ChainFixtures.chains(3, rho: 0.6, count: 400, seed: 6).map { $0.map { ($0 * 10).rounded() / 10 } }
        // Very short chains (the loops barely run) and a strongly correlated chain.
        let short = [[0.3, -1.2, 0.8, 2.5, 0.1, -0.4, 1.9], [1.1, 0.2, -0.7, 0.4, 1.6, -2.0, 0.5]]
        return [
            ("ar1-rho0.8", ChainFixtures.chains(4, rho: 0.8, count: 1000, seed: 4)),
            ("shifted", shifted),
            ("heavy-odd", heavy),
            ("ties", ties),
            ("short", short),
            ("single-rho0.95", [ChainFixtures.autoregressive(rho: 0.95, count: 2000, stream: 0, seed: 12)]),
            ("iid-8x250", ChainFixtures.chains(8, rho: -0.3, count: 250, seed: 13)),
        ]
    }

    @Test("rank R̂, bulk/tail/mean ESS and mean MCSE agree with arviz to 1e-8 relative",
          .enabled(if: ArviZPeer.available, "needs Python with arviz"))
    func agreesWithArviZ() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("arviz-cases-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases = Self.cases()
        var paths: [String] = []
        for (name, chains) in cases {
            let path = directory.appendingPathComponent("\(name).csv").path
            // Swift prints the shortest decimal that round-trips, so numpy reads the same doubles.
            let text = chains.map { $0.map { "\($0)" }.joined(separator: ",") }.joined(separator: "\n") + "\n"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
        }
        let python = try #require(ArviZPeer.python)
        let result = try ArviZPeer.run(python, arguments: ["-c", ArviZPeer.script] + paths)
        try #require(result.status == 0, "python exited with \(result.status)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        let version = json["version"] as? String ?? "?"
        let reference = try #require(json["cases"] as? [String: [String: Any]])
        var worst: [String: Double] = [:]
        for ((name, chains), path) in zip(cases, paths) {
            let expected = try #require(reference[path])
            let ours: [String: Double?] = [
                "rhat": chains.count >= 2 ? try ChainDiagnostics.rankNormalizedSplitRHat(chains) : nil,
                "ess_bulk": try ChainDiagnostics.bulkEffectiveSampleSize(chains),
                "ess_tail": try ChainDiagnostics.tailEffectiveSampleSize(chains),
                "ess_mean": try ChainDiagnostics.meanEffectiveSampleSize(chains),
                "mcse_mean": try ChainDiagnostics.meanStandardError(chains),
            ]
            for (key, value) in ours {
                let theirs = expected[key] as? Double
                guard let value else {
                    #expect(theirs == nil, "\(name) \(key): ArviZ \(String(describing: theirs)), ours nil")
                    continue
                }
                let reference = try #require(theirs, "\(name) \(key): ArviZ gave null, ours \(value)")
                let relative = abs(value - reference) / abs(reference)
                worst[key] = max(worst[key] ?? 0, relative)
                #expect(relative <= 1e-8, "\(name) \(key): ours \(value), ArviZ \(version) \(reference)")
            }
        }
        print("ArviZ \(version) cross-check, largest relative differences: "
              + worst.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1e", $0.value))" }.joined(separator: ", "))
    }
}
