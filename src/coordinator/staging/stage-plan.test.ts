import assert from 'node:assert/strict';
import { test } from 'node:test';
import { admits, AGE_DOUBLES_MS, cutSession, pickVolume, STARVING_MS, type Located } from './stage-plan.js';

const f = (volume: string, position: number, size: number, since = 0): Located => ({ volume, position, size, since });

test('a session takes one volume\'s files in position order, within batchSize and half the quota', () => {
  const files = [f('V1', 30, 10), f('V1', 10, 10), f('V1', 20, 10), f('V1', 40, 10)];
  assert.deepEqual(cutSession(files, { batchSize: 10, quotaBytes: 100 }).map((x) => x.position), [10, 20, 30, 40]);
  assert.deepEqual(cutSession(files, { batchSize: 2, quotaBytes: 100 }).map((x) => x.position), [10, 20]);
  // half of 50 is 25: two files of 10
  assert.deepEqual(cutSession(files, { batchSize: 10, quotaBytes: 50 }).map((x) => x.position), [10, 20]);
  // a file larger than half the quota goes alone
  assert.deepEqual(cutSession([f('V1', 1, 40), f('V1', 2, 1)], { batchSize: 10, quotaBytes: 50 }).map((x) => x.position), [1]);
});

test('the volume with more bytes waiting goes first; one that waited long enough overtakes it; a mounted one is preferred', () => {
  const now = 10 * AGE_DOUBLES_MS;
  const byVolume = new Map([['BIG', [f('BIG', 1, 100, now)]], ['SMALL', [f('SMALL', 1, 30, now)]]]);
  assert.equal(pickVolume(byVolume, now, new Set()), 'BIG');
  assert.equal(pickVolume(byVolume, now, new Set(['SMALL'])), 'SMALL');
  byVolume.set('SMALL', [f('SMALL', 1, 30, now - 3 * AGE_DOUBLES_MS)]);
  assert.equal(pickVolume(byVolume, now, new Set()), 'SMALL', 'no tape starves: age raises a small volume above a big new one');
  assert.equal(pickVolume(byVolume, now, new Set(['BIG'])), 'BIG', 'a mounted volume is finished first');
  byVolume.set('SMALL', [f('SMALL', 1, 30, now - STARVING_MS)]);
  assert.equal(pickVolume(byVolume, now, new Set(['BIG'])), 'SMALL', 'unless another one starves');
  assert.equal(pickVolume(new Map(), now, new Set()), undefined);
});

test('admission: staged + on the way + the next session within the quota', () => {
  assert.equal(admits(50, 20, 30, 100), true);
  assert.equal(admits(50, 20, 31, 100), false);
});
