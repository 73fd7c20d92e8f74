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
#
# MEMSTATS=1 adds, per run, what the kernel counted meanwhile (/proc/vmstat): MiB of
# pages allocated and freed, and MiB the VM reported free to its host
# (/sys/module/page_reporting, where the kernel has it; '-' where not). All of the
# machine counts, not only the command.
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
REPORTED=/sys/module/page_reporting/parameters/reported_kib
# pages allocated, pages freed, KiB reported to the host ('-' where the kernel does not say)
memstats() {
  local rep='-'
  [[ -r $REPORTED ]] && rep=$(cat "$REPORTED")
  echo "$(awk '$1 ~ /^pgalloc_/ {a += $2} $1 == "pgfree" {f = $2} END {print a, f}' /proc/vmstat) $rep"
}
for ((r = 0; r < RUNS; r++)); do
  for spec in "$@"; do
    name=${spec%%=*} cmd=${spec#*=}
    cmd=${cmd//\{SRC\}/$SRC} cmd=${cmd//\{DST\}/$DST}
    rm -rf "$DST"; sync; echo 1 > /proc/sys/vm/drop_caches
    find "$SRC" -type f -print0 | xargs -0 -r cat > /dev/null
    [[ -n ${PRE:-} ]] && eval "$PRE"
    if [[ ${MEMSTATS:-0} == 1 ]]; then
      read -r a0 f0 r0 < <(memstats)
      out=$(/usr/bin/time -f "$name %e %U %S %M" bash -c "$cmd" 2>&1 >/dev/null | tail -1)
      read -r a1 f1 r1 < <(memstats)
      rep='-'; [[ $r0 != - ]] && rep=$(( (r1 - r0) / 1024 ))
      echo "$out alloc_MiB $(( (a1 - a0) / 256 )) freed_MiB $(( (f1 - f0) / 256 )) reported_MiB $rep"
    else
      /usr/bin/time -f "$name %e %U %S %M" bash -c "$cmd" 2>&1 >/dev/null | tail -1
    fi
  done
done
rm -rf "$DST"
