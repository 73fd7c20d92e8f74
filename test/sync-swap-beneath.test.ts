// Issue 25 in a whole sync: a directory of the destination, already written into by this
// run, is swapped for a symlink out of the root (mv a a.moved; ln -s OUTSIDE a) before the
// rest of the run reaches below it. The swap is made by a decorator of the destination the
// test installs (after the first file lands in `a`), not by anything read in the copy loop.
// Nothing may be written outside, and what could not be copied is reported per path.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { buildRunContext } from '../src/agent/build-run-context.js';
import { defaultSyncOptions } from '../src/core/sync-options.js';
import { BandwidthLimiter } from '../src/engine/bandwidth-limiter.js';
import { sharedCells } from '../src/engine/run-context.js';
import type { PosixEndpoint } from '../src/storage/posix/posix-kind.js';
import { syncInTurn } from './helpers/in-turn-sync.js';
import type { Storage } from '../src/storage/storage.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-sync-swap-'));
after(() => fs.rmSync(work, { recursive: true, force: true }));

// a file landed (not the directory's own mkdir: its scan makes it just before its files)
const WRITES = new Set(['writeMany', 'writeWhole']);

/** the destination, with `swap` run once right after the first file lands below `dir` */
function swapAfterFirstWrite(inner: Storage, dir: string, swap: () => void): Storage {
  let done = false;
  const landed = (rel: unknown): void => {
    if (!done && typeof rel === 'string' && (rel === dir || rel.startsWith(dir + '/'))) { done = true; swap(); }
  };
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      const fn = v as (...a: unknown[]) => unknown;
      if (prop === 'openWrite') {
        return async (...args: unknown[]) => {
          const w = await (fn.apply(target, args) as Promise<{ commit: (...c: unknown[]) => Promise<void> }>);
          const commit = w.commit.bind(w);
          w.commit = async (...c: unknown[]) => { await commit(...c); landed(args[0]); };
          return w;
        };
      }
      if (!WRITES.has(String(prop))) return fn.bind(target);
      return async (...args: unknown[]) => { const out = await fn.apply(target, args); landed(args[0]); return out; };
    },
  });
}

test('a destination directory swapped for a symlink out of the root in the middle of a sync: nothing lands outside, the rest is reported', async () => {
  const src = path.join(work, 'src');
  const dst = path.join(work, 'dst');
  const outside = path.join(work, 'outside');
  fs.mkdirSync(path.join(src, 'a', 's', 't'), { recursive: true });
  fs.mkdirSync(path.join(src, 'b'), { recursive: true });
  for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(src, 'a', `f${i}`), `a file ${i}\n`);
  for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(src, 'a', 's', `g${i}`), `s file ${i}\n`);
  fs.writeFileSync(path.join(src, 'a', 's', 't', 'h'), 'deep\n');
  fs.writeFileSync(path.join(src, 'a', 'big'), Buffer.alloc(3 << 20, 5)); // chunked: partial file beside it
  for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(src, 'b', `k${i}`), `b file ${i}\n`);
  fs.mkdirSync(dst);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret'), 'outside');
  const outsideBefore = fs.readdirSync(outside);

  const opts = defaultSyncOptions({ chunkCutoff: 1 << 20, chunkSize: 1 << 20 });
  const srcEp: PosixEndpoint = { kind: 'posix', path: src };
  const dstEp: PosixEndpoint = { kind: 'posix', path: dst };
  const built = buildRunContext({ src: srcEp, dst: dstEp, opts, nowNs: 0n, verbose: false,
    memory: sharedCells().memory, limiterMemory: BandwidthLimiter.sharedMemory() });
  let swapped = false;
  const ctx = { ...built, dst: swapAfterFirstWrite(built.dst, 'a', () => {
    fs.renameSync(path.join(dst, 'a'), path.join(dst, 'a.moved'));
    fs.symlinkSync(outside, path.join(dst, 'a'));
    swapped = true;
  }) };
  const out = await syncInTurn(ctx);

  assert.ok(swapped, 'the swap happened during the run');
  assert.deepEqual(fs.readdirSync(outside), outsideBefore, 'nothing was written outside the root');
  assert.equal(fs.readFileSync(path.join(outside, 'secret'), 'utf8'), 'outside');
  assert.ok(out.errors.length > 0, 'what could not be copied below the swapped directory is reported');
  for (const e of out.errors) assert.ok(e.path !== undefined && (e.path === 'a' || e.path.startsWith('a/')), `only paths below a fail: ${String(e.path)} ${e.code}`);
  assert.ok(out.errors.some((e) => e.code === 'E_PATH_ESCAPE'), `E_PATH_ESCAPE among ${JSON.stringify(out.errors.map((e) => [e.path, e.code]))}`);
  // the rest of the tree landed
  assert.deepEqual(fs.readdirSync(path.join(dst, 'b')).sort(), fs.readdirSync(path.join(src, 'b')).sort());
});
