// Benchmark: the web dashboard's pages with many requests in the database (issue 30: a page
// with 10,000 requests answers in under 200 ms). Writes REQUESTS finished requests (most
// succeeded, some failed and canceled, each with its audit entry) into a SQLite state file
// through the StateStore, starts `barge serve` on it, logs in as an admin and times each
// page ROUNDS times, one at a time, after a warm-up.
//
//   node dist/bench/coordinator/dashboard-pages.js --work DIR [--requests 10000] [--rounds 50] [--out rows.jsonl]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { openSqliteStore } from '../../src/state/sqlite/open-sqlite.js';
import { ADMIN_SECRET, fmtInt, fmtMs, machineBusy, machineCpu, say, startServe, summarize, writeRows, type ResultRow } from './common.js';

const { values: a } = parseArgs({
  options: {
    work: { type: 'string' },
    requests: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '50' },
    out: { type: 'string' },
  },
});
if (!a.work) throw new Error('--work is required');
const WORK = path.resolve(a.work);
const N = Number(a.requests);
const ROUNDS = Number(a.rounds);
const TARGET_MS = 200;
const T0 = Date.now() - N * 1000;

async function fill(file: string): Promise<string> {
  const store = await openSqliteStore(file);
  const batch = 500;
  for (let i = 0; i < N; i += batch) {
    await store.tx(async (s) => {
      for (let j = i; j < Math.min(N, i + batch); j++) {
        const id = `bench-${String(j).padStart(6, '0')}`;
        const at = T0 + j * 1000;
        await s.createRequest({ id, priority: 1 + (j % 10), source: `src:/set/${j}`, destination: `dst:/copy/${j}`, srcEndpoint: 'src', dstEndpoint: 'dst', spec: '{}' }, at);
        await s.addAudit(id, { at, actor: 'ops', action: 'submit', detail: null });
        await s.setRequestState(id, ['queued'], 'running', at + 10);
        await s.addCounters(id, { filesFound: 1000, filesToCopy: 1000, filesCopied: 990, failed: j % 100 === 0 ? 10 : 0, bytesFound: 1e9, bytesToCopy: 1e9, bytesCopied: 9.9e8 }, at + 500);
        const end = j % 100 === 0 ? 'failed' : j % 100 === 1 ? 'canceled' : 'succeeded';
        await s.setRequestState(id, ['running'], end, at + 900, { message: end === 'failed' ? '10 files failed' : null });
      }
    });
  }
  await store.close();
  return `bench-${String(N - 1).padStart(6, '0')}`;
}

async function main(): Promise<void> {
  fs.rmSync(WORK, { recursive: true, force: true });
  const src = path.join(WORK, 'src');
  const dst = path.join(WORK, 'dst');
  fs.mkdirSync(src, { recursive: true });
  fs.mkdirSync(dst, { recursive: true });
  const db = path.join(WORK, 'state', 'barge.sqlite');
  fs.mkdirSync(path.dirname(db), { recursive: true });
  const t = Date.now();
  const newest = await fill(db);
  say(`${fmtInt(N)} requests written in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  const serve = await startServe({ src, dst, stateDir: path.join(WORK, 'state'), db: `sqlite:${db}` });
  try {
    const login = await fetch(`${serve.url}/login`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${ADMIN_SECRET}`,
    });
    const cookie = /barge_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0];
    if (cookie === undefined) throw new Error(`login failed: ${login.status}`);
    const pages = ['/', '/requests', '/requests?state=failed', `/requests?offset=${Math.max(0, N - 50)}`, `/requests/${newest}`, '/agents', '/ui/overview', '/ui/requests'];
    const rows: ResultRow[] = [];
    const cpu = machineCpu();
    for (const p of pages) {
      const times: number[] = [];
      for (let i = 0; i < ROUNDS + 3; i++) {
        const start = performance.now();
        const res = await fetch(serve.url + p, { headers: { cookie }, redirect: 'manual' });
        await res.text();
        if (res.status !== 200) throw new Error(`${p}: ${res.status}`);
        if (i >= 3) times.push(performance.now() - start); // the first answers warm caches and JIT
      }
      const s = summarize(times);
      rows.push({
        bench: 'dashboard page', setup: `${p}, ${fmtInt(N)} requests, SQLite`, value: `p50 ${fmtMs(s.p50)} ms, p95 ${fmtMs(s.p95)} ms`,
        target: `< ${TARGET_MS} ms`, result: s.p95 < TARGET_MS ? 'PASS' : 'FAIL', detail: `max ${fmtMs(s.max)} ms, ${s.n} answers`,
      });
    }
    for (const r of rows) r.detail += `; ${machineBusy(cpu)}`;
    writeRows(a.out, rows);
  } finally {
    await serve.stop();
  }
}

await main();
