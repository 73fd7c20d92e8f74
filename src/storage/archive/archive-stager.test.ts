// How the stager cuts what it admitted into driver sessions: tape order, one volume a session.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sessionsOf } from './archive-stager.js';

void test('sessions are in volume and position order, one volume each, at most batchSize files', () => {
  const at = (path: string, volume: string, position: number) => ({ path, volume, position, size: 1 });
  const files = [at('a', 'V2', 30), at('b', 'V1', 20), at('c', 'V2', 10), at('d', 'V1', 5), at('e', 'V2', 20), at('f', 'V3', 1), at('g', 'V1', 20)];
  assert.deepEqual(sessionsOf(files, 2).map((s) => s.map((f) => f.path).join('')), ['db', 'g', 'ce', 'a', 'f']);
  assert.deepEqual(sessionsOf(files, 100).map((s) => s.map((f) => f.path).join('')), ['dbg', 'cea', 'f']);
  assert.deepEqual(sessionsOf([], 3), []);
});
