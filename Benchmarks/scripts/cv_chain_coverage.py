#!/usr/bin/env python3
"""Coverage of `mcest cv` 95% intervals on unthinned Gaussian AR(1) chains (issue 13's acceptance check).

Each replication writes one AR(1) chain set (d = 2, rho = 0.8, n = 1000 draws in total, stationary
N(0, I), score -x) with three integrands of known mean:
    f1 = x1                      (truth 0)
    f2 = x1^2 + x1*x2            (truth 1)
    f3 = cos(x1) + sin(x2)       (truth e^{-1/2})
and runs `mcest cv --chains K --method M --json` for K in {1, 4} and every method, counting how
often the printed 95% interval contains the truth.

Usage (from the package root, after `swift build -c release --product mcest`):
    python3 Benchmarks/scripts/cv_chain_coverage.py [--replications 100] [--methods plain,zv1,zv2,cf,secf,auto]
Pure Python (no numpy), fixed seeds: the same command prints the same table.
"""
import argparse, json, math, os, random, subprocess, sys, tempfile, time

TRUTHS = [0.0, 1.0, math.exp(-0.5)]
NAMES = ["x1", "x1sq_plus_x1x2", "cosx1_plus_sinx2"]


def chain(rng, n, chains, rho):
    rows = []
    s = math.sqrt(1 - rho * rho)
    for _ in range(chains):
        x = [rng.gauss(0, 1), rng.gauss(0, 1)]
        for _ in range(n // chains):
            rows.append(list(x))
            x = [rho * x[0] + s * rng.gauss(0, 1), rho * x[1] + s * rng.gauss(0, 1)]
    return rows


def write(path, header, rows):
    with open(path, "w") as f:
        if header:
            f.write(header + "\n")
        for r in rows:
            f.write(",".join(repr(v) for v in r) + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--methods", default="plain,zv1,zv2,cf,secf,auto")
    parser.add_argument("--mcest", default=".build/release/mcest")
    parser.add_argument("--rho", type=float, default=0.8)
    parser.add_argument("--draws", type=int, default=1000)
    args = parser.parse_args()
    methods = args.methods.split(",")
    covered = {(m, k): [0, 0, 0] for m in methods for k in (1, 4)}
    seconds = {(m, k): 0.0 for m in methods for k in (1, 4)}
    with tempfile.TemporaryDirectory() as directory:
        for r in range(args.replications):
            for k in (1, 4):
                rng = random.Random(1000 * r + k)
                rows = chain(rng, args.draws, k, args.rho)
                x, u, f = (os.path.join(directory, name) for name in ("X.csv", "U.csv", "F.csv"))
                write(x, "x1,x2", rows)
                write(u, "u1,u2", [[-a, -b] for a, b in rows])
                write(f, ",".join(NAMES), [[a, a * a + a * b, math.cos(a) + math.sin(b)] for a, b in rows])
                for m in methods:
                    start = time.perf_counter()
                    out = subprocess.run([args.mcest, "cv", "--samples", x, "--scores", u, "--values", f,
                                          "--chains", str(k), "--method", m, "--json"], capture_output=True, text=True)
                    seconds[(m, k)] += time.perf_counter() - start
                    if out.returncode != 0:
                        sys.exit(f"mcest failed ({m}, K = {k}, replication {r}): {out.stderr}")
                    for t, result in enumerate(json.loads(out.stdout)):
                        interval = result["confidenceInterval"]
                        covered[(m, k)][t] += interval["lower"] <= TRUTHS[t] <= interval["upper"]
    print(f"mcest cv on AR(1) chains, rho = {args.rho}, n = {args.draws}, {args.replications} replications: "
          "coverage of 95% intervals (f1 = x1, f2 = x1^2 + x1 x2, f3 = cos x1 + sin x2)")
    print("| method | chains | f1 | f2 | f3 | seconds per run |")
    print("|---|---|---|---|---|---|")
    for m in methods:
        for k in (1, 4):
            c = covered[(m, k)]
            cells = " | ".join(f"{100 * v / args.replications:.1f}%" for v in c)
            print(f"| {m} | {k} | {cells} | {seconds[(m, k)] / args.replications:.3f} |")


if __name__ == "__main__":
    main()
