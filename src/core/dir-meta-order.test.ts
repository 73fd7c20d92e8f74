import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Entry } from './entry.js';
import { dirMetaDepth, dirMetaRounds, dirMetaTasks } from './dir-meta-order.js';

const src: Entry = { name: 'd', type: 'dir', size: 0, mtimeNs: 1n, mode: 0o755, uid: 0, gid: 0, dev: 1, ino: 1, nlink: 2, allocated: 0 };
const dir = (rel: string): { rel: string; src: Entry } => ({ rel, src });

test('the root is shallowest; depth counts path segments', () => {
  assert.ok(dirMetaDepth('') < dirMetaDepth('a'));
  assert.ok(dirMetaDepth('a') < dirMetaDepth('a/b'));
  assert.equal(dirMetaDepth('a/b'), dirMetaDepth('x/y'));
});

test('rounds go deepest first, one depth each, keeping the order within a depth', () => {
  const rounds = dirMetaRounds([dir(''), dir('a'), dir('a/b'), dir('c'), dir('a/b/c'), dir('c/d')]);
  assert.deepEqual(rounds.map((r) => r.map((d) => d.rel)), [['a/b/c'], ['a/b', 'c/d'], ['a', 'c'], ['']]);
  assert.deepEqual(dirMetaRounds([]), []);
});

test('a round is cut into tasks of at most size directories', () => {
  const dirs = ['a', 'b', 'c', 'd', 'e'].map(dir);
  assert.deepEqual(dirMetaTasks(dirs, 2).map((t) => t.dirs.map((d) => d.rel)), [['a', 'b'], ['c', 'd'], ['e']]);
  assert.ok(dirMetaTasks(dirs, 64).every((t) => t.kind === 'dirmeta'));
  assert.deepEqual(dirMetaTasks([], 64), []);
  assert.throws(() => dirMetaTasks(dirs, 0), RangeError);
});
