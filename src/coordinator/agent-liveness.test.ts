import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentLiveness } from './agent-liveness.js';

test('an agent a push could not reach is not alive until it is heard from again; other failures do not count', () => {
  const l = new AgentLiveness(30_000);
  const b1 = { name: 'b1', lastSeen: 1000 };
  assert.equal(l.alive(b1, 2000), true);
  l.pushing(7, 'b1');
  l.pushing(8, 'b1');
  l.reported([{ taskId: 8, result: { counters: {}, errors: [{ code: 'E_IO', message: 'disk', retryable: true }], events: [] } }], 2500);
  assert.equal(l.alive(b1, 3000), true, 'an I/O error is not a lost agent');
  l.reported([{ taskId: 7, result: { counters: {}, errors: [{ code: 'E_NETWORK', message: 'ECONNREFUSED', retryable: true }], events: [] } }], 3000);
  assert.equal(l.alive(b1, 3500), false, 'lost at once, long before its lease would time out');
  assert.equal(l.alive({ name: 'b1', lastSeen: 4000 }, 4500), true, 'a heartbeat after the failure brings it back');
  assert.equal(l.alive({ name: 'b2', lastSeen: 1000 }, 40_000), false, 'silent past the lease timeout');
});

test('a lost agent is lost since its lease ran out, or since a push could not reach it if that was first', () => {
  const l = new AgentLiveness(30_000);
  assert.equal(l.lostSince({ name: 'b1', lastSeen: 1000 }, 2000), undefined, 'alive: not lost');
  assert.equal(l.lostSince({ name: 'b1', lastSeen: 1000 }, 40_000), 31_000, 'silent: lost when its lease ran out');
  l.pushing(7, 'b1');
  l.reported([{ taskId: 7, result: { counters: {}, errors: [{ code: 'E_NETWORK', message: 'ECONNREFUSED', retryable: true }], events: [] } }], 3000);
  assert.equal(l.lostSince({ name: 'b1', lastSeen: 1000 }, 3500), 3000, 'a push that failed: lost then');
  assert.equal(l.lostSince({ name: 'b1', lastSeen: 1000 }, 40_000), 3000, 'the earlier of the two');
  assert.equal(l.lostSince({ name: 'b1', lastSeen: 4000 }, 4500), undefined, 'heard from again: alive');
});
