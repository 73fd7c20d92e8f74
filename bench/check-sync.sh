#!/usr/bin/env bash
# check-sync.sh - proves that a tool's copy and sync templates really make DST equal
# to SRC (content, mode, owner, mtimes of files and directories) before its runs are
# timed: a fast tool that copies wrongly must not pass a speed target.
#
# Usage:  bash check-sync.sh TOOL COPY_TEMPLATE SYNC_TEMPLATE DATA_DIR WORK_DIR OUT_TSV
#   Templates as in peers.sh ({SRC} {DST}). The source is a scratch copy of a few
#   pieces of the datasets present in DATA_DIR (small/d00, mixed/m00, large/big0.bin,
#   huge/d000/d00), so the real source trees are never modified.
# Steps, each a row "check-sync CASE - DATASETS TOOL PASS|FAIL DETAIL" in OUT_TSV:
#   copy       copy into an empty DST; DST must equal SRC (rsync --checksum dry run)
#   noop       sync again; DST must still equal SRC
#   noop-idle  ... and the no-op sync must not have rewritten any file (inode, mtime,
#              ctime); SKIP when the copy left no DST
#   touch      rewrite the first 4 KiB of every 100th file (as peers.sh), sync; equal
# Needs rsync (the comparison). Exit 0 if all steps passed, 1 otherwise.
set -uo pipefail

TOOL=$1 COPY_TPL=$2 SYNC_TPL=$3 DATA_DIR=$4 WORK=$5 OUT=$6
SRC=$WORK/src DST=$WORK/dst LOG=$WORK/check-sync.log

row() { printf 'check-sync\t%s\t-\t%s\t%s\t%s\t%s\n' "$1" "$PIECES" "$TOOL" "$2" "$3" >> "$OUT"; }
subst() { local s=$1; s=${s//\{SRC\}/$SRC}; s=${s//\{DST\}/$DST}; s=${s//\{TMP\}/$WORK/tmp}; echo "$s"; }
# differences between SRC and DST as rsync would fix them (content by checksum,
# perms, times incl. directories, owner, group, links, extra files): empty = equal
differences() { rsync -rlptgoD --delete --checksum --dry-run --itemize-changes "$SRC/" "$DST/" 2>&1; }
# ctime too: a rewrite in place that restores the mtime (cp -a) still moves it
listing() { find "$1" -type f -printf '%P %i %s %T@ %C@\n' | LC_ALL=C sort; }

run_step() { # CASE TEMPLATE: run the tool, then compare
  local c=$1 cmd rc diffs
  cmd=$(subst "$2")
  printf '### %s: %s\n' "$c" "$cmd" >> "$LOG"
  sh -c "exec $cmd" >> "$LOG" 2>&1; rc=$?
  if [[ $rc != 0 ]]; then row "$c" FAIL "exit code $rc (log: $LOG)"; return 1; fi
  diffs=$(differences)
  if [[ -n $diffs ]]; then
    printf '%s\n' "$diffs" >> "$LOG"
    row "$c" FAIL "$(printf '%s\n' "$diffs" | wc -l) differences, e.g. '$(printf '%s\n' "$diffs" | head -1)' (log: $LOG)"
    return 1
  fi
  row "$c" PASS "DST equals SRC: $NF files, content by sha, mode, owner, mtimes"
}

command -v rsync >/dev/null || { PIECES=-; row copy FAIL "rsync missing: cannot compare"; exit 1; }
rm -rf "${WORK:?}"; mkdir -p "$SRC" "$WORK/tmp"
: > "$LOG"
PIECES=
for piece in small/d00 mixed/m00 large/big0.bin huge/d000/d00; do
  ds=${piece%%/*}
  [[ -e $DATA_DIR/$ds.done && -e $DATA_DIR/$piece ]] || continue
  mkdir -p "$SRC/$(dirname "$piece")"
  cp -a "$DATA_DIR/$piece" "$SRC/$piece"
  PIECES+=${PIECES:+,}$piece
done
if [[ -z $PIECES ]]; then PIECES=-; row copy FAIL "no dataset in $DATA_DIR to check with"; exit 1; fi
# cp -a gave the pieces their original mtimes; give the new parents one too
find "$SRC" -type d -exec touch -h -d @1700000000 {} +
NF=$(find "$SRC" -type f | wc -l)

ok=0
run_step copy "$COPY_TPL" || ok=1
before=$(listing "$DST" 2>/dev/null)
run_step noop "$SYNC_TPL" || ok=1
after=$(listing "$DST" 2>/dev/null)
if [[ ! -d $DST || -z $before ]]; then
  row noop-idle SKIP "no copy to re-sync"
elif [[ $before == "$after" ]]; then
  row noop-idle PASS "no file rewritten (same inode, size, mtime, ctime)"
else
  n=$(diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") | grep -c '^>')
  row noop-idle FAIL "$n of $NF files rewritten by a no-op sync"; ok=1
fi
yes "check-sync-touch" | head -c 4096 > "$WORK/touch.blk"
find "$SRC" -type f | LC_ALL=C sort | awk 'NR % 100 == 1' | while read -r f; do
  size=$(stat -c %s "$f"); n=$((size < 4096 ? size : 4096))
  ((n > 0)) && dd if="$WORK/touch.blk" of="$f" bs="$n" count=1 conv=notrunc status=none
  touch "$f"   # an empty file gets a new mtime only
done
run_step touch "$SYNC_TPL" || ok=1
rm -rf "${SRC:?}" "${DST:?}" "$WORK/tmp" "$WORK/touch.blk"
exit $ok
