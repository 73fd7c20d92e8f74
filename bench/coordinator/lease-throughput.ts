// Benchmark 1: tasks leased + completed per second against the StateStore, on SQLite
// (a file in a temporary folder) and on PostgreSQL (a database of its own, made afresh
// for every run and dropped at the end).
//
// One running request, N queued 'copy' tasks with a small payload, then K concurrent
// workers loop lease(capacity C, through the coordinator's dispatcher) -> completeMany(all leased, +1 filesCopied each)
// until the queue is empty. The clock covers the loop only (not the enqueue).
// Correctness: the request's filesCopied must equal N, every task must be done, no
// task may be leased twice, and every completion must be accepted.
//
//   node dist/bench/coordinator/lease-throughput.js [--engines sqlite,postgres]
//     [--tasks 50000] [--capacities 1,16,64] [--sqlite-workers 1] [--pg-workers 4]
//     [--pg-pool 8] [--pg-url postgres://postgres@127.0.0.1:5432] [--pg-db barge_bench]
//     [--max-seconds 900] [--pg-analyze] [--out rows.jsonl]
// --pg-analyze runs ANALYZE after the enqueue, as autovacuum would soon after on a server
// where it is on (it is off on this machine's PostgreSQL: the planner then has no
// statistics for the 50,000 new rows).
// --max-seconds stops a run that takes longer (the row then says so, and the rate is
// over the tasks done by then; the check is filesCopied = tasks completed).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openPostgresStore } from '../../src/state/postgres/open-postgres.js';
import { openSqliteStore } from '../../src/state/sqlite/open-sqlite.js';
import { Dispatcher } from '../../src/coordinator/dispatcher.js';
import type { NewTask, StateStore } from '../../src/state/state-store.js';
import { fmtInt, fmtMs, machineBusy, machineCpu, say, sleep, summarize, writeRows, type ResultRow } from './common.js';

const { values: a } = parseArgs({
  options: {
    engines: { type: 'string', default: 'sqlite,postgres' },
    tasks: { type: 'string', default: '50000' },
    capacities: { type: 'string', default: '1,16,64' },
    'sqlite-workers': { type: 'string', default: '1' },
    'pg-workers': { type: 'string', default: '4' },
    'pg-pool': { type: 'string', default: '8' },
    'pg-url': { type: 'string', default: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432' },
    'pg-db': { type: 'string', default: process.env.BENCH_PG_DB ?? 'barge_bench' },
    'max-seconds': { type: 'string', default: '900' },
    'pg-analyze': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const N = Number(a.tasks);
const TARGET = 2000;
const REQUEST = 'bench-lease';
const numbers = (s: string): number[] => s.split(',').map((x) => Number(x.trim())).filter((x) => x > 0);

function dbUrl(base: string, db: string): string {
  const u = new URL(base);
  u.pathname = `/${db}`;
  return u.toString();
}

async function adminSql(sql: string, db = 'postgres'): Promise<void> {
  const c = new pg.Client({ connectionString: dbUrl(a['pg-url'], db) });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}

/** waits for the sessions of a closed store to go: terminating them (WITH (FORCE)) while
 * the pool still holds them crashes this process (the store's pool has no 'error' listener) */
async function dropPgDatabase(): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await adminSql(`DROP DATABASE IF EXISTS ${a['pg-db']}`);
      return;
    } catch (e) {
      if (i >= 50) throw e;
      await sleep(100);
    }
  }
}

async function freshPgDatabase(): Promise<void> {
  await dropPgDatabase();
  await adminSql(`CREATE DATABASE ${a['pg-db']}`);
}

async function prepare(store: StateStore): Promise<void> {
  const now = Date.now();
  await store.createRequest({ id: REQUEST, priority: 5, source: 'src:/', destination: 'dst:/', srcEndpoint: 'src', dstEndpoint: 'dst', spec: '{}' }, now);
  if (!await store.setRequestState(REQUEST, ['queued'], 'running', now)) throw new Error('request did not move queued -> running');
  const tasks: NewTask[] = [];
  for (let i = 0; i < N; i++) {
    const size = 1 + ((i * 7919) % 16384);
    tasks.push({ kind: 'copy', phase: 0, payload: JSON.stringify({ files: [{ path: `d${String(i % 200).padStart(3, '0')}/f${String(i).padStart(7, '0')}.bin`, size }] }), items: 1, bytes: size });
  }
  await store.tx((s) => s.enqueue(REQUEST, tasks, now));
}

interface RunStats { stopped: boolean; seconds: number; leaseMs: number[]; completeMs: number[]; leased: number; accepted: number; rejected: number; duplicates: number; emptyLeases: number }

async function drain(store: StateStore, workers: number, capacity: number): Promise<RunStats> {
  const seen = new Set<number>();
  const st: RunStats = { stopped: false, seconds: 0, leaseMs: [], completeMs: [], leased: 0, accepted: 0, rejected: 0, duplicates: 0, emptyLeases: 0 };
  const deadline = performance.now() + Number(a['max-seconds']) * 1000;
  // as the coordinator leases: its dispatcher decides the quotas, the store picks
  const dispatcher = new Dispatcher(store);
  const worker = async (w: number): Promise<void> => {
    const agent = `bench-agent-${w}`;
    for (;;) {
      if (performance.now() > deadline) { st.stopped = true; return; }
      let t = performance.now();
      const tasks = await dispatcher.lease(agent, { capacity, leaseMs: 60_000 }, Date.now());
      st.leaseMs.push(performance.now() - t);
      if (tasks.length === 0) { st.emptyLeases++; return; }
      st.leased += tasks.length;
      for (const task of tasks) { if (seen.has(task.id)) st.duplicates++; seen.add(task.id); }
      t = performance.now();
      const ok = await store.completeMany(agent, tasks.map((task) => ({ taskId: task.id, completion: { counters: { filesCopied: 1 } } })), Date.now());
      st.completeMs.push(performance.now() - t);
      for (const x of ok) { if (x) st.accepted++; else st.rejected++; }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: workers }, (_, w) => worker(w)));
  st.seconds = (performance.now() - t0) / 1000;
  return st;
}

async function runOne(engine: 'sqlite' | 'postgres', capacity: number, workers: number): Promise<ResultRow> {
  let store: StateStore;
  let tmp: string | undefined;
  if (engine === 'sqlite') {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-lease-bench-'));
    store = await openSqliteStore(path.join(tmp, 'state.db'));
  } else {
    await freshPgDatabase();
    store = await openPostgresStore(dbUrl(a['pg-url'], a['pg-db']), { poolSize: Number(a['pg-pool']) });
  }
  try {
    const t0 = performance.now();
    await prepare(store);
    if (engine === 'postgres' && a['pg-analyze']) await adminSql('ANALYZE', a['pg-db']);
    say(`${engine}: enqueued ${fmtInt(N)} tasks in ${((performance.now() - t0) / 1000).toFixed(1)} s; draining with ${workers} worker(s), capacity ${capacity}`);
    const cpu0 = process.cpuUsage();
    const m0 = machineCpu();
    const st = await drain(store, workers, capacity);
    const cpu = process.cpuUsage(cpu0);
    const load = machineBusy(m0);
    const done0 = st.accepted;
    const req = await store.getRequest(REQUEST);
    const counts = await store.taskCounts();
    const done = counts.filter((c) => c.state === 'done').reduce((s, c) => s + c.n, 0);
    const notDone = counts.filter((c) => c.state !== 'done').reduce((s, c) => s + c.n, 0);
    const copied = req?.counters.filesCopied ?? -1;
    const problems: string[] = [];
    const expect = st.stopped ? done0 : N;
    if (copied !== expect) problems.push(`filesCopied ${copied} != ${expect}`);
    if (done !== expect || (!st.stopped && notDone !== 0)) problems.push(`tasks done ${done}, not done ${notDone}`);
    if (st.duplicates > 0) problems.push(`${st.duplicates} task(s) leased twice`);
    if (st.rejected > 0) problems.push(`${st.rejected} completion(s) refused`);
    if (!st.stopped && st.accepted !== N) problems.push(`${st.accepted} completions accepted`);
    const rate = st.accepted / st.seconds;
    const l = summarize(st.leaseMs);
    const c = summarize(st.completeMs);
    const ok = problems.length === 0;
    return {
      bench: 'lease throughput',
      setup: `${engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, capacity ${capacity}, ${workers} worker${workers > 1 ? 's' : ''}${engine === 'postgres' ? ` (pool ${a['pg-pool']}${a['pg-analyze'] ? ', ANALYZE after enqueue' : ''})` : ''}`,
      value: `${fmtInt(rate)} tasks/s`,
      target: `>= ${fmtInt(TARGET)}/s`,
      result: !ok ? 'FAIL (wrong)' : rate >= TARGET ? 'PASS' : 'FAIL',
      detail: `${st.stopped ? `STOPPED at --max-seconds: ${fmtInt(st.accepted)} of ${fmtInt(N)}` : fmtInt(N)} tasks in ${st.seconds.toFixed(1)} s; ` +
        `bench process cpu ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s, ${load}; lease p50/p99 ${fmtMs(l.p50)}/${fmtMs(l.p99)} ms, completeMany p50/p99 ${fmtMs(c.p50)}/${fmtMs(c.p99)} ms; ` +
        (ok ? `filesCopied = ${fmtInt(copied)} (checked)` : `WRONG: ${problems.join('; ')}`),
    };
  } finally {
    await store.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const rows: ResultRow[] = [];
const engines = a.engines.split(',').map((e) => e.trim()).filter(Boolean);
try {
  for (const engine of engines) {
    if (engine !== 'sqlite' && engine !== 'postgres') throw new Error(`unknown engine ${engine}`);
    const workers = Number(engine === 'sqlite' ? a['sqlite-workers'] : a['pg-workers']);
    for (const capacity of numbers(a.capacities)) {
      const row = await runOne(engine, capacity, workers);
      rows.push(row);
      writeRows(a.out, [row]);
    }
  }
} finally {
  if (engines.includes('postgres')) await dropPgDatabase().catch((e: unknown) => say(`cannot drop ${a['pg-db']}: ${String(e)}`));
}
if (rows.some((r) => r.result.includes('wrong'))) process.exitCode = 1;
