#!/usr/bin/env bash
# Creates the peers' virtual environment under .build/peers-venv (inside the git-ignored build
# folder) and pip-installs the peer libraries: POT, scikit-learn, numpy, scipy, ArviZ, QMCPy.
# Never fails the caller: a package that cannot be installed is reported and the script exits 0,
# so the Swift benchmarks still run (they skip the comparisons whose peer is missing).
# Usage: bash Benchmarks/peers/setup-venv.sh   (from the package root; PYTHON=python3.x to choose)
set -u
cd "$(dirname "$0")/../.." || exit 0
PYTHON="${PYTHON:-python3}"
VENV=.build/peers-venv
mkdir -p .build
if [ ! -x "$VENV/bin/python" ]; then
    if ! "$PYTHON" -m venv "$VENV"; then
        echo "setup-venv: cannot create $VENV with $PYTHON (is python3-venv installed? apt-get install python3-venv); peers will be skipped" >&2
        exit 0
    fi
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
failed=""
# numpy and scipy first: POT and scikit-learn build on them.
for pkg in numpy scipy pot scikit-learn arviz qmcpy; do
    if ! "$VENV/bin/python" -m pip install --quiet "$pkg"; then
        failed="$failed $pkg"
    fi
done
if [ -n "$failed" ]; then
    echo "setup-venv: could not install:$failed (the comparisons needing them will be skipped)" >&2
else
    echo "setup-venv: $VENV ready:" $("$VENV/bin/python" -c 'import numpy, scipy, ot, sklearn, arviz, qmcpy; print("numpy", numpy.__version__, "scipy", scipy.__version__, "pot", ot.__version__, "scikit-learn", sklearn.__version__, "arviz", arviz.__version__, "qmcpy", qmcpy.__version__)' 2>&1)
fi
exit 0
