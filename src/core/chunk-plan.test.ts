import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entry } from './entry.js';
import { chunkTasks, finalizeTask, prepareOutcome, takesChunks } from './chunk-plan.js';
import type { FileItem, TaskResult } from './task-types.js';

function file(size: number): FileItem {
  const src: Entry = { name: 'big', type: 'file', size, mtimeNs: 1n, mode: 0o644, uid: 0, gid: 0, dev: 1, ino: 1, nlink: 1, allocated: size };
  return { rel: 'big', src, dstExists: false, compareFirst: false };
}
const result = (over: Partial<TaskResult> = {}): TaskResult => ({ counters: {}, errors: [], events: [], ...over });

test('files at or above the cutoff take chunks', () => {
  assert.equal(takesChunks(file(99), 100), false);
  assert.equal(takesChunks(file(100), 100), true);
});

test('a prepare task leads to chunks unless it failed or found the file equal', () => {
  assert.equal(prepareOutcome(result()), 'chunks');
  assert.equal(prepareOutcome(result({ recorded: [[0, 'h']] })), 'chunks');
  assert.equal(prepareOutcome(result({ landed: ['big'] })), 'equal');
  assert.equal(prepareOutcome(result({ errors: [{ path: 'big', code: 'E_IO', message: 'x', retryable: true }] })), 'failed');
});

test('chunk tasks cover the file; recorded chunks carry their hash', () => {
  const f = file(250);
  const tasks = chunkTasks(f, 100, new Map([[1, 'h1']]));
  assert.deepEqual(tasks.map((t) => [t.index, t.offset, t.length, t.recorded]), [[0, 0, 100, undefined], [1, 100, 100, 'h1'], [2, 200, 50, undefined]]);
  assert.ok(tasks.every((t) => t.kind === 'chunk' && t.file === f));
});

test('the finalize task carries the chunk hashes in order', () => {
  const f = file(250);
  assert.deepEqual(finalizeTask(f, ['a', 'b', 'c']), { kind: 'finalize', file: f, chunkHashes: ['a', 'b', 'c'] });
});
