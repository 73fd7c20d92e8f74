// Starts `barge serve` as a real process with a configuration of two endpoints and an
// admin token, and talks to its API the way a client does.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startBarge, waitUntil, type BargeProcess, type RunOptions } from './run-cli.js';

export const ADMIN_SECRET = 'test-admin-secret-0123456789';
export const READ_SECRET = 'test-read-secret-0123456789ab';

export interface Service {
  proc: BargeProcess;
  url: string;
  api<T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }>;
}

export function writeServiceConfig(dir: string, src: string, dst: string, extra = ''): string {
  const file = path.join(dir, 'barge.toml');
  fs.writeFileSync(file, [
    '[endpoints.src]', `path = ${JSON.stringify(src)}`, 'write = false', 'site = "here"',
    '[endpoints.dst]', `path = ${JSON.stringify(dst)}`, 'write = true', 'site = "here"',
    '[[tokens]]', 'name = "ops"', `secret = "${ADMIN_SECRET}"`, 'role = "admin"',
    '[[tokens]]', 'name = "viewer"', `secret = "${READ_SECRET}"`, 'role = "read"',
    extra,
  ].join('\n') + '\n');
  return file;
}

export async function startService(args: string[], opts: RunOptions = {}): Promise<Service> {
  const proc = startBarge(['serve', '--listen', '127.0.0.1:0', ...args], { timeoutMs: 600_000, ...opts });
  let url = '';
  await waitUntil(() => {
    const m = /listening on (https?:\/\/[^\s;]+)/.exec(proc.output().stderr);
    if (m?.[1]) url = m[1];
    if (proc.exitCode !== null) throw new Error(`barge serve exited: ${proc.output().stderr}`);
    return url !== '';
  }, 30_000);
  return {
    proc, url,
    async api<T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> {
      const res = await fetch(url + route, {
        method,
        headers: { authorization: `Bearer ${ADMIN_SECRET}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: await res.json() as T };
    },
  };
}

/** stops it as an operator would (SIGTERM) and waits for the exit */
export async function stopService(s: Service): Promise<void> {
  if (s.proc.exitCode === null) s.proc.kill('SIGTERM');
  await s.proc.done;
}

/** a tree of `dirs` x `perDir` small files, quickly */
export function makeSmallTree(root: string, dirs: number, perDir: number): number {
  let n = 0;
  for (let d = 0; d < dirs; d++) {
    const dir = path.join(root, `d${String(d).padStart(3, '0')}`, d % 3 === 0 ? 'deeper' : '');
    fs.mkdirSync(dir, { recursive: true });
    for (let f = 0; f < perDir; f++) {
      fs.writeFileSync(path.join(dir, `f${f}.dat`), `${d}/${f} `.repeat(1 + ((d * 31 + f * 7) % 300)));
      n++;
    }
  }
  return n;
}

/** names barge uses for work in progress, anywhere under root */
export function leftovers(root: string): string[] {
  const out: string[] = [];
  // names as bytes: a directory whose name is not UTF-8 is entered too
  const walk = (dir: Buffer, rel: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true, encoding: 'buffer' })) {
      const name = e.name.toString('utf8');
      const r = rel === '' ? name : `${rel}/${name}`;
      if (name.startsWith('.barge-')) out.push(r);
      if (e.isDirectory()) walk(Buffer.concat([dir, Buffer.from('/'), e.name]), r);
    }
  };
  walk(Buffer.from(root), '');
  return out;
}
