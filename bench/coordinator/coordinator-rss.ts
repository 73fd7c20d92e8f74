// Benchmark 3: the coordinator's peak memory while it tracks one request over a very
// large tree. Starts `barge serve` (SQLite state unless --db) under /usr/bin/time -v,
// submits a copy of SRC into an empty destination, waits for the end, and reports the
// peak RSS of the serve process (VmHWM from /proc before it stops; GNU time's figure as
// a cross-check: the built-in agent's worker threads are in the same process, so both
// include them), the wall time from submit to the end, and files/s.
//
//   node dist/bench/coordinator/coordinator-rss.js --src DIR --work DIR [--db URL]
//     [--transfers N (default: serve's own)] [--timeout-min 60] [--verify 1] [--keep 0] [--out rows.jsonl]
// The work folder (DST and the state database) is removed at the end unless --keep 1.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { countFiles, fmtInt, machineBusy, machineCpu, memoryOf, say, sleep, startServe, TERMINAL, transfersLabel, writeRows, type RequestView, type ResultRow } from './common.js';

const { values: a } = parseArgs({
  options: {
    src: { type: 'string' },
    work: { type: 'string' },
    db: { type: 'string' },
    transfers: { type: 'string', default: '' },
    'timeout-min': { type: 'string', default: '60' },
    verify: { type: 'string', default: '1' },
    keep: { type: 'string', default: '0' },
    out: { type: 'string' },
  },
});
if (!a.src || !a.work) throw new Error('--src and --work are required');
const SRC = path.resolve(a.src);
const WORK = path.resolve(a.work);
const DST = path.join(WORK, 'dst');
const STATE = path.join(WORK, 'state');
const TRANSFERS = a.transfers ? Number(a.transfers) : undefined;
const TARGET_MIB = 300;
const mib = (kib: number): string => (kib / 1024).toFixed(0);

fs.rmSync(WORK, { recursive: true, force: true });
fs.mkdirSync(DST, { recursive: true });
const db = a.db ?? `sqlite:${path.join(STATE, 'state.db')}`;
const engine = db.startsWith('postgres') ? 'PostgreSQL' : 'SQLite';
const s = await startServe({ src: SRC, dst: DST, stateDir: STATE, db, transfers: TRANSFERS, wrap: ['/usr/bin/time', '-v'] });
say(`barge serve at ${s.url} (node pid ${s.pid}), ${engine}, ${transfersLabel(TRANSFERS)}; source ${SRC}`);
const rows: ResultRow[] = [];
let stopped = false;
try {
  const base = memoryOf(s.pid);
  const posted = await s.api<{ id: string }>('POST', '/api/requests', { source: 'src:/', destination: 'dst:/' });
  if (posted.status !== 201) throw new Error(`POST /api/requests: ${posted.status} ${JSON.stringify(posted.body)}`);
  const id = posted.body.id;
  const t0 = performance.now();
  const m0 = machineCpu();
  const deadline = t0 + Number(a['timeout-min']) * 60_000;
  let v: RequestView | undefined;
  let peak = { rssKiB: 0, atSec: 0, found: 0, copied: 0 };
  let lastLog = 0;
  let walkSec: number | undefined;
  for (;;) {
    const r = await s.api<RequestView & { walkDone?: boolean }>('GET', `/api/requests/${id}`);
    v = r.body;
    const sec = (performance.now() - t0) / 1000;
    if (walkSec === undefined && r.body.walkDone) walkSec = sec;
    const m = memoryOf(s.pid);
    if (m && m.rssKiB > peak.rssKiB) peak = { rssKiB: m.rssKiB, atSec: sec, found: v.files.found, copied: v.files.copied };
    if (sec - lastLog >= 30) {
      lastLog = sec;
      say(`${sec.toFixed(0)} s: ${v.state}, found ${fmtInt(v.files.found)}, copied ${fmtInt(v.files.copied)}; RSS ${m ? mib(m.rssKiB) : '?'} MiB, peak so far ${m ? mib(m.hwmKiB) : '?'} MiB`);
    }
    if (TERMINAL.has(v.state)) break;
    if (performance.now() > deadline) throw new Error(`not finished after ${a['timeout-min']} min: ${JSON.stringify(v)}`);
    await sleep(1000);
  }
  const wall = (performance.now() - t0) / 1000;
  const busy = machineBusy(m0);
  const end = memoryOf(s.pid);
  const dbBytes = engine === 'SQLite' ? ['state.db', 'state.db-wal'].reduce((x, f) => { try { return x + fs.statSync(path.join(STATE, f)).size; } catch { return x; } }, 0) : NaN;
  const stop = await s.stop();
  stopped = true;
  const gnu = /Maximum resident set size \(kbytes\): (\d+)/.exec(s.stderr())?.[1];
  const cpu = ['User time (seconds)', 'System time (seconds)'].reduce((x, k) => x + Number(new RegExp(`${k.replace(/[()]/g, '\\$&')}: ([\\d.]+)`).exec(s.stderr())?.[1] ?? NaN), 0);
  const problems: string[] = [];
  if (v.state !== 'succeeded') problems.push(`request ended ${v.state}: ${v.message ?? ''}`);
  if (v.files.copied !== v.files.found) problems.push(`copied ${v.files.copied} of ${v.files.found} files`);
  if (v.errorCount > 0) problems.push(`${v.errorCount} file error(s)`);
  if (stop !== 0) problems.push(`barge serve exited ${stop}`);
  let counted = '';
  if (a.verify === '1') {
    const nSrc = countFiles(SRC);
    const nDst = countFiles(DST);
    counted = `; files in SRC ${fmtInt(nSrc)}, in DST ${fmtInt(nDst)}`;
    if (nSrc !== nDst) problems.push(`DST has ${nDst} files, SRC ${nSrc}`);
  }
  const hwm = end?.hwmKiB ?? NaN;
  const ok = problems.length === 0;
  rows.push({
    bench: 'coordinator peak RSS',
    setup: `${engine}, one request of ${fmtInt(v.files.found)} files (${(v.bytes.found / 1e9).toFixed(2)} GB), ${transfersLabel(TRANSFERS)}`,
    value: `${mib(hwm)} MiB`,
    target: `<= ${TARGET_MIB} MiB`,
    result: !ok ? 'FAIL (wrong)' : hwm / 1024 <= TARGET_MIB ? 'PASS' : 'FAIL',
    detail: `VmHWM ${mib(hwm)} MiB (GNU time max RSS ${gnu ? mib(Number(gnu)) : '?'} MiB; ${mib(base?.rssKiB ?? NaN)} MiB at start; RSS peak seen at ${peak.atSec.toFixed(0)} s with ${fmtInt(peak.found)} found, ${fmtInt(peak.copied)} copied)` +
      `; wall ${wall.toFixed(0)} s (walk done at ${walkSec?.toFixed(0) ?? '?'} s), ${fmtInt(v.files.found / wall)} files/s; serve cpu ${cpu.toFixed(0)} s` +
      `${Number.isNaN(dbBytes) ? '' : `; state db ${(dbBytes / 2 ** 20).toFixed(0)} MiB`}${counted}; ${busy}` +
      (ok ? '' : `; WRONG: ${problems.join('; ')}`),
  });
  writeRows(a.out, rows);
} finally {
  if (!stopped) await s.stop();
  // rm -rf: fs.rmSync took ~15 min for 1,000,000 files here
  if (a.keep !== '1') spawnSync('rm', ['-rf', WORK], { stdio: 'inherit' });
}
if (rows.some((r) => r.result.includes('wrong'))) process.exitCode = 1;
