#!/usr/bin/env bash
# bench/coordinator/run.sh - the coordinator benchmarks of issue 3: task lease throughput
# on SQLite and PostgreSQL, API latency while a transfer runs, and the peak RSS of
# `barge serve` while it tracks a 1,000,000-file request. Builds what is needed, makes
# the data sets (the shared mkdata.sh's small and huge), runs the three and prints one
# markdown table. Optional (not in the default BENCHES): fl, one request listing
# FL_FILES paths in `files` against the same tree without a list (files-list.ts).
# Variables: bench/README.md, section "Coordinator benchmarks".
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/node-env.sh
source "$HERE/../node-env.sh"
REPO=$(cd "$HERE/../.." && pwd)
SHARED_BENCH=${SHARED_BENCH:-$REPO/../shared/bench}
export DATA_DIR=${DATA_DIR:-$REPO/benchdata}
STAMP=$(date -u +%Y%m%d-%H%M%S)
RESULTS=${RESULTS:-$DATA_DIR/results/coordinator-$STAMP}
BENCHES=${BENCHES:-"lease api rss"}
BUILD=${BUILD:-auto}
# 1. lease throughput
LEASE_ENGINES=${LEASE_ENGINES:-sqlite,postgres}
LEASE_TASKS=${LEASE_TASKS:-50000}
LEASE_CAPACITIES=${LEASE_CAPACITIES:-1,16,64}
SQLITE_WORKERS=${SQLITE_WORKERS:-1}
PG_WORKERS=${PG_WORKERS:-4}
PG_POOL=${PG_POOL:-8}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432}
PG_DB=${PG_DB:-barge_bench}
LEASE_MAX_SECONDS=${LEASE_MAX_SECONDS:-900}
PG_ANALYZE=${PG_ANALYZE:-0}
# 2. API latency
API_RATE=${API_RATE:-50}
API_MIN_SAMPLES=${API_MIN_SAMPLES:-2000}
API_MAX_ROUNDS=${API_MAX_ROUNDS:-8}
API_IDLE_SECONDS=${API_IDLE_SECONDS:-30}
API_BIG_FILES=${API_BIG_FILES:-4}
API_BIG_MIB=${API_BIG_MIB:-100}
TRANSFERS=${TRANSFERS:-}   # empty: barge serve's default (the number of cores, 2-16)
# 3. peak RSS (HUGE_FILES passes to mkdata.sh; a set of another size needs its own DATA_DIR)
HUGE_FILES=${HUGE_FILES:-1000000}
RSS_DB=${RSS_DB:-}
RSS_TIMEOUT_MIN=${RSS_TIMEOUT_MIN:-60}
# 4. (optional, BENCHES=fl) a request with a files list: its own tree of FL_FILES small files
FL_FILES=${FL_FILES:-1000000}
FL_TREE=${FL_TREE:-$DATA_DIR/files-list-$FL_FILES}
FL_CASES=${FL_CASES:-files,plain}
FL_POLL_MS=${FL_POLL_MS:-100}
FL_TIMEOUT_MIN=${FL_TIMEOUT_MIN:-30}

say() { printf 'bench/coordinator: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
has() { [[ " $BENCHES " == *" $1 "* ]]; }

mkdir -p "$RESULTS" || die "cannot create $RESULTS"
ROWS=$RESULTS/rows.jsonl
CMDS=$RESULTS/commands.txt
# APPEND=1 adds to the rows of an earlier run into the same RESULTS (e.g. one benchmark again)
[[ ${APPEND:-0} == 1 ]] || { : > "$ROWS"; : > "$CMDS"; rm -f "$RESULTS"/env.*.txt; }
touch "$ROWS" "$CMDS"
say "results in $RESULTS"

# ------------------------------------------------------------------ build
MAIN_JS=$REPO/dist/src/cli/main.js
if [[ $BUILD != never ]]; then
  if [[ $BUILD == always || ! -f $MAIN_JS || -n $(find "$REPO/src" -name '*.ts' -newer "$MAIN_JS" -print -quit) ]]; then
    say "building barge (npm run build)"
    (cd "$REPO" && npm_ run build >&2) || say "WARNING: the build reported errors; benchmarking what dist/ holds"
  fi
  (cd "$REPO" && npx tsc -p bench/coordinator/tsconfig.json >&2) || say "WARNING: tsc reported errors in the benchmarks"
fi
for f in lease-throughput api-latency coordinator-rss table $(has fl && echo files-list); do
  [[ -f $REPO/dist/bench/coordinator/$f.js ]] || die "dist/bench/coordinator/$f.js missing (build failed)"
done
[[ -f $MAIN_JS ]] || die "barge is not built ($MAIN_JS)"
BENCH_JS=$REPO/dist/bench/coordinator

# ------------------------------------------------------------------ machine
{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(cd "$REPO" && git log -1 --format='%h %s' 2>/dev/null | cut -c1-100)$(cd "$REPO" && [[ -n $(git status --porcelain -- src 2>/dev/null) ]] && echo ' + uncommitted changes in src/')"
  echo "dist built: $(date -u -r "$MAIN_JS" +%FT%TZ) (newest file under dist/src: $(find "$REPO/dist/src" -name '*.js' -printf '%TY-%Tm-%TdT%TH:%TM:%.2TSZ\n' | sort | tail -1))"
  echo "machine: $(nproc) cores ($(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM, kernel $(uname -r)"
  echo "disk: $(findmnt -no SOURCE,FSTYPE,OPTIONS --target "$DATA_DIR" 2>/dev/null | head -1)"
  echo "node $(node --version), PostgreSQL $(psql "$PG_URL/postgres" -Atc 'show server_version' 2>/dev/null || echo '?') (autovacuum $(psql "$PG_URL/postgres" -Atc 'show autovacuum' 2>/dev/null || echo '?')), SQLite $(cd "$REPO" && node -e "const D=require('better-sqlite3');console.log(new D(':memory:').prepare('select sqlite_version() v').get().v)" 2>/dev/null || echo '?')"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} > "$RESULTS/env.$STAMP.txt"
cat "$RESULTS/env.$STAMP.txt" >&2
cat "$RESULTS"/env.*.txt > "$RESULTS/env.txt"
# the rows that follow were measured on this commit (table.ts shows it on each row)
printf '{"commit": "%s"}\n' "$(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null)$(cd "$REPO" && [[ -n $(git status --porcelain -- src 2>/dev/null) ]] && echo '+changes')" >> "$ROWS"

# ------------------------------------------------------------------ data
if has fl; then
  # the tree (kept) plus one destination per case, ~4.3 KiB and one inode per file each
  fl_copies=$(( $(tr ',' '\n' <<< "$FL_CASES" | grep -c .) + ($([[ -e $FL_TREE.done ]] && echo 0 || echo 1)) ))
  mkdir -p "$DATA_DIR"
  avail=$(df -Pk "$DATA_DIR" | awk 'NR == 2 {print $4}')
  iavail=$(df -Pi "$DATA_DIR" | awk 'NR == 2 {print $4}')
  need_kib=$((1048576 + fl_copies * FL_FILES * 43 / 10)) need_inodes=$((fl_copies * FL_FILES))
  say "disk for fl: need ~$((need_kib / 1048576 + 1)) GiB and ~$need_inodes inodes, have $((avail / 1048576)) GiB and $iavail inodes"
  ((avail < need_kib)) && die "not enough disk under $DATA_DIR"
  [[ $iavail =~ ^[0-9]+$ ]] && ((iavail < need_inodes)) && die "not enough inodes under $DATA_DIR"
fi
if has api || has rss; then
  sets=""
  has api && sets+=" small"
  has rss && sets+=" huge"
  need_kib=1048576 need_inodes=0
  has api && [[ ! -e $DATA_DIR/small.done ]] && { need_kib=$((need_kib + 320000)); need_inodes=$((need_inodes + 20000)); }
  has api && need_kib=$((need_kib + 2 * API_BIG_FILES * API_BIG_MIB * 1024 + 320000))
  has rss && [[ ! -e $DATA_DIR/huge.done ]] && { need_kib=$((need_kib + HUGE_FILES * 43 / 10)); need_inodes=$((need_inodes + HUGE_FILES)); }
  has rss && { need_kib=$((need_kib + HUGE_FILES * 43 / 10)); need_inodes=$((need_inodes + HUGE_FILES)); }
  mkdir -p "$DATA_DIR"
  avail=$(df -Pk "$DATA_DIR" | awk 'NR == 2 {print $4}')
  iavail=$(df -Pi "$DATA_DIR" | awk 'NR == 2 {print $4}')
  say "disk: need ~$((need_kib / 1048576 + 1)) GiB and ~$need_inodes inodes, have $((avail / 1048576)) GiB and $iavail inodes"
  ((avail < need_kib)) && die "not enough disk under $DATA_DIR"
  [[ $iavail =~ ^[0-9]+$ ]] && ((iavail < need_inodes)) && die "not enough inodes under $DATA_DIR"
  # shellcheck disable=SC2086
  HUGE_FILES=$HUGE_FILES DATA_DIR=$DATA_DIR bash "$SHARED_BENCH/mkdata.sh" $sets >&2 || die "mkdata.sh failed"
fi
API_SRC=$DATA_DIR/coord-api-src
if has api && [[ ! -e $API_SRC.done ]]; then
  # small's 20,000 files (hard links) and a few big files, so a transfer lasts a while
  say "making $API_SRC"
  rm -rf "$API_SRC" && mkdir -p "$API_SRC/big" && cp -al "$DATA_DIR/small" "$API_SRC/small" || die "cannot make $API_SRC"
  for ((i = 1; i <= API_BIG_FILES; i++)); do
    openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv "$(printf '%032x' $((100 + i)))" -in /dev/zero 2>/dev/null \
      | head -c "$((API_BIG_MIB * 1048576))" > "$API_SRC/big/big$i.bin"  # openssl ends on SIGPIPE: check the size
    [[ $(stat -c %s "$API_SRC/big/big$i.bin") == $((API_BIG_MIB * 1048576)) ]] || die "cannot write $API_SRC/big/big$i.bin"
  done
  date -u +%FT%TZ > "$API_SRC.done"
fi

# ------------------------------------------------------------------ runs
run() { # NAME CMD...: logs, keeps the command for the report
  local name=$1; shift
  printf '%s\n' "$*" >> "$CMDS"
  say "$name: $*"
  "$@" 2> >(tee "$RESULTS/$name-$STAMP.log" >&2) || say "WARNING: $name exited $? (see $RESULTS/$name-$STAMP.log)"
}
if has lease; then
  run lease node "$BENCH_JS/lease-throughput.js" --engines "$LEASE_ENGINES" --tasks "$LEASE_TASKS" --capacities "$LEASE_CAPACITIES" \
    --sqlite-workers "$SQLITE_WORKERS" --pg-workers "$PG_WORKERS" --pg-pool "$PG_POOL" --pg-url "$PG_URL" --pg-db "$PG_DB" \
    --max-seconds "$LEASE_MAX_SECONDS" $([[ $PG_ANALYZE == 1 ]] && echo --pg-analyze) --out "$ROWS"
fi
if has api; then
  run api node "$BENCH_JS/api-latency.js" --src "$API_SRC" --work "$DATA_DIR/work/coord-api" --rate "$API_RATE" \
    --min-samples "$API_MIN_SAMPLES" --max-rounds "$API_MAX_ROUNDS" --idle-seconds "$API_IDLE_SECONDS" ${TRANSFERS:+--transfers "$TRANSFERS"} --out "$ROWS"
fi
if has rss; then
  run rss node "$BENCH_JS/coordinator-rss.js" --src "$DATA_DIR/huge" --work "$DATA_DIR/work/coord-rss" ${RSS_DB:+--db "$RSS_DB"} \
    ${TRANSFERS:+--transfers "$TRANSFERS"} --timeout-min "$RSS_TIMEOUT_MIN" --out "$ROWS"
fi
if has fl; then
  run fl node "$BENCH_JS/files-list.js" --tree "$FL_TREE" --work "$DATA_DIR/work/coord-fl" --files "$FL_FILES" --cases "$FL_CASES" \
    --poll-ms "$FL_POLL_MS" ${TRANSFERS:+--transfers "$TRANSFERS"} --timeout-min "$FL_TIMEOUT_MIN" --out "$ROWS" > "$RESULTS/files-list-$STAMP.md"
  say "fl's own table: $RESULTS/files-list-$STAMP.md"
fi

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS/env.$STAMP.txt"
cat "$RESULTS"/env.*.txt > "$RESULTS/env.txt"
node "$BENCH_JS/table.js" "$ROWS" --env "$RESULTS/env.txt" --commands "$CMDS" > "$RESULTS/report.md" || die "table failed"
cat "$RESULTS/report.md"
say "report: $RESULTS/report.md (logs: $RESULTS/*-$STAMP.log)"
