import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entry } from '../core/entry.js';
import { ChunkedFiles } from './chunked-files.js';
import type { FileItem } from '../core/task-types.js';

const MiB = 1024 * 1024;

function file(rel: string, size: number): FileItem {
  const src: Entry = { name: rel, type: 'file', size, mtimeNs: 0n, mode: 0o644, uid: 0, gid: 0, dev: 1, ino: 1, nlink: 1, allocated: size };
  return { rel, src, dstExists: false, compareFirst: false };
}

test('hands out the next chunk of the file with the most chunks left, one writer per file', () => {
  const c = new ChunkedFiles(MiB, 1);
  c.start(file('a', 2 * MiB), new Map());
  c.start(file('b', 5 * MiB), new Map());
  assert.equal(c.next()?.file.rel, 'b');
  assert.equal(c.next()?.file.rel, 'a');
  // both files have their writer: nothing more unless a thread would idle
  assert.equal(c.next(), undefined);
  const spare = c.next(true);
  assert.equal(spare?.file.rel, 'b', 'an idle thread helps with the file that has most left');
  assert.equal(spare?.index, 1);
});

test('a file is done once every chunk is back, in whatever order, with the hashes in chunk order', () => {
  const c = new ChunkedFiles(MiB, 1);
  c.start(file('a', 3 * MiB), new Map());
  const t0 = c.next();
  const t1 = c.next(true);
  const t2 = c.next(true);
  assert.deepEqual([t0?.index, t1?.index, t2?.index], [0, 1, 2]);
  assert.equal(c.chunkDone('a', 2, 'h2'), undefined);
  assert.equal(c.chunkDone('a', 0, 'h0'), undefined);
  const done = c.chunkDone('a', 1, 'h1');
  assert.deepEqual(done?.hashes, ['h0', 'h1', 'h2']);
  assert.equal(done?.failed, false);
  assert.equal(c.next(true), undefined);
});

test('a failed chunk drops the rest of its file: the partial stays for the next run', () => {
  const c = new ChunkedFiles(MiB, 1);
  c.start(file('a', 4 * MiB), new Map());
  c.next();
  const done = c.chunkDone('a', 0, undefined);
  assert.equal(done?.failed, true);
  assert.equal(c.next(true), undefined);
  assert.deepEqual(c.unfinished(), []);
});
