#!/usr/bin/env bash
# bench/dataplane/run.sh - data-plane throughput: `barge sync SRC barge://…` into a lone
# `barge agent`, against iperf3 in the same run, on loopback and across an emulated
# wide-area link between two network namespaces (50 ms RTT, 1 Gbit/s). Also barge
# local-to-local and cp -a on the same data for context, and (section "profile") profiles of
# the agent and the sender. Prints a markdown report; see bench/dataplane/README.md.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/node-env.sh
source "$HERE/../node-env.sh"
REPO=$(cd "$HERE/../.." && pwd)
MAIN_JS=$REPO/dist/src/cli/main.js
STAMP=$(date -u +%Y%m%d-%H%M%S)
RESULTS=${RESULTS:-$REPO/benchdata/results/dataplane-$STAMP}
SECTIONS=${SECTIONS:-"loopback local wan wan-bigbuf profile"}
RUNS=${RUNS:-3}
DATA_ROOT=${DATA_ROOT:-/dev/shm/barge-dataplane}
FILE_MIB=${FILE_MIB:-1024}
LOOP_FILES=${LOOP_FILES:-4}
WAN_FILES=${WAN_FILES:-2}
IPERF_SECS=${IPERF_SECS:-10}
LOOP_STREAMS=${LOOP_STREAMS:-"1 4"}
LOOP_IPERF_P=${LOOP_IPERF_P:-"1 4"}
WAN_STREAMS=${WAN_STREAMS:-"1 4 8"}
WAN_IPERF_P=${WAN_IPERF_P:-"1 4 8"}
BIGBUF=${BIGBUF:-67108864}
BIGBUF_STREAMS=${BIGBUF_STREAMS:-"1 8"}
BIGBUF_IPERF_P=${BIGBUF_IPERF_P:-"1 8"}
PROFILE_LOOP_STREAMS=${PROFILE_LOOP_STREAMS-"1 4"}
PROFILE_WAN_STREAMS=${PROFILE_WAN_STREAMS-8}
PERF=${PERF:-auto}
SYNC_FLAGS=${SYNC_FLAGS:-}
INSTALL=${INSTALL:-1}
BUILD=${BUILD:-auto}
BARGE_REF=${BARGE_REF:-}
KEEP_DATA=${KEEP_DATA:-0}
PORT=${PORT:-7791}
IPERF_PORT=${IPERF_PORT:-5291}
export NS_A=${NS_A:-bdp-snd} NS_B=${NS_B:-bdp-rcv} ADDR_A=${ADDR_A:-10.251.0.1} ADDR_B=${ADDR_B:-10.251.0.2}
export RTT_MS=${RTT_MS:-50} RATE_MBIT=${RATE_MBIT:-1000} STATE_DIR=${STATE_DIR:-$RESULTS/link}

say() { printf 'bench/dataplane: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
has() { [[ " $SECTIONS " == *" $1 "* ]]; }

mkdir -p "$RESULTS/raw" "$STATE_DIR" || die "cannot create $RESULTS"
ROWS=$RESULTS/rows.tsv
CMDS=$RESULTS/commands.txt
printf 'section\ttool\tconfig\trun\tbytes\twall_s\tinner_s\tsender_cpu_s\treceiver_cpu_s\tlink_cpu_s\tmachine_cpu_s\tsender_rss_kib\treceiver_rss_kib\texit\tnote\n' > "$ROWS"
: > "$CMDS"
say "results in $RESULTS"

# ------------------------------------------------------------------ clean-up, always
AGENT_PID=""
IPERF_PIDFILES=()
cleanup() {
  [[ -n $AGENT_PID ]] && kill -TERM "$AGENT_PID" 2>/dev/null
  local f
  for f in "${IPERF_PIDFILES[@]}"; do [[ -s $f ]] && kill "$(cat "$f")" 2>/dev/null; rm -f "$f"; done
  bash "$HERE/netns.sh" down
  rm -rf "$DATA_ROOT/dst"
  [[ $KEEP_DATA == 1 ]] || rm -rf "$DATA_ROOT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ tools
install_missing() {
  local -A pkg_of=([iperf3]=iperf3 [ping]=iputils-ping [/usr/bin/time]=time [openssl]=openssl [cc]=gcc)
  local t missing=() still=()
  for t in "${!pkg_of[@]}"; do command -v "$t" >/dev/null 2>&1 || missing+=("${pkg_of[$t]}"); done
  [[ ${#missing[@]} == 0 ]] && return 0
  if [[ $INSTALL == 1 && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    say "installing from Debian: ${missing[*]} (log: $RESULTS/install.log)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >> "$RESULTS/install.log" 2>&1 || say "apt-get update failed"
    apt-get install -y -qq "${missing[@]}" >> "$RESULTS/install.log" 2>&1 \
      || for t in "${missing[@]}"; do apt-get install -y -qq "$t" >> "$RESULTS/install.log" 2>&1; done
  fi
  for t in "${!pkg_of[@]}"; do command -v "$t" >/dev/null 2>&1 || still+=("${pkg_of[$t]}"); done
  [[ ${#still[@]} == 0 ]] || say "MISSING: ${still[*]} (Debian packages); the parts that need them are skipped"
}
install_missing
[[ -x /usr/bin/time ]] || die "/usr/bin/time (Debian package 'time') is required"
command -v openssl >/dev/null || die "openssl is required to make the data"
HAVE_IPERF=1; command -v iperf3 >/dev/null || HAVE_IPERF=0
if [[ $(id -u) != 0 ]] && { has wan || has wan-bigbuf; }; then say "not root: no network namespaces, WAN sections skipped"; SECTIONS=${SECTIONS//wan-bigbuf/}; SECTIONS=${SECTIONS//wan/}; fi

# ------------------------------------------------------------------ build
# BARGE_REF=<commit>: benchmark that commit, exported with `git archive` and built in a
# folder of its own (the work tree's node_modules and native addon), so that edits in
# progress in the work tree are not measured; otherwise the work tree's dist/
COMMIT_DESC=""
if [[ -n $BARGE_REF ]]; then
  sha=$(git -C "$REPO" rev-parse --short "$BARGE_REF^{commit}") || die "BARGE_REF=$BARGE_REF is not a commit"
  TREE=${BARGE_TREE:-/tmp/barge-dataplane-tree-$sha}
  if [[ ! -f $TREE/dist/src/cli/main.js ]]; then
    say "building commit $sha in $TREE"
    rm -rf "$TREE" && mkdir -p "$TREE/build" || die "cannot create $TREE"
    git -C "$REPO" archive "$sha" | tar -x -C "$TREE" || die "git archive $sha failed"
    ln -s "$REPO/node_modules" "$TREE/node_modules"
    cp -r "$REPO/build/Release" "$TREE/build/" || die "no native addon in $REPO/build/Release (npm ci builds it)"
    (cd "$TREE" && npx tsc -p tsconfig.json >&2) || say "WARNING: tsc reported errors in $sha; benchmarking what it emitted"
  fi
  MAIN_JS=$TREE/dist/src/cli/main.js
  COMMIT_DESC="$(git -C "$REPO" log -1 --format='%h %s' "$sha" | cut -c1-100) (BARGE_REF=$BARGE_REF, built in $TREE)"
elif [[ $BUILD != never ]]; then
  if [[ $BUILD == always || ! -f $MAIN_JS || -n $(find "$REPO/src" -name '*.ts' -newer "$MAIN_JS" -print -quit) ]]; then
    say "building barge (npm run build)"
    (cd "$REPO" && npm_ run build >&2) || say "WARNING: the build reported errors; benchmarking what dist/ holds"
  fi
fi
[[ -f $MAIN_JS ]] || die "barge is not built ($MAIN_JS)"
# this benchmark's own scripts (report table, profile summary), always from the work tree
BENCH_JS=$REPO/dist/bench/dataplane
if [[ $BUILD != never || ! -f $BENCH_JS/table.js ]]; then
  if [[ ! -f $BENCH_JS/table.js || -n $(find "$HERE" -name '*.ts' -newer "$BENCH_JS/table.js" -print -quit) ]]; then
    (cd "$REPO" && npx tsc -p bench/dataplane/tsconfig.json >&2) || say "WARNING: tsc reported errors in bench/dataplane"
  fi
fi
for f in table prof-top; do [[ -f $BENCH_JS/$f.js ]] || die "dist/bench/dataplane/$f.js missing (tsc -p bench/dataplane/tsconfig.json failed)"; done

# ------------------------------------------------------------------ machine
{
  echo "date: $(date -u +%FT%TZ)"
  if [[ -n $COMMIT_DESC ]]; then echo "barge: commit $COMMIT_DESC"
  else echo "barge: work tree, commit $(cd "$REPO" && git log -1 --format='%h %s' 2>/dev/null | cut -c1-100)$(cd "$REPO" && [[ -n $(git status --porcelain -- src 2>/dev/null) ]] && echo ' + uncommitted changes in src/')"; fi
  echo "dist built: $(date -u -r "$MAIN_JS" +%FT%TZ)"
  echo "machine: $(nproc) cores ($(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, kernel $(uname -r)"
  echo "node $(node --version), $(iperf3 --version 2>/dev/null | head -1)"
  echo "data: $DATA_ROOT ($(mkdir -p "$DATA_ROOT" && findmnt -no FSTYPE --target "$DATA_ROOT" 2>/dev/null | head -1))"
  echo "host TCP: $(sysctl -n net.ipv4.tcp_congestion_control) tcp_rmem=[$(sysctl -n net.ipv4.tcp_rmem | tr '\t' ' ')] tcp_wmem=[$(sysctl -n net.ipv4.tcp_wmem | tr '\t' ' ')] rmem_max=$(sysctl -n net.core.rmem_max) wmem_max=$(sysctl -n net.core.wmem_max) tcp_adv_win_scale=$(sysctl -n net.ipv4.tcp_adv_win_scale) slow_start_after_idle=$(sysctl -n net.ipv4.tcp_slow_start_after_idle)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$RESULTS/env.txt"
cat "$RESULTS/env.txt" >&2

# ------------------------------------------------------------------ data
SRC=$DATA_ROOT/src
WAN_SRC=$DATA_ROOT/wan-src
DST=$DATA_ROOT/dst
SPEC="$LOOP_FILES x $FILE_MIB MiB"
if [[ $(cat "$DATA_ROOT/src.done" 2>/dev/null) != "$SPEC" ]]; then
  need_kib=$(( (LOOP_FILES + LOOP_FILES) * FILE_MIB * 1024 + 1048576 ))
  mkdir -p "$DATA_ROOT" || die "cannot create $DATA_ROOT"
  avail=$(df -Pk "$DATA_ROOT" | awk 'NR == 2 {print $4}')
  memavail=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
  say "data: need ~$((need_kib / 1048576)) GiB (source + one destination) in $DATA_ROOT; free there $((avail / 1048576)) GiB, memory available $((memavail / 1048576)) GiB"
  ((avail < need_kib)) && die "not enough room in $DATA_ROOT (set DATA_ROOT, FILE_MIB or LOOP_FILES)"
  [[ $(findmnt -no FSTYPE --target "$DATA_ROOT") == tmpfs ]] && ((memavail < need_kib + 2097152)) && die "not enough free memory for the data in tmpfs"
  rm -rf "$SRC" "$DATA_ROOT/src.done" && mkdir -p "$SRC"
  say "making $SPEC of incompressible data in $SRC"
  for ((i = 0; i < LOOP_FILES; i++)); do
    openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv "$(printf '%032x' $((300 + i)))" -in /dev/zero 2>/dev/null \
      | head -c "$((FILE_MIB * 1048576))" > "$SRC/big$i.bin"
    [[ $(stat -c %s "$SRC/big$i.bin") == $((FILE_MIB * 1048576)) ]] || die "cannot write $SRC/big$i.bin"
  done
  echo "$SPEC" > "$DATA_ROOT/src.done"
fi
rm -rf "$WAN_SRC" && mkdir -p "$WAN_SRC"
for ((i = 0; i < WAN_FILES && i < LOOP_FILES; i++)); do ln "$SRC/big$i.bin" "$WAN_SRC/big$i.bin" || die "cannot link $WAN_SRC"; done
LOOP_BYTES=$((LOOP_FILES * FILE_MIB * 1048576))
WAN_BYTES=$((WAN_FILES * FILE_MIB * 1048576))
TOKEN_FILE=$RESULTS/token
head -c 24 /dev/urandom | base64 > "$TOKEN_FILE"
export BARGE_TOKEN; BARGE_TOKEN=$(cat "$TOKEN_FILE")

# ------------------------------------------------------------------ helpers
machine_cpu() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }   # jiffies, not idle/iowait
# PID -> its user + system jiffies (0 without a pid: careful, /proc//stat is /proc/stat)
proc_cpu() { if [[ $1 =~ ^[0-9]+$ && -r /proc/$1/stat ]]; then sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; else echo 0; fi; }
proc_hwm() { if [[ $1 =~ ^[0-9]+$ && -r /proc/$1/status ]]; then awk '/^VmHWM/ {print $2}' "/proc/$1/status"; else echo NA; fi; }
secs() { awk -v j="$1" 'BEGIN {printf "%.2f", j / 100}'; }
link_pid() { cat "$STATE_DIR/linkemu.pid" 2>/dev/null; }
row() { local IFS=$'\t'; printf '%s\n' "$*" >> "$ROWS"; }
cmd() { printf '%s\n' "$*" >> "$CMDS"; }
# NS CMD...: in a namespace, or here when NS is empty
in_ns() { local ns=$1; shift; if [[ -n $ns ]]; then ip netns exec "$ns" "$@"; else "$@"; fi; }

# NS LISTEN_HOST [NODE_FLAGS...]: a lone agent serving $DST as endpoint "bench"
start_agent() {
  local ns=$1 host=$2; shift 2
  local log=$RESULTS/raw/agent-$STAMP-$((++AGENTS)).log
  mkdir -p "$DST"
  local args=(node "$@" "$MAIN_JS" agent --token-file "$TOKEN_FILE" --endpoint "bench=$DST:rw" --data-listen "$host:$PORT" --name bench)
  cmd "${ns:+ip netns exec $ns }${args[*]}"
  AGENT_LOG=$log
  if [[ -n $ns ]]; then ip netns exec "$ns" "${args[@]}" > "$log" 2>&1 & else "${args[@]}" > "$log" 2>&1 & fi
  AGENT_PID=$!
  local i
  for ((i = 0; i < 100; i++)); do
    grep -q 'listening on' "$log" 2>/dev/null && return 0
    [[ -e /proc/$AGENT_PID ]] || break
    sleep 0.1
  done
  say "the agent did not start: $(cat "$log")"; AGENT_PID=""; return 1
}
AGENTS=0
stop_agent() {
  [[ -n $AGENT_PID ]] || return 0
  kill -INT "$AGENT_PID" 2>/dev/null
  local i
  for ((i = 0; i < 100; i++)); do [[ -e /proc/$AGENT_PID ]] || break; sleep 0.1; done
  wait "$AGENT_PID" 2>/dev/null
  AGENT_PID=""
}

# the destination must hold every source file, same size; the first run of each setting is compared byte for byte
check_dst() { # SRC_DIR DST_DIR FULL
  local f n=0
  for f in "$1"/*; do
    [[ -f $2/${f##*/} && $(stat -c %s "$f") == $(stat -c %s "$2/${f##*/}") ]] || { echo "missing or wrong size: ${f##*/}"; return 1; }
    if [[ $3 == 1 ]]; then cmp -s "$f" "$2/${f##*/}" || { echo "content differs: ${f##*/}"; return 1; }; fi
    n=$((n + 1))
  done
  echo "ok: $n files$([[ $3 == 1 ]] && echo ', content compared')"
}

# SECTION CONFIG RUN NS_SEND SRC_DIR DST_URL STREAMS: one timed barge sync into the running agent
CHECKED=" "
barge_remote() {
  local section=$1 config=$2 run=$3 ns=$4 src=$5 url=$6 streams=$7
  local base=$RESULTS/raw/$section-$config-$run
  rm -rf "$DST/run"; sync
  local a0 l0 m0 a1 l1 m1 rc
  a0=$(proc_cpu "$AGENT_PID"); l0=$(proc_cpu "$(link_pid)"); m0=$(machine_cpu)
  # shellcheck disable=SC2086 # SYNC_FLAGS is a word list
  local c=(node "$MAIN_JS" sync --json $SYNC_FLAGS "$src" "$url" --streams "$streams")
  [[ $run == 1 ]] && cmd "BARGE_TOKEN=… ${ns:+ip netns exec $ns }/usr/bin/time -f '%e %U %S %M' ${c[*]}"
  in_ns "$ns" /usr/bin/time -o "$base.time" -f '%e %U %S %M' "${c[@]}" > "$base.json" 2> "$base.err"
  rc=$?
  a1=$(proc_cpu "$AGENT_PID"); l1=$(proc_cpu "$(link_pid)"); m1=$(machine_cpu)
  local wall u s rss inner bytes note full=0
  read -r wall u s rss < <(tail -1 "$base.time")
  inner=$(node -e 'try { const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(j.seconds, j.bytesCopied) } catch { console.log("NA NA") }' "$base.json")
  bytes=${inner#* }; inner=${inner% *}
  [[ $CHECKED != *" $section/$config "* ]] && { full=1; CHECKED+="$section/$config "; }
  note=$(check_dst "$src" "$DST/run" "$full") || { [[ $rc == 0 ]] && rc=9; }
  row "$section" barge "$config" "$run" "$bytes" "$wall" "$inner" "$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}')" \
    "$(secs $((a1 - a0)))" "$(secs $((l1 - l0)))" "$(secs $((m1 - m0)))" "$rss" "$(proc_hwm "$AGENT_PID")" "$rc" "$note"
  say "$section barge $config run $run: ${wall}s, exit $rc, $note"
}

# SECTION CONFIG RUN CMD...: a local copy (barge local-to-local, cp -a) into $DST/run
local_copy() {
  local section=$1 tool=$2 run=$3; shift 3
  local base=$RESULTS/raw/$section-$tool-$run m0 m1 rc wall u s rss inner=NA
  rm -rf "$DST/run"; sync
  [[ $run == 1 ]] && cmd "/usr/bin/time -f '%e %U %S %M' $*"
  m0=$(machine_cpu)
  /usr/bin/time -o "$base.time" -f '%e %U %S %M' "$@" > "$base.out" 2> "$base.err"
  rc=$?
  m1=$(machine_cpu)
  read -r wall u s rss < <(tail -1 "$base.time")
  [[ $tool == barge-local ]] && inner=$(node -e 'try { console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).seconds) } catch { console.log("NA") }' "$base.out")
  local full=0; [[ $run == 1 ]] && full=1
  local note; note=$(check_dst "$SRC" "$DST/run" "$full") || { [[ $rc == 0 ]] && rc=9; }
  row "$section" "$tool" - "$run" "$LOOP_BYTES" "$wall" "$inner" "$(awk -v u="$u" -v s="$s" 'BEGIN {printf "%.2f", u + s}')" NA NA "$(secs $((m1 - m0)))" "$rss" NA "$rc" "$note"
  say "$section $tool run $run: ${wall}s, exit $rc"
}

# NS HOST: an iperf3 server (daemon) in NS
start_iperf() {
  local pidf=$STATE_DIR/iperf3-$1.pid
  IPERF_PIDFILES+=("$pidf")
  rm -f "$pidf"
  in_ns "$1" iperf3 -s -D -B "$2" -p "$IPERF_PORT" --pidfile "$pidf" || return 1
  local i; for ((i = 0; i < 50; i++)); do [[ -s $pidf ]] && return 0; sleep 0.1; done; return 1
}
stop_iperf() { local pidf=$STATE_DIR/iperf3-$1.pid; [[ -s $pidf ]] && kill "$(cat "$pidf")" 2>/dev/null; rm -f "$pidf"; sleep 0.3; }

# SECTION P RUN NS HOST: one iperf3 client run of IPERF_SECS seconds
iperf_run() {
  local section=$1 p=$2 run=$3 ns=$4 host=$5
  local base=$RESULTS/raw/$section-iperf3-P$p-$run m0 m1 l0 l1 rc
  local c=(iperf3 -c "$host" -p "$IPERF_PORT" -P "$p" -t "$IPERF_SECS" -J)
  [[ $run == 1 ]] && cmd "${ns:+ip netns exec $ns }${c[*]}"
  l0=$(proc_cpu "$(link_pid)"); m0=$(machine_cpu)
  in_ns "$ns" "${c[@]}" > "$base.json" 2> "$base.err"
  rc=$?
  l1=$(proc_cpu "$(link_pid)"); m1=$(machine_cpu)
  local v
  v=$(node -e '
    try {
      const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")), r = j.end.sum_received, c = j.end.cpu_utilization_percent;
      console.log(r.bytes, r.seconds.toFixed(2), (c.host_total * r.seconds / 100).toFixed(2), (c.remote_total * r.seconds / 100).toFixed(2),
        "retransmits " + (j.end.sum_sent.retransmits ?? "?"));
    } catch (e) { console.log("NA NA NA NA", String(e).replace(/\s+/g, " ")) }' "$base.json")
  local bytes wall snd rcv note
  read -r bytes wall snd rcv note <<< "$v"
  row "$section" iperf3 "P$p" "$run" "$bytes" "$wall" "$wall" "$snd" "$rcv" "$(secs $((l1 - l0)))" "$(secs $((m1 - m0)))" NA NA "$rc" "$note"
  say "$section iperf3 -P $p run $run: $bytes bytes in ${wall}s, exit $rc"
}

# ------------------------------------------------------------------ loopback
if has loopback; then
  say "loopback: iperf3 -P {$LOOP_IPERF_P} and barge --streams {$LOOP_STREAMS}, $RUNS runs, $SPEC"
  [[ $HAVE_IPERF == 1 ]] && { start_iperf "" 127.0.0.1 || say "iperf3 server failed"; }
  for ((run = 1; run <= RUNS; run++)); do
    if [[ $HAVE_IPERF == 1 ]]; then for p in $LOOP_IPERF_P; do iperf_run loopback "$p" "$run" "" 127.0.0.1; done; fi
    for s in $LOOP_STREAMS; do
      # a fresh agent for every run: its CPU time and peak RSS are this run's alone
      start_agent "" 127.0.0.1 || continue
      barge_remote loopback "streams-$s" "$run" "" "$SRC" "barge://127.0.0.1:$PORT/bench/run" "$s"
      stop_agent
    done
  done
  [[ $HAVE_IPERF == 1 ]] && stop_iperf ""
fi

# ------------------------------------------------------------------ local context
if has local; then
  say "local: barge sync and cp -a, tmpfs to tmpfs, $RUNS runs"
  for ((run = 1; run <= RUNS; run++)); do
    # shellcheck disable=SC2086
    local_copy local barge-local "$run" node "$MAIN_JS" sync --json $SYNC_FLAGS "$SRC" "$DST/run"
    local_copy local cp "$run" cp -a "$SRC/." "$DST/run"
  done
fi

# ------------------------------------------------------------------ WAN
# SECTION STREAMS_LIST IPERF_P_LIST [TCP_MAX_BUF]
wan_section() {
  local section=$1 streams=$2 ps=$3
  say "$section: link up (RTT $RTT_MS ms, $RATE_MBIT Mbit/s${4:+, tcp_rmem/tcp_wmem max $4 in the namespaces})"
  TCP_MAX_BUF=${4:-} bash "$HERE/netns.sh" up || { say "cannot make the emulated link: $section skipped"; return 1; }
  TCP_MAX_BUF=${4:-} bash "$HERE/netns.sh" show > "$RESULTS/$section-link.txt" 2>&1
  cat "$RESULTS/$section-link.txt" >&2
  local link0; link0=$(proc_cpu "$(link_pid)")
  [[ $HAVE_IPERF == 1 ]] && { start_iperf "$NS_B" "$ADDR_B" || say "iperf3 server failed"; }
  for ((run = 1; run <= RUNS; run++)); do
    if [[ $HAVE_IPERF == 1 ]]; then for p in $ps; do iperf_run "$section" "$p" "$run" "$NS_A" "$ADDR_B"; done; fi
    for s in $streams; do
      start_agent "$NS_B" "$ADDR_B" || continue
      barge_remote "$section" "streams-$s" "$run" "$NS_A" "$WAN_SRC" "barge://$ADDR_B:$PORT/bench/run" "$s"
      stop_agent
    done
  done
  [[ $HAVE_IPERF == 1 ]] && stop_iperf "$NS_B"
  echo "link emulator cpu over the section: $(secs $(($(proc_cpu "$(link_pid)") - link0))) s" >> "$RESULTS/$section-link.txt"
  bash "$HERE/netns.sh" down
  cat "$STATE_DIR/linkemu.log" >> "$RESULTS/$section-link.txt" 2>/dev/null
}
has wan && wan_section wan "$WAN_STREAMS" "$WAN_IPERF_P"
has wan-bigbuf && wan_section wan-bigbuf "$BIGBUF_STREAMS" "$BIGBUF_IPERF_P" "$BIGBUF"

# ------------------------------------------------------------------ profiles
if has profile; then
  PROF=$RESULTS/profile
  mkdir -p "$PROF"
  PROF_MD=$RESULTS/profile.md
  : > "$PROF_MD"
  [[ $PERF == auto ]] && { command -v perf >/dev/null && PERF=1 || PERF=0; }
  # NAME NS LISTEN SEND_NS SRC URL STREAMS
  profile_one() {
    local name=$1 ns=$2 host=$3 sns=$4 src=$5 url=$6 s=$7
    local d=$PROF/$name
    mkdir -p "$d/agent" "$d/sync"
    rm -rf "$DST/run"
    # V8's sampling profiler in the agent and in the sender (its worker threads write their
    # own files); the agent also traces its garbage collections
    start_agent "$ns" "$host" --cpu-prof --cpu-prof-dir="$d/agent" --trace-gc || return 1
    local gclog=$AGENT_LOG
    local a0 a1; a0=$(proc_cpu "$AGENT_PID")
    local c=(/usr/bin/time -v -o "$d/sync.time-v" node --cpu-prof --cpu-prof-dir="$d/sync" "$MAIN_JS" sync --json "$src" "$url" --streams "$s")
    cmd "${sns:+ip netns exec $sns }${c[*]}"
    in_ns "$sns" "${c[@]}" > "$d/sync.json" 2> "$d/sync.err"
    a1=$(proc_cpu "$AGENT_PID")
    local hwm; hwm=$(proc_hwm "$AGENT_PID")
    stop_agent
    {
      echo "### $name: barge sync --streams $s"
      echo
      echo "sender: $(node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`${j.seconds} s inside barge, ${(j.bytesCopied / j.seconds / 1e6).toFixed(0)} MB/s`)' "$d/sync.json" 2>/dev/null)," \
        "$(awk -F': ' '/Elapsed/ {w = $2} /User time/ {u = $2} /System time/ {s = $2} /Maximum resident/ {r = $2} END {printf "wall %s, user %s s, sys %s s, max RSS %d MiB", w, u, s, r / 1024}' "$d/sync.time-v")"
      echo "agent: cpu $(secs $((a1 - a0))) s during the sync, peak RSS $((hwm / 1024)) MiB (VmHWM);" \
        "garbage collections (--trace-gc): $(grep -c 'Mark-Compact' "$gclog") mark-compact ($(grep 'Mark-Compact' "$gclog" | grep -c 'GC in old space requested') 'GC in old space requested')," \
        "$(grep -c 'Scavenge' "$gclog") scavenge ($(grep 'Scavenge' "$gclog" | grep -c 'external memory pressure') 'external memory pressure')"
      echo
      echo "V8 sampling profiles (self time; \"(program)\" is native code outside JS, including system calls made from C++; \"(idle)\" left out):"
      node "$BENCH_JS/prof-top.js" --top 12 --label "agent (receiver)" "$d"/agent/*.cpuprofile
      node "$BENCH_JS/prof-top.js" --top 12 --label "sync (sender)" "$d"/sync/*.cpuprofile
      echo
    } >> "$PROF_MD"
    if [[ $PERF == 1 ]]; then
      # perf: where the CPU goes, kernel included (system calls, copies, GC threads)
      rm -rf "$DST/run"
      touch "$d/perf.start"
      start_agent "$ns" "$host" --perf-basic-prof --trace-gc || return 1
      local perfgc=$AGENT_LOG
      perf record -F 499 -g -p "$AGENT_PID" -o "$d/perf.agent.data" > /dev/null 2> "$d/perf.agent.err" &
      local pp=$!
      sleep 0.3
      in_ns "$sns" perf record -F 499 -g -o "$d/perf.sync.data" -- node --perf-basic-prof "$MAIN_JS" sync --json "$src" "$url" --streams "$s" > "$d/perf-sync.json" 2> "$d/perf.sync.err"
      kill -INT "$pp"; wait "$pp" 2>/dev/null
      stop_agent
      {
        echo "perf (cpu-clock samples at 499 Hz, all threads; % of each process's samples); the agent of this run did" \
          "$(grep -c 'Mark-Compact' "$perfgc") mark-compacts and $(grep -c 'Scavenge' "$perfgc") scavenges:"
        echo
        bash "$HERE/perf-summary.sh" "$d/perf.agent.data" "agent (receiver)"
        bash "$HERE/perf-summary.sh" "$d/perf.sync.data" "sync (sender)"
        echo
      } >> "$PROF_MD"
      # the JIT symbol maps that --perf-basic-prof wrote for these runs
      find /tmp -maxdepth 1 -name 'perf-*.map' -newer "$d/perf.start" -delete 2>/dev/null
    fi
  }
  for s in $PROFILE_LOOP_STREAMS; do profile_one "loopback-streams-$s" "" 127.0.0.1 "" "$SRC" "barge://127.0.0.1:$PORT/bench/run" "$s"; done
  if [[ -n $PROFILE_WAN_STREAMS ]] && bash "$HERE/netns.sh" up; then
    for s in $PROFILE_WAN_STREAMS; do profile_one "wan-streams-$s" "$NS_B" "$ADDR_B" "$NS_A" "$WAN_SRC" "barge://$ADDR_B:$PORT/bench/run" "$s"; done
    bash "$HERE/netns.sh" down
  fi
fi

# ------------------------------------------------------------------ report
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS/env.txt"
node "$BENCH_JS/table.js" "$ROWS" --env "$RESULTS/env.txt" --commands "$CMDS" --link "$RESULTS" \
  ${PROF_MD:+--profile "$PROF_MD"} --rate-mbit "$RATE_MBIT" > "$RESULTS/report.md" || die "table.js failed"
cat "$RESULTS/report.md"
say "report: $RESULTS/report.md (rows: $ROWS, raw: $RESULTS/raw/)"
