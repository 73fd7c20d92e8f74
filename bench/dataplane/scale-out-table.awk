# bench/dataplane/scale-out-table.awk - scale-out.sh's rows.tsv -> the markdown report: per
# pair count the median run's aggregate MB/s (dataset bytes / submit-to-done wall time), its
# ratio to one pair, how the median run's bytes split over the shaped links, CPU use, the
# target of issue 27 (4 pairs >= 3.5 x one pair) and every run's details.
# Usage: awk -f scale-out-table.awk -v rate_mbit=200 -v iperf="1:23.9 2:47.6" rows.tsv
BEGIN {
  FS = "\t"
  k = split(iperf, f, " ")
  for (i = 1; i <= k; i++) { split(f[i], kv, ":"); raw[kv[1]] = kv[2] }
}
NR == 1 { next }
{
  p = $1
  if (!(p in seen)) { seen[p] = 1; pairs[++np] = p }
  runs[p]++
  if ($6 == 0 && $7 == "ok") { n = ++okn[p]; mb[p, n] = $5; row[p, n] = NR } else if ($7 == "paused") paused[p]++; else failed[p]++
  line[NR] = $0
  detail[++nd] = sprintf("| %s | %s | %s | %s | %s | %s | %s | %s%% | %s | %s | %s |", $1, $2, $4, $5, $6, $7, $11, $8, $9, $12, $10)
}
# the row number of the median run by MB/s (of an even count, the lower of the middle two)
function median_row(p,    n, i, j, a, r, x, y) {
  n = okn[p]; if (n == 0) return 0
  for (i = 1; i <= n; i++) { a[i] = mb[p, i]; r[i] = row[p, i] }
  for (i = 2; i <= n; i++) {
    x = a[i]; y = r[i]
    for (j = i - 1; j >= 1 && a[j] + 0 > x + 0; j--) { a[j + 1] = a[j]; r[j + 1] = r[j] }
    a[j + 1] = x; r[j + 1] = y
  }
  return r[int((n + 1) / 2)]
}
# "a1-up=123 b1-down=456 ..." -> the shares of the up links and of the down links, in %
function shares(links, p,    k, f, kv, dev, up, down, tot_up, tot_down, s, i) {
  k = split(links, f, " ")
  for (i = 1; i <= k; i++) {
    split(f[i], kv, "="); dev = kv[1]
    if (substr(dev, 2) + 0 > p + 0) continue   # links of pairs not in this run
    if (dev ~ /-up$/) { up[dev] = kv[2]; tot_up += kv[2] } else { down[dev] = kv[2]; tot_down += kv[2] }
  }
  s = "up"
  for (i = 1; i <= p; i++) s = s sprintf(" %.0f", tot_up ? 100 * up["a" i "-up"] / tot_up : 0)
  s = s ", down"
  for (i = 1; i <= p; i++) s = s sprintf(" %.0f", tot_down ? 100 * down["b" i "-down"] / tot_down : 0)
  return s
}
END {
  link_mb = rate_mbit / 8
  print "| pairs | aggregate MB/s (median) | runs, MB/s | x one pair | of pairs x link (" rate_mbit " Mbit/s = " link_mb " MB/s) | raw TCP, iperf3 MB/s | per-link share of the median run's bytes, % (source uplinks a1.., destination downlinks b1..) | machine busy | barge CPU (cores) | barge waiting for a CPU (threads) |"
  print "| ---: | ---: | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |"
  for (i = 1; i <= np; i++) {
    p = pairs[i]; r = median_row(p)
    all = ""
    for (j = 1; j <= okn[p]; j++) all = all (j > 1 ? ", " : "") mb[p, j]
    if (failed[p]) all = all " (" failed[p] " failed)"
    if (paused[p]) all = all " (" paused[p] " paused by the machine, repeated)"
    if (r == 0) { printf "| %s | FAIL | %s | | | %s | | | | |\n", p, all, raw[p]; continue }
    split(line[r], c, "\t")
    agg[p] = c[5]
    ratio = (1 in agg) ? sprintf("%.2f", c[5] / agg[1]) : "n/a"
    printf "| %s | %s | %s | %s | %.0f%% | %s | %s | %s%% | %.2f | %.2f |\n", p, c[5], all, ratio, 100 * c[5] / (p * link_mb), raw[p], shares(c[10], p), c[8], c[9] / c[4], c[12] / c[4]
  }
  print ""
  if ((1 in agg) && (4 in agg)) {
    x = agg[4] / agg[1]
    printf "Target (issue 27): aggregate over 4 shaped pairs >= 3.5 x one pair: %.2f x, %s.\n", x, (x >= 3.5 ? "met" : "NOT met")
  } else print "Target (issue 27): needs the 1- and 4-pair runs."
  print ""
  print "Every run:"
  print ""
  print "| pairs | run | wall s | MB/s | exit | check | paused s | machine busy | barge CPU s | barge waiting for a CPU, s | bytes each shaped qdisc sent |"
  print "| ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |"
  for (i = 1; i <= nd; i++) print detail[i]
}
