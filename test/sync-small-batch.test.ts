// The small-file batches of a copy task, on real files: what the listing said and what
// is there by the time the batch runs may differ, and every file must still end as the
// one-file path would leave it.
import assert from 'node:assert/strict';
import { xxh3 } from '@node-rs/xxhash';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { posixEndpoint } from '../src/storage/posix/posix-kind.js';
import { buildRunContext } from '../src/agent/build-run-context.js';
import { defaultSyncOptions } from '../src/core/sync-options.js';
import { BandwidthLimiter } from '../src/engine/bandwidth-limiter.js';
import { sharedCells, type RunContext } from '../src/engine/run-context.js';
import { runTask } from '../src/engine/task-runner.js';
import type { FileItem } from '../src/core/task-types.js';

function contextFor(root: string): RunContext {
  return {
    ...buildRunContext({ src: posixEndpoint(path.join(root, 's')), dst: posixEndpoint(path.join(root, 'd')), opts: defaultSyncOptions(), nowNs: 0n, verbose: true, memory: sharedCells().memory, limiterMemory: BandwidthLimiter.sharedMemory() }),
    recordHashes: true,
  };
}

function bytesOf(i: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let k = 0; k < size; k++) b[k] = (i * 7 + k * 13) % 256;
  return b;
}

/** the files as listed now, new at the destination */
async function listed(ctx: RunContext, rels: string[]): Promise<FileItem[]> {
  const out: FileItem[] = [];
  for (const rel of rels) {
    const src = await ctx.src.stat(rel);
    assert.ok(src, rel);
    out.push({ rel, src, dstExists: false, compareFirst: false });
  }
  return out;
}

test('a copy batch copies small files a buffer-full at a time, in several directories, with their hashes', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-batch-'));
  try {
    const rels: string[] = [];
    for (const dir of ['a', 'b/c']) {
      fs.mkdirSync(path.join(root, 's', dir), { recursive: true });
      fs.mkdirSync(path.join(root, 'd', dir), { recursive: true });
      // 60 files of up to 120 KiB: more than one 2 MiB buffer per directory
      for (let i = 0; i < 60; i++) {
        const rel = `${dir}/f${i}`;
        fs.writeFileSync(path.join(root, 's', rel), bytesOf(i, (i * 2039) % (120 * 1024)));
        fs.utimesSync(path.join(root, 's', rel), 1_000_000 + i, 1_000_000 + i + 0.25);
        rels.push(rel);
      }
    }
    const ctx = contextFor(root);
    const r = await runTask(ctx, { kind: 'copy', files: await listed(ctx, rels) });
    assert.deepEqual(r.errors, []);
    assert.equal(r.counters.filesCopied, rels.length);
    assert.deepEqual([...(r.landed ?? [])].sort(), [...rels].sort());
    const hashes = new Map(r.hashes);
    for (const rel of rels) {
      const want = fs.readFileSync(path.join(root, 's', rel));
      const got = fs.readFileSync(path.join(root, 'd', rel));
      assert.ok(got.equals(want), `${rel}: bytes`);
      assert.equal(fs.statSync(path.join(root, 'd', rel), { bigint: true }).mtimeNs, fs.statSync(path.join(root, 's', rel), { bigint: true }).mtimeNs, `${rel}: mtime`);
      assert.equal(hashes.get(rel), xxh3.xxh64(want).toString(16).padStart(16, '0'), `${rel}: hash (XXH3-64, one-shot)`);
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a file that changed or vanished after the listing, or whose name was taken meanwhile, ends as the one-file path leaves it', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'barge-batch-race-'));
  try {
    fs.mkdirSync(path.join(root, 's'));
    fs.mkdirSync(path.join(root, 'd'));
    const names = ['before', 'grew', 'shrank', 'touched', 'vanished', 'taken', 'after'];
    for (const [i, n] of names.entries()) fs.writeFileSync(path.join(root, 's', n), bytesOf(i, 1000 + i));
    const ctx = contextFor(root);
    const files = await listed(ctx, names);
    // what happens between the listing and the copy
    fs.appendFileSync(path.join(root, 's', 'grew'), 'more');
    fs.truncateSync(path.join(root, 's', 'shrank'), 10);
    fs.utimesSync(path.join(root, 's', 'touched'), 5, 5);
    fs.rmSync(path.join(root, 's', 'vanished'));
    fs.writeFileSync(path.join(root, 'd', 'taken'), 'made by someone else meanwhile');
    const r = await runTask(ctx, { kind: 'copy', files });
    const failed = new Map(r.errors.map((e) => [e.path, e.code]));
    assert.deepEqual(Object.fromEntries(failed), { grew: 'E_CHANGED', shrank: 'E_CHANGED', touched: 'E_CHANGED', vanished: 'E_NOT_FOUND' });
    for (const n of ['grew', 'shrank', 'touched', 'vanished']) assert.equal(fs.existsSync(path.join(root, 'd', n)), false, `${n} is not at the destination`);
    for (const n of ['before', 'after']) assert.ok(fs.readFileSync(path.join(root, 'd', n)).equals(fs.readFileSync(path.join(root, 's', n))), n);
    // the name taken meanwhile: the one-file path's answer (replaced by the source's bytes)
    assert.ok(fs.readFileSync(path.join(root, 'd', 'taken')).equals(fs.readFileSync(path.join(root, 's', 'taken'))), 'taken');
    assert.equal(r.counters.filesCopied, 3);
    assert.deepEqual(fs.readdirSync(path.join(root, 'd')).sort(), ['after', 'before', 'taken']);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
