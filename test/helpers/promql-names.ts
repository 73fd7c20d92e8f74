// The metric names a PromQL expression reads, and the sample names a Prometheus text scrape
// holds, for the tests that check ops/ queries only metrics barge exports.

/** words of PromQL that stand where a metric name could (operators and modifiers) */
const KEYWORDS = new Set(['and', 'or', 'unless', 'offset', 'bool', 'inf', 'nan', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'atan2']);

/** `sum by (code) (rate(barge_task_errors_total{code="E_IO"}[5m]))` -> ['barge_task_errors_total'] */
export function promqlMetricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""') // strings (label values, a quantile's label)
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries, Grafana's $__rate_interval among them
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists
  const names = new Set<string>();
  for (const m of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = m[0];
    const before = bare[m.index - 1] ?? ' ';
    if (/[0-9.$]/.test(before)) continue; // 1e3, 30m, $variables
    if (bare.slice(m.index + word.length).trimStart().startsWith('(')) continue; // a function or aggregation
    if (KEYWORDS.has(word.toLowerCase())) continue;
    names.add(word);
  }
  return [...names];
}

/** the names of the samples in Prometheus text (histograms as their _bucket, _sum and _count) */
export function sampleNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(line);
    if (m) out.add(m[0]);
  }
  return out;
}
