import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentQueues } from './agent-queues.js';

test('an agent holds what was leased to it until reported, lost track of, or enrolled again', () => {
  const q = new AgentQueues();
  q.leased('a1', [1, 2, 3]);
  q.leased('a2', [4]);
  assert.equal(q.holding('a1'), 3);
  q.reported('a1', [2]);
  assert.equal(q.holding('a1'), 2);
  q.heard('a1', [1]);
  assert.equal(q.holding('a1'), 1, 'the heartbeat did not name task 3: its lease runs out');
  q.heard('a1', undefined);
  assert.equal(q.holding('a1'), 1, 'an older agent names nothing: nothing is dropped');
  q.forget('a1');
  assert.equal(q.holding('a1'), 0);
  assert.equal(q.holding('a2'), 1);
});
