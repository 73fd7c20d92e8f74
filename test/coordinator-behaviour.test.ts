// The coordinator's rules, in-process on the in-memory store with its built-in agent on
// real files: failures end a request `failed` with the list (the rest done, the delete
// pass skipped), maxDelete, cancel, pause/resume, retry, and the endpoint guards.
import assert from 'node:assert/strict';
import { BargeError } from '../src/core/errors.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Job } from '../src/core/agent-wire.js';
import { EndpointRootsRunner } from '../src/agent/endpoint-roots-runner.js';
import { InThreadRunner } from '../src/agent/in-thread-runner.js';
import type { JobRoots } from '../src/agent/job-runner.js';
import { LeaseLoop } from '../src/agent/lease-loop.js';
import type { LogSink } from '../src/core/log-sink.js';

import { posixEndpoint } from '../src/storage/posix/posix-kind.js';
import { buildRunContext } from '../src/agent/build-run-context.js';
import type { ServiceConfig } from '../src/config/service-config.js';
import { Coordinator } from '../src/coordinator/coordinator.js';
import type { RequestView } from '../src/core/request-types.js';
import { BandwidthLimiter } from '../src/engine/bandwidth-limiter.js';
import { sharedCells } from '../src/engine/run-context.js';
import { runTask } from '../src/engine/task-runner.js';
import { defaultSyncOptions } from '../src/core/sync-options.js';
import type { Task, TaskResult } from '../src/core/task-types.js';
import { openMemoryStore } from '../src/state/memory/open-memory.js';
import { PosixStorage } from '../src/storage/posix/posix-storage.js';
import type { Storage } from '../src/storage/storage.js';
import { diffTrees } from './helpers/tree-diff.js';

/** a failure the agent would log fails the test */
const FAIL_ON_WARNINGS: LogSink = {
  debug: () => undefined, info: () => undefined,
  warn: (_f, msg) => { throw new Error(msg); }, error: (_f, msg) => { throw new Error(msg); },
};

const READS = new Set<string | symbol>(['openRead', 'readWhole', 'readMany']);

/** runs tasks in this thread; `gate` holds them until opened (to act mid-request) */
class GatedRunner extends InThreadRunner {
  gate: Promise<void> = Promise.resolve();
  /** called once, before the source's first file is read (after the scan that listed it) */
  beforeCopy: (() => void) | undefined;
  constructor() {
    // the source, wrapped: its first read of a file's bytes calls `beforeCopy` first
    super((ctx) => ({ ...ctx, src: new Proxy(ctx.src, { get: (s, k) => this.readHook(s, k) }) }));
  }
  private readHook(s: Storage, k: string | symbol): unknown {
    const v: unknown = Reflect.get(s, k);
    if (typeof v !== 'function' || !READS.has(k)) return v;
    return (...args: unknown[]): unknown => {
      if (this.beforeCopy) { this.beforeCopy(); this.beforeCopy = undefined; }
      return (v as (...a: unknown[]) => unknown).apply(s, args);
    };
  }
  override async run(job: Job, roots: JobRoots, task: Task): Promise<TaskResult> {
    await this.gate;
    return super.run(job, roots, task);
  }
}

async function harness(t: { after: (fn: () => Promise<void>) => void }): Promise<{ root: string; src: string; dst: string; c: Coordinator; runner: GatedRunner; until: (id: string, states: string[]) => Promise<RequestView> }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-coord-'));
  const src = path.join(root, 'src');
  const dst = path.join(root, 'dst');
  fs.mkdirSync(path.join(src, 'a', 'b'), { recursive: true });
  fs.mkdirSync(dst);
  for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(src, 'a', `f${i}`), `file ${i}`);
  fs.writeFileSync(path.join(src, 'a', 'b', 'deep'), 'deep');
  const config: ServiceConfig = {
    file: undefined, name: 'test', listen: { host: '127.0.0.1', port: 0 }, db: { kind: 'memory' }, stateDir: root,
    localAgent: true, transfers: 2, leaseTimeoutMs: 5000, agentWaitMs: 60_000, agentPruneMs: 3_600_000, auth: false,
    retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
    sites: new Map(), tokens: [],
    endpointStorage: new Map([['src', posixEndpoint(src)], ['dst', posixEndpoint(dst)], ['ro', posixEndpoint(dst)]]),
    endpoints: new Map([
      ['src', { name: 'src', kind: 'posix', path: src, write: false, site: 's' }],
      ['dst', { name: 'dst', kind: 'posix', path: dst, write: true, site: 's' }],
      ['ro', { name: 'ro', kind: 'posix', path: dst, write: false, site: 's' }],
    ]),
  };
  const store = await openMemoryStore();
  const c = new Coordinator(store, config, (abs) => new PosixStorage(abs));
  c.start();
  const runner = new GatedRunner();
  const agent = new LeaseLoop(c.agentLink, { id: 'test/local', slots: 2, pollMs: 20, heartbeatMs: 500, runner: new EndpointRootsRunner(runner, config.endpointStorage), peer: 'the coordinator', log: FAIL_ON_WARNINGS });
  agent.start();
  t.after(async () => {
    await agent.stop();
    await c.stop();
    await store.close();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const until = async (id: string, states: string[]): Promise<RequestView> => {
    for (let i = 0; i < 1000; i++) {
      const v = await c.get(id);
      if (states.includes(v.state)) return v;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`request ${id} never reached ${states.join('|')}: ${JSON.stringify(await c.get(id))}`);
  };
  return { root, src, dst, c, runner, until };
}

test('a clean request succeeds with an identical tree and every file in the manifest', async (t) => {
  const h = await harness(t);
  const v = await h.c.submit({ source: 'src:/', destination: 'dst:/copy', delete: true }, 'ops');
  const end = await h.until(v.id, ['succeeded', 'failed']);
  assert.equal(end.state, 'succeeded', end.message ?? '');
  assert.deepEqual(diffTrees(h.src, path.join(h.dst, 'copy')), []);
  assert.equal((await h.c.manifest(v.id, 100, 0)).total, 31);
});

test('a file that vanishes before its copy fails the request, listed; the rest land; the delete pass is skipped', async (t) => {
  const h = await harness(t);
  h.runner.beforeCopy = () => fs.rmSync(path.join(h.src, 'a', 'f7'));
  fs.mkdirSync(path.join(h.dst, 'copy'), { recursive: true });
  fs.writeFileSync(path.join(h.dst, 'copy', 'stale'), 'x');
  const v = await h.c.submit({ source: 'src:/', destination: 'dst:/copy', delete: true }, 'ops');
  const end = await h.until(v.id, ['succeeded', 'failed']);
  assert.equal(end.state, 'failed');
  assert.deepEqual((await h.c.errors(v.id, 10, 0)).items.map((e) => [e.path, e.code]), [['a/f7', 'E_NOT_FOUND']]);
  assert.equal(end.errorCount, 1);
  assert.equal(end.files.copied, 30, 'the other files landed');
  assert.ok(fs.existsSync(path.join(h.dst, 'copy', 'a', 'f8')));
  assert.ok(fs.existsSync(path.join(h.dst, 'copy', 'stale')), 'nothing deleted after an error');
  assert.match(end.message ?? '', /delete pass skipped/);
});

test('above maxDelete nothing is deleted and the request fails with E_MAX_DELETE', async (t) => {
  const h = await harness(t);
  fs.mkdirSync(path.join(h.dst, 'copy', 'extra'), { recursive: true });
  for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(h.dst, 'copy', 'extra', `x${i}`), 'x');
  const v = await h.c.submit({ source: 'src:/', destination: 'dst:/copy', delete: true, maxDelete: 3 }, 'ops');
  const end = await h.until(v.id, ['succeeded', 'failed']);
  assert.equal(end.state, 'failed');
  assert.equal((await h.c.errors(v.id, 10, 0)).items[0]?.code, 'E_MAX_DELETE');
  assert.equal(fs.readdirSync(path.join(h.dst, 'copy', 'extra')).length, 5);
  const ok = await h.c.submit({ source: 'src:/', destination: 'dst:/copy', delete: true, maxDelete: 6 }, 'ops');
  assert.equal((await h.until(ok.id, ['succeeded', 'failed'])).state, 'succeeded');
  assert.equal(fs.existsSync(path.join(h.dst, 'copy', 'extra')), false);
});

test('a request not finished by its deadline fails, saying how far it got; a deadline that is no time, or past, is refused', async (t) => {
  const h = await harness(t);
  let open!: () => void;
  h.runner.gate = new Promise((r) => { open = r; });
  const v = await h.c.submit({ source: 'src:/', destination: 'dst:/copy', deadline: new Date(Date.now() + 1500).toISOString() }, 'ops');
  for (let i = 0; i < 500 && (await h.c.get(v.id)).state !== 'failed'; i++) await new Promise((r) => setTimeout(r, 20));
  open();
  const end = await h.c.get(v.id);
  assert.equal(end.state, 'failed');
  assert.match(end.message ?? '', /^its deadline \S+Z passed: 0 of \d+ files copied so far$/);
  assert.equal(fs.existsSync(path.join(h.dst, 'copy', 'a', 'f1')), false);
  for (const [deadline, message] of [['tomorrow', /is not an ISO 8601 time with a zone/], ['2030-01-01T00:00:00', /is not an ISO 8601 time with a zone/],
    ['2001-01-01T00:00:00Z', /has passed already/]] as const) {
    await assert.rejects(h.c.submit({ source: 'src:/', destination: 'dst:/copy', deadline }, 'ops'), (e: unknown) => e instanceof BargeError && e.code === 'E_BAD_INPUT' && message.test(e.message));
  }
});

test('pause holds a request, resume finishes it; cancel ends one; retry runs a canceled one again', async (t) => {
  const h = await harness(t);
  let open!: () => void;
  h.runner.gate = new Promise((r) => { open = r; });
  const v = await h.c.submit({ source: 'src:/', destination: 'dst:/p' }, 'ops');
  assert.equal((await h.c.act(v.id, 'pause', 'ops')).state, 'paused');
  open();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal((await h.c.get(v.id)).state, 'paused');
  await assert.rejects(h.c.act(v.id, 'retry', 'ops'), /cannot retry a request that is paused/);
  await h.c.act(v.id, 'resume', 'ops');
  assert.equal((await h.until(v.id, ['succeeded'])).state, 'succeeded');
  await assert.rejects(h.c.act(v.id, 'cancel', 'ops'), /cannot cancel a request that is succeeded/);

  let release!: () => void;
  h.runner.gate = new Promise((r) => { release = r; }); // tasks in flight hang: cancel must still end the request
  const w = await h.c.submit({ source: 'src:/', destination: 'dst:/q' }, 'ops');
  await new Promise((r) => setTimeout(r, 50));
  assert.equal((await h.c.act(w.id, 'cancel', 'ops')).state, 'canceled');
  h.runner.gate = Promise.resolve();
  release();
  assert.equal((await h.c.act(w.id, 'retry', 'ops')).state !== 'canceled', true);
  assert.equal((await h.until(w.id, ['succeeded', 'failed'])).state, 'succeeded');
  assert.deepEqual(diffTrees(h.src, path.join(h.dst, 'q')), []);
});

test('refused at submit: unknown endpoint, a read-only destination, "..", a symlink out of the root, overlap, duplicate id', async (t) => {
  const h = await harness(t);
  fs.symlinkSync('/etc', path.join(h.dst, 'out'));
  const cases: [Parameters<Coordinator['submit']>[0], RegExp][] = [
    [{ source: 'nope:/', destination: 'dst:/' }, /no endpoint named 'nope'/],
    [{ source: 'src:/', destination: 'ro:/x' }, /may not be written/],
    [{ source: 'src:/a/../..', destination: 'dst:/' }, /'\.\.' is not allowed/],
    [{ source: 'src:/', destination: 'dst:/out/x' }, /outside the endpoint's root/],
    [{ source: 'ro:/', destination: 'dst:/sub' }, /overlap/],
    [{ source: 'src:/', destination: 'dst:/', maxDelete: 3 }, /maxDelete needs delete/],
  ];
  for (const [spec, re] of cases) await assert.rejects(h.c.submit(spec, 'ops'), re, JSON.stringify(spec));
  await h.c.submit({ id: 'mine', source: 'src:/', destination: 'dst:/d' }, 'ops');
  await assert.rejects(h.c.submit({ id: 'mine', source: 'src:/', destination: 'dst:/d' }, 'ops'), /exists already/);
  await assert.rejects(h.c.get('missing'), /no request with id 'missing'/);
});

test('without the built-in agent, endpoint paths are not this host\'s: endpoints of two sites may nest, of one site may not', async () => {
  const ep = (name: string, p: string, site: string, write: boolean): [string, { name: string; kind: string; path: string; write: boolean; site: string }] =>
    [name, { name, kind: 'posix', path: p, write, site }];
  const config: ServiceConfig = {
    file: undefined, name: 'nohost', listen: { host: '127.0.0.1', port: 0 }, db: { kind: 'memory' }, stateDir: os.tmpdir(),
    localAgent: false, transfers: 2, leaseTimeoutMs: 5000, agentWaitMs: 60_000, agentPruneMs: 3_600_000, auth: false,
    retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20 }, sites: new Map(), tokens: [], endpointStorage: new Map(),
    endpoints: new Map([ep('panda', '/data', 'a', false), ep('badger', '/data/inner', 'b', true), ep('otter', '/data/inner', 'a', true)]),
  };
  const store = await openMemoryStore();
  const c = new Coordinator(store, config, (abs) => new PosixStorage(abs));
  try {
    assert.equal((await c.submit({ source: 'panda:/', destination: 'badger:/' }, 'ops')).state, 'queued');
    await assert.rejects(c.submit({ source: 'panda:/', destination: 'otter:/' }, 'ops'), /source and destination overlap/);
    await assert.rejects(c.submit({ source: 'panda:/x/../..', destination: 'badger:/' }, 'ops'), /'\.\.' is not allowed/);
  } finally {
    await c.stop();
    await store.close();
  }
});

test('a scan run again after a restart finds the directory its first attempt made, and goes on', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-rescan-'));
  try {
    fs.mkdirSync(path.join(root, 's', 'sub'), { recursive: true });
    fs.writeFileSync(path.join(root, 's', 'sub', 'f'), 'f');
    fs.mkdirSync(path.join(root, 'd', 'sub'), { recursive: true }); // made by the attempt that was killed
    const ctx = buildRunContext({ src: posixEndpoint(path.join(root, 's')), dst: posixEndpoint(path.join(root, 'd')), opts: defaultSyncOptions(), nowNs: 0n, verbose: false, memory: sharedCells().memory, limiterMemory: BandwidthLimiter.sharedMemory() });
    const src = await ctx.src.stat('sub');
    assert.ok(src);
    const r = await runTask(ctx, { kind: 'scan', rel: 'sub', src, dst: undefined, dstExists: false, insideListedDir: false });
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.copies?.map((c) => c.rel), ['sub/f']);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a finalize run again after it committed (its agent died before reporting) succeeds and changes nothing', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-refinalize-'));
  try {
    fs.mkdirSync(path.join(root, 's'));
    fs.mkdirSync(path.join(root, 'd'));
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 5, 7);
    fs.writeFileSync(path.join(root, 's', 'big'), bytes);
    const opts = defaultSyncOptions({ chunkCutoff: 1024 * 1024, chunkSize: 1024 * 1024 });
    const ctx = buildRunContext({ src: posixEndpoint(path.join(root, 's')), dst: posixEndpoint(path.join(root, 'd')), opts, nowNs: 0n, verbose: false, memory: sharedCells().memory, limiterMemory: BandwidthLimiter.sharedMemory() });
    const src = await ctx.src.stat('big');
    assert.ok(src);
    const file = { rel: 'big', src, dstExists: false, compareFirst: false };
    const prep = await runTask(ctx, { kind: 'prepare', file });
    assert.deepEqual(prep.errors, []);
    const hashes: string[] = [];
    for (let i = 0; i * 1024 * 1024 < bytes.length; i++) {
      const r = await runTask(ctx, { kind: 'chunk', file, index: i, offset: i * 1024 * 1024, length: Math.min(1024 * 1024, bytes.length - i * 1024 * 1024), recorded: undefined });
      assert.deepEqual(r.errors, []);
      hashes.push(r.chunkHash ?? '');
    }
    const first = await runTask(ctx, { kind: 'finalize', file, chunkHashes: hashes });
    assert.deepEqual(first.errors, []);
    const again = await runTask(ctx, { kind: 'finalize', file, chunkHashes: hashes });
    assert.deepEqual(again.errors, [], 'the second finalize is not an error');
    assert.deepEqual(again.landed, ['big']);
    assert.ok(fs.readFileSync(path.join(root, 'd', 'big')).equals(bytes));
    // a finalize whose file is not there at all still fails
    fs.rmSync(path.join(root, 'd', 'big'));
    const gone = await runTask(ctx, { kind: 'finalize', file, chunkHashes: hashes });
    assert.equal(gone.errors[0]?.code, 'E_NOT_FOUND');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
