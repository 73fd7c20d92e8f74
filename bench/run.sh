#!/usr/bin/env bash
# run.sh - the benchmark entry point (npm run bench): installs the peer tools, builds
# barge, makes the datasets, checks barge's results, times barge against cp, rsync
# and rclone in the same runs of the shared peers.sh, then prints and saves the report.
# Variables and cases: bench/README.md.
set -uo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/node-env.sh
source "$BENCH_DIR/node-env.sh"
REPO=$(cd "$BENCH_DIR/.." && pwd)
SHARED_BENCH=${SHARED_BENCH:-$REPO/../shared/bench}
export DATA_DIR=${DATA_DIR:-$REPO/benchdata}
STAMP=$(date -u +%Y%m%d-%H%M%S)
export RESULTS=${RESULTS:-$DATA_DIR/results/$STAMP}
export MODES=${MODES:-warm}
CASES=${CASES:-"copy noop touch"}
DATASETS=${DATASETS:-"small large mixed huge"}
SKIP_HUGE=${SKIP_HUGE:-0}
HUGE_CASES=${HUGE_CASES:-noop}
export RUNS=${RUNS:-3}
export INLINE=${INLINE:-0}
export TOOLS_COPY=${TOOLS_COPY:-"cp rsync rclone"}
TOOLS_SYNC=${TOOLS_SYNC:-"rsync rclone"}
HUGE_TOOLS_SYNC=${HUGE_TOOLS_SYNC:-$TOOLS_SYNC}
HUGE_RUN_TIMEOUT=${HUGE_RUN_TIMEOUT:-900}
# peers.sh's warm preparation re-reads every file of SRC and DST before each run: for
# 2,000,000 files that took over 20 minutes per tool here. A no-op run leaves the tree
# cached anyway (the warm-up run does it), so the huge case skips the drop by default.
HUGE_WARM_DROP=${HUGE_WARM_DROP:-0}
BARGE_FLAGS=${BARGE_FLAGS:-}
INSTALL=${INSTALL:-1}
BUILD=${BUILD:-auto}
CHECK=${CHECK:-1}
DISK_CHECK=${DISK_CHECK:-1}
MAIN_JS=$REPO/dist/src/cli/main.js
REPORT_JS=$REPO/dist/bench/report.js

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# barge goes through peers.sh's EXTRA_TOOLS hook. Like rsync -a in peers.sh (no
# --delete), barge runs without --delete, so both do the same work.
BARGE_CUSTOM=0
[[ -n ${EXTRA_COPY_barge:-}${EXTRA_SYNC_barge:-} ]] && BARGE_CUSTOM=1
export EXTRA_COPY_barge=${EXTRA_COPY_barge:-"node $MAIN_JS sync -q $BARGE_FLAGS {SRC} {DST}"}
export EXTRA_SYNC_barge=${EXTRA_SYNC_barge:-"node $MAIN_JS sync -q $BARGE_FLAGS {SRC} {DST}"}
EXTRA_TOOLS="barge ${EXTRA_TOOLS:-}"

for p in "$REPO" "$DATA_DIR" "$RESULTS"; do
  [[ $p == *[[:space:]]* ]] && die "no white space in paths (peers.sh cannot use them): '$p'"
done
[[ -r $SHARED_BENCH/peers.sh && -r $SHARED_BENCH/mkdata.sh ]] \
  || die "peers.sh/mkdata.sh not found in SHARED_BENCH=$SHARED_BENCH"
has() { [[ " $1 " == *" $2 "* ]]; }
without() { local w out=; for w in $1; do [[ $w == "$2" ]] || out+=${out:+ }$w; done; echo "$out"; }

[[ $SKIP_HUGE == 1 ]] && DATASETS=$(without "$DATASETS" huge)
MAIN_SETS=$(without "$DATASETS" huge)
HUGE=0; has "$DATASETS" huge && HUGE=1
[[ -n $MAIN_SETS || $HUGE == 1 ]] || die "no dataset selected (DATASETS='$DATASETS', SKIP_HUGE=$SKIP_HUGE)"

mkdir -p "$RESULTS" || die "cannot create $RESULTS"
[[ -s $RESULTS/results.tsv ]] && say "note: $RESULTS/results.tsv exists; this run appends to it"
CHECKS=$RESULTS/checks.tsv
[[ -s $CHECKS ]] || printf 'source\tcase\tmode\tdataset\ttool\tstatus\tdetail\n' > "$CHECKS"
check_row() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$CHECKS"; }
say "results in $RESULTS"

# ------------------------------------------------------------------ peers
install_peers() {
  local -A pkg_of=([rsync]=rsync [rclone]=rclone [iperf3]=iperf3 [hyperfine]=hyperfine [/usr/bin/time]=time)
  local t missing=() still=()
  for t in rsync rclone iperf3 hyperfine /usr/bin/time; do
    command -v "$t" >/dev/null 2>&1 || missing+=("${pkg_of[$t]}")
  done
  [[ ${#missing[@]} == 0 ]] && return 0
  if [[ $INSTALL == 1 && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    say "installing from Debian: ${missing[*]} (log: $RESULTS/install.log)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >> "$RESULTS/install.log" 2>&1 || say "apt-get update failed"
    # one at a time after a failed group install, so one bad package costs only itself
    apt-get install -y -qq "${missing[@]}" >> "$RESULTS/install.log" 2>&1 \
      || for t in "${missing[@]}"; do apt-get install -y -qq "$t" >> "$RESULTS/install.log" 2>&1; done
  fi
  for t in rsync rclone iperf3 hyperfine /usr/bin/time; do
    command -v "$t" >/dev/null 2>&1 || still+=("${pkg_of[$t]}")
  done
  [[ ${#still[@]} == 0 ]] && return 0
  say "MISSING (continuing without): ${still[*]}; their rows will say 'not installed'"
  check_row install - - - "${still[*]}" SKIP "not installed: ${still[*]}"
}
install_peers
command -v rsync >/dev/null || die "rsync is required (peers.sh builds its mirrors with it)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (Debian package 'time') is required by peers.sh"

# ------------------------------------------------------------------ builds
newer_ts() { # DIR FILE -> true if a .ts under DIR is newer than FILE
  [[ -n $(find "$1" -name '*.ts' -newer "$2" -print -quit 2>/dev/null) ]]
}
if [[ ! -d $REPO/node_modules/typescript ]]; then
  say "node_modules missing: npm ci"
  (cd "$REPO" && npm_ ci >&2) || say "npm ci failed"
fi
if [[ $BARGE_CUSTOM == 0 && $BUILD != never ]]; then
  if [[ $BUILD == always || ! -f $MAIN_JS ]] || newer_ts "$REPO/src" "$MAIN_JS"; then
    say "building barge (npm run build)"
    # tsc emits even when some file has type errors: the checks below tell whether
    # what it emitted works
    (cd "$REPO" && npm_ run build >&2) || say "WARNING: the build reported errors; benchmarking what dist/ holds"
  fi
fi
if [[ ! -f $REPORT_JS || $BENCH_DIR/report.ts -nt $REPORT_JS ]]; then
  # report.ts alone (with the repo's options), so a half-written rest of the repo
  # cannot stop the report
  (cd "$REPO" && npx tsc -p bench/tsconfig.report.json >&2) \
    || { [[ -f $REPORT_JS ]] || die "cannot compile bench/report.ts"; }
fi
if [[ $BARGE_CUSTOM == 0 && ! -f $MAIN_JS ]]; then
  say "barge is not built ($MAIN_JS missing): timing the peers only"
  check_row build - - - barge FAIL "not built: $MAIN_JS missing"
  EXTRA_TOOLS=$(without "$EXTRA_TOOLS" barge)
fi
export EXTRA_TOOLS
say "barge: copy '$EXTRA_COPY_barge', sync '$EXTRA_SYNC_barge'"

# ------------------------------------------------------------------ datasets
# rough size of each source tree on ext4 (KiB, 4 KiB blocks) and its file count
declare -A KIB=([small]=320000 [large]=4200000 [mixed]=2400000 [huge]=4300000)
declare -A NFILES=([small]=20000 [large]=4 [mixed]=2000 [huge]=1000000)
if [[ $DISK_CHECK == 1 ]]; then
  need=1048576 inodes=0 maxdst=0 maxdsti=0
  for ds in $DATASETS; do
    [[ -n ${KIB[$ds]:-} ]] || continue
    [[ -e $DATA_DIR/$ds.done ]] || { need=$((need + KIB[$ds])); inodes=$((inodes + NFILES[$ds])); }
    ((KIB[$ds] > maxdst)) && maxdst=${KIB[$ds]}
    ((NFILES[$ds] > maxdsti)) && maxdsti=${NFILES[$ds]}
  done
  need=$((need + maxdst)); inodes=$((inodes + maxdsti))
  mkdir -p "$DATA_DIR"
  avail=$(df -Pk "$DATA_DIR" | awk 'NR == 2 {print $4}')
  iavail=$(df -Pi "$DATA_DIR" | awk 'NR == 2 {print $4}')
  say "disk: need ~$((need / 1048576 + 1)) GiB and ~$inodes inodes, have $((avail / 1048576)) GiB and $iavail inodes"
  ((avail < need)) && die "not enough disk under $DATA_DIR (DISK_CHECK=0 skips this check)"
  [[ $iavail =~ ^[0-9]+$ ]] && ((iavail < inodes)) && die "not enough inodes under $DATA_DIR"
fi
# shellcheck disable=SC2086 # word lists on purpose
DATA_DIR=$DATA_DIR bash "$SHARED_BENCH/mkdata.sh" $DATASETS >&2 || die "mkdata.sh failed"

# ------------------------------------------------------------------ correctness
if [[ $CHECK == 1 ]]; then
  for t in $EXTRA_TOOLS; do
    cv=EXTRA_COPY_$t sv=EXTRA_SYNC_$t
    [[ -n ${!cv:-} && -n ${!sv:-} ]] || continue
    say "checking $t's results (check-sync.sh)"
    bash "$BENCH_DIR/check-sync.sh" "$t" "${!cv}" "${!sv}" "$DATA_DIR" "$DATA_DIR/work/check-$t" "$CHECKS" \
      || say "WARNING: $t's results are wrong; its rows are timed but its targets fail (see $CHECKS)"
  done
fi

# ------------------------------------------------------------------ timing
# peers.sh is shared and read-only: called as is, once per dataset group, all rows
# into the same $RESULTS/results.tsv
if [[ -n $MAIN_SETS ]]; then
  say "peers.sh: datasets '$MAIN_SETS', cases '$CASES', modes '$MODES', runs $RUNS"
  DATASETS=$MAIN_SETS CASES=$CASES TOOLS_SYNC=$TOOLS_SYNC bash "$SHARED_BENCH/peers.sh"
fi
if [[ $HUGE == 1 ]]; then
  say "peers.sh: dataset huge, cases '$HUGE_CASES', tools '$HUGE_TOOLS_SYNC'"
  DATASETS=huge CASES=$HUGE_CASES TOOLS_SYNC=$HUGE_TOOLS_SYNC RUN_TIMEOUT=${RUN_TIMEOUT:-$HUGE_RUN_TIMEOUT} \
    WARM_DROP=$HUGE_WARM_DROP bash "$SHARED_BENCH/peers.sh"
fi

# peers.sh logs a failed copy check ("CHECK FAILED") after the row of the run it
# checked, but cannot mark the row itself: carry it into checks.tsv
if [[ -f $RESULTS/peers.log ]]; then
  awk -v OFS='\t' '
    $2 ~ /^[a-z]+\/[^\/]+\/[^\/]+\/[^\/]+:$/ { key = substr($2, 1, length($2) - 1) }
    /CHECK FAILED/ && key != "" { split(key, k, "/"); d = $0; sub(/^.*CHECK FAILED: /, "", d)
                                  print "peers", k[1], k[2], k[3], k[4], "FAIL", "copy check: " d }
  ' "$RESULTS/peers.log" >> "$CHECKS"
fi

# ------------------------------------------------------------------ report
ln -sfn "$RESULTS" "$DATA_DIR/results/latest" 2>/dev/null
[[ -s $RESULTS/results.tsv ]] || die "no results ($RESULTS/results.tsv)"
node "$REPORT_JS" "$RESULTS/results.tsv" --checks "$CHECKS" --env "$RESULTS/env.txt" > "$RESULTS/report.md" \
  || die "report failed"
cat "$RESULTS/report.md"
say "report: $RESULTS/report.md (raw: $RESULTS/results.tsv, $RESULTS/raw/, $RESULTS/peers.log)"
