// A service scan copies its directory's small files itself: what fails there for a reason a
// retry may help goes back as a copy to run as a task of its own (not a failure, not a scan
// run again), and what it copied is named for the manifest.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { buildRunContext } from '../src/agent/build-run-context.js';
import { SERVICE_RUN } from '../src/agent/service-run.js';
import { BargeError } from '../src/core/errors.js';
import { defaultSyncOptions } from '../src/core/sync-options.js';
import { BandwidthLimiter } from '../src/engine/bandwidth-limiter.js';
import { sharedCells, type RunContext } from '../src/engine/run-context.js';
import { runTask } from '../src/engine/task-runner.js';
import { posixEndpoint } from '../src/storage/posix/posix-kind.js';
import type { Storage } from '../src/storage/storage.js';

/** a destination whose one-file writes of `failing` fail E_IO, a reason a retry may help; no batched paths, so each file goes alone */
function flakyDestination(inner: Storage, failing: string, code: 'E_IO' | 'E_PERMISSION'): Storage {
  return new Proxy(inner, {
    get: (s, k) => {
      if (k === 'writeMany' || k === 'writeWhole') return undefined;
      const v: unknown = Reflect.get(s, k);
      if (k !== 'openWrite' || typeof v !== 'function') return v;
      return (p: string, ...rest: unknown[]): unknown => {
        if (p === failing) return Promise.reject(new BargeError(code, 'the test destination failed this write', { path: p }));
        return (v as (...a: unknown[]) => unknown).call(s, p, ...rest);
      };
    },
  });
}

function context(t: { after: (fn: () => void) => void }, code: 'E_IO' | 'E_PERMISSION'): { ctx: RunContext; dst: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-handback-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const src = path.join(root, 's');
  const dst = path.join(root, 'd');
  fs.mkdirSync(src);
  fs.mkdirSync(dst);
  for (const n of ['a', 'b', 'c']) fs.writeFileSync(path.join(src, n), `file ${n}`);
  const base = buildRunContext({ src: posixEndpoint(src), dst: posixEndpoint(dst), opts: defaultSyncOptions(), nowNs: 0n, verbose: false, memory: sharedCells().memory, limiterMemory: BandwidthLimiter.sharedMemory() });
  return { ctx: { ...base, ...SERVICE_RUN, dst: flakyDestination(base.dst, 'b', code) }, dst };
}

test('a retryable failure of a file the scan copies itself goes back as a copy, not as an error', async (t) => {
  const { ctx, dst } = context(t, 'E_IO');
  const top = await ctx.src.stat('');
  assert.ok(top);
  const r = await runTask(ctx, { kind: 'scan', rel: '', src: top, dst: undefined, dstExists: true, insideListedDir: false });
  assert.deepEqual(r.errors, []);
  assert.equal(r.counters.failed ?? 0, 0);
  assert.deepEqual(r.copies?.map((c) => c.rel), ['b']);
  assert.equal(r.counters.filesToCopy, 2, 'the handed-back file is counted where it is copied');
  assert.equal(r.counters.filesCopied, 2);
  assert.deepEqual(r.copiedHere?.map(([rel, size]) => [rel, size]).sort(), [['a', 6], ['c', 6]]);
  assert.deepEqual(r.hashes?.map(([rel]) => rel).sort(), ['a', 'c']);
  assert.deepEqual(fs.readdirSync(dst).sort(), ['a', 'c']);
});

test('a failure a retry cannot help stays an error of the scan', async (t) => {
  const { ctx } = context(t, 'E_PERMISSION');
  const top = await ctx.src.stat('');
  assert.ok(top);
  const r = await runTask(ctx, { kind: 'scan', rel: '', src: top, dst: undefined, dstExists: true, insideListedDir: false });
  assert.deepEqual(r.errors.map((e) => [e.path, e.code]), [['b', 'E_PERMISSION']]);
  assert.equal(r.counters.failed, 1);
  assert.deepEqual(r.copies ?? [], []);
  assert.equal(r.counters.filesToCopy, 3);
});

test('copyAgain: a scan whose earlier attempt never reported copies its small files again and names them all', async (t) => {
  const { ctx, dst } = context(t, 'E_IO');
  for (const n of ['a', 'b', 'c']) {
    fs.copyFileSync(path.join(ctx.src.root, n), path.join(dst, n));
    // whole seconds on both sides: the quick check compares nanoseconds
    for (const p of [path.join(ctx.src.root, n), path.join(dst, n)]) fs.utimesSync(p, 1_700_000_000, 1_700_000_000);
  }
  const top = await ctx.src.stat('');
  assert.ok(top);
  const plain = await runTask(ctx, { kind: 'scan', rel: '', src: top, dst: undefined, dstExists: true, insideListedDir: false });
  assert.equal(plain.counters.filesUpToDate, 3, 'the quick check alone finds all three up to date');
  assert.equal(plain.counters.filesCopied ?? 0, 0);
  const again = await runTask(ctx, { kind: 'scan', rel: '', src: top, dst: undefined, dstExists: true, insideListedDir: false, copyAgain: true });
  assert.equal(again.counters.filesUpToDate ?? 0, 0);
  assert.equal(again.counters.filesCopied, 2);
  assert.deepEqual(again.copies?.map((c) => c.rel), ['b'], 'b failed again, retryably: handed back');
  assert.deepEqual(again.copiedHere?.map(([rel]) => rel).sort(), ['a', 'c']);
});
