import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PushLoad } from './push-load.js';

const agents = [{ name: 'b1' }, { name: 'b2' }, { name: 'b3' }];
const MiB = 1024 * 1024;

test('the next push goes to the destination with the least in flight; among equals, the first in the caller\'s turn', () => {
  const l = new PushLoad(30_000, () => 0);
  assert.equal(l.least(agents).name, 'b1');
  l.started(1, 'b1', 128 * MiB);
  l.started(2, 'b2', 128 * MiB);
  assert.equal(l.least(agents).name, 'b3');
  l.started(3, 'b3', 128 * MiB);
  assert.equal(l.least([agents[1], agents[2], agents[0]] as typeof agents).name, 'b2', 'all equal: the turn decides');
  l.ended(1);
  assert.equal(l.least(agents).name, 'b1', 'b1 finished its push first: it takes the next');
  l.ended(1);
  assert.equal(l.of('b1'), 0, 'a report counted twice does not go below nothing');
});

test('a task with few bytes still counts as a stream; one handed out again moves to its new destination', () => {
  const l = new PushLoad(30_000, () => 0);
  l.started(1, 'b1', 0);
  assert.equal(l.least(agents).name, 'b2');
  l.started(1, 'b2', 0);
  assert.equal(l.of('b1'), 0);
  assert.ok(l.of('b2') > 0);
});

test('pushes never reported (their source died) stop counting after ten lease times', () => {
  let now = 0;
  const l = new PushLoad(1000, () => now);
  l.started(1, 'b1', 64 * MiB);
  now = 5000;
  l.started(2, 'b2', MiB);
  now = 10_001;
  assert.equal(l.of('b1'), 0);
  assert.ok(l.of('b2') > 0);
  assert.equal(l.least(agents).name, 'b1');
});

test('least drops the pushes gone stale before it compares, with no other call first', () => {
  let now = 0;
  const l = new PushLoad(1000, () => now);
  l.started(1, 'b1', 64 * MiB);
  l.started(2, 'b2', 128 * MiB);
  now = 8000;
  l.started(3, 'b3', MiB);
  now = 10_001;
  assert.equal(l.least(agents).name, 'b1', 'b1 and b2 count nothing now: b1 is first in turn');
  assert.equal(l.least([agents[2], agents[1]] as typeof agents).name, 'b2', 'b3 still counts its push');
});

test('where a push in flight goes: its destination until its report, the latest one when handed out again', () => {
  let now = 0;
  const l = new PushLoad(1000, () => now);
  assert.equal(l.destinationOf(1), undefined);
  l.started(1, 'b1', MiB);
  l.started(2, 'b2', MiB);
  assert.equal(l.destinationOf(1), 'b1');
  l.started(1, 'b3', MiB);
  assert.equal(l.destinationOf(1), 'b3', 'handed out again: its new destination');
  l.ended(1);
  assert.equal(l.destinationOf(1), undefined, 'reported: no longer in flight');
  now = 10_001;
  assert.equal(l.destinationOf(2), undefined, 'never reported for ten lease times: forgotten');
});
