// Benchmark 2: API latency while a transfer runs. Starts `barge serve` (SQLite state),
// submits a copy of SRC and, while it runs, one client loop fetches
// GET /api/requests/{id} and another GET /api/requests?limit=50, each on a fixed
// schedule (RATE/2 per second each), timing every answer. Only answers that started
// after the request was seen running and ended before it was last seen running or
// finalizing count as "during transfer". The transfer is repeated into a fresh
// destination folder until MIN_SAMPLES such answers are in (or MAX_ROUNDS). Then the
// same load on the idle server (the finished requests still in its database).
//
//   node dist/bench/coordinator/api-latency.js --src DIR --work DIR [--rate 50]
//     [--min-samples 2000] [--max-rounds 8] [--idle-seconds 30] [--transfers N (default: serve's own)] [--out rows.jsonl]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ADMIN_SECRET, fmtInt, fmtMs, machineBusy, machineCpu, say, sleep, startServe, summarize, transfersLabel, TERMINAL, writeRows, type RequestView, type ResultRow, type Serve } from './common.js';

const { values: a } = parseArgs({
  options: {
    src: { type: 'string' },
    work: { type: 'string' },
    rate: { type: 'string', default: '50' },
    'min-samples': { type: 'string', default: '2000' },
    'max-rounds': { type: 'string', default: '8' },
    'idle-seconds': { type: 'string', default: '30' },
    transfers: { type: 'string', default: '' },
    out: { type: 'string' },
  },
});
if (!a.src || !a.work) throw new Error('--src and --work are required');
const SRC = path.resolve(a.src);
const WORK = path.resolve(a.work);
const TRANSFERS = a.transfers ? Number(a.transfers) : undefined;
const RATE = Number(a.rate);
const INTERVAL_MS = 1000 / (RATE / 2);

interface Sample { route: 'detail' | 'list'; start: number; end: number; ms: number; status: number }

/** GETs `route()` on a fixed schedule until stop() is true; every answer timed, body read */
async function loop(url: string, kind: Sample['route'], route: () => string, stop: () => boolean, out: Sample[], onBody?: (b: unknown, start: number, end: number) => void): Promise<void> {
  const t0 = performance.now();
  for (let i = 0; !stop(); i++) {
    const due = t0 + i * INTERVAL_MS;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const start = performance.now();
    let status = 0;
    let body: unknown;
    try {
      const res = await fetch(url + route(), { headers: { authorization: `Bearer ${ADMIN_SECRET}` } });
      status = res.status;
      body = await res.json();
    } catch {
      status = -1;
    }
    const end = performance.now();
    out.push({ route: kind, start, end, ms: end - start, status });
    if (onBody && status === 200) onBody(body, start, end);
  }
}

interface Round { id: string; seconds: number; files: number; state: string; windowStart: number; windowEnd: number; samples: Sample[] }

async function round(s: Serve, n: number): Promise<Round> {
  const dest = `dst:/round${n}`;
  const posted = await s.api<{ id: string }>('POST', '/api/requests', { source: 'src:/', destination: dest });
  if (posted.status !== 201) throw new Error(`POST /api/requests: ${posted.status} ${JSON.stringify(posted.body)}`);
  const id = posted.body.id;
  const submitted = performance.now();
  let windowStart = Infinity;
  let windowEnd = -Infinity;
  let last: RequestView | undefined;
  const samples: Sample[] = [];
  let done = false;
  const onDetail = (b: unknown, start: number, end: number): void => {
    const v = b as RequestView;
    last = v;
    if (v.state === 'running' && windowStart === Infinity) windowStart = end;
    if (v.state === 'running' || v.state === 'finalizing') windowEnd = Math.max(windowEnd, start);
    if (TERMINAL.has(v.state)) done = true;
  };
  const stopAfter = performance.now() + 30 * 60_000;
  const stop = (): boolean => done || performance.now() > stopAfter;
  await Promise.all([
    loop(s.url, 'detail', () => `/api/requests/${id}`, stop, samples, onDetail),
    loop(s.url, 'list', () => '/api/requests?limit=50', stop, samples),
  ]);
  const seconds = (performance.now() - submitted) / 1000;
  return { id, seconds, files: last?.files.found ?? 0, state: last?.state ?? '?', windowStart, windowEnd, samples };
}

function latencyRow(label: string, setup: string, samples: Sample[], extra: string): ResultRow {
  const ok = samples.filter((x) => x.status === 200);
  const bad = samples.length - ok.length;
  const st = summarize(ok.map((x) => x.ms));
  const span = samples.length > 1 ? (Math.max(...samples.map((x) => x.end)) - Math.min(...samples.map((x) => x.start))) / 1000 : 0;
  return {
    bench: label,
    setup,
    value: `p99 ${fmtMs(st.p99)} ms`,
    target: '-',
    result: bad > 0 ? `FAIL (${bad} errors)` : '-',
    detail: `n=${fmtInt(st.n)} over ${span.toFixed(0)} s (${(samples.length / Math.max(span, 1e-9)).toFixed(0)} req/s); p50 ${fmtMs(st.p50)}, p95 ${fmtMs(st.p95)}, p99 ${fmtMs(st.p99)}, max ${fmtMs(st.max)} ms${extra}`,
  };
}

fs.rmSync(WORK, { recursive: true, force: true });
fs.mkdirSync(path.join(WORK, 'dst'), { recursive: true });
const s = await startServe({ src: SRC, dst: path.join(WORK, 'dst'), stateDir: path.join(WORK, 'state'), db: `sqlite:${path.join(WORK, 'state', 'state.db')}`, transfers: TRANSFERS });
say(`barge serve at ${s.url} (pid ${s.pid}), ${transfersLabel(TRANSFERS)}; source ${SRC}`);
const rows: ResultRow[] = [];
try {
  const during: Sample[] = [];
  const rounds: Round[] = [];
  const m0 = machineCpu();
  for (let n = 1; n <= Number(a['max-rounds']) && during.length < Number(a['min-samples']); n++) {
    const r = await round(s, n);
    const inWindow = r.samples.filter((x) => x.start >= r.windowStart && x.end <= r.windowEnd);
    during.push(...inWindow);
    rounds.push(r);
    say(`round ${n}: ${r.id} ${r.state}, ${fmtInt(r.files)} files in ${r.seconds.toFixed(1)} s; running for ${((r.windowEnd - r.windowStart) / 1000).toFixed(1)} s; ${inWindow.length} of ${r.samples.length} answers during the transfer`);
    if (r.state !== 'succeeded') throw new Error(`request ${r.id} ended ${r.state}: ${s.stderr().slice(-2000)}`);
  }
  const totalSec = rounds.reduce((x, r) => x + r.seconds, 0);
  const totalFiles = rounds.reduce((x, r) => x + r.files, 0);
  const transfer = `; ${rounds.length} transfer(s) of ${fmtInt(rounds[0]?.files ?? 0)} files, ${(totalFiles / totalSec).toFixed(0)} files/s, all succeeded, ${transfersLabel(TRANSFERS)}; ${machineBusy(m0)}`;
  rows.push(latencyRow('API latency', 'during transfer, GET /api/requests/{id}', during.filter((x) => x.route === 'detail'), ''));
  rows.push(latencyRow('API latency', 'during transfer, GET /api/requests?limit=50', during.filter((x) => x.route === 'list'), ''));
  rows.push(latencyRow('API latency', 'during transfer, both routes', during, transfer));
  writeRows(a.out, rows);

  // idle: the same load with nothing to do
  const idle: Sample[] = [];
  const lastId = rounds[rounds.length - 1]?.id ?? '';
  const m1 = machineCpu();
  const until = performance.now() + Number(a['idle-seconds']) * 1000;
  const stop = (): boolean => performance.now() > until;
  await Promise.all([
    loop(s.url, 'detail', () => `/api/requests/${lastId}`, stop, idle),
    loop(s.url, 'list', () => '/api/requests?limit=50', stop, idle),
  ]);
  const idleRow = latencyRow('API latency', 'idle server, both routes', idle, `; ${machineBusy(m1)}`);
  rows.push(idleRow);
  writeRows(a.out, [idleRow]);
} finally {
  const code = await s.stop();
  if (code !== 0) say(`barge serve exited ${code}: ${s.stderr().slice(-2000)}`);
  fs.rmSync(WORK, { recursive: true, force: true });
}
