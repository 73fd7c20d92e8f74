#!/usr/bin/env bash
# bench/dataplane/peers.sh - barge's data plane side by side with the data movers people
# use between sites (issue 27): GridFTP (globus-url-copy), XRootD (xrdcp) and an rsync
# daemon, all on loopback, against barge pushing into a lone agent (1 and 4 streams) and
# agent -> agent under a coordinator, with local `cp -a` and `barge sync` as the floor.
# Every tool copies mkdata.sh's sets into an empty destination on the same file system,
# caches prepared as ../shared/bench/peers.sh does, RUNS rounds with the tools interleaved
# in each; medians, GB/s and barge's ratios in a markdown table. See README.md here.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/node-env.sh
source "$HERE/../node-env.sh"
REPO=$(cd "$HERE/../.." && pwd)
MAIN_JS=$REPO/dist/src/cli/main.js
STAMP=$(date -u +%Y%m%d-%H%M%S)
SHARED_BENCH=${SHARED_BENCH:-$REPO/../shared/bench}
DATA_DIR=${DATA_DIR:-$REPO/benchdata}
DST=${DST:-$DATA_DIR/peers-dst}
RESULTS=${RESULTS:-$DATA_DIR/results/peers-$STAMP}
SETS=${SETS:-"large mixed"}
RUNS=${RUNS:-3}
ALL_TOOLS="xrdcp-1 xrdcp-4 guc-1 guc-4 rsyncd push-1 push-4 a2a serve cp sync"
TOOLS=${TOOLS:-$ALL_TOOLS}
INSTALL=${INSTALL:-1}
BUILD=${BUILD:-auto}
WARM_DROP=${WARM_DROP:-1}
CHECK_SAMPLE=${CHECK_SAMPLE:-8}
CHECK_CONTENT=${CHECK_CONTENT:-barge}
SYNC_FLAGS=${SYNC_FLAGS:-}
A2A_AGENT_FLAGS=${A2A_AGENT_FLAGS:-}
RUN_TIMEOUT=${RUN_TIMEOUT:-1800}
IPERF_SECS=${IPERF_SECS:-5}
AGENT_PORT=${AGENT_PORT:-7792} XRD_PORT=${XRD_PORT:-7794} GRIDFTP_PORT=${GRIDFTP_PORT:-7795}
RSYNC_PORT=${RSYNC_PORT:-7796} COORD_PORT=${COORD_PORT:-7797} IPERF_PORT=${IPERF_PORT:-7798} SERVE_PORT=${SERVE_PORT:-7799}

say() { printf 'bench/peers: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
wants() { [[ " $TOOLS " == *" $1 "* ]]; }
wants_any() { local t; for t in "$@"; do wants "$t" && return 0; done; return 1; }

for t in $TOOLS; do [[ " $ALL_TOOLS " == *" $t "* ]] || die "unknown tool '$t' in TOOLS (known: $ALL_TOOLS)"; done
for s in $SETS; do [[ $s == large || $s == mixed || $s == small ]] || die "unknown set '$s' in SETS (large, mixed, small)"; done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive whole number, not '$RUNS'"
[[ $(id -u) == 0 ]] || die "run as root: xrootd and the GridFTP server drop to nobody, the destination is chowned before every run, caches are dropped"
[[ $DATA_DIR$DST$RESULTS != *[[:space:]]* ]] || die "no white space in DATA_DIR, DST or RESULTS"
# DST is emptied before every run and removed at the end: never a folder that holds the sets
for s in $SETS; do [[ $DATA_DIR/$s/ != "${DST%/}"/* ]] || die "DST=$DST holds the $s set: it is removed at the end; name a folder of its own"; done
mkdir -p "$RESULTS/raw" || die "cannot create $RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
ROWS=$RESULTS/rows.tsv CMDS=$RESULTS/commands.txt
printf 'set\ttool\trun\tfiles\tbytes\twall_s\texit\tcheck\tmachine_busy_pct\n' > "$ROWS"
: > "$CMDS"
say "results in $RESULTS"

# ------------------------------------------------------------------ clean-up, always
PIDS=()          # every daemon this script started, stopped by pid on exit
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do
    for _ in {1..50}; do [[ -e /proc/$p ]] || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null
  done
  rm -rf "${DST:?}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ tools
install_missing() {
  local -A pkg_of=([xrootd]=xrootd-server [xrdcp]=xrootd-client [globus-gridftp-server]=globus-gridftp-server-progs
    [globus-url-copy]=globus-gass-copy-progs [rsync]=rsync [iperf3]=iperf3 [ss]=iproute2)
  local t missing=() still=()
  for t in "${!pkg_of[@]}"; do command -v "$t" >/dev/null 2>&1 || missing+=("${pkg_of[$t]}"); done
  [[ ${#missing[@]} == 0 ]] && return 0
  if [[ $INSTALL == 1 ]] && command -v apt-get >/dev/null; then
    say "installing from Debian: ${missing[*]} (log: $RESULTS/install.log)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >> "$RESULTS/install.log" 2>&1 || say "apt-get update failed"
    apt-get install -y -qq "${missing[@]}" >> "$RESULTS/install.log" 2>&1 \
      || for t in "${missing[@]}"; do apt-get install -y -qq "$t" >> "$RESULTS/install.log" 2>&1; done
  fi
  for t in "${!pkg_of[@]}"; do command -v "$t" >/dev/null 2>&1 || still+=("${pkg_of[$t]}"); done
  [[ ${#still[@]} == 0 ]] || say "MISSING Debian packages: ${still[*]} (apt-get install ${still[*]}); the tools that need them are skipped"
}
install_missing
have() { command -v "$1" >/dev/null 2>&1; }
drop_tools() { local t; for t in "$@"; do TOOLS=" $TOOLS "; TOOLS=${TOOLS// $t / }; done; }
{ have xrootd && have xrdcp; } || drop_tools xrdcp-1 xrdcp-4
{ have globus-gridftp-server && have globus-url-copy; } || drop_tools guc-1 guc-4
have rsync || drop_tools rsyncd
have ss || die "ss (Debian package iproute2) is required to check the ports"

# ------------------------------------------------------------------ build (as run.sh)
if [[ $BUILD != never ]] && wants_any push-1 push-4 a2a serve sync; then
  if [[ $BUILD == always || ! -f $MAIN_JS || -n $(find "$REPO/src" -name '*.ts' -newer "$MAIN_JS" -print -quit) ]]; then
    say "building barge (npm run build)"
    (cd "$REPO" && npm_ run build >&2) || say "WARNING: the build reported errors; benchmarking what dist/ holds"
  fi
fi
wants_any push-1 push-4 a2a serve sync && { [[ -f $MAIN_JS ]] || die "barge is not built ($MAIN_JS)"; }
BARGE=(node "$MAIN_JS")

# ------------------------------------------------------------------ data
[[ -f $SHARED_BENCH/mkdata.sh ]] || die "no mkdata.sh in SHARED_BENCH=$SHARED_BENCH"
{ mkdir -p "$DATA_DIR" && DATA_DIR=$(cd "$DATA_DIR" && pwd); } || die "cannot create $DATA_DIR"
for s in $SETS; do
  if [[ ! -e $DATA_DIR/$s.done ]]; then
    say "making the $s set with mkdata.sh into $DATA_DIR (LARGE_MIB, MIXED_FILES, ... pass through)"
    DATA_DIR=$DATA_DIR bash "$SHARED_BENCH/mkdata.sh" "$s" >&2 || die "mkdata.sh $s failed"
  fi
done
{ rm -rf "${DST:?}" && mkdir -p "$DST"; } || die "cannot create $DST"
DST=$(cd "$DST" && pwd)
[[ $(df -P "$DST" | awk 'NR == 2 {print $1}') == $(df -P "$DATA_DIR" | awk 'NR == 2 {print $1}') ]] \
  || say "WARNING: $DST is not on the file system of $DATA_DIR"

CAN_DROP=0
if [[ $WARM_DROP == 1 ]]; then sync && echo 1 > /proc/sys/vm/drop_caches 2>/dev/null && CAN_DROP=1; fi
[[ $WARM_DROP == 1 && $CAN_DROP == 0 ]] && say "drop_caches not permitted: runs without the page-cache drop"

# ------------------------------------------------------------------ daemons
port_free() { ! ss -Htln "sport = :$1" | grep -q .; }
# NAME PORT_VARIABLE LOGFILE CMD...: start a daemon in the foreground of a background job
start_daemon() {
  local name=$1 var=$2 log=$3; shift 3
  port_free "${!var}" || die "port ${!var} is in use: set $var to a free port"
  echo "$*" >> "$CMDS"
  "$@" > "$log" 2>&1 &
  PIDS+=($!)
  local i; for ((i = 0; i < 100; i++)); do
    port_free "${!var}" || { say "$name listening on port ${!var} (pid $!)"; return 0; }
    [[ -e /proc/$! ]] || break; sleep 0.1
  done
  die "$name did not start: $(tail -5 "$log")"
}
# wait for "listening on" in LOG of the last started process
wait_listening() {
  local i; for ((i = 0; i < 300; i++)); do
    grep -q 'listening on' "$1" 2>/dev/null && return 0
    [[ -e /proc/${PIDS[-1]} ]] || break; sleep 0.1
  done
  die "did not start: $(tail -5 "$1")"
}
D=$RESULTS/daemons
mkdir -p "$D" && chmod 700 "$D"

if wants_any xrdcp-1 xrdcp-4; then
  # xrootd refuses to run as root: -R nobody; its admin folder must be nobody's
  mkdir -p "$D/xrootd" && chown nobody "$D/xrootd"
  cat > "$D/xrootd.cfg" <<EOF
all.export $DST
xrd.port $XRD_PORT
xrd.allow host localhost
all.adminpath $D/xrootd
all.pidpath $D/xrootd
EOF
  chmod 711 "$D"
  start_daemon xrootd XRD_PORT "$D/xrootd.out" xrootd -c "$D/xrootd.cfg" -R nobody -n peers -l "$D/xrootd/xrootd.log"
fi
if wants_any guc-1 guc-4; then
  # anonymous FTP login, as nobody, on loopback only; forking mode (-no-fork serves one session)
  start_daemon globus-gridftp-server GRIDFTP_PORT "$D/gridftp.out" globus-gridftp-server -aa -anonymous-user nobody \
    -control-interface 127.0.0.1 -data-interface 127.0.0.1 -p "$GRIDFTP_PORT" -l "$D/gridftp.log"
fi
if wants rsyncd; then
  cat > "$D/rsyncd.conf" <<EOF
address = 127.0.0.1
port = $RSYNC_PORT
use chroot = false
log file = $D/rsyncd.log
[bench]
path = $DST
read only = false
uid = nobody
gid = $(id -gn nobody)
EOF
  start_daemon "rsync daemon" RSYNC_PORT "$D/rsyncd.out" rsync --daemon --no-detach --config="$D/rsyncd.conf"
fi
if wants_any push-1 push-4; then
  head -c 24 /dev/urandom | base64 > "$D/agent.token" && chmod 600 "$D/agent.token"
  port_free "$AGENT_PORT" || die "port $AGENT_PORT is in use: set AGENT_PORT to a free port"
  echo "${BARGE[*]} agent --token-file $D/agent.token --endpoint bench=$DST:rw --data-listen 127.0.0.1:$AGENT_PORT --name peers-bench" >> "$CMDS"
  "${BARGE[@]}" agent --token-file "$D/agent.token" --endpoint "bench=$DST:rw" --data-listen "127.0.0.1:$AGENT_PORT" --name peers-bench > "$D/agent.log" 2>&1 &
  PIDS+=($!); wait_listening "$D/agent.log"; say "lone barge agent on 127.0.0.1:$AGENT_PORT"
fi
if wants a2a; then
  # barge serve on SQLite without a built-in agent; site a reads DATA_DIR, site b writes DST
  ADMIN_TOKEN=$(head -c 24 /dev/urandom | base64 | tr -d '/+=') A2A_TOKEN=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  mkdir -p "$D/coord" && chmod 700 "$D/coord"
  (umask 077; cat > "$D/coord/barge.toml" <<EOF
[endpoints.src]
path = "$DATA_DIR"
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
secret = "$A2A_TOKEN"
role = "agent"
EOF
  )
  port_free "$COORD_PORT" || die "port $COORD_PORT is in use: set COORD_PORT to a free port"
  COORD_URL=http://127.0.0.1:$COORD_PORT
  echo "${BARGE[*]} serve --config $D/coord/barge.toml --db sqlite:$D/coord/barge.sqlite --state-dir $D/coord --listen 127.0.0.1:$COORD_PORT --no-local-agent" >> "$CMDS"
  "${BARGE[@]}" serve --config "$D/coord/barge.toml" --db "sqlite:$D/coord/barge.sqlite" --state-dir "$D/coord" \
    --listen "127.0.0.1:$COORD_PORT" --no-local-agent > "$D/serve.log" 2>&1 &
  PIDS+=($!); wait_listening "$D/serve.log"
  for a in "a1 a src=$DATA_DIR" "b1 b dst=$DST"; do
    read -r name site ep <<< "$a"
    # shellcheck disable=SC2086 # A2A_AGENT_FLAGS is a word list
    echo "BARGE_TOKEN=… ${BARGE[*]} agent --coordinator $COORD_URL --name $name --site $site --endpoint $ep --data-listen 127.0.0.1:0 $A2A_AGENT_FLAGS" >> "$CMDS"
    # shellcheck disable=SC2086
    BARGE_TOKEN=$A2A_TOKEN "${BARGE[@]}" agent --coordinator "$COORD_URL" --name "$name" --site "$site" --endpoint "$ep" \
      --data-listen 127.0.0.1:0 $A2A_AGENT_FLAGS > "$D/agent-$name.log" 2>&1 &
    PIDS+=($!); wait_listening "$D/agent-$name.log"
  done
  say "coordinator at $COORD_URL with agents a1 (site a) and b1 (site b)"
fi
if wants serve; then
  # barge serve with its built-in agent, both endpoints on this host: the service path without the data plane
  SERVE_TOKEN=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  mkdir -p "$D/serve" && chmod 700 "$D/serve"
  (umask 077; cat > "$D/serve/barge.toml" <<EOF
[endpoints.src]
path = "$DATA_DIR"
write = false
site = "here"
[endpoints.dst]
path = "$DST"
write = true
site = "here"
[[tokens]]
name = "bench"
secret = "$SERVE_TOKEN"
role = "admin"
EOF
  )
  port_free "$SERVE_PORT" || die "port $SERVE_PORT is in use: set SERVE_PORT to a free port"
  SERVE_URL=http://127.0.0.1:$SERVE_PORT
  echo "${BARGE[*]} serve --config $D/serve/barge.toml --db sqlite:$D/serve/barge.sqlite --state-dir $D/serve --listen 127.0.0.1:$SERVE_PORT" >> "$CMDS"
  "${BARGE[@]}" serve --config "$D/serve/barge.toml" --db "sqlite:$D/serve/barge.sqlite" --state-dir "$D/serve" \
    --listen "127.0.0.1:$SERVE_PORT" > "$D/serve-builtin.log" 2>&1 &
  PIDS+=($!); wait_listening "$D/serve-builtin.log"
  say "barge serve with its built-in agent at $SERVE_URL"
fi

# ------------------------------------------------------------------ machine
{
  echo "date: $(date -u +%FT%TZ)"
  echo "barge: commit $(git -C "$REPO" log -1 --format='%h %s' 2>/dev/null | cut -c1-100)$([[ -n $(git -C "$REPO" status --porcelain -- src 2>/dev/null) ]] && echo ' + uncommitted changes in src/'); dist built $(date -u -r "$MAIN_JS" +%FT%TZ 2>/dev/null)"
  echo "machine: $(nproc) cores ($(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, kernel $(uname -r)"
  echo "data: $DATA_DIR, destination $DST ($(findmnt -no FSTYPE --target "$DST" | head -1)); page-cache drop before each run: $CAN_DROP"
  echo "node $(node --version); $(xrdcp --version 2>&1 | head -1 | sed 's/^/xrootd /'); $(globus-url-copy -version 2>&1 | head -1); $(rsync --version | head -1)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$RESULTS/env.txt"
cat "$RESULTS/env.txt" >&2

# the loopback TCP ceiling, for context (IPERF_SECS=0: none)
IPERF_LINE="iperf3: not run"
if [[ $IPERF_SECS != 0 ]] && have iperf3 && port_free "$IPERF_PORT"; then
  iperf3 -s -B 127.0.0.1 -p "$IPERF_PORT" > "$D/iperf3.log" 2>&1 &
  PIDS+=($!); sleep 0.5
  IPERF_LINE="loopback iperf3 -t $IPERF_SECS (Gbit/s received):"
  for p in 1 4; do
    IPERF_LINE+=" -P $p $(iperf3 -c 127.0.0.1 -p "$IPERF_PORT" -P "$p" -t "$IPERF_SECS" -J 2> /dev/null \
      | node -e 'let t = ""; process.stdin.on("data", (d) => t += d).on("end", () => { try { console.log((JSON.parse(t).end.sum_received.bits_per_second / 1e9).toFixed(1)) } catch { console.log("NA") } })')"
  done
fi
echo "$IPERF_LINE" >> "$RESULTS/env.txt"; say "$IPERF_LINE"

# ------------------------------------------------------------------ one run
# the command of TOOL for SET (source $DATA_DIR/SET, destination $DST/SET, which must not exist)
tool_cmd() {
  local t=$1 s=$2 src=$DATA_DIR/$2
  case $t in
    xrdcp-1) echo "xrdcp -r -f -s -p $src root://127.0.0.1:$XRD_PORT/$DST/" ;;   # -r copies the folder itself into DST/
    xrdcp-4) echo "xrdcp -r -f -s -p --parallel 4 $src root://127.0.0.1:$XRD_PORT/$DST/" ;;
    guc-1) echo "globus-url-copy -r -cd -p 1 file://$src/ ftp://127.0.0.1:$GRIDFTP_PORT$DST/$s/" ;;
    guc-4) echo "globus-url-copy -r -cd -p 4 -cc 4 file://$src/ ftp://127.0.0.1:$GRIDFTP_PORT$DST/$s/" ;;
    rsyncd) echo "rsync -a $src/ rsync://127.0.0.1:$RSYNC_PORT/bench/$s/" ;;
    push-1) echo "${BARGE[*]} sync -q --token-file $D/agent.token $src barge://127.0.0.1:$AGENT_PORT/bench/$s --streams 1 $SYNC_FLAGS" ;;
    push-4) echo "${BARGE[*]} sync -q --token-file $D/agent.token $src barge://127.0.0.1:$AGENT_PORT/bench/$s --streams 4 $SYNC_FLAGS" ;;
    # submit and watch to the end in one command: what a user of the service waits for
    a2a) echo "${BARGE[*]} submit --watch --server $COORD_URL src:/$s dst:/$s" ;;
    serve) echo "env BARGE_TOKEN=$SERVE_TOKEN ${BARGE[*]} submit --watch --server $SERVE_URL src:/$s dst:/$s" ;;
    cp) echo "cp -a $src $DST/$s" ;;
    sync) echo "${BARGE[*]} sync -q $src $DST/$s $SYNC_FLAGS" ;;
  esac
}

busy_jiffies() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9; exit}' /proc/stat; }
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)

# the state before every timed run: an empty destination owned by nobody (xrootd, GridFTP
# and the rsync daemon write as nobody; cp -a and barge give it the source's owner), written
# back, the page cache dropped and the source read back into it (peers.sh's warm mode)
prepare() {
  rm -rf "${DST:?}/$1"
  chown nobody "$DST"
  sync
  if [[ $CAN_DROP == 1 ]]; then
    echo 1 > /proc/sys/vm/drop_caches
    find "$DATA_DIR/$1" -type f -print0 | xargs -0 -r cat > /dev/null
  fi
}

# SET TOOL: file count and total bytes against the manifest; for barge (CHECK_CONTENT=barge)
# or every tool (all) also CHECK_SAMPLE files spread over the manifest compared byte for byte
check() {
  local s=$1 t=$2 man=$DATA_DIR/$1.manifest n bytes want_n want_b
  want_n=$(wc -l < "$man"); want_b=$(awk -F'\t' '{s += $1} END {printf "%.0f", s}' "$man")
  [[ -d $DST/$s ]] || { echo "no destination folder"; return 1; }
  read -r n bytes < <(find "$DST/$s" -type f -printf '%s\n' | awk '{s += $1} END {printf "%d %.0f\n", NR, s}')
  [[ $n == "$want_n" && $bytes == "$want_b" ]] || { echo "$n files, $bytes bytes (want $want_n, $want_b)"; return 1; }
  local note="count+bytes"
  if [[ $CHECK_CONTENT == all || ( $CHECK_CONTENT == barge && $t =~ ^(push-1|push-4|a2a|serve|sync)$ ) ]]; then
    local step=$(( (want_n + CHECK_SAMPLE - 1) / CHECK_SAMPLE )) k=0 rel
    while IFS=$'\t' read -r _ rel; do
      cmp -s "$DATA_DIR/$s/$rel" "$DST/$s/$rel" || { echo "content differs: $rel"; return 1; }
      k=$((k + 1))
    done < <(awk -v st="$step" '(NR - 1) % st == 0' "$man")
    note+=", $k files compared"
  fi
  echo "$note"
}

# SET TOOL RUN: one timed run, its check, its row
one_run() {
  local s=$1 t=$2 run=$3 cmd log=$RESULTS/raw/$1-$2-$3.log t0 t1 b0 b1 rc note
  cmd=$(tool_cmd "$t" "$s")
  [[ $run == 1 ]] && echo "$cmd" >> "$CMDS"
  prepare "$s"
  b0=$(busy_jiffies); t0=$(date +%s%N)
  BARGE_TOKEN=${ADMIN_TOKEN:-} timeout "$RUN_TIMEOUT" sh -c "exec $cmd" > "$log" 2>&1
  rc=$?
  t1=$(date +%s%N); b1=$(busy_jiffies)
  local wall; wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')
  note=$(check "$s" "$t") && ok=ok || ok=FAIL
  [[ $rc != 0 ]] && ok=FAIL
  local man=$DATA_DIR/$s.manifest
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$t" "$run" "$(wc -l < "$man")" \
    "$(awk -F'\t' '{s += $1} END {printf "%.0f", s}' "$man")" "$wall" "$rc" "$ok: $note" \
    "$(awk -v b=$((b1 - b0)) -v hz="$HZ" -v w="$wall" -v c="$(nproc)" 'BEGIN {printf "%.0f", (w > 0 ? 100 * b / hz / w / c : 0)}')" >> "$ROWS"
  say "$s $t run $run: ${wall}s, exit $rc, $ok: $note"
  rm -rf "${DST:?}/$s"
}

# ------------------------------------------------------------------ the runs
read -ra TOOL_LIST <<< "$TOOLS"; TOOLS=${TOOL_LIST[*]}   # normalised; tools whose programs are missing were dropped above
[[ -n $TOOLS ]] || die "no tool left to run"
say "sets: $SETS; tools: $TOOLS; $RUNS round(s), tools interleaved in each, the order rotated by one each round"
for s in $SETS; do
  for ((run = 1; run <= RUNS; run++)); do
    # round k starts at the k-th tool: no tool always runs first in its round, or always
    # right after the same one (a run that leaves the disk writing back slows the next)
    n=${#TOOL_LIST[@]}
    for ((i = 0; i < n; i++)); do one_run "$s" "${TOOL_LIST[$(( (i + run - 1) % n ))]}" "$run"; done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS/env.txt"

# ------------------------------------------------------------------ report
awk -f "$HERE/peers-table.awk" -v tools="$TOOLS" "$ROWS" > "$RESULTS/report.md" || die "the table failed"
{ echo; echo '```'; cat "$RESULTS/env.txt"; echo '```'; echo; echo 'Commands (first round):'; echo; echo '```'; cat "$CMDS"; echo '```'; } >> "$RESULTS/report.md"
cat "$RESULTS/report.md"
say "report: $RESULTS/report.md (rows: $ROWS, logs: $RESULTS/raw/, daemons' logs: $D/)"
