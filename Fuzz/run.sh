#!/usr/bin/env bash
# Builds the libFuzzer targets (package Fuzz/, its own build folder, so the main build is never
# instrumented) and runs each for SECONDS (default 30) from the committed seed corpus
# Fuzz/Corpus/<target>/. New corpus entries go to a temporary folder (the committed corpus is
# read only). A crash, a trap, a leak-free out-of-memory (malloc above 2 GB) or a timeout (10 s
# per input) fails the run and leaves the input in Fuzz/Findings/<target>/: copy it into
# Fuzz/Regressions/<target>/, where the test suite (FuzzRegressionTests) reads every file.
#
# Usage: Fuzz/run.sh [SECONDS] [TARGET…]     FUZZ_CONFIGURATION=release for a faster fuzzer.
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_PER_TARGET=${1:-30}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(data-matrix cmdstan shard-state)
CONFIGURATION=${FUZZ_CONFIGURATION:-debug}
SWIFT=${SWIFT:-swift}

for target in "${TARGETS[@]}"; do
    # -sanitize=fuzzer on every module (the readers too), so that libFuzzer sees their coverage.
    "$SWIFT" build -c "$CONFIGURATION" -Xswiftc -sanitize=fuzzer --product "fuzz-$target" 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' || true
    [ -x ".build/$CONFIGURATION/fuzz-$target" ] || { echo "fuzz: building fuzz-$target failed" >&2; exit 1; }
done

status=0
for target in "${TARGETS[@]}"; do
    work=$(mktemp -d "/tmp/fuzz-$target.XXXXXX")
    mkdir -p "Findings/$target"
    echo "fuzz: $target for ${SECONDS_PER_TARGET}s"
    # Swift's own backtracer would catch the trap before libFuzzer writes the input: turn it off.
    if ! SWIFT_BACKTRACE=enable=no ".build/$CONFIGURATION/fuzz-$target" "$work" "Corpus/$target" \
        -max_total_time="$SECONDS_PER_TARGET" -max_len=8192 -timeout=10 -rss_limit_mb=4096 -malloc_limit_mb=2048 \
        -artifact_prefix="Findings/$target/" -print_final_stats=1 > "$work.log" 2>&1; then
        echo "fuzz: $target FAILED; the input is in Fuzz/Findings/$target/:" >&2
        grep -E 'ERROR|Fatal error|SUMMARY|artifact|Test unit written' "$work.log" | head -n 20 >&2
        tail -n 30 "$work.log" >&2
        status=1
    else
        grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$work.log" | tail -n 2
    fi
    rm -rf "$work" "$work.log"
done
exit $status
