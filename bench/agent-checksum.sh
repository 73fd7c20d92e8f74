#!/usr/bin/env bash
# agent-checksum.sh - A/B of two barge builds as a lone agent answering `sync --checksum`:
# the agent hashes its copy of each file (the data plane's 'hash' call) while the client
# hashes SRC. Each build's agent serves an inbox already equal to the datasets; runs
# alternate between them, with a cold page cache on both sides (sync, drop_caches) and
# PRE (see alternate.sh) before each. Needs root (drop_caches). WARM_SRC=1 reads SRC back
# into the page cache after the drop, so that the run waits on the agent's reads only;
# WARM_AGENT=1 does the same for the agent's copy (then no read waits for the disk).
#
# Usage: bash bench/agent-checksum.sh 'name=DIST' 'name=DIST' DATASET RUNS
#   e.g. bash bench/agent-checksum.sh base=/tmp/base/dist new=dist large 4
# DIST: a build's dist directory. Prints per run: name, client wall/user/sys s, agent CPU s.
# The client is always the second build's (only the agent differs).
set -uo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/node-env.sh
source "$BENCH_DIR/node-env.sh"
DATA_DIR=${DATA_DIR:-$BENCH_DIR/../benchdata}
[[ $# -eq 4 ]] || { echo "usage: bash bench/agent-checksum.sh 'name=DIST' 'name=DIST' DATASET RUNS" >&2; exit 2; }
SET=$3 RUNS=$4
[[ -d $DATA_DIR/$SET ]] || { echo "agent-checksum.sh: no dataset at $DATA_DIR/$SET (make it with ../shared/bench/mkdata.sh)" >&2; exit 2; }
WORK=$DATA_DIR/agent-checksum
mkdir -p "$WORK/inbox"
[[ -d $WORK/inbox/$SET ]] || cp -a "$DATA_DIR/$SET" "$WORK/inbox/"
export BARGE_TOKEN=agent-checksum-bench-token-0123456789
printf '%s\n' "$BARGE_TOKEN" > "$WORK/token"; chmod 600 "$WORK/token"
names=() dists=() ports=() pids=()
port=7780
for spec in "$1" "$2"; do
  names+=("${spec%%=*}") dists+=("${spec#*=}") ports+=("$port")
  node "${spec#*=}/src/cli/main.js" agent --token-file "$WORK/token" --endpoint "inbox=$WORK/inbox:rw" \
    --data-listen "127.0.0.1:$port" > "$WORK/agent-$port.log" 2>&1 &
  pids+=($!)
  port=$((port + 1))
done
trap 'kill "${pids[@]}" 2>/dev/null' EXIT
sleep 1.5
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
for ((r = 0; r < RUNS; r++)); do
  for i in 0 1; do
    sync; echo 3 > /proc/sys/vm/drop_caches
    [[ ${WARM_SRC:-0} == 1 ]] && find "$DATA_DIR/$SET" -type f -print0 | xargs -0 -r cat > /dev/null
    [[ ${WARM_AGENT:-0} == 1 ]] && find "$WORK/inbox/$SET" -type f -print0 | xargs -0 -r cat > /dev/null
    [[ -n ${PRE:-} ]] && eval "$PRE"
    a=$(ticks "${pids[$i]}")
    t=$( { /usr/bin/time -f '%e %U %S' node "${dists[1]}/src/cli/main.js" sync -q --checksum \
      "$DATA_DIR/$SET" "barge://127.0.0.1:${ports[$i]}/inbox/$SET" > /dev/null; } 2>&1 | tail -1)
    b=$(ticks "${pids[$i]}")
    echo "${names[$i]} $t $(awk -v d=$((b - a)) -v hz="$HZ" 'BEGIN {printf "%.2f", d / hz}')"
  done
done
