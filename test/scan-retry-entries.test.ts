// A service scan that listed its directory and failed on one entry for a reason a retry may
// help runs again for that entry only: what the first attempt found (subdirectories,
// copies, counts, the directory's metadata) is queued and counted once. A scan that could
// not list its directory runs again whole. Real files, the service's scan and its outcome.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { buildRunContext } from '../src/agent/build-run-context.js';
import { SERVICE_RUN } from '../src/agent/service-run.js';
import { BargeError } from '../src/core/errors.js';
import { defaultSyncOptions } from '../src/core/sync-options.js';
import type { ScanTask, TaskResult } from '../src/core/task-types.js';
import { decodeTask } from '../src/coordinator/service-task.js';
import { taskOutcome } from '../src/coordinator/task-outcome.js';
import { BandwidthLimiter } from '../src/engine/bandwidth-limiter.js';
import { sharedCells, type RunContext } from '../src/engine/run-context.js';
import { runTask } from '../src/engine/task-runner.js';
import { posixEndpoint } from '../src/storage/posix/posix-kind.js';
import type { Storage } from '../src/storage/storage.js';

const retry = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 10_000 };

/** a destination whose first call of `method` on `failing` fails E_IO (a reason a retry may help) */
function failsOnce(inner: Storage, method: 'symlink' | 'list', failing: string): Storage {
  let failed = false;
  return new Proxy(inner, {
    get: (s, k) => {
      const v: unknown = Reflect.get(s, k);
      if (k !== method || typeof v !== 'function') return v;
      return (p: string, ...rest: unknown[]): unknown => {
        if (p === failing && !failed) {
          failed = true;
          return Promise.reject(new BargeError('E_IO', 'the test destination failed this call', { path: p }));
        }
        return (v as (...a: unknown[]) => unknown).call(s, p, ...rest);
      };
    },
  });
}

function tree(t: { after: (fn: () => void) => void }): { src: string; dst: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-scanretry-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const src = path.join(root, 's');
  const dst = path.join(root, 'd');
  fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
  fs.mkdirSync(dst);
  for (const n of ['a', 'b', 'sub/c']) fs.writeFileSync(path.join(src, n), `file ${n}`);
  fs.writeFileSync(path.join(src, 'big'), Buffer.alloc(8 * 1024 * 1024, 7)); // over what a scan copies itself
  fs.symlinkSync('a', path.join(src, 'ln'));
  return { src, dst };
}

function context(src: string, dst: string, wrap: (s: Storage) => Storage): RunContext {
  const base = buildRunContext({ src: posixEndpoint(src), dst: posixEndpoint(dst), opts: defaultSyncOptions(), nowNs: 0n, verbose: false, memory: sharedCells().memory, limiterMemory: BandwidthLimiter.sharedMemory() });
  return { ...base, ...SERVICE_RUN, dst: wrap(base.dst) };
}

function outcomeOf(task: ScanTask, result: TaskResult, attempts: number): ReturnType<typeof taskOutcome> {
  return taskOutcome({ task, phase: 0, attempts, opts: defaultSyncOptions(), retry, now: 0, random: () => 0, result });
}

test('a scan that failed on one entry runs again for that entry only; what it found is queued once', async (t) => {
  const { src, dst } = tree(t);
  const ctx = context(src, dst, (s) => failsOnce(s, 'symlink', 'ln'));
  const top = await ctx.src.stat('');
  assert.ok(top);
  const scan: ScanTask = { kind: 'scan', rel: '', src: top, dst: undefined, dstExists: true, insideListedDir: false };

  const first = await runTask(ctx, scan);
  assert.deepEqual(first.errors.map((e) => [e.path, e.code, e.retryable]), [['ln', 'E_IO', true]]);
  const c1 = outcomeOf(scan, first, 1);
  assert.deepEqual(c1.errors, [], 'a retried entry is not an error yet');
  assert.deepEqual((c1.tasks ?? []).map((x) => x.kind), ['scan', 'copy'], 'the subdirectory and the larger file are queued by the first attempt');
  assert.equal(c1.counters?.filesFound, 3);
  assert.equal(c1.counters?.dirsFound, 1);
  assert.deepEqual(c1.dirMeta?.map((d) => d.path), ['']);
  const again = decodeTask(c1.retry?.payload ?? '{}');
  assert.equal(again.kind, 'scan');
  assert.deepEqual(again.kind === 'scan' && again.only, ['ln'], 'the retry looks at the failed entry only');

  const second = await runTask(ctx, again);
  assert.deepEqual(second.errors, []);
  assert.equal(second.counters.symlinksMade, 1);
  const c2 = outcomeOf(again, second, 2);
  assert.deepEqual(c2.tasks, [], 'nothing the first attempt queued is queued again');
  assert.equal(c2.retry, undefined);
  assert.equal(c2.counters?.filesFound ?? 0, 0, 'nothing counted twice');
  assert.equal(c2.counters?.dirsFound ?? 0, 0);
  assert.deepEqual(c2.dirMeta ?? [], []);
  assert.equal(fs.readlinkSync(path.join(dst, 'ln')), 'a');
  assert.deepEqual(fs.readdirSync(dst).sort(), ['a', 'b', 'ln'], 'the small files were copied by the first attempt; the larger one and the subdirectory are queued');
});

test('a scan that could not list its directory runs again whole', async (t) => {
  const { src, dst } = tree(t);
  const ctx = context(src, dst, (s) => failsOnce(s, 'list', 'sub'));
  const sub = await ctx.src.stat('sub');
  assert.ok(sub);
  fs.mkdirSync(path.join(dst, 'sub'));
  const scan: ScanTask = { kind: 'scan', rel: 'sub', src: sub, dst: undefined, dstExists: true, insideListedDir: false };
  const first = await runTask(ctx, scan);
  assert.deepEqual(first.errors.map((e) => [e.path, e.code]), [['sub', 'E_IO']]);
  const c1 = outcomeOf(scan, first, 1);
  assert.equal(c1.counters?.dirsFound ?? 0, 0, 'the directory is counted found by the attempt that lists it');
  const again = decodeTask(c1.retry?.payload ?? '{}');
  assert.equal(again.kind, 'scan');
  assert.equal(again.kind === 'scan' && again.only, undefined, 'nothing was listed: the whole directory again');
  const second = await runTask(ctx, again);
  assert.deepEqual(second.errors, []);
  assert.deepEqual(fs.readdirSync(path.join(dst, 'sub')), ['c']);
  assert.equal(outcomeOf(again as ScanTask, second, 2).counters?.dirsFound, 1);
});
