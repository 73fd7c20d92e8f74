import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BargeError } from '../core/errors.js';
import type { AgentLink } from '../core/agent-wire.js';
import { ReenrollingLink } from './reenrolling-link.js';

test('a call the coordinator refuses as not enrolled enrols again (once for calls at once) and is made again; other errors pass', async () => {
  let known = false;
  let enrolments = 0;
  const calls: string[] = [];
  const refuse = (what: string): void => {
    calls.push(what);
    if (!known) throw new BargeError('E_STATE', "coordinator http://c /api/agent/x: agent 'b1' is not enrolled (enrol again)");
  };
  const inner: AgentLink = {
    lease: async (id) => { await Promise.resolve(); refuse(`lease ${id}`); return []; },
    report: () => Promise.reject(new BargeError('E_NETWORK', 'coordinator http://c: fetch failed')),
    heartbeat: async (id) => { await Promise.resolve(); refuse(`heartbeat ${id}`); },
    onCancel: () => () => undefined,
  };
  const link = new ReenrollingLink(inner, async () => {
    enrolments++;
    await new Promise((r) => setTimeout(r, 20));
    known = true;
  });
  await Promise.all([link.lease('b1', 4), link.heartbeat('b1', 0)]);
  assert.equal(enrolments, 1, 'one enrolment for both refused calls');
  assert.deepEqual(calls.sort(), ['heartbeat b1', 'heartbeat b1', 'lease b1', 'lease b1'], 'each refused call is made again once');
  await assert.rejects(link.report('b1', []), /fetch failed/, 'a network error is not a reason to enrol');
  assert.equal(enrolments, 1);
});
