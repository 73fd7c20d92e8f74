// Helpers shared by the coordinator benchmarks: statistics, result files, and a real
// `barge serve` process started the way an operator starts it.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/src/cli/main.js, from this file's place in dist/bench/coordinator/ */
export const BARGE_MAIN: string = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const ADMIN_SECRET = 'bench-admin-secret-0123456789';

export function say(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** nearest-rank percentile of an ascending array */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

export interface Summary { n: number; p50: number; p95: number; p99: number; max: number; mean: number }

export function summarize(values: readonly number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const sum = s.reduce((a, b) => a + b, 0);
  return { n: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN, mean: s.length ? sum / s.length : NaN };
}

/** one result row of the final table */
export interface ResultRow {
  bench: string;
  /** what was measured, e.g. "SQLite, capacity 16, 1 worker" */
  setup: string;
  /** the headline figure, formatted */
  value: string;
  target: string;
  /** PASS, FAIL, or "-" when there is no target */
  result: string;
  detail: string;
}

/** appends rows to a JSON-lines file (run.sh's table reads them) and echoes them on stderr */
export function writeRows(file: string | undefined, rows: readonly ResultRow[]): void {
  for (const r of rows) say(`${r.bench} | ${r.setup} | ${r.value} | ${r.result} | ${r.detail}`);
  if (!file) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fmtMs = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

/** the environment of a timed node child: without the CA bundle (~250 ms per start here) */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

export interface ServeOptions {
  src: string;
  dst: string;
  stateDir: string;
  db: string;
  /** --transfers; undefined = serve's default (the number of cores, 2 to 16) */
  transfers?: number;
  /** extra lines for barge.toml */
  extraConfig?: string;
  /** prefix the node command, e.g. ['/usr/bin/time', '-v'] */
  wrap?: string[];
}

export interface Serve {
  child: ChildProcess;
  /** the node process itself (not a wrapper's pid) */
  pid: number;
  url: string;
  stderr(): string;
  exited: Promise<number | null>;
  api<T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<number | null>;
}

export function writeConfig(o: ServeOptions): string {
  fs.mkdirSync(o.stateDir, { recursive: true });
  const file = path.join(o.stateDir, 'barge.toml');
  fs.writeFileSync(file, [
    '[endpoints.src]', `path = ${JSON.stringify(o.src)}`, 'write = false', 'site = "here"',
    '[endpoints.dst]', `path = ${JSON.stringify(o.dst)}`, 'write = true', 'site = "here"',
    '[[tokens]]', 'name = "ops"', `secret = "${ADMIN_SECRET}"`, 'role = "admin"',
    o.extraConfig ?? '',
  ].join('\n') + '\n');
  return file;
}

/** starts `barge serve` and waits for its "listening on" line */
export async function startServe(o: ServeOptions): Promise<Serve> {
  const config = writeConfig(o);
  const args = [BARGE_MAIN, 'serve', '--config', config, '--db', o.db, '--listen', '127.0.0.1:0',
    '--state-dir', o.stateDir, ...(o.transfers === undefined ? [] : ['--transfers', String(o.transfers)])];
  const wrap = o.wrap ?? [];
  const cmd = wrap.length > 0 ? wrap[0] ?? process.execPath : process.execPath;
  const argv = wrap.length > 0 ? [...wrap.slice(1), process.execPath, ...args] : args;
  const child = spawn(cmd, argv, { env: childEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (b: Buffer) => { err += b.toString('utf8'); });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let url = '';
  const t0 = Date.now();
  while (!url) {
    const m = /listening on (http:\/\/[^\s;]+)/.exec(err);
    if (m?.[1]) url = m[1];
    else if (child.exitCode !== null) throw new Error(`barge serve exited ${child.exitCode}: ${err}`);
    else if (Date.now() - t0 > 60_000) { child.kill('SIGKILL'); throw new Error(`barge serve did not start: ${err}`); }
    else await sleep(20);
  }
  const pid = wrap.length > 0 ? nodeChildOf(child.pid ?? 0) : child.pid ?? 0;
  const api = async <T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(url + route, {
      method,
      headers: { authorization: `Bearer ${ADMIN_SECRET}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() as T };
  };
  return {
    child, pid, url, exited, api, stderr: () => err,
    /** SIGTERM to node itself (GNU time would die of it without reporting) */
    async stop(): Promise<number | null> {
      if (child.exitCode === null) {
        try { process.kill(pid, 'SIGTERM'); } catch { child.kill('SIGTERM'); }
      }
      return exited;
    },
  };
}

/** the pid of the (only) child of a wrapper such as /usr/bin/time */
function nodeChildOf(pid: number): number {
  try {
    const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    return Number(kids[0] ?? pid);
  } catch {
    return pid;
  }
}

/** VmRSS and VmHWM of a process in KiB (undefined once it is gone) */
export function memoryOf(pid: number): { rssKiB: number; hwmKiB: number } | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN);
    return { rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') };
  } catch {
    return undefined;
  }
}

/** the part of RequestView the benchmarks read */
export interface RequestView {
  id: string;
  state: string;
  startedAt: string | null;
  finishedAt: string | null;
  files: { found: number; toCopy: number; copied: number; upToDate: number; failed: number };
  bytes: { found: number; copied: number };
  errorCount: number;
  message: string | null;
}

export const TERMINAL = new Set(['succeeded', 'failed', 'canceled']);

/** whole-machine CPU counters (/proc/stat, jiffies), to tell a busy machine from a slow program */
export function machineCpu(): { busy: number; total: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const total = f.reduce((x, y) => x + y, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/** "machine cpu 87% of 2 cores" since `from` */
export function machineBusy(from: { busy: number; total: number }): string {
  const now = machineCpu();
  const pct = (100 * (now.busy - from.busy)) / Math.max(1, now.total - from.total);
  return `machine cpu ${pct.toFixed(0)}% busy (${os.cpus().length} cores)`;
}

/** how a --transfers option reads in a row */
export function transfersLabel(t: number | undefined): string {
  return t === undefined ? `default transfers (${os.availableParallelism()} cores)` : `--transfers ${t}`;
}

/** files under dir (iterative, no recursion limit) */
export function countFiles(dir: string): number {
  let n = 0;
  const stack = [dir];
  for (let d = stack.pop(); d !== undefined; d = stack.pop()) {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) stack.push(path.join(d, e.name));
      else if (e.isFile()) n++;
    }
  }
  return n;
}
