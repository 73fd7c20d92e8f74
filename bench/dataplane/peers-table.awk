# bench/dataplane/peers-table.awk - peers.sh's rows.tsv -> the markdown report: GB/s per set
# and tool (median wall time of the runs; any failed run marks the cell FAIL), barge's ratio
# to each peer, the targets of issue 27, and every run's details.
# Usage: awk -f peers-table.awk -v tools="xrdcp-1 ... sync" rows.tsv
BEGIN {
  FS = "\t"
  label["xrdcp-1"] = "xrdcp"; label["xrdcp-4"] = "xrdcp --parallel 4"
  label["guc-1"] = "globus-url-copy -p 1"; label["guc-4"] = "globus-url-copy -p 4 -cc 4"
  label["rsyncd"] = "rsync daemon"; label["push-1"] = "barge push, 1 stream"; label["push-4"] = "barge push, 4 streams"
  label["a2a"] = "agent → agent (coordinator)"; label["cp"] = "cp -a (local)"; label["sync"] = "barge sync (local)"
  label["serve"] = "barge serve, built-in agent (local)"
  nt = split(tools, tool, " ")
  npeers = split("xrdcp-1 xrdcp-4 guc-1 guc-4 rsyncd", peer, " ")
}
NR == 1 { next }
{
  s = $1; t = $2
  if (!(s in seen)) { seen[s] = 1; sets[++ns] = s }
  bytes[s] = $5; files[s] = $4
  runs[s, t]++
  if ($8 ~ /^ok/) { n = ++okn[s, t]; wall[s, t, n] = $6 } else failed[s, t]++
  detail[++nd] = sprintf("| %s | %s | %s | %s | %s | %s | %s |", s, label[t], $3, $6, $7, $9, $8)
}
function median(s, t,    n, i, j, a, x) {
  n = okn[s, t]; if (n == 0) return -1
  for (i = 1; i <= n; i++) a[i] = wall[s, t, i]
  for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
  return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
# GB/s (10^9 bytes per second) of the median run, -1 when missing or failed
function rate(s, t,    m) {
  if (!((s, t) in runs) || failed[s, t] > 0) return -1
  m = median(s, t); return (m <= 0) ? -1 : bytes[s] / 1e9 / m
}
function cell(s, t,    r) {
  if (!((s, t) in runs)) return "–"
  if (failed[s, t] > 0) return "FAIL (" failed[s, t] "/" runs[s, t] ")"
  r = rate(s, t); return sprintf("%.2f", r)
}
function ratio(a, b) { return (a < 0 || b <= 0) ? "–" : sprintf("%.2f x", a / b) }
function max(a, b) { return (a > b) ? a : b }
function setname(s) { return sprintf("%s (%d files, %.2f GB)", s, files[s], bytes[s] / 1e9) }
END {
  print "## barge's data plane and its peers (GB/s, median of each tool's runs)"
  print ""
  line = "| set"; sep = "| ---"
  for (i = 1; i <= nt; i++) { line = line " | " label[tool[i]]; sep = sep " | ---:" }
  print line " |"; print sep " |"
  for (k = 1; k <= ns; k++) {
    s = sets[k]; line = "| " setname(s)
    for (i = 1; i <= nt; i++) line = line " | " cell(s, tool[i])
    print line " |"
  }
  print ""
  print "GB/s = the set's bytes / wall time of the whole client command (10^9 bytes per second);"
  print "barge push = `barge sync SRC barge://…` into a lone agent; agent → agent and barge serve = `barge submit` + `barge watch`."
  print ""
  print "## barge's ratio to each peer (GB/s over GB/s; above 1 means barge is faster)"
  print ""
  line = "| set | barge"; sep = "| --- | ---"
  for (p = 1; p <= npeers; p++) { line = line " | ÷ " label[peer[p]]; sep = sep " | ---:" }
  print line " | ÷ best peer |"; print sep " | ---: |"
  for (k = 1; k <= ns; k++) {
    s = sets[k]; best = -1
    for (p = 1; p <= npeers; p++) best = max(best, rate(s, peer[p]))
    nb = split("push-1 push-4 a2a", bt, " ")
    for (b = 1; b <= nb; b++) {
      if (!((s, bt[b]) in runs)) continue
      line = "| " s " | " label[bt[b]]
      for (p = 1; p <= npeers; p++) line = line " | " ratio(rate(s, bt[b]), rate(s, peer[p]))
      print line " | " ratio(rate(s, bt[b]), best) " |"
    }
  }
  print ""
  print "## Targets of issue 27"
  print ""
  print "| set | target | barge | peer | ratio | verdict |"
  print "| --- | --- | ---: | ---: | ---: | --- |"
  for (k = 1; k <= ns; k++) {
    s = sets[k]
    push = max(rate(s, "push-1"), rate(s, "push-4"))
    if (s == "large") target(s, "barge push (best of 1 / 4 streams) >= 1.0 x globus-url-copy's best", push, max(rate(s, "guc-1"), rate(s, "guc-4")), 1.0)
    best = -1; for (p = 1; p <= npeers; p++) best = max(best, rate(s, peer[p]))
    if (s != "large") target(s, "barge push (best of 1 / 4 streams) >= 1.0 x the best peer", push, best, 1.0)
    target(s, "agent → agent >= 0.8 x barge push", rate(s, "a2a"), push, 0.8)
    target(s, "barge serve (built-in agent) >= 0.8 x barge sync", rate(s, "serve"), rate(s, "sync"), 0.8)
    target(s, "barge sync, for the record: ratio to cp -a", rate(s, "sync"), rate(s, "cp"), 0)
  }
  print ""
  print "## Every run"
  print ""
  print "| set | tool | run | wall s | exit | machine busy % | check |"
  print "| --- | --- | ---: | ---: | ---: | ---: | --- |"
  for (i = 1; i <= nd; i++) print detail[i]
  print ""
  print "machine busy % = CPU time of all cores during the run / (wall time x cores): the tool, its daemons,"
  print "kernel writeback and anyone else on the machine; near 100 means the run was short of CPU."
}
function target(s, what, a, b, limit,    r, v) {
  if (a < 0 || b <= 0) { printf "| %s | %s | – | – | – | not measured (or a run failed) |\n", s, what; return }
  r = a / b; v = (limit == 0) ? "–" : (r >= limit ? "PASS" : "FAIL")
  printf "| %s | %s | %.2f GB/s | %.2f GB/s | %.2f x | %s |\n", s, what, a, b, r, v
}
