"""Cross-check and timing peers for the k-NN entropy (KozachenkoLeonenkoEntropy).

  python entropy_scipy.py --fixture OUT.json   writes the cross-check fixture the Swift tests read
  python entropy_scipy.py --bench N            times scipy.stats.differential_entropy (1-D, N points)
                                               and a cKDTree Kozachenko-Leonenko entropy (d = 3, N points)

No peer computes the Kozachenko-Leonenko estimator itself: scipy's differential_entropy is 1-D only
and uses sample spacings (Vasicek 1976, Ebrahimi et al. 1994; 'auto' picks by N), a different
estimator of the same H. The cKDTree version below is our own few lines of the same formula as the
Swift code (max-norm, k-th neighbour: psi(N) - psi(k) + d mean log(2 rho_k)), an independent
implementation to compare values against, timed with the same machinery.
"""
import json
import sys
import time

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import digamma
from scipy.stats import differential_entropy


def kl_entropy(x, k=3):
    n, d = x.shape
    rho = cKDTree(x).query(x, k=k + 1, p=np.inf)[0][:, k]
    return digamma(n) - digamma(k) + d * np.mean(np.log(2 * rho))


def kl_divergence(x, y, k=3):
    n, d = x.shape
    rho = cKDTree(x).query(x, k=k + 1, p=np.inf)[0][:, k]
    nu = cKDTree(y).query(x, k=k, p=np.inf)[0][:, k - 1]
    return d * np.mean(np.log(nu / rho)) + np.log(len(y) / (n - 1))


def fixture(path):
    rng = np.random.default_rng(20261205)
    line = rng.standard_normal(600)
    exponential = rng.standard_exponential(600) / 2
    cube = rng.standard_normal((300, 3))
    other = 1.5 * rng.standard_normal((200, 3)) + 0.5
    out = {
        "note": "written by Benchmarks/peers/entropy_scipy.py --fixture; scipy " + __import__("scipy").__version__,
        "gaussian1": {"data": line.tolist(), "knn": kl_entropy(line[:, None]),
                      "scipy": differential_entropy(line), "scipyVasicek": differential_entropy(line, method="vasicek")},
        "exponential1": {"data": exponential.tolist(), "knn": kl_entropy(exponential[:, None]),
                         "scipy": differential_entropy(exponential),
                         "scipyVasicek": differential_entropy(exponential, method="vasicek")},
        "gaussian3": {"data": cube.tolist(), "knn": kl_entropy(cube)},
        "divergence3": {"p": cube.tolist(), "q": other.tolist(), "knn": kl_divergence(cube, other)},
    }
    with open(path, "w") as f:
        json.dump(out, f)


def best_of(repeats, body):
    """Best wall time and best CPU time (process_time) over `repeats` runs, as a string."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        body()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return f"{min(wall):.4f} s wall, {min(cpu):.4f} s CPU"


def bench(n, repeats=5):
    rng = np.random.default_rng(1)
    line = rng.standard_normal(n)
    cube = rng.standard_normal((n, 3))
    print(f"scipy differential_entropy 1-D n={n}: {best_of(repeats, lambda: differential_entropy(line))}")
    print(f"cKDTree KL entropy 1-D n={n}: {best_of(repeats, lambda: kl_entropy(line[:, None]))}")
    print(f"cKDTree KL entropy 3-D n={n}: {best_of(repeats, lambda: kl_entropy(cube))}")


if __name__ == "__main__":
    if sys.argv[1] == "--fixture":
        fixture(sys.argv[2])
    else:
        bench(int(sys.argv[2]))
