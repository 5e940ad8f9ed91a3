#!/usr/bin/env bash
# `make test-scale`: the README's sharding recipes on a real scheduler.
#
# Starts a one-node Slurm cluster on this host (munged, slurmctld, slurmd; state, spool, logs and
# the munge socket under a temporary folder), then runs, from the README's own text:
#   1. the Slurm job-array recipe (`mcest sw … --shard "$SLURM_ARRAY_TASK_ID/N" --state-out …`,
#      then the merge as a dependent job): the merged JSON must equal the single run bit for bit;
#   2. the same pattern with `mcest estimate` as the array;
#   3. the recipe with one task failing: the merge job must never run, and `mcest merge` of the
#      survivors must refuse without --allow-partial (and merge with it, saying so);
#   4. the GNU parallel recipe, checked against the single run the same way.
# Only sizes are changed from the README (shard count, CPUs per task, projections, samples), by
# substitutions that must each match, so an edit of the README's recipe is what runs here.
#
# Every wait is bounded; the daemons are stopped by PID in an EXIT trap. When the cluster cannot
# start, the script prints why (with the daemons' logs) and fails: it never skips.
# Needs root (apt-get, daemons). MCEST names the mcest executable (default: .build/debug/mcest).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MCEST=${MCEST:-$ROOT/.build/debug/mcest}
SHARDS=4
PROJECTIONS=4096
SAMPLES=400000

fail() { echo "test-scale: FAIL: $*" >&2; exit 1; }
say() { echo "test-scale: $*"; }

[ "$(id -u)" = 0 ] || fail "needs root: it installs slurm-wlm, munge and parallel and starts their daemons."
[ -x "$MCEST" ] || fail "no mcest executable at $MCEST (run \`swift build --product mcest\`, or set MCEST)."
MCEST=$(realpath "$MCEST")   # the jobs run elsewhere: an absolute path

# --- Packages ------------------------------------------------------------------------------
missing=""
for p in slurm-wlm munge parallel python3; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    say "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    timeout 600 apt-get update -qq
    timeout 600 apt-get install -y -qq $missing >/dev/null
fi

# --- Cluster -------------------------------------------------------------------------------
WORK=$(mktemp -d /tmp/mcest-scale.XXXXXX)
chmod 755 "$WORK"
PIDS=()
cleanup() {
    local status=$?
    # Children first (slurmd), then the controller, then munged; each by its own PID.
    for (( i=${#PIDS[@]}-1; i>=0; i-- )); do
        kill "${PIDS[i]}" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
    done
    if [ $status -ne 0 ]; then
        echo "test-scale: logs in $WORK (kept after a failure):" >&2
        for log in "$WORK"/*.log; do [ -f "$log" ] && { echo "--- $log (tail)" >&2; tail -n 15 "$log" >&2; }; done
    else
        rm -rf "$WORK"
    fi
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS WHAT COMMAND…: polls COMMAND every 0.5 s until it succeeds; fails after SECONDS.
wait_for() {
    local seconds=$1 what=$2; shift 2
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -lt $deadline ] || fail "timed out after ${seconds}s waiting for $what."
        sleep 0.5
    done
}

KEY=/etc/munge/munge.key
if [ ! -s "$KEY" ]; then
    say "creating the munge key $KEY"
    mkdir -p /etc/munge
    (umask 077; head -c 1024 /dev/urandom > "$KEY")
    chown munge:munge "$KEY" 2>/dev/null || true
fi
chmod 400 "$KEY"
mkdir -m 755 "$WORK/munge"
munged --foreground --force --socket="$WORK/munge/munge.socket" --key-file="$KEY" \
    --pid-file="$WORK/munged.pid" --log-file="$WORK/munged.log" --seed-file="$WORK/munged.seed" > "$WORK/munged.out.log" 2>&1 &
PIDS+=($!)
wait_for 20 "munged to accept credentials" sh -c "munge -S '$WORK/munge/munge.socket' -n | unmunge -S '$WORK/munge/munge.socket'"

HOST=$(hostname -s)
NODE=$(slurmd -C | head -n 1)   # "NodeName=… CPUs=… RealMemory=…": the real CPU count and memory
case "$NODE" in NodeName=*CPUs=*RealMemory=*) ;; *) fail "slurmd -C did not describe this node: $NODE";; esac
NODE=$(echo "$NODE" | sed "s/^NodeName=[^ ]*/NodeName=$HOST/")
mkdir -p "$WORK/state" "$WORK/spool"
cat > "$WORK/slurm.conf" <<CONF
ClusterName=mcestci
SlurmctldHost=$HOST
SlurmctldPort=26817
SlurmdPort=26818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$WORK/munge/munge.socket
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/slurmctld.log
SlurmdLogFile=$WORK/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
SchedulerParameters=sched_interval=1
MpiDefault=none
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
MinJobAge=600
$NODE State=UNKNOWN
PartitionName=ci Nodes=$HOST Default=YES MaxTime=10 State=UP
CONF
export SLURM_CONF=$WORK/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" > "$WORK/slurmctld.out.log" 2>&1 &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" > "$WORK/slurmd.out.log" 2>&1 &
PIDS+=($!)
node_ready() { sinfo -h -n "$HOST" -o '%t' | grep -Eq '^(idle|mix|alloc)'; }
wait_for 60 "the Slurm node to come up (idle)" node_ready
say "Slurm cluster up: $(sinfo -h -o '%P %D %c CPUs %m MB %t')"

# job_state ID: the job's state (of every task of an array, one per line).
job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }
# wait_job SECONDS ID: waits until no task of job ID is pending or running.
job_done() { local s; s=$(job_state "$1"); [ -n "$s" ] && ! echo "$s" | grep -Eq 'PENDING|RUNNING|CONFIGURING|COMPLETING'; }
wait_job() { wait_for "$1" "job $2 to finish (state: $(job_state "$2" | sort | uniq -c | tr '\n' ' '))" job_done "$2"; }

# --- Inputs and the README's recipes ---------------------------------------------------------
BIN=$WORK/bin
mkdir -p "$BIN"
ln -s "$MCEST" "$BIN/mcest"
export PATH=$BIN:$PATH OPENBLAS_NUM_THREADS=1

# readme_block HEADING: the first ```sh block after the line that starts with HEADING.
readme_block() {
    awk -v heading="$1" 'index($0, heading) == 1 { found = 1; next }
        found && /^```sh/ { inside = 1; next }
        inside && /^```/ { exit }
        inside { print }' "$ROOT/README.md"
}
# substitute TEXT FROM TO: replaces FROM by TO in TEXT, failing when FROM is not there.
substitute() {
    case "$1" in *"$2"*) printf '%s\n' "${1//"$2"/"$3"}" ;; *) fail "the README's recipe no longer contains '$2'; update Tests/Scale/slurm.sh." ;; esac
}
# same_json A B: A and B equal (numbers bit for bit) once the merge's "shards" objects (in each
# estimate record's context) are removed.
same_json() {
    python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
def strip(value):
    if isinstance(value, dict):
        value.pop("shards", None)
        for inner in value.values(): strip(inner)
    elif isinstance(value, list):
        for inner in value: strip(inner)
for d in (a, b): strip(d)
# repr of a float is its shortest round-trip form: equal text means equal bits.
sys.exit(0 if json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True) else 1)
PY
}

RUN=$WORK/run
mkdir -p "$RUN"
cd "$RUN"
python3 - <<'PY'
import random, struct
def save(path, rows):
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }" % (len(rows), len(rows[0]))
    header += " " * ((-(10 + len(header) + 1)) % 16) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        for row in rows: f.write(struct.pack("<%dd" % len(row), *row))
rng = random.Random(7)
save("x.npy", [[rng.gauss(0, 1) for _ in range(3)] for _ in range(300)])
save("y.npy", [[rng.gauss(0.5, 1.3) for _ in range(3)] for _ in range(250)])
PY

SLURM_RECIPE=$(readme_block "Slurm job array")
[ -n "$SLURM_RECIPE" ] || fail "no Slurm job-array recipe found in README.md."
SLURM_RECIPE=$(substitute "$SLURM_RECIPE" "--array=0-15" "--array=0-$((SHARDS - 1))")
SLURM_RECIPE=$(substitute "$SLURM_RECIPE" "--cpus-per-task=8" "--cpus-per-task=1")
SLURM_RECIPE=$(substitute "$SLURM_RECIPE" '/16"' "/$SHARDS\"")
SLURM_RECIPE=$(substitute "$SLURM_RECIPE" "--projections 1000000" "--projections $PROJECTIONS")
SW_SINGLE=(mcest sw x.npy y.npy --method cv --projections $PROJECTIONS --seed 42 --json)

# 1. The recipe as written: the array, then the dependent merge.
say "1. Slurm: the README's job array ($SHARDS shards of mcest sw) and the dependent merge"
mkdir ok && cp x.npy y.npy ok/ && cd ok
printf '%s\n' "$SLURM_RECIPE" 'echo "array job $job"' > recipe.sh
output=$(timeout 60 bash -euo pipefail recipe.sh) || fail "the README's Slurm recipe failed to submit: $output"
merge_job=$(echo "$output" | sed -n 's/^Submitted batch job \([0-9]*\).*/\1/p' | tail -n 1)
[ -n "$merge_job" ] || fail "the merge job's id is not in the recipe's output: $output"
wait_job 120 "$merge_job"
[ "$(job_state "$merge_job")" = COMPLETED ] || fail "the merge job ended $(job_state "$merge_job"), not COMPLETED: $(cat slurm-"$merge_job".out 2>/dev/null)"
ls shards/sw-*.json | wc -l | grep -qx "$SHARDS" || fail "expected $SHARDS state files, found: $(ls shards)"
timeout 120 "${SW_SINGLE[@]}" > single.json
same_json sw.json single.json || fail "the merged sw.json differs from the single run: $(diff sw.json single.json | head -n 20)"
say "   merged sw.json == single run (bit for bit)"
cd "$RUN"

# 2. The same pattern with mcest estimate as the array.
say "2. Slurm: a job array of mcest estimate shards and the dependent merge"
mkdir estimate && cd estimate && mkdir shards
cat > estimate-shard.sh <<SH
#!/bin/bash
#SBATCH --array=0-$((SHARDS - 1)) --cpus-per-task=1
mcest estimate --problem asian --method cv --samples $SAMPLES --seed 42 \\
    --shard "\$SLURM_ARRAY_TASK_ID/$SHARDS" --state-out "shards/asian-\$SLURM_ARRAY_TASK_ID.json"
SH
job=$(timeout 30 sbatch --parsable estimate-shard.sh)
merge_job=$(timeout 30 sbatch --parsable --kill-on-invalid-dep=yes --dependency=afterok:$job --wrap 'mcest merge shards/asian-*.json --json > asian.json')
wait_job 150 "$merge_job"
[ "$(job_state "$merge_job")" = COMPLETED ] || fail "the estimate merge job ended $(job_state "$merge_job")."
timeout 120 mcest estimate --problem asian --method cv --samples $SAMPLES --seed 42 --json > single.json
same_json asian.json single.json || fail "the merged asian.json differs from the single run: $(diff asian.json single.json | head -n 20)"
say "   merged asian.json == single run (bit for bit)"
cd "$RUN"

# 3. One task of the array fails: the merge job must not run; the survivors need --allow-partial.
say "3. Slurm: one task fails (task 2): the merge job must not run"
mkdir failing && cp x.npy y.npy failing/ && cd failing
# Task 2 exits with status 3 before its mcest line (after the #SBATCH line, which must stay first).
printf '%s\n' "$SLURM_RECIPE" | awk '{ print } /^#SBATCH/ { print "if [ \"$SLURM_ARRAY_TASK_ID\" = 2 ]; then echo \"task 2 fails\" >&2; exit 3; fi" }' > recipe.sh
echo 'echo "array job $job"' >> recipe.sh
grep -q 'exit 3' recipe.sh || fail "could not insert the failing task into the recipe."
output=$(timeout 60 bash -euo pipefail recipe.sh) || fail "the failing recipe did not submit: $output"
array_job=$(echo "$output" | sed -n 's/^array job \([0-9]*\).*/\1/p')
merge_job=$(echo "$output" | sed -n 's/^Submitted batch job \([0-9]*\).*/\1/p' | tail -n 1)
[ -n "$array_job" ] && [ -n "$merge_job" ] || fail "job ids not found in: $output"
wait_job 120 "$array_job"
job_state "$array_job" | grep -q FAILED || fail "task 2 should have failed; array states: $(job_state "$array_job" | tr '\n' ' ')"
# With --kill-on-invalid-dep=yes the merge job is cancelled; without it, it would stay pending
# (DependencyNeverSatisfied) and never run either.
never_runs() { scontrol show job "$merge_job" | grep -Eq 'JobState=CANCELLED|Reason=DependencyNeverSatisfied'; }
wait_for 30 "the merge job $merge_job to be cancelled (DependencyNeverSatisfied)" never_runs
scontrol show job "$merge_job" | grep -q 'JobState=COMPLETED' && fail "the merge job ran although a task failed."
[ ! -s sw.json ] || fail "sw.json was written although a task failed."
scancel "$merge_job" 2>/dev/null || true
ls shards/sw-*.json | wc -l | grep -qx "$((SHARDS - 1))" || fail "expected $((SHARDS - 1)) surviving state files: $(ls shards)"
set +e
refusal=$(timeout 60 mcest merge shards/sw-*.json --json 2>&1 >/dev/null); status=$?
set -e
[ $status = 2 ] || fail "mcest merge of the survivors exited $status, expected 2 (refusal)."
echo "$refusal" | grep -q "missing" || fail "mcest merge's refusal does not say a shard is missing: $refusal"
timeout 60 mcest merge shards/sw-*.json --json --allow-partial > partial.json 2> partial.err || fail "mcest merge --allow-partial failed: $(cat partial.err)"
grep -q '"partial" *: *true' partial.json || fail "the partial merge's JSON does not say \"partial\": true."
say "   merge job never ran; merge refused without --allow-partial ($refusal)"
cd "$RUN"

# 4. The GNU parallel recipe.
say "4. GNU parallel: the README's recipe"
PARALLEL_RECIPE=$(readme_block "GNU parallel on one machine")
[ -n "$PARALLEL_RECIPE" ] || fail "no GNU parallel recipe found in README.md."
PARALLEL_RECIPE=$(substitute "$PARALLEL_RECIPE" "--samples 100000000" "--samples $SAMPLES")
mkdir parallel && cd parallel
export PARALLEL_HOME=$WORK/parallel-home
mkdir -p "$PARALLEL_HOME" && touch "$PARALLEL_HOME/will-cite"
printf '%s\n' "$PARALLEL_RECIPE" > recipe.sh
timeout 300 bash -euo pipefail recipe.sh > merged.txt || fail "the README's GNU parallel recipe failed."
count=$(echo "$PARALLEL_RECIPE" | sed -n 's/.*--shard {}\/\([0-9]*\).*/\1/p')
[ "$(ls asian-*.json | wc -l)" = "$count" ] || fail "expected $count state files from parallel, found $(ls asian-*.json | wc -l)."
timeout 120 mcest merge asian-*.json --json > merged.json
timeout 120 mcest estimate --problem asian --method cv --samples $SAMPLES --seed 42 --json > single.json
same_json merged.json single.json || fail "the parallel merge differs from the single run: $(diff merged.json single.json | head -n 20)"
say "   merged == single run (bit for bit)"

say "PASS ($SECONDS s)"
