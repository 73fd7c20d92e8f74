#!/usr/bin/env bash
# bench/dataplane/scale-out.sh - one request spread over 1, 2 and 4 pairs of agents, each
# agent behind its own access link shaped to RATE with `tc tbf` (issue 27: "aggregate
# throughput near pairs x link rate"; netem is missing from this kernel, tbf is not).
#
# Topology (root only; everything below is removed on any exit):
#   root namespace: bridge $BR (10.252.0.1/24) and `barge serve` (SQLite, no built-in
#   agent) listening on it.
#   namespace $NS-aI (I = 1..MAX_PAIRS): source agent aI (site a, endpoint src), 10.252.0.(10+I)
#   namespace $NS-bI: destination agent bI (site b, endpoint dst), 10.252.0.(20+I)
#   each namespace reaches the bridge over one veth; both ends of every veth are shaped
#   (`tc qdisc add dev X root tbf rate RATE burst BURST latency TBF_LATENCY`), so every
#   agent has RATE up and RATE down. A source agent may push to any destination agent
#   (the coordinator picks the target per task, placement.ts), so a push from aI to bJ
#   crosses aI's uplink and bJ's downlink: N pairs have N x RATE between the sites.
#   Control traffic (leases, reports) shares the shaped links; it is a few KB per task.
# Data: FILES files of FILE_MIB MiB in $WORK/data/set (made once, kept between runs);
# every source agent serves that tree, every destination agent the same $WORK/dst.
# Per pair count: a fresh coordinator and database, N source + N destination agents, RUNS
# runs of `barge submit src:/set dst:/set` + `barge watch`, the destination emptied first.
# Aggregate MB/s = dataset bytes / wall time from submit to watch's exit (watch polls every
# 0.5 s). Per-link bytes from the tbf qdiscs' own counters (`tc -s`), which also prove the
# shaping applied. CPU: the machine's busy share (/proc/stat) and barge's own CPU seconds.
# Variables: PAIRS ("1 2 4"), RUNS (3), FILES (16), FILE_MIB (128), RATE (200mbit),
# BURST (256kb), TBF_LATENCY (50ms), WORK (${TMPDIR:-/tmp}/barge-scale-out), RESULTS
# ($WORK/results-STAMP), NS (bso: namespace prefix), BR (bso-br), COORD_PORT (7780),
# DATA_PORT (7701, in each namespace), SUBMIT_FLAGS (--keep-cache: the source stays in
# the page cache, so the disk is not what is measured), AGENT_FLAGS (), RUN_TIMEOUT (900 s),
# MAX_REPEATS (3: runs repeated at most, per pair count, when the machine paused the run),
# IPERF_SECS (10: raw TCP over the same links first, one iperf3 stream a pair; 0: none),
# NICE (empty: the coordinator and agents at this nice value, e.g. -10).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/node-env.sh
source "$HERE/../node-env.sh"
REPO=$(cd "$HERE/../.." && pwd)
MAIN_JS=$REPO/dist/src/cli/main.js
STAMP=$(date -u +%Y%m%d-%H%M%S)
PAIRS=${PAIRS:-"1 2 4"}
RUNS=${RUNS:-3}
FILES=${FILES:-16}
FILE_MIB=${FILE_MIB:-128}
RATE=${RATE:-200mbit}
BURST=${BURST:-256kb}
TBF_LATENCY=${TBF_LATENCY:-50ms}
WORK=${WORK:-${TMPDIR:-/tmp}/barge-scale-out}
RESULTS=${RESULTS:-$WORK/results-$STAMP}
NS=${NS:-bso}
BR=${BR:-bso-br}
NET=10.252.0
COORD_PORT=${COORD_PORT:-7780}
DATA_PORT=${DATA_PORT:-7701}
SUBMIT_FLAGS=${SUBMIT_FLAGS:---keep-cache}
AGENT_FLAGS=${AGENT_FLAGS:-}
RUN_TIMEOUT=${RUN_TIMEOUT:-900}
IPERF_SECS=${IPERF_SECS:-10}
MAX_REPEATS=${MAX_REPEATS:-3}
NICE=${NICE:-}

say() { printf 'scale-out: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

[[ $(id -u) == 0 ]] || die "run as root: it makes network namespaces, a bridge and tc qdiscs"
[[ $RATE =~ ^[1-9][0-9]*mbit$ ]] || die "RATE must be in mbit (e.g. 200mbit), not '$RATE'"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive whole number, not '$RUNS'"
[[ $FILES =~ ^[1-9][0-9]*$ && $FILE_MIB =~ ^[1-9][0-9]*$ ]] || die "FILES and FILE_MIB must be positive whole numbers"
MAX_PAIRS=0
for n in $PAIRS; do
  [[ $n =~ ^[1-9]$ ]] || die "PAIRS holds '$n': pair counts are 1 to 9"
  ((n > MAX_PAIRS)) && MAX_PAIRS=$n
done
[[ $WORK$RESULTS != *[[:space:]]* ]] || die "no white space in WORK or RESULTS"
[[ -f $MAIN_JS ]] || die "barge is not built ($MAIN_JS): npx tsc -p tsconfig.json"
for t in ip tc ss; do command -v "$t" >/dev/null || die "$t is missing (Debian: iproute2)"; done
tc qdisc add dev lo root tbf rate "$RATE" burst "$BURST" latency "$TBF_LATENCY" 2>/dev/null && tc qdisc del dev lo root
mkdir -p "$RESULTS" "$WORK" || die "cannot create $RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
DATA=$WORK/data DST=$WORK/dst D=$RESULTS/daemons
ROWS=$RESULTS/rows.tsv CMDS=$RESULTS/commands.txt
mkdir -p "$D" && chmod 700 "$D"
: > "$CMDS"
BARGE=(node "$MAIN_JS")
# NICE: the coordinator and agents run at this nice value (e.g. -10: ahead of the other
# work on a shared machine, to show whether CPU is the limit); empty: as this script
PRIO=()
[[ -z $NICE ]] || PRIO=(nice -n "$NICE")

# ------------------------------------------------------------------ clean-up, always
PIDS=()   # every process this script started, stopped by pid
stop_pids() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do
    for _ in {1..50}; do [[ -e /proc/$p ]] || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null
  done
  PIDS=()
}
net_down() {
  local s i
  for s in a b; do for ((i = 1; i <= 9; i++)); do ip netns del "$NS-$s$i" 2>/dev/null; done; done
  ip link del "$BR" 2>/dev/null
  return 0
}
CLOCK_PID=
cleanup() {
  stop_pids; net_down; rm -rf "${DST:?}"
  [[ -n $CLOCK_PID ]] && kill -TERM "$CLOCK_PID" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ network
addr_of() { case $1 in a) echo "$NET.$((10 + $2))" ;; b) echo "$NET.$((20 + $2))" ;; esac; }
shape() { tc "$@" root tbf rate "$RATE" burst "$BURST" latency "$TBF_LATENCY"; }
net_up() {
  net_down
  ip link add "$BR" type bridge && ip addr add "$NET.1/24" dev "$BR" && ip link set "$BR" up || die "cannot make bridge $BR"
  local s i ns
  for ((i = 1; i <= MAX_PAIRS; i++)); do
    for s in a b; do
      ns=$NS-$s$i
      ip netns add "$ns" || die "cannot make namespace $ns"
      ip -n "$ns" link set lo up
      # in the namespace: eth0; on the bridge: NS-sI-h
      ip link add "$ns-h" type veth peer name eth0 netns "$ns" || die "cannot make the veth of $ns"
      ip link set "$ns-h" master "$BR" up
      ip -n "$ns" addr add "$(addr_of "$s" "$i")/24" dev eth0
      ip -n "$ns" link set eth0 up
      shape -n "$ns" qdisc add dev eth0 || die "tc tbf failed in $ns"   # the agent's uplink
      shape qdisc add dev "$ns-h" || die "tc tbf failed on $ns-h"       # its downlink
    done
  done
  # ping (Debian: iputils-ping) when there is one; else the agents' enrolment and the runs show it
  command -v ping >/dev/null || return 0
  for ((i = 1; i <= MAX_PAIRS; i++)); do
    ip netns exec "$NS-a$i" ping -c 1 -W 2 "$(addr_of b "$i")" >/dev/null || die "no ping from $NS-a$i to $NS-b$i"
    ip netns exec "$NS-a$i" ping -c 1 -W 2 "$NET.1" >/dev/null || die "no ping from $NS-a$i to the bridge"
  done
}

# bytes sent by each shaped qdisc, as "dev bytes" lines: aI-up (eth0 in NS-aI), bI-down (NS-bI-h)
link_bytes() {
  local i
  for ((i = 1; i <= MAX_PAIRS; i++)); do
    echo "a$i-up $(tc -n "$NS-a$i" -s qdisc show dev eth0 | awk '/^ Sent/ {print $2; exit}')"
    echo "b$i-down $(tc -s qdisc show dev "$NS-b$i-h" | awk '/^ Sent/ {print $2; exit}')"
  done
}

# ------------------------------------------------------------------ data
make_data() {
  local want=$((FILES * FILE_MIB * 1048576)) have
  have=$(find "$DATA/set" -type f -printf '%s\n' 2>/dev/null | awk '{s += $1} END {print s + 0}')
  if [[ $have != "$want" || $(find "$DATA/set" -type f 2>/dev/null | wc -l) != "$FILES" ]]; then
    say "making $FILES files of $FILE_MIB MiB in $DATA/set"
    rm -rf "$DATA/set" && mkdir -p "$DATA/set"
    local k
    for ((k = 1; k <= FILES; k++)); do
      head -c $((FILE_MIB * 1048576)) /dev/urandom > "$DATA/set/f$(printf %02d "$k").bin" || die "cannot write $DATA/set"
    done
  fi
  cat "$DATA"/set/* > /dev/null   # warm: SUBMIT_FLAGS' --keep-cache keeps it so
  BYTES=$want
}

# ------------------------------------------------------------------ coordinator and agents
wait_log() {  # LOG PATTERN PID
  local i; for ((i = 0; i < 300; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    [[ -e /proc/$3 ]] || break; sleep 0.1
  done
  die "did not start: $(tail -5 "$1")"
}
start_coordinator() {
  ADMIN_TOKEN=$(head -c 24 /dev/urandom | base64 | tr -d '/+=') AGENT_TOKEN=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  rm -rf "$D/coord" && mkdir -p "$D/coord" && chmod 700 "$D/coord"
  (umask 077; cat > "$D/coord/barge.toml" <<EOF
[endpoints.src]
path = "$DATA"
write = false
site = "a"
[endpoints.dst]
path = "$DST"
write = true
site = "b"
[[tokens]]
name = "bench"
secret = "$ADMIN_TOKEN"
role = "admin"
[[tokens]]
name = "agents"
secret = "$AGENT_TOKEN"
role = "agent"
EOF
  )
  ! ss -Htln "sport = :$COORD_PORT" | grep -q . || die "port $COORD_PORT is in use: set COORD_PORT"
  COORD_URL=http://$NET.1:$COORD_PORT
  echo "${PRIO[*]} ${BARGE[*]} serve --config $D/coord/barge.toml --db sqlite:$D/coord/barge.sqlite --state-dir $D/coord --listen $NET.1:$COORD_PORT --no-local-agent" >> "$CMDS"
  "${PRIO[@]}" "${BARGE[@]}" serve --config "$D/coord/barge.toml" --db "sqlite:$D/coord/barge.sqlite" --state-dir "$D/coord" \
    --listen "$NET.1:$COORD_PORT" --no-local-agent > "$D/serve-$1.log" 2>&1 &
  PIDS+=($!); wait_log "$D/serve-$1.log" 'listening on' "${PIDS[-1]}"
}
start_agent() {  # SIDE I PAIRS
  local s=$1 i=$2 ep site log=$D/agent-$1$2-p$3.log
  if [[ $s == a ]]; then ep="src=$DATA" site=a; else ep="dst=$DST" site=b; fi
  # shellcheck disable=SC2086 # AGENT_FLAGS is a word list
  echo "ip netns exec $NS-$s$i env BARGE_TOKEN=… ${PRIO[*]} ${BARGE[*]} agent --coordinator $COORD_URL --name $s$i --site $site --endpoint $ep --data-listen $(addr_of "$s" "$i"):$DATA_PORT $AGENT_FLAGS" >> "$CMDS"
  # shellcheck disable=SC2086
  ip netns exec "$NS-$s$i" env BARGE_TOKEN="$AGENT_TOKEN" "${PRIO[@]}" "${BARGE[@]}" agent --coordinator "$COORD_URL" --name "$s$i" --site "$site" \
    --endpoint "$ep" --data-listen "$(addr_of "$s" "$i"):$DATA_PORT" $AGENT_FLAGS > "$log" 2>&1 &
  PIDS+=($!); wait_log "$log" 'listening on' "${PIDS[-1]}"
}
# waits until the coordinator lists N live agents at each site
wait_agents() {
  local n=$1 i got
  for ((i = 0; i < 100; i++)); do
    got=$(BARGE_TOKEN=$ADMIN_TOKEN "${BARGE[@]}" agents --server "$COORD_URL" --json 2>/dev/null \
      | node -e 'let t = ""; process.stdin.on("data", (d) => t += d).on("end", () => { try { const j = JSON.parse(t); const l = j.items ?? []; console.log(l.filter((a) => a.state !== "lost").length) } catch { console.log(0) } })')
    [[ $got == $((2 * n)) ]] && return 0
    sleep 0.2
  done
  die "the coordinator lists $got live agents, not $((2 * n))"
}

# ------------------------------------------------------------------ measures
cpu_jiffies() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8}' /proc/stat; }  # busy total
pids_cpu() {  # CPU seconds (user + system) of the pids still running
  local p t=0 tck; tck=$(getconf CLK_TCK)
  for p in "${PIDS[@]}"; do
    [[ -r /proc/$p/stat ]] && t=$((t + $(sed 's/^.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')))
  done
  awk -v t="$t" -v k="$tck" 'BEGIN {printf "%.2f", t / k}'
}
now_s() { date +%s.%N; }
# seconds barge's threads ran and waited runnable for a CPU (/proc/PID/task/*/schedstat:
# ns on a CPU, ns on a run queue): waiting is the share of the 2 cores the others took
sched_s() {
  local p
  for p in "${PIDS[@]}"; do cat "/proc/$p/task/"*/schedstat 2>/dev/null; done | awk '{r += $1; w += $2} END {printf "%.2f %.2f", r / 1e9, w / 1e9}'
}
# raw TCP over the same links: one iperf3 stream from aI to bI for every pair at once,
# IPERF_SECS long; prints the sum received in MB/s (10^6 bytes), or NA
iperf_mbps() {
  local n=$1 i out=() tmp=$RESULTS/iperf-p$1
  [[ $IPERF_SECS != 0 ]] && command -v iperf3 >/dev/null || { echo NA; return; }
  for ((i = 1; i <= n; i++)); do
    ip netns exec "$NS-b$i" iperf3 -s -1 -B "$(addr_of b "$i")" -p 5201 > "$tmp-s$i.log" 2>&1 &
    PIDS+=($!)
  done
  sleep 0.5
  for ((i = 1; i <= n; i++)); do
    ip netns exec "$NS-a$i" iperf3 -c "$(addr_of b "$i")" -p 5201 -t "$IPERF_SECS" -J > "$tmp-c$i.json" 2>&1 &
    out+=($!)
  done
  for i in "${out[@]}"; do wait "$i"; done
  echo "ip netns exec $NS-bI iperf3 -s -1 -B ADDR_bI -p 5201; ip netns exec $NS-aI iperf3 -c ADDR_bI -p 5201 -t $IPERF_SECS -J (I = 1..$n at once)" >> "$CMDS"
  node -e 'let s = 0; for (const f of process.argv.slice(1)) { try { s += JSON.parse(require("fs").readFileSync(f, "utf8")).end.sum_received.bits_per_second } catch { console.log("NA"); process.exit(0) } } console.log((s / 8e6).toFixed(1))' "$tmp"-c*.json
}
# The machine's job control may stop every job on it for a while (seen: over a minute, all
# sessions' processes in state T); a run that spans such a pause measures the pause. A
# clock in this script's process group (stopped with it) writes the time every 0.2 s;
# paused_s T0 T1 sums the gaps over 0.5 s between T0 and T1, and such runs are repeated.
CLOCK_LOG=$RESULTS/clock.log
start_clock() { ( while :; do date +%s.%N; sleep 0.2; done ) > "$CLOCK_LOG" 2>/dev/null & CLOCK_PID=$!; }
paused_s() {
  awk -v a="$1" -v b="$2" 'NR > 1 && $1 > a && p < b && $1 - p - 0.2 > 0.5 { s += $1 - p - 0.2 } { p = $1 } END { printf "%.1f", s + 0 }' "$CLOCK_LOG"
}

# ------------------------------------------------------------------ main
start_clock
make_data
mkdir -p "$DST" || die "cannot create $DST"
net_up
{
  echo "date: $(date -u +%FT%TZ)"
  echo "barge: commit $(git -C "$REPO" log -1 --format='%h %s' 2>/dev/null | cut -c1-100)$([[ -n $(git -C "$REPO" status --porcelain -- src 2>/dev/null) ]] && echo ' + uncommitted changes in src/')"
  echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, kernel $(uname -r), node $(node --version)"
  echo "data: $FILES x $FILE_MIB MiB = $BYTES bytes in $DATA/set; destination $DST ($(findmnt -no FSTYPE --target "$WORK" | head -1))"
  echo "links: every agent's veth shaped both ways: tbf rate $RATE burst $BURST latency $TBF_LATENCY"
  echo "submit flags: $SUBMIT_FLAGS; agent flags: ${AGENT_FLAGS:-none}; coordinator and agents at nice ${NICE:-0 (as the script)}"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$RESULTS/env.txt"
cat "$RESULTS/env.txt" >&2
tc -s qdisc show dev "$NS-b1-h" > "$RESULTS/tc-before.txt"

printf 'pairs\trun\tbytes\twall_s\tMBps\texit\tcheck\tbusy_pct\tbarge_cpu_s\tlinks\tpaused_s\tbarge_wait_s\n' > "$ROWS"
IPERF=""
for n in $PAIRS; do
  ip_mb=$(iperf_mbps "$n"); IPERF+="$n:$ip_mb "
  say "$n pair(s): raw TCP (iperf3, one stream a pair, ${IPERF_SECS} s): $ip_mb MB/s"
  start_coordinator "p$n"
  for ((i = 1; i <= n; i++)); do start_agent a "$i" "$n"; start_agent b "$i" "$n"; done
  wait_agents "$n"
  say "$n pair(s): coordinator at $COORD_URL, agents a1..a$n (site a), b1..b$n (site b)"
  good=0
  for ((r = 1; good < RUNS && r <= RUNS + MAX_REPEATS; r++)); do
    rm -rf "${DST:?}" && mkdir -p "$DST" && sync
    mapfile -t before < <(link_bytes)
    read -r busy0 tot0 < <(cpu_jiffies); cpu0=$(pids_cpu); read -r _ wait0 < <(sched_s)
    t0=$(now_s)
    # shellcheck disable=SC2086 # SUBMIT_FLAGS is a word list
    id=$(BARGE_TOKEN=$ADMIN_TOKEN timeout "$RUN_TIMEOUT" "${BARGE[@]}" submit --server "$COORD_URL" $SUBMIT_FLAGS src:/set dst:/set 2> "$RESULTS/submit-p$n-r$r.err")
    BARGE_TOKEN=$ADMIN_TOKEN timeout "$RUN_TIMEOUT" "${BARGE[@]}" watch --server "$COORD_URL" "$id" > "$RESULTS/watch-p$n-r$r.log" 2>&1
    rc=$?
    t1=$(now_s)
    read -r busy1 tot1 < <(cpu_jiffies); cpu1=$(pids_cpu); read -r _ wait1 < <(sched_s)
    mapfile -t after < <(link_bytes)
    sleep 0.5; paused=$(paused_s "$t0" "$t1")   # the clock's next line closes a gap that ends at t1
    [[ $r == 1 ]] && echo "BARGE_TOKEN=… ${BARGE[*]} submit --server $COORD_URL $SUBMIT_FLAGS src:/set dst:/set; BARGE_TOKEN=… ${BARGE[*]} watch --server $COORD_URL ID" >> "$CMDS"
    BARGE_TOKEN=$ADMIN_TOKEN "${BARGE[@]}" status --server "$COORD_URL" --json "$id" > "$RESULTS/status-p$n-r$r.json" 2>&1
    check=ok
    for f in "$DATA"/set/*; do cmp -s "$f" "$DST/set/${f##*/}" || { check="differs:${f##*/}"; break; }; done
    [[ $check == ok && $rc == 0 ]] && good=$((good + 1))
    [[ $check == ok && $rc == 0 && $paused != 0.0 ]] && { check=paused; good=$((good - 1)); }
    links=""
    for ((k = 0; k < ${#after[@]}; k++)); do
      read -r dev b1 <<< "${after[$k]}"; read -r _ b0 <<< "${before[$k]}"
      links+="$dev=$((b1 - b0)) "
    done
    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
    mbps=$(awk -v b="$BYTES" -v w="$wall" 'BEGIN {printf "%.1f", b / w / 1e6}')
    busy=$(awk -v a="$busy0" -v b="$busy1" -v c="$tot0" -v d="$tot1" 'BEGIN {printf "%.0f", 100 * (b - a) / (d - c)}')
    bcpu=$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN {printf "%.1f", b - a}')
    bwait=$(awk -v a="$wait0" -v b="$wait1" 'BEGIN {printf "%.1f", b - a}')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$r" "$BYTES" "$wall" "$mbps" "$rc" "$check" "$busy" "$bcpu" "${links% }" "$paused" "$bwait" >> "$ROWS"
    say "$n pair(s) run $r: $wall s, $mbps MB/s, exit $rc, $check (paused $paused s), machine busy $busy%, barge CPU $bcpu s, waiting for a CPU $bwait s; $links"
  done
  for ((i = 1; i <= n; i++)); do
    tc -n "$NS-a$i" -s qdisc show dev eth0 | sed "s/^/p$n a$i-up: /"
    tc -s qdisc show dev "$NS-b$i-h" | sed "s/^/p$n b$i-down: /"
  done >> "$RESULTS/tc-after.txt"
  stop_pids
done

awk -f "$HERE/scale-out-table.awk" -v rate_mbit="${RATE%mbit}" -v iperf="$IPERF" "$ROWS" > "$RESULTS/table.md" || die "cannot make the table"
cat "$RESULTS/table.md"
say "results in $RESULTS"
