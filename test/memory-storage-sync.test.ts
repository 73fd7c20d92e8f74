// The engine on a storage kind that is not posix: endpoints of the in-memory kind (a test
// kind, registered by the one line below) opened through the registry by the agent's
// run-context wiring, and a whole sync run over them: files small and chunked, directories,
// symlinks, a second run that finds nothing to do, and --delete; and what a destination
// does not keep (its features say so) is reported per path, never attempted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildRunContext } from '../src/agent/build-run-context.js';
import { defaultSyncOptions, type SyncOptions } from '../src/core/sync-options.js';
import { BandwidthLimiter } from '../src/engine/bandwidth-limiter.js';
import { sharedCells } from '../src/engine/run-context.js';
import { BargeError } from '../src/core/errors.js';
import type { SyncOutcome } from '../src/engine/sync-run.js';
import { openStorage, registerStorageKind, type EndpointDescription } from '../src/storage/registry.js';
import type { PairFeatures } from '../src/storage/pair-features.js';
import type { Storage } from '../src/storage/storage.js';
import { syncInTurn } from './helpers/in-turn-sync.js';
import { memoryKind, type MemoryEndpoint } from './memory-storage/memory-kind.js';

registerStorageKind(memoryKind);

const T = 1_700_000_000_123_456_789n;

async function put(s: Storage, rel: string, bytes: Buffer): Promise<void> {
  const w = await s.openWrite(rel, { size: bytes.length, sparse: false });
  await w.write(bytes, 0);
  await w.commit({ mode: 0o644, uid: 0, gid: 0, mtimeNs: T }, { owner: false });
}

/** every entry below the root: type, size, mtime, link target and content */
async function treeOf(s: Storage, dir = ''): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const e of await s.list(dir)) {
    const rel = dir === '' ? e.name : `${dir}/${e.name}`;
    let what = `${e.type}`;
    if (e.type === 'file') {
      const r = await s.openRead(rel);
      const b = Buffer.alloc(r.size);
      let n = 0;
      while (n < r.size) { const k = await r.read(b.subarray(n), r.size - n, n); if (k === 0) break; n += k; }
      await r.close();
      what += ` ${e.size} ${e.mtimeNs} ${b.toString('base64')}`;
    } else if (e.type === 'symlink') what += ` -> ${e.linkTarget ?? ''}`;
    out.set(rel, what);
    if (e.type === 'dir') for (const [k, v] of await treeOf(s, rel)) out.set(k, v);
  }
  return out;
}

async function sync(src: EndpointDescription, dst: EndpointDescription, opts: SyncOptions, pair: Partial<PairFeatures> = {}, wrap: (s: Storage) => Storage = (s) => s): Promise<SyncOutcome> {
  const built = buildRunContext({ src, dst, opts, nowNs: 0n, verbose: false, memory: sharedCells().memory, limiterMemory: BandwidthLimiter.sharedMemory() });
  const ctx = { ...built, dst: wrap(built.dst), pair: { ...built.pair, ...pair } };
  return syncInTurn(ctx);
}

test('a sync between two endpoints of a kind that is not posix: identical, then a no-op, then --delete', async () => {
  const src: MemoryEndpoint = { kind: 'memory', volume: 'sync-src' };
  const dst: MemoryEndpoint = { kind: 'memory', volume: 'sync-dst', path: 'copy' };
  const s = openStorage(src);
  await s.mkdir('a');
  await s.mkdir('a/b');
  for (let i = 0; i < 40; i++) await put(s, `a/f${i}`, Buffer.from(`file ${i} `.repeat(i + 1)));
  await put(s, 'a/b/big', Buffer.alloc(3 << 20, 7)); // chunked: cutoff 1 MiB below
  await s.symlink('a/link', 'f1', { mode: 0o777, uid: 0, gid: 0, mtimeNs: T }, { owner: false });
  const opts = defaultSyncOptions({ chunkCutoff: 1 << 20, chunkSize: 1 << 20 });

  openStorage(dst, { createRoot: true });
  const first = await sync(src, dst, opts);
  assert.deepEqual(first.errors, []);
  assert.equal(first.counters.filesCopied, 41);
  assert.deepEqual(await treeOf(openStorage(dst)), await treeOf(s));

  const again = await sync(src, dst, opts);
  assert.deepEqual(again.errors, []);
  assert.equal(again.counters.filesCopied, 0, 'a second run copies nothing');

  await s.remove('a/f3');
  const pruned = await sync(src, dst, defaultSyncOptions({ ...opts, delete: true }));
  assert.deepEqual(pruned.errors, []);
  assert.equal(pruned.counters.deleted, 1);
  assert.deepEqual(await treeOf(openStorage(dst)), await treeOf(s));
});

test('a destination whose features keep no symlinks or hard links: those entries fail E_UNSUPPORTED, named, the rest lands', async () => {
  const src: MemoryEndpoint = { kind: 'memory', volume: 'features-src' };
  const dst: MemoryEndpoint = { kind: 'memory', volume: 'features-dst' };
  const s = openStorage(src);
  await put(s, 'f', Buffer.from('data'));
  await s.symlink('l', 'f', { mode: 0o777, uid: 0, gid: 0, mtimeNs: T }, { owner: false });
  openStorage(dst, { createRoot: true });
  const out = await sync(src, dst, defaultSyncOptions(), { symlinks: false });
  assert.deepEqual(out.errors.map((e) => [e.path, e.code]), [['l', 'E_UNSUPPORTED']]);
  assert.match(out.errors[0]?.message ?? '', /keeps no symlinks/);
  assert.equal(await openStorage(dst).stat('l'), undefined, 'nothing was attempted at l');
  assert.equal((await openStorage(dst).stat('f'))?.size, 4);
});

test('a chunk the destination will not record fails its file, which is not committed', async () => {
  const src: MemoryEndpoint = { kind: 'memory', volume: 'record-src' };
  const dst: MemoryEndpoint = { kind: 'memory', volume: 'record-dst' };
  const s = openStorage(src);
  await put(s, 'big', Buffer.alloc(4 << 20, 3));
  openStorage(dst, { createRoot: true });
  // the destination refuses to record chunk 2 (as an agent refuses a chunk it did not check)
  const refusing = (d: Storage): Storage => Object.assign(Object.create(d) as Storage, {
    recordChunk: (p: string, index: number, hash: string) => (index === 2 ? Promise.reject(new BargeError('E_PROTOCOL', 'record-chunk refused')) : d.recordChunk(p, index, hash)),
  });
  const out = await sync(src, dst, defaultSyncOptions({ chunkCutoff: 1 << 20, chunkSize: 1 << 20 }), {}, refusing);
  assert.deepEqual(out.errors.map((e) => [e.path, e.code]), [['big', 'E_PROTOCOL']]);
  assert.equal(out.counters.filesCopied, 0);
  assert.equal(await openStorage(dst).stat('big'), undefined, 'nothing committed under the name');
});
