import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentHealth } from './agent-health.js';

test('a lone agent is healthy while it serves; a leasing one while its coordinator answered within the lease time', () => {
  assert.deepEqual(agentHealth(undefined, 5000), { ok: true, coordinator: 'none' });
  assert.equal(agentHealth(() => undefined, 5000).coordinator, 'enrolling');
  assert.equal(agentHealth(() => undefined, 5000).ok, false);
  const contact = { url: 'http://c:7700', lastAnswerAt: 1000, leaseMs: 2000 };
  assert.deepEqual(agentHealth(() => contact, 3000), { ok: true, coordinator: 'reachable' });
  const late = agentHealth(() => contact, 3001);
  assert.equal(late.ok, false);
  assert.equal(late.coordinator, 'unreachable');
  assert.match(late.message ?? '', /no answer from http:\/\/c:7700 for 2 s \(lease time 2 s\)/);
});
