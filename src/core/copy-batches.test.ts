import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entry } from './entry.js';
import { copyBatches, nextBatchLength } from './copy-batches.js';
import type { FileItem } from './task-types.js';

function file(rel: string, size: number): FileItem {
  const src: Entry = { name: rel, type: 'file', size, mtimeNs: 1n, mode: 0o644, uid: 0, gid: 0, dev: 1, ino: 1, nlink: 1, allocated: size };
  return { rel, src, dstExists: false, compareFirst: false };
}
const sizes = (batches: FileItem[][]): number[][] => batches.map((b) => b.map((f) => f.src.size));

test('batches are cut by count', () => {
  const files = [1, 1, 1, 1, 1].map((s, k) => file(`f${k}`, s));
  assert.deepEqual(sizes(copyBatches(files, { maxFiles: 2, maxBytes: 100 })), [[1, 1], [1, 1], [1]]);
});

test('batches are cut by bytes; a file above the limit goes alone', () => {
  const files = [40, 50, 20, 200, 10].map((s, k) => file(`f${k}`, s));
  assert.deepEqual(sizes(copyBatches(files, { maxFiles: 10, maxBytes: 100 })), [[40, 50], [20], [200], [10]]);
  // exactly at the byte limit still fits
  assert.deepEqual(sizes(copyBatches([file('a', 60), file('b', 40)], { maxFiles: 10, maxBytes: 100 })), [[60, 40]]);
});

test('the next batch from an offset, as the one-shot run takes it from its queue', () => {
  const files = [40, 50, 20, 200].map((s, k) => file(`f${k}`, s));
  assert.equal(nextBatchLength(files, 0, { maxFiles: 10, maxBytes: 100 }), 2);
  assert.equal(nextBatchLength(files, 2, { maxFiles: 10, maxBytes: 100 }), 1);
  assert.equal(nextBatchLength(files, 3, { maxFiles: 10, maxBytes: 100 }), 1);
  assert.equal(nextBatchLength(files, 4, { maxFiles: 10, maxBytes: 100 }), 0);
  assert.equal(nextBatchLength(files, 0, { maxFiles: 1, maxBytes: 100 }), 1);
});

test('no files, no batches; a zero file limit is a bug', () => {
  assert.deepEqual(copyBatches([], { maxFiles: 2, maxBytes: 1 }), []);
  assert.throws(() => copyBatches([file('a', 1)], { maxFiles: 0, maxBytes: 1 }), RangeError);
});
