// Benchmark report: reads peers.sh's results.tsv (and run.sh's checks.tsv) and prints
// markdown tables per case and dataset with barge's time ratio to each peer and the issue's targets.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

type Num = number | null;

interface ResultRow {
  caseName: string;
  mode: string;
  dataset: string;
  tool: string;
  n: number;
  wallMed: Num;
  wallMin: Num;
  wallMax: Num;
  cpuMed: Num;
  peakMiB: Num;
  files: Num;
  bytes: Num;
  mbPerS: Num;
  filesPerS: Num;
  exits: string;
  note: string;
  /** CPU the rest of the machine used during a run (writeback, other users) */
  otherCpu: Num;
}

interface CheckRow {
  source: string;
  caseName: string;
  mode: string;
  dataset: string;
  tool: string;
  status: string;
  detail: string;
}

interface Target {
  label: string;
  caseName: string;
  dataset: string;
  /** the issue defines the target at this many files */
  files: number;
  /** ratio: barge wall / peer wall <= limit; peak: barge peak RSS MiB <= limit */
  peer: string | null;
  limit: number;
}

const TARGETS: readonly Target[] = [
  { label: 'small copy <= 1.0 x cp', caseName: 'copy', dataset: 'small', files: 20000, peer: 'cp', limit: 1.0 },
  { label: 'large copy <= 1.0 x cp', caseName: 'copy', dataset: 'large', files: 4, peer: 'cp', limit: 1.0 },
  { label: 'mixed copy <= 1.2 x cp', caseName: 'copy', dataset: 'mixed', files: 2000, peer: 'cp', limit: 1.2 },
  { label: 'no-op 20,000 files <= 2 x rsync', caseName: 'noop', dataset: 'small', files: 20000, peer: 'rsync', limit: 2.0 },
  { label: 'no-op 1,000,000 files <= 1.0 x rsync', caseName: 'noop', dataset: 'huge', files: 1000000, peer: 'rsync', limit: 1.0 },
  { label: 'peak RSS, no-op 1,000,000 files <= 200 MiB', caseName: 'noop', dataset: 'huge', files: 1000000, peer: null, limit: 200 },
];

const CASE_ORDER = ['copy', 'noop', 'touch', 'raw', 'net'];
const DATASET_ORDER = ['small', 'large', 'mixed', 'huge'];
const INLINE = '-inline';

function num(text: string | undefined): Num {
  if (text === undefined || text === '' || text === 'NA') return null;
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}

/** Rows of a TSV file with a header line, as header name -> cell maps. */
function readTsv(path: string): Map<string, string>[] {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '');
  const [head, ...body] = lines;
  if (head === undefined) return [];
  const header = head.split('\t');
  return body.map((line) => {
    const cells = line.split('\t');
    return new Map(header.map((h, i): [string, string] => [h, cells[i] ?? '']));
  });
}

function need(cells: Map<string, string>, name: string): string {
  const v = cells.get(name);
  if (v === undefined) throw new Error(`results.tsv has no column '${name}'`);
  return v;
}

function parseResults(path: string): ResultRow[] {
  return readTsv(path).map((c) => ({
    caseName: need(c, 'case'),
    mode: need(c, 'mode'),
    dataset: need(c, 'dataset'),
    tool: need(c, 'tool'),
    n: num(need(c, 'n')) ?? 0,
    wallMed: num(need(c, 'wall_med')),
    wallMin: num(need(c, 'wall_min')),
    wallMax: num(need(c, 'wall_max')),
    cpuMed: num(need(c, 'cpu_med')),
    // the tool's own peak (GNU time); peak_mib_med where an older file lacks it
    peakMiB: num(c.get('peak_true_mib')) ?? num(need(c, 'peak_mib_med')),
    files: num(need(c, 'files')),
    bytes: num(need(c, 'bytes')),
    mbPerS: num(need(c, 'MB_per_s')),
    filesPerS: num(need(c, 'files_per_s')),
    exits: need(c, 'exits'),
    note: c.get('note') ?? '',
    otherCpu: num(c.get('other_cpu_s')),
  }));
}

function parseChecks(path: string | undefined): CheckRow[] {
  if (path === undefined) return [];
  return readTsv(path).map((c) => ({
    source: c.get('source') ?? '',
    caseName: c.get('case') ?? '',
    mode: c.get('mode') ?? '',
    dataset: c.get('dataset') ?? '',
    tool: c.get('tool') ?? '',
    status: c.get('status') ?? '',
    detail: c.get('detail') ?? '',
  }));
}

const fixed = (v: Num, digits: number): string => (v === null ? '—' : v.toFixed(digits));
const grouped = (v: Num): string => (v === null ? '—' : Math.round(v).toLocaleString('en-US'));
const ratioText = (r: Num): string => (r === null ? 'n/a' : `${r.toFixed(2)} x`);
const rank = (order: string[], v: string): number => (order.includes(v) ? order.indexOf(v) : order.length);

/** Why a row's figures cannot count, or null when it is a clean measurement. */
function invalidReason(row: ResultRow, checks: CheckRow[]): string | null {
  if (row.n === 0 || row.wallMed === null) return row.note !== '' ? row.note : 'no successful run';
  const bad = row.exits.split(',').filter((e) => !e.startsWith('0:'));
  if (bad.length > 0) return `exit codes ${row.exits}`;
  const failed = checks.find((c) => c.source === 'peers' && c.status === 'FAIL' && c.caseName === row.caseName
    && c.mode === row.mode && c.dataset === row.dataset && c.tool === row.tool);
  return failed === undefined ? null : failed.detail;
}

/** The tool name barge is compared with in the same variant (plain or -inline). */
function bargeCounterpart(tool: string, barge: string): string {
  return tool.endsWith(INLINE) ? barge + INLINE : barge;
}

/** The rows of one case, mode and dataset: one table. */
interface Group { caseName: string; mode: string; dataset: string; rows: ResultRow[] }

function groupRows(rows: ResultRow[]): Group[] {
  const groups = new Map<string, Group>();
  for (const r of rows) {
    const key = `${r.caseName}\t${r.mode}\t${r.dataset}`;
    const g = groups.get(key) ?? { caseName: r.caseName, mode: r.mode, dataset: r.dataset, rows: [] };
    g.rows.push(r);
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => rank(CASE_ORDER, a.caseName) - rank(CASE_ORDER, b.caseName)
    || rank(DATASET_ORDER, a.dataset) - rank(DATASET_ORDER, b.dataset) || a.mode.localeCompare(b.mode));
}

function printGroup(group: Group, barge: string, checks: CheckRow[], out: string[]): void {
  const { rows } = group;
  const files = rows.find((r) => r.files !== null)?.files ?? null;
  const bytes = rows.find((r) => r.bytes !== null && r.bytes > 0)?.bytes ?? null;
  const size = bytes === null ? '' : `, ${(bytes / 1e6).toFixed(1)} MB`;
  out.push(`### ${group.caseName} — ${group.dataset} (${group.mode}): ${grouped(files)} files${size}`, '');
  const hasBarge = rows.some((r) => r.tool === barge);
  out.push(`| tool | wall median s (min–max) | files/s | MB/s | peak RSS MiB | cpu s | other cpu s | ${hasBarge ? `${barge} / tool` : ''} |`);
  out.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  const byTool = new Map(rows.map((r): [string, ResultRow] => [r.tool, r]));
  for (const r of rows) {
    const why = invalidReason(r, checks);
    const mine = byTool.get(bargeCounterpart(r.tool, barge));
    let ratio = '';
    if (hasBarge && mine !== undefined && mine !== r) {
      const usable = invalidReason(mine, checks) === null && mine.wallMed !== null && r.wallMed !== null && r.wallMed > 0;
      ratio = ratioText(usable && mine.wallMed !== null && r.wallMed !== null ? mine.wallMed / r.wallMed : null);
    } else if (mine === r) {
      ratio = '1.00 x';
    }
    const wall = r.n === 0 || r.wallMed === null
      ? `— (${why ?? 'no run'})`
      : `${fixed(r.wallMed, 2)} (${fixed(r.wallMin, 2)}–${fixed(r.wallMax, 2)})${why === null ? '' : ` **${why}**`}`;
    const name = r.tool === barge || r.tool === barge + INLINE ? `**${r.tool}**` : r.tool;
    out.push(`| ${name} | ${wall} | ${grouped(r.filesPerS)} | ${fixed(r.mbPerS, 1)} | ${fixed(r.peakMiB, 1)} | ${fixed(r.cpuMed, 2)} | ${fixed(r.otherCpu, 2)} | ${ratio} |`);
  }
  const notes = [...new Set(rows.filter((r) => r.n > 0 && r.note !== '').map((r) => r.note))];
  for (const note of notes) out.push('', `_${note}_`);
  out.push('');
}

interface Verdict { mode: string; barge: string; reference: string; value: string; result: string }

function judge(t: Target, rows: ResultRow[], barge: string, checks: CheckRow[], brokenBy: string | null): Verdict[] {
  const here = rows.filter((r) => r.caseName === t.caseName && r.dataset === t.dataset);
  const modes = [...new Set(here.map((r) => r.mode))];
  if (modes.length === 0) return [{ mode: '—', barge: '—', reference: '—', value: '—', result: 'not measured' }];
  return modes.map((mode) => {
    const mine = here.find((r) => r.mode === mode && r.tool === barge);
    const peer = t.peer === null ? undefined : here.find((r) => r.mode === mode && r.tool === t.peer);
    const v: Verdict = { mode, barge: '—', reference: '—', value: '—', result: 'not measured' };
    if (mine === undefined) return { ...v, result: `not measured (no ${barge} row)` };
    v.barge = t.peer === null ? `${fixed(mine.peakMiB, 1)} MiB` : `${fixed(mine.wallMed, 2)} s`;
    const filesNote = mine.files !== null && mine.files !== t.files ? ` (measured at ${grouped(mine.files)} files)` : '';
    const why = invalidReason(mine, checks) ?? brokenBy;
    if (t.peer === null) {
      v.value = `${fixed(mine.peakMiB, 1)} MiB`;
      if (why !== null) return { ...v, result: `FAIL (${why})` };
      if (mine.peakMiB === null) return { ...v, result: 'not measured (no peak RSS)' };
      return { ...v, result: (mine.peakMiB <= t.limit ? 'PASS' : 'FAIL') + filesNote };
    }
    if (peer === undefined || peer.wallMed === null || peer.n === 0 || peer.wallMed <= 0) {
      return { ...v, result: `not measured (no ${t.peer ?? ''} figure)` };
    }
    v.reference = `${t.peer} ${fixed(peer.wallMed, 2)} s`;
    if (mine.wallMed === null) return { ...v, result: `FAIL (${why ?? 'no successful run'})` };
    const ratio = mine.wallMed / peer.wallMed;
    v.value = ratioText(ratio);
    if (why !== null) return { ...v, result: `FAIL (${why})` };
    return { ...v, result: (ratio <= t.limit ? 'PASS' : 'FAIL') + filesNote };
  });
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      checks: { type: 'string' },
      env: { type: 'string' },
      tool: { type: 'string', default: 'barge' },
    },
  });
  const [resultsPath] = positionals;
  if (positionals.length !== 1 || resultsPath === undefined) {
    process.stderr.write('usage: node report.js RESULTS_TSV [--checks CHECKS_TSV] [--env ENV_TXT] [--tool barge]\n');
    process.exit(2);
  }
  const barge = values.tool ?? 'barge';
  const rows = parseResults(resultsPath);
  const checks = parseChecks(values.checks);
  const out: string[] = ['# barge benchmark', ''];
  const runs = [...new Set(rows.map((r) => r.n).filter((n) => n > 0))].join('/') || '?';
  out.push(`Wall time is the whole process, start to exit (median; timed runs per figure: ${runs}); `
    + `"${barge} / tool" is ${barge}'s median time divided by that tool's (below 1 = ${barge} faster). `
    + 'Compare tools within one run only: separate runs differ by up to 30%.', '');

  const targetLines: string[] = ['## Targets', '', '| target | mode | barge | reference | ratio / value | result |', '| --- | --- | ---: | --- | ---: | --- |'];
  const broken = checks.filter((c) => c.tool === barge && c.source !== 'peers' && c.status === 'FAIL');
  const brokenBy = broken.length === 0 ? null : `${barge} results wrong: ${broken.map((c) => c.caseName).join(', ')}`;
  for (const t of TARGETS) {
    for (const v of judge(t, rows, barge, checks, brokenBy)) {
      targetLines.push(`| ${t.label} | ${v.mode} | ${v.barge} | ${v.reference} | ${v.value} | ${v.result} |`);
    }
  }
  out.push(...targetLines, '');

  out.push('## Results', '');
  for (const g of groupRows(rows)) printGroup(g, barge, checks, out);

  if (checks.length > 0) {
    out.push('## Checks', '', '| source | case | mode | dataset | tool | status | detail |', '| --- | --- | --- | --- | --- | --- | --- |');
    for (const c of checks) {
      out.push(`| ${c.source} | ${c.caseName} | ${c.mode} | ${c.dataset} | ${c.tool} | ${c.status} | ${c.detail.replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  if (values.env !== undefined) {
    try {
      out.push('## Environment', '', '```', readFileSync(values.env, 'utf8').trimEnd(), '```', '');
    } catch {
      // the environment is optional context: a report without it is still a report
    }
  }
  process.stdout.write(out.join('\n'));
}

try {
  main();
} catch (err) {
  process.stderr.write(`report: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
