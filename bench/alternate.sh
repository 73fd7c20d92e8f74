#!/usr/bin/env bash
# alternate.sh - time commands against each other run by run, with peers.sh's preparation
# before every run (DST removed, sync, page cache dropped, SRC read back into it), for
# A/B comparisons on a machine whose speed drifts from minute to minute.
#
# Usage: bash bench/alternate.sh DATASET RUNS 'name=command with {SRC} and {DST}' ...
#   e.g. bash bench/alternate.sh small 4 'cp=cp -a {SRC} {DST}' 'barge=node dist/src/cli/main.js sync -q {SRC} {DST}'
# Prints one line per run: name, wall s, user s, sys s, peak KiB. Needs root (drop_caches).
#
# PRE='command' runs after the preparation and before each timed run, untimed. On a VM
# whose host takes back freed memory (virtio-balloon free page reporting), every page a
# run touches first costs a host fault, and how many of them a run meets is luck; with
#   PRE="python3 -c 'b = b\"x\" * (3 << 30)'"
# the 3 GiB just touched and freed are backed again, and runs compare their own work
# (see bench/results/2026-12-03-sync-startup.md).
set -uo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/node-env.sh
source "$BENCH_DIR/node-env.sh"
DATA_DIR=${DATA_DIR:-$BENCH_DIR/../benchdata}
[[ $# -ge 3 ]] || { echo "usage: bash bench/alternate.sh DATASET RUNS 'name=command {SRC} {DST}' ..." >&2; exit 2; }
SET=$1 RUNS=$2
shift 2
SRC=$DATA_DIR/$SET DST=$DATA_DIR/dst-alternate
[[ -d $SRC ]] || { echo "alternate.sh: no dataset at $SRC (make it with ../shared/bench/mkdata.sh)" >&2; exit 2; }
for ((r = 0; r < RUNS; r++)); do
  for spec in "$@"; do
    name=${spec%%=*} cmd=${spec#*=}
    cmd=${cmd//\{SRC\}/$SRC} cmd=${cmd//\{DST\}/$DST}
    rm -rf "$DST"; sync; echo 1 > /proc/sys/vm/drop_caches
    find "$SRC" -type f -print0 | xargs -0 -r cat > /dev/null
    [[ -n ${PRE:-} ]] && eval "$PRE"
    /usr/bin/time -f "$name %e %U %S %M" bash -c "$cmd" 2>&1 >/dev/null | tail -1
  done
done
rm -rf "$DST"
