// Benchmark: one request that lists its files. A POST /api/requests whose `files` holds
// N paths (the documented maximum is 1,000,000) once blocked GET /healthz for 28 s and
// left the coordinator at 3.7 GiB RSS. This makes a real tree of N small files (unless it
// is there already), starts `barge serve` (SQLite, the built-in agent) with a `src` and a
// `dst` endpoint, and for each case POSTs one copy of the tree into an empty folder:
//   files: {source: 'src:/', destination: 'dst:/', files: [all N paths]}
//   plain: the same without `files` (the walk finds the same N files)
// A fresh serve process (fresh state folder) per case. From just before the POST to the
// request's end, a worker thread GETs /healthz every POLL ms on a fixed schedule without
// waiting for earlier answers (so a stalled coordinator shows as many slow answers, not
// one), timing each from sending to the end of its body (one with no answer in 120 s
// counts as non-200 with 120 s); the main thread times the POST
// (building its JSON body is not timed), polls the request every second and samples the
// serve process's RSS. Peak RSS = VmHWM from /proc just before serve is stopped.
//
//   node dist/bench/coordinator/files-list.js --tree DIR --work DIR [--files 1000000]
//     [--per-dir 1000] [--cases files,plain] [--poll-ms 100] [--transfers N] [--timeout-min 30]
//     [--verify 1] [--keep 0] [--serve-node-args='--cpu-prof --cpu-prof-dir=DIR'] [--out rows.jsonl]
// The tree is kept (DIR.done records its size; another --files remakes it); the work
// folder (destinations, state) is removed at the end unless --keep 1. --serve-node-args
// puts node flags before barge's main.js (node refuses --cpu-prof in NODE_OPTIONS); with
// --cpu-prof, serve writes its profiles when it is stopped at the end of each case.
// The markdown table goes to stdout, the progress to stderr.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { ADMIN_SECRET, countFiles, fmtInt, fmtMs, machineBusy, machineCpu, memoryOf, say, sleep, startServe, summarize, TERMINAL, transfersLabel, writeRows, type RequestView, type ResultRow } from './common.js';

/** one /healthz answer: ms since the POST started, latency, HTTP status (-1: no answer) */
interface Probe { at: number; ms: number; status: number }

// ------------------------------------------------------------------ the poller (worker thread)
async function poller(url: string, everyMs: number, t0: number): Promise<void> {
  const probes: Probe[] = [];
  const pending = new Set<Promise<void>>();
  let stop = false;
  parentPort?.on('message', (m: string) => { if (m === 'stop') stop = true; });
  const one = async (): Promise<void> => {
    const start = performance.now();
    let status = -1;
    try {
      const res = await fetch(url + '/healthz', { signal: AbortSignal.timeout(120_000) });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = -1;
    }
    probes.push({ at: start + performance.timeOrigin - t0, ms: performance.now() - start, status });
  };
  const begin = performance.now();
  for (let i = 0; !stop; i++) {
    const wait = begin + i * everyMs - performance.now();
    if (wait > 0) await sleep(wait);
    const p = one().finally(() => pending.delete(p));
    pending.add(p);
  }
  await Promise.all(pending);
  parentPort?.postMessage(probes);
}

if (!isMainThread) {
  const d = workerData as { url: string; everyMs: number; t0: number };
  await poller(d.url, d.everyMs, d.t0);
} else {
  await main();
}

// ------------------------------------------------------------------ the benchmark
async function main(): Promise<void> {
  const { values: a } = parseArgs({
    options: {
      tree: { type: 'string' },
      work: { type: 'string' },
      files: { type: 'string', default: '1000000' },
      'per-dir': { type: 'string', default: '1000' },
      cases: { type: 'string', default: 'files,plain' },
      'poll-ms': { type: 'string', default: '100' },
      transfers: { type: 'string', default: '' },
      'timeout-min': { type: 'string', default: '30' },
      verify: { type: 'string', default: '1' },
      keep: { type: 'string', default: '0' },
      'serve-node-args': { type: 'string', default: '' },
      out: { type: 'string' },
    },
  });
  if (!a.tree || !a.work) throw new Error('--tree and --work are required');
  const TREE = path.resolve(a.tree);
  const WORK = path.resolve(a.work);
  const N = Number(a.files);
  const PER_DIR = Number(a['per-dir']);
  const TRANSFERS = a.transfers ? Number(a.transfers) : undefined;
  const POLL_MS = Number(a['poll-ms']);
  const nodeArgs = a['serve-node-args'].split(/\s+/).filter(Boolean);
  const quote = (x: string): string => `'${x.replace(/'/g, `'\\''`)}'`;
  // sh -c 'exec "$0" FLAGS "$@"' node main.js serve ...: the shell becomes node, so the pid stays
  const wrap = nodeArgs.length === 0 ? undefined : ['/bin/sh', '-c', `exec "$0" ${nodeArgs.map(quote).join(' ')} "$@"`];
  const cases = a.cases.split(',').map((c) => c.trim()).filter(Boolean);
  for (const c of cases) if (c !== 'files' && c !== 'plain') throw new Error(`unknown case ${c} (files, plain)`);
  if (!(N > 0) || !(PER_DIR > 0)) throw new Error('--files and --per-dir must be > 0');

  const dirs = Math.ceil(N / PER_DIR);
  const dw = String(dirs - 1).length;
  const fw = String(PER_DIR - 1).length;
  /** the i-th file's path relative to the tree */
  const rel = (i: number): string => `d${String(Math.floor(i / PER_DIR)).padStart(dw, '0')}/f${String(i % PER_DIR).padStart(fw, '0')}`;

  // ---------------------------------------------------------------- the tree
  const marker = `${TREE}.done`;
  const want = `${N} files, ${PER_DIR} per folder\n`;
  let treeNote: string;
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').split('\n').slice(1).join('\n') === want) {
    treeNote = `tree ${TREE} reused (${fs.readFileSync(marker, 'utf8').split('\n')[0]})`;
    say(treeNote);
  } else {
    say(`making ${TREE}: ${fmtInt(N)} files of 0-200 bytes in ${fmtInt(dirs)} folders`);
    fs.rmSync(marker, { force: true });
    if (fs.existsSync(TREE)) spawnSync('rm', ['-rf', TREE], { stdio: 'inherit' });
    const t = performance.now();
    const pool = Buffer.alloc(200 + 256);
    for (let i = 0; i < pool.length; i++) pool[i] = (i * 131 + 7) & 0xff;
    let bytes = 0;
    for (let d = 0; d < dirs; d++) {
      fs.mkdirSync(path.join(TREE, rel(d * PER_DIR).split('/')[0] ?? ''), { recursive: true });
    }
    for (let i = 0; i < N; i++) {
      const size = (i * 7919) % 201;
      const off = i & 0xff;
      fs.writeFileSync(path.join(TREE, rel(i)), pool.subarray(off, off + size));
      bytes += size;
      if (i > 0 && i % 200_000 === 0) say(`  ${fmtInt(i)} files, ${((performance.now() - t) / 1000).toFixed(0)} s`);
    }
    const sec = (performance.now() - t) / 1000;
    treeNote = `tree made in ${sec.toFixed(1)} s (${fmtInt(N / sec)} files/s, ${(bytes / 1e6).toFixed(1)} MB of data), Node writeFileSync loop`;
    fs.writeFileSync(marker, `made ${new Date().toISOString()} in ${sec.toFixed(1)} s\n${want}`);
    say(treeNote);
  }

  // ---------------------------------------------------------------- one case
  interface Outcome {
    name: string; listed: number; postMs: number; postStatus: number; bodyMB: number; stringifyMs: number;
    wallSec: number; view?: RequestView; probes: Probe[]; hwmKiB: number; startKiB: number; rssPeakAt: number;
    postAt: number; getMaxMs: number; getFailed: number; runningAt?: number; walkAt?: number; stopCode: number | null; dstFiles?: number; busy: string; error?: string;
  }

  async function runCase(name: string): Promise<Outcome> {
    const dst = path.join(WORK, `dst-${name}`);
    const state = path.join(WORK, `state-${name}`);
    spawnSync('rm', ['-rf', dst, state]);
    fs.mkdirSync(dst, { recursive: true });
    const s = await startServe({ src: TREE, dst, stateDir: state, db: `sqlite:${path.join(state, 'state.db')}`, transfers: TRANSFERS, ...(wrap ? { wrap } : {}) });
    say(`${name}: barge serve at ${s.url} (pid ${s.pid}), ${transfersLabel(TRANSFERS)}`);
    const startKiB = memoryOf(s.pid)?.rssKiB ?? NaN;
    const spec: Record<string, unknown> = { source: 'src:/', destination: 'dst:/' };
    let stringifyMs = 0;
    let body: string;
    {
      if (name === 'files') {
        const files = new Array<string>(N);
        for (let i = 0; i < N; i++) files[i] = rel(i);
        spec.files = files;
      }
      const t = performance.now();
      body = JSON.stringify(spec);
      stringifyMs = performance.now() - t;
    }
    const bodyMB = Buffer.byteLength(body) / 1e6;
    const listed = Array.isArray(spec.files) ? spec.files.length : 0;
    delete spec.files;
    const o: Outcome = { name, listed, postMs: NaN, postStatus: 0, bodyMB, stringifyMs, wallSec: NaN, probes: [], hwmKiB: NaN, startKiB, rssPeakAt: 0, postAt: 0, getMaxMs: 0, getFailed: 0, stopCode: null, busy: '' };
    const t0 = performance.timeOrigin + performance.now();
    const worker = new Worker(new URL(import.meta.url), { workerData: { url: s.url, everyMs: POLL_MS, t0 } });
    const probesP = new Promise<Probe[]>((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
    const m0 = machineCpu();
    const rel0 = (): number => (performance.timeOrigin + performance.now() - t0) / 1000;
    let stopped = false;
    try {
      await sleep(POLL_MS); // the first probe goes out before the POST
      o.postAt = rel0();
      const tp = performance.now();
      const res = await fetch(s.url + '/api/requests', { method: 'POST', headers: { authorization: `Bearer ${ADMIN_SECRET}`, 'content-type': 'application/json' }, body });
      const answer = await res.json() as { id?: string; error?: { message: string } };
      o.postMs = performance.now() - tp;
      o.postStatus = res.status;
      say(`${name}: POST ${res.status} in ${fmtMs(o.postMs)} ms (body ${bodyMB.toFixed(1)} MB, ${fmtInt(listed)} paths)`);
      if (res.status !== 201 || !answer.id) throw new Error(`POST /api/requests: ${res.status} ${JSON.stringify(answer).slice(0, 500)}`);
      const id = answer.id;
      const deadline = performance.now() + Number(a['timeout-min']) * 60_000;
      let peak = 0;
      let lastLog = 0;
      for (;;) {
        // fetch fails when no connection is made in 10 s (a full accept queue) or no headers come in 300 s: count it, go on
        const tg = performance.now();
        let r: { status: number; body: RequestView & { walkDone?: boolean } };
        try {
          r = await s.api<RequestView & { walkDone?: boolean }>('GET', `/api/requests/${id}`);
        } catch (e) {
          o.getFailed++;
          say(`${name}: GET /api/requests/${id} failed after ${((performance.now() - tg) / 1000).toFixed(0)} s: ${(e as Error).message}`);
          if (performance.now() > deadline) throw new Error(`not finished after ${a['timeout-min']} min`);
          continue;
        }
        o.getMaxMs = Math.max(o.getMaxMs, performance.now() - tg);
        const v = r.body;
        o.view = v;
        const sec = rel0();
        if (o.runningAt === undefined && v.state !== 'queued') o.runningAt = sec - o.postAt;
        if (o.walkAt === undefined && v.walkDone) o.walkAt = sec - o.postAt;
        const m = memoryOf(s.pid);
        if (m && m.rssKiB > peak) { peak = m.rssKiB; o.rssPeakAt = sec - o.postAt; }
        if (sec - lastLog >= 15) {
          lastLog = sec;
          say(`${name}: ${sec.toFixed(0)} s: ${v.state}, found ${fmtInt(v.files.found)}, copied ${fmtInt(v.files.copied)}; RSS ${m ? (m.rssKiB / 1024).toFixed(0) : '?'} MiB, peak so far ${m ? (m.hwmKiB / 1024).toFixed(0) : '?'} MiB`);
        }
        if (TERMINAL.has(v.state)) break;
        if (performance.now() > deadline) throw new Error(`not finished after ${a['timeout-min']} min: ${JSON.stringify(v).slice(0, 500)}`);
        await sleep(1000);
      }
      o.wallSec = rel0() - o.postAt;
    } catch (e) {
      o.error = (e as Error).message;
      say(`${name}: ${o.error}`);
    } finally {
      worker.postMessage('stop');
      o.probes = await probesP;
      await worker.terminate();
      o.busy = machineBusy(m0);
      o.hwmKiB = memoryOf(s.pid)?.hwmKiB ?? NaN;
      if (!stopped) { o.stopCode = await s.stop(); stopped = true; }
      if (o.stopCode !== 0) say(`${name}: barge serve exited ${o.stopCode}: ${s.stderr().slice(-2000)}`);
    }
    if (a.verify === '1') o.dstFiles = countFiles(dst);
    return o;
  }

  fs.mkdirSync(WORK, { recursive: true });
  const outcomes: Outcome[] = [];
  try {
    for (const c of cases) outcomes.push(await runCase(c));
    report(outcomes);
  } finally {
    // rm -rf: minutes for 1,000,000 files; after the report
    if (a.keep !== '1') {
      say(`removing ${WORK}`);
      spawnSync('rm', ['-rf', WORK], { stdio: 'inherit' });
    }
  }

  // ---------------------------------------------------------------- report
  function report(outcomes: readonly Outcome[]): void {
    const rows: ResultRow[] = [];
    const lines: string[] = [
      `| case | POST time (body) | request wall | healthz answers | healthz max / p99 | healthz > 1 s | non-200 | peak RSS | final state | files copied |`,
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
    ];
    for (const o of outcomes) {
      const ok = o.probes.filter((p) => p.status === 200);
      const st = summarize(o.probes.map((p) => p.ms));
      const worst = o.probes.reduce<Probe | undefined>((w, p) => (w === undefined || p.ms > w.ms ? p : w), undefined);
      const slow = o.probes.filter((p) => p.ms > 1000).length;
      const bad = o.probes.length - ok.length;
      const v = o.view;
      const label = o.name === 'files' ? `files list (${fmtInt(o.listed)} paths)` : 'plain (no files)';
      const stateCell = o.error ? `${v?.state ?? 'none'} (${o.error.slice(0, 80)})` : v?.state ?? '?';
      const copied = v ? `${fmtInt(v.files.copied)} of ${fmtInt(v.files.found)}${o.dstFiles === undefined ? '' : ` (DST ${fmtInt(o.dstFiles)})`}` : '-';
      lines.push(`| ${[label, `${fmtMs(o.postMs)} ms (${o.bodyMB.toFixed(1)} MB)`, `${o.wallSec.toFixed(1)} s`, fmtInt(o.probes.length),
        `${fmtMs(st.max)} / ${fmtMs(st.p99)} ms`, String(slow), String(bad), `${(o.hwmKiB / 1024).toFixed(0)} MiB`, stateCell, copied].join(' | ')} |`);
      const wrong = o.error !== undefined || v?.state !== 'succeeded' || v.files.copied !== N || (o.dstFiles !== undefined && o.dstFiles !== N) || o.stopCode !== 0;
      rows.push({
        bench: 'files list',
        setup: `SQLite, ${label}, tree of ${fmtInt(N)} files, ${transfersLabel(TRANSFERS)}`,
        value: `healthz max ${fmtMs(st.max)} ms`,
        target: '-',
        result: wrong ? 'FAIL (wrong)' : bad > 0 ? `FAIL (${bad} healthz errors)` : '-',
        detail: `POST ${fmtMs(o.postMs)} ms (${o.bodyMB.toFixed(1)} MB body, JSON.stringify ${fmtMs(o.stringifyMs)} ms not timed); healthz every ${POLL_MS} ms: n=${o.probes.length}, p50 ${fmtMs(st.p50)}, p99 ${fmtMs(st.p99)}, max ${fmtMs(st.max)} ms` +
          `${worst ? ` (sent ${((worst.at / 1000) - o.postAt).toFixed(1)} s after the POST started)` : ''}, ${slow} over 1 s, ${bad} not 200; request ${v?.state ?? '?'} in ${o.wallSec.toFixed(1)} s (running at ${o.runningAt?.toFixed(1) ?? '?'} s, walk done at ${o.walkAt?.toFixed(1) ?? '?'} s), ` +
          `copied ${v ? fmtInt(v.files.copied) : '?'} of ${v ? fmtInt(v.files.found) : '?'}, ${v?.errorCount ?? '?'} errors${o.dstFiles === undefined ? '' : `, ${fmtInt(o.dstFiles)} files in DST`}; ` +
          `the bench's GET /api/requests/{id} (once a second, one at a time): max ${fmtMs(o.getMaxMs)} ms, ${o.getFailed} failed; ` +
          `peak RSS (VmHWM) ${(o.hwmKiB / 1024).toFixed(0)} MiB (${(o.startKiB / 1024).toFixed(0)} MiB at start, highest RSS sample at ${o.rssPeakAt.toFixed(0)} s); ${o.busy}`,
      });
      // when the slow answers were sent: 1-second buckets with an answer over 1 s
      const slowAt = [...new Set(o.probes.filter((p) => p.ms > 1000).map((p) => Math.floor(p.at / 1000 - o.postAt)))];
      if (slowAt.length > 0) say(`${o.name}: healthz answers over 1 s were sent in seconds ${slowAt.join(', ')} after the POST started`);
    }
    writeRows(a.out, rows);
    process.stdout.write([treeNote, '', ...lines, ''].join('\n') + '\n');
    for (const r of rows) process.stdout.write(`- ${r.setup}: ${r.detail}\n`);
    if (rows.some((r) => r.result.startsWith('FAIL'))) process.exitCode = 1;
  }
}
